"""The ``agent`` command line: thin on purpose.

Each command parses flags into ``Settings`` overrides, calls one ``Agent`` method and
renders the result with rich. Errors the user can fix (``NewsAgentError``) are printed as
one red line and exit with status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from agent.errors import NewsAgentError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

app = typer.Typer(
    name="agent",
    help=(
        "newsagent: ingest news articles, ask questions with verified citations.\n\n"
        "Quick start (offline, embedded default models):\n\n"
        "  agent ingest examples/articles\n\n"
        '  agent ask "How much rain fell before the River Ash flood?"\n\n'
        "Settings come from defaults < ~/.config/newsagent/config.toml or ./newsagent.toml "
        "< NEWSAGENT_* env vars < these flags. See `agent config`."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


def _run(fn: Callable[[], T]) -> T:
    """Call ``fn``; turn a NewsAgentError into one red line and exit status 1."""
    try:
        return fn()
    except NewsAgentError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _parse_date(value: str | None, name: str) -> datetime | None:
    """A date or date-time option; a bare date given to ``--until`` means the end of that day
    ("on or before 2026-03-12" includes articles published on the 12th)."""
    if value is None:
        return None
    from dateutil import parser as dateparser

    try:
        parsed = dateparser.parse(value)
    except (ValueError, OverflowError):
        err_console.print(
            f"[red]error:[/red] {name} {value!r} is not a date; use e.g. 2026-03-14", highlight=False
        )
        raise typer.Exit(2) from None
    if name == "--until" and _is_bare_date(value):
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _is_bare_date(value: str) -> bool:
    """True for "2026-03-12" or "12 March 2026", False when a time of day is given."""
    return ":" not in value and not any(t in value.upper() for t in ("T0", "T1", "T2", " AM", " PM"))


# --- global options --------------------------------------------------------------------
@app.callback()
def main(
    ctx: typer.Context,
    index: Annotated[
        Path | None, typer.Option("--index", help="Folder of the embedded Chroma index [./index].")
    ] = None,
    chroma_url: Annotated[
        str | None,
        typer.Option("--chroma-url", help="Use a Chroma server instead, e.g. http://127.0.0.1:8000."),
    ] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="auto | local | openai.")] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model name (see `agent models`) or server model id."),
    ] = None,
    model_path: Annotated[Path | None, typer.Option("--model-path", help="Use any local GGUF file.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."),
    ] = None,
    embedder: Annotated[
        str | None, typer.Option("--embedder", help="local (offline MiniLM) | openai.")
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="CPU threads for llama.cpp.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Global options go before the command: `agent --index my_index ask ...`."""
    overrides: dict[str, Any] = {
        "index_path": index,
        "chroma_url": chroma_url,
        "provider": provider,
        "model": model,
        "model_path": model_path,
        "base_url": base_url,
        "embedder": embedder,
        "threads": threads,
    }
    ctx.obj = {k: v for k, v in overrides.items() if v is not None}
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # bm25s sets its own logger to DEBUG on import; keep its chatter out of normal output.
    logging.getLogger("bm25s").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _agent(ctx: typer.Context, **more: Any) -> Any:
    from pydantic import ValidationError

    from agent.core import Agent

    overrides = {**(ctx.obj or {}), **{k: v for k, v in more.items() if v is not None}}
    try:
        return Agent(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        err_console.print(f"[red]error:[/red] setting {where}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from None


# --- ingest ------------------------------------------------------------------------------
@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(help="Files (.txt .md .html .jsonl), folders, article URLs or RSS/Atom feeds."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add articles to the index. Unchanged articles are skipped; changed ones replaced.

    Examples:

      agent ingest examples/articles

      agent ingest notes.md https://example.com/news/story.html

      agent ingest https://example.com/feed.xml --json
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from agent.types import IngestItem

    agent = _agent(ctx)
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
        task = bar.add_task("", total=None)

        def progress(item: IngestItem) -> None:
            bar.update(task, advance=1, description=(item.title or item.input)[:50])
            if item.status == "failed" and not as_json:
                err_console.print(f"[red]failed:[/red] {item.error}", highlight=False, soft_wrap=True)

        report = _run(lambda: agent.ingest(paths, progress=progress))
    if as_json:
        console.print_json(report.model_dump_json())
    else:
        console.print(
            f"[green]added {report.added}[/green], updated {report.updated}, "
            f"unchanged {report.unchanged}, "
            f"[{'red' if report.failed else 'default'}]failed {report.failed}[/] "
            f"({report.chunks} chunks in {report.seconds:.1f}s)"
        )
    if report.failed:
        raise typer.Exit(1)


# --- ask ---------------------------------------------------------------------------------
@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    article: Annotated[str | None, typer.Option("--article", help="Only this article id.")] = None,
    k: Annotated[int | None, typer.Option("-k", help="Passages to give the model.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Ask as of DATE: 'this week' = the 7 days to it; nothing later used."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the time window, filters and passages considered.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole Answer as JSON.")] = False,
    show_usage: Annotated[
        bool, typer.Option("--usage", help="Print the tokens used and their approximate cost (also with -v).")
    ] = False,
) -> None:
    """Answer a question from the indexed articles, citing verbatim quotes.

    Relative time is resolved against today, or against --as-of to replay a past day's news.
    Windows are whole days in the as-of time zone; nothing published after the as-of moment is used:

    - "this week", "the past week", "these days", "the past few days": the last 7 days and today
    - "last week", "the previous week": the 7 days before those (8 to 14 days back)
    - "so far this week", "earlier this week", "since Monday": the calendar week, from Monday
    - "today", "yesterday", "on Monday", "last Monday", "this weekend", "last weekend": those days
    - "recently", "lately", "the latest": the last 14 days (widened when empty)
    - "this month", "last month", "this year", "last year": calendar months and years
    - "on January 6", "in March", "the March 2020 lockdown": the event, so coverage from that date on
    - "since 1 March", "before 2020", "between 3 and 10 March": publication dates

    When a window holds nothing relevant, the answer comes from the closest coverage within one
    window length and its first sentence says so ("Nothing from …; the closest coverage, from …,
    says: …"); with nothing near, the answer says so. --explain shows the reading used.

    Examples:

      agent ask "What was the trade volume between Russia and China last year?"

      agent ask "What did the council approve?" --source "Riverside Herald" --since 2026-03-01

      agent ask "Who won?" --json | jq .citations

      agent ask "How many homes were affected this week?" --as-of 2026-03-13 --explain
    """
    from agent.render import print_answer, streaming

    agent = _agent(ctx)
    since_dt, until_dt = _parse_date(since, "--since"), _parse_date(until, "--until")
    as_of_dt = _parse_date(as_of, "--as-of")
    # The raw answer streams into a transient live view, then the verified answer (markers
    # renumbered, unsupported claims removed) replaces it, followed by the sources.
    with contextlib.nullcontext(None) if as_json else streaming(console) as on_text:
        answer = _run(
            lambda: agent.ask(
                question,
                k=k,
                source=source,
                since=since_dt,
                until=until_dt,
                article=article,
                as_of=as_of_dt,
                on_text=on_text,
            )
        )
    if as_json:
        console.print_json(answer.model_dump_json())
        return
    print_answer(console, answer)
    if answer.usage is not None and (show_usage or ctx.find_root().params.get("verbose")):
        from agent.usage import format_usage

        console.print(f"[dim]{format_usage(answer.usage)}[/dim]", highlight=False)
    if explain and answer.retrieval is not None:
        from agent.render import print_retrieval

        print_retrieval(console, answer.retrieval)


# --- manage ------------------------------------------------------------------------------
@app.command("list")
def list_articles(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="At most N articles.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines output.")] = False,
) -> None:
    """List indexed articles, newest first."""
    agent = _agent(ctx)
    articles = _run(
        lambda: agent.list(
            source=source,
            since=_parse_date(since, "--since"),
            until=_parse_date(until, "--until"),
            limit=limit,
        )
    )
    if as_json:
        for a in articles:
            console.out(a.model_dump_json(exclude={"text"}), highlight=False)
        return
    table = Table("id", "published", "source", "title", box=None)
    for a in articles:
        table.add_row(
            a.id[:12], a.published.date().isoformat() if a.published else "", a.source or "", a.title
        )
    console.print(table)
    console.print(f"[dim]{len(articles)} article(s)[/dim]")


@app.command()
def show(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id or unique prefix (see `agent list`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one article's metadata and cleaned text."""
    agent = _agent(ctx)
    a = _run(lambda: agent.get(article_id))
    if as_json:
        console.print_json(a.model_dump_json())
        return
    console.print(f"[bold]{a.title}[/bold]")
    meta = [a.source, a.published.isoformat() if a.published else None, a.author, a.url]
    console.print("[dim]" + " · ".join(m for m in meta if m) + f"[/dim]\n[dim]id {a.id}[/dim]\n")
    console.print(a.text, highlight=False)


@app.command()
def remove(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id or unique prefix.")],
) -> None:
    """Remove an article and its chunks from the index."""
    agent = _agent(ctx)
    article = _run(lambda: agent.get(article_id))
    _run(lambda: agent.remove(article.id))
    console.print(f"removed {article.id[:12]} {article.title}")


@app.command()
def stats(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts of articles and chunks, sources, date range, and which embedder built the index."""
    agent = _agent(ctx)
    data = _run(agent.stats)
    if as_json:
        console.print_json(json.dumps(data, default=str))
        return
    table = Table(box=None, show_header=False)
    for key, value in data.items():
        table.add_row(f"[bold]{key}[/bold]", str(value))
    console.print(table)


@app.command()
def config(ctx: typer.Context) -> None:
    """Print the effective settings (secrets masked) and where they can be set."""
    from agent.settings import CONFIG_FILES

    agent = _agent(ctx)
    table = Table("setting", "value", box=None)
    for key, value in agent.settings.masked().items():
        table.add_row(key, str(value))
    console.print(table)
    files = ", ".join(f"{p}{'' if p.is_file() else ' (absent)'}" for p in CONFIG_FILES)
    console.print(f"[dim]config files: {files}; env vars: NEWSAGENT_<SETTING>[/dim]")


@app.command()
def models(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the local models: which is active, whether its file is assembled and verified."""
    from agent.models import list_models

    agent = _agent(ctx)
    rows = _run(lambda: list_models(agent.settings))
    if as_json:
        console.print_json(json.dumps([r.model_dump() for r in rows]))
        return
    table = Table("", "name", "aliases", "parts installed", "file", "description", box=None)
    for r in rows:
        state = (
            "[green]verified[/green]"
            if r.verified
            else ("present" if r.file_present else "[dim]not yet assembled[/dim]")
        )
        table.add_row(
            "*" if r.active else "",
            r.name,
            ", ".join(r.aliases),
            "yes" if r.installed else "[red]no[/red]",
            state,
            r.description,
        )
    console.print(table)
    s = agent.settings
    if s.resolved_provider == "openai":
        console.print(
            f"[dim]active provider: openai ({s.base_url or 'api.openai.com'}), model {s.resolved_model}[/dim]"
        )
    elif s.model_path:
        console.print(f"[dim]active: local file {s.model_path}[/dim]")
    console.print(
        "[dim]local model files are assembled on first use (hash-checked); see `agent doctor`[/dim]"
    )


@app.command()
def doctor(
    ctx: typer.Context,
    quick: Annotated[bool, typer.Option("--quick", help="Skip loading the chat model.")] = False,
) -> None:
    """Check the installation end to end (tokenizer, llama.cpp, embedder, model file, index)."""
    from agent.doctor import run_checks, versions

    agent = _agent(ctx)
    console.print("[dim]" + ", ".join(f"{k} {v}" for k, v in versions().items()) + "[/dim]")
    results = run_checks(agent.settings, skip={"chat model"} if quick else None)
    for c in results:
        mark = "[green]ok[/green]  " if c.ok else "[red]FAIL[/red]"
        console.print(f"{mark} [bold]{c.name}[/bold]: {c.detail}", highlight=False, soft_wrap=True)
        if c.fix and (not c.ok or c.fix.startswith("add")):
            console.print(f"      [yellow]fix:[/yellow] {c.fix}", highlight=False)
    if not all(c.ok for c in results):
        raise typer.Exit(1)


def _register_summary_commands() -> None:
    from agent.cli_summaries import brief, summarize

    app.command()(summarize)
    app.command()(brief)


def _register_chat_command() -> None:
    from agent.cli_chat import chat

    app.command()(chat)


_register_summary_commands()
_register_chat_command()

if __name__ == "__main__":  # pragma: no cover
    app()
