"""``agent ingest``, ``list``, ``show``, ``remove`` and ``stats``: putting articles into the index
and looking at what it holds."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from agent.api import Agent
from agent.cli.common import console, err_console, make_agent, parse_date_option, run
from agent.errors import IngestInterrupted
from agent.safetext import SOURCE_CHARS, TITLE_CHARS, clipped, term, visible
from agent.types import Article, IngestItem, IngestReport


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(help="Files (.txt .md .html .jsonl), folders, article URLs or RSS/Atom feeds."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    allow_private_fetch: Annotated[
        bool | None,
        typer.Option("--allow-private-fetch", help="Let feed links and redirects reach private, "
                     "loopback and link-local addresses (a feed on your intranet)."),
    ] = None,
    max_chunks_per_article: Annotated[
        int | None,
        typer.Option("--max-chunks-per-article", min=0,
                     help="Index at most N chunks of one article (0 = no limit) [200]."),
    ] = None,
    summarize_after: Annotated[
        bool,
        typer.Option("--summarize", help="Then summarise the added and updated articles, so later "
                     "`summarize` and `brief` read the cache (Ctrl-C keeps the finished ones)."),
    ] = False,
) -> None:
    """Add articles to the index. Unchanged articles are skipped; changed ones replaced.

    Examples:

      agent ingest examples/articles

      agent ingest examples/articles --summarize   # summaries ready before the first briefing

      agent ingest notes.md https://example.com/news/story.html

      agent ingest https://example.com/feed.xml --json
    """
    agent = make_agent(ctx, allow_private_fetch=allow_private_fetch,
                       max_chunks_per_article=max_chunks_per_article)
    quiet = as_json or not sys.stderr.isatty()
    with Progress(
        SpinnerColumn(),
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as bar:
        progress, chunk_progress = _ingest_progress(bar, as_json=as_json, quiet=quiet)
        try:
            report = run(lambda: agent.ingest(paths, progress=progress, chunk_progress=chunk_progress))
        except IngestInterrupted as stopped:
            bar.stop()
            if as_json:
                console.print_json(stopped.report.model_dump_json())
            err_console.print(f"[yellow]{term(str(stopped))}[/yellow]", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
    if as_json:
        console.print_json(report.model_dump_json())
    else:
        _print_report(report)
    if summarize_after:
        _summarize_new(agent, report, quiet=as_json)
    if report.failed:
        raise typer.Exit(1)


def _ingest_progress(
    bar: Progress, *, as_json: bool, quiet: bool
) -> tuple[Callable[[IngestItem], None], Callable[[Article, int, int], None]]:
    """The two callbacks ``Agent.ingest`` reports to: one per input (advances the bar, prints
    failures, truncations and warnings) and one per embedded chunk of an article."""
    task = bar.add_task("", total=None)
    chunk_task = bar.add_task("", total=None, visible=False)
    announced: set[str] = set()

    def progress(item: IngestItem) -> None:
        bar.update(task, advance=1, description=term((item.title or item.input)[:50]))
        bar.update(chunk_task, visible=False)
        if item.status == "failed" and not as_json:
            err_console.print(f"[red]failed:[/red] {term(item.error)}", highlight=False,
                              soft_wrap=True)
        if item.truncated_at is not None and not as_json:
            err_console.print(f"[yellow]note:[/yellow] {term(item.input)}: {term(item.note)}",
                              highlight=False, soft_wrap=True)
        for warning in [] if as_json else item.warnings:  # one line per problem, kept article
            err_console.print(
                f"[yellow]warning:[/yellow] {term(item.input)}: {term(warning)}",
                highlight=False, soft_wrap=True,
            )

    def chunk_progress(article: Article, done: int, total: int) -> None:
        # The per-article bar: a long article's chunks are minutes of embedding on a CPU.
        bar.update(chunk_task, visible=True, completed=done, total=total,
                   description=term(f"embedding chunks of {article.title[:40]}"))
        if quiet and not as_json and total >= 200 and article.id not in announced:
            announced.add(article.id)  # no live bar (not a terminal): say it once
            err_console.print(f"embedding {total:,} chunks of {term(article.title[:60])}…",
                              highlight=False, soft_wrap=True)

    return progress, chunk_progress


def _print_report(report: IngestReport) -> None:
    """The one-line ingest summary: added, updated, unchanged, failed, duplicates skipped, and
    what was changed."""
    console.print(
        f"[green]added {report.added}[/green], updated {report.updated}, "
        f"unchanged {report.unchanged}, "
        f"[{'red' if report.failed else 'default'}]failed {report.failed}[/]"
        + (f", {report.duplicates} duplicate(s) skipped" if report.duplicates else "")
        + (f", [yellow]truncated {report.truncated}[/yellow]" if report.truncated else "")
        + (f", {report.controls_removed} control character(s) removed"
           if report.controls_removed else "")
        + (f", [yellow]{report.warnings} warning(s)[/yellow]" if report.warnings else "")
        + f" ({report.chunks} chunks in {report.seconds:.1f}s)"
    )


def _summarize_new(agent: Agent, report: IngestReport, *, quiet: bool) -> None:
    """``ingest --summarize``: summarise what the ingest added or changed, with a bar and an ETA."""
    ids = [i.article_id for i in report.items if i.status in ("added", "updated") and i.article_id]
    if not ids:
        return
    with Progress(TextColumn("summarising"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, disable=quiet, transient=True) as bar:
        task = bar.add_task("", total=len(ids))
        ahead = run(lambda: agent.summarize_ahead(
            ids, progress=lambda done, total, eta: bar.update(task, completed=done)))
    if not quiet:
        failed = f", [red]failed {len(ahead.failed)}[/red]" if ahead.failed else ""
        stopped = " (interrupted: the finished ones are cached)" if ahead.interrupted else ""
        err_console.print(f"summarised {ahead.summarised}, already cached {ahead.cached}{failed} "
                          f"in {ahead.seconds:.0f}s{stopped}", highlight=False)
        for article_id, why in ahead.failed:
            err_console.print(f"[red]summary failed:[/red] {article_id[:12]}: {term(why)}",
                              highlight=False, soft_wrap=True)


def list_articles(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="At most N articles (N ≥ 1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines output.")] = False,
) -> None:
    """List indexed articles, newest first."""
    agent = make_agent(ctx)
    articles = run(
        lambda: agent.list(
            source=source,
            since=parse_date_option(since, "--since"),
            until=parse_date_option(until, "--until"),
            limit=limit,
        )
    )
    if as_json:
        for a in articles:
            console.out(a.model_dump_json(exclude={"text"}), highlight=False)
        return
    table = Table("id", "published", "source", "title", box=None)
    for a in articles:  # one row per article, whatever the length of its title
        table.add_row(
            a.id[:12], a.published.date().isoformat() if a.published else "",
            term(clipped(a.source, SOURCE_CHARS)), term(clipped(a.title, TITLE_CHARS)),
        )
    console.print(table)
    console.print(f"[dim]{len(articles)} article(s)[/dim]")


def show(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id or unique prefix (see `agent list`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one article's metadata and cleaned text."""
    agent = make_agent(ctx)
    a = run(lambda: agent.get(article_id))
    if as_json:
        console.print_json(a.model_dump_json())
        return
    console.print(f"[bold]{term(a.title)}[/bold]")
    meta = [a.source, a.published.isoformat() if a.published else None, a.author, a.url]
    console.print("[dim]" + " · ".join(term(m) for m in meta if m)
                  + f"[/dim]\n[dim]id {term(a.id)}[/dim]\n")
    console.out(visible(a.text), highlight=False)


def remove(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id or unique prefix.")],
) -> None:
    """Remove an article and its chunks from the index."""
    agent = make_agent(ctx)
    article = run(lambda: agent.get(article_id))
    run(lambda: agent.remove(article.id))
    console.print(f"removed {article.id[:12]} {term(clipped(article.title, TITLE_CHARS))}")


def stats(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts of articles and chunks, sources, date range, and which embedder built the index."""
    agent = make_agent(ctx)
    data = run(agent.stats)
    if as_json:
        console.print_json(json.dumps(data, default=str))
        return
    table = Table(box=None, show_header=False)
    for key, value in data.items():
        table.add_row(f"[bold]{term(key)}[/bold]", term(str(value)))
    console.print(table)
