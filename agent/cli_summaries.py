"""``agent summarize`` and ``agent brief``: typer command functions the main app registers.

Registered in agent/cli.py with ``app.command()(summarize)`` and ``app.command()(brief)``; each
gets its ``Agent`` from ``agent.cli._agent(ctx)`` (so global options apply) and calls one
``Agent`` method, then renders Markdown, JSON or a rich terminal view.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markdown import Markdown

from agent.safetext import visible
from agent.types import ArticleSummary, Briefing


class OutputFormat(StrEnum):
    """How a summary or briefing is printed."""

    md = "md"
    json = "json"
    rich = "rich"


def _looks_like_input(target: str) -> bool:
    """A URL or an existing path is ingested first; anything else is an article id (prefix)."""
    return target.startswith(("http://", "https://")) or Path(target).expanduser().exists()


def _emit(obj: ArticleSummary | Briefing, fmt: OutputFormat, output: Path | None, console: Console) -> None:
    text = obj.model_dump_json(indent=2) + "\n" if fmt is OutputFormat.json else obj.to_markdown()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        Console(stderr=True).print(f"[dim]wrote {output}[/dim]", highlight=False)
        return
    # to_markdown() already escaped article-derived text for Markdown; on a terminal, any
    # control character left (an old index, a model's echo) is shown, not executed.
    if fmt is OutputFormat.rich:
        console.print(Markdown(visible(text)))
    elif fmt is OutputFormat.json:
        console.print_json(text)
    else:
        console.out(visible(text), highlight=False, end="")


def _resolve_article_id(agent: Any, target: str) -> str:
    """Ingest ``target`` when it is a path/URL and return its article id; else ``target`` as is."""
    from agent.errors import IngestError

    if not _looks_like_input(target):
        return target
    report = agent.ingest([target])
    items = [i for i in report.items if i.article_id]
    if report.failed and not items:
        error = next((i.error for i in report.items if i.error), "unknown error")
        raise IngestError(f"could not ingest {target!r}: {error}")
    if len(items) != 1:
        raise IngestError(
            f"{target!r} holds {len(items)} articles; summarise one at a time by id (see `agent list`)"
        )
    article_id: str = items[0].article_id or target
    return article_id


def summarize(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Article id (or prefix), or a file/URL to ingest first.")],
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="md | json | rich.")
    ] = OutputFormat.rich,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ignore the cached summary and redo it.")
    ] = False,
) -> None:
    """Summarise one article: headline, key points, people, figures, dates and quotes, each cited.

    Examples:

      agent summarize 3f2a9c

      agent summarize examples/articles/flood.txt --format md -o flood.md

      agent summarize https://example.com/news/story.html --format json
    """
    from agent.cli import _agent, _run, console

    agent = _agent(ctx)
    fmt = OutputFormat(format)
    err = Console(stderr=True)
    with err.status("summarising…", spinner="dots") if sys.stderr.isatty() else _null():
        summary = _run(lambda: agent.summarize(_resolve_article_id(agent, target), refresh=refresh))
    _emit(summary, fmt, output, console)


def brief(
    ctx: typer.Context,
    topic: Annotated[str | None, typer.Argument(help="Optional topic; default: the newest articles.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Published on/after DATE, or 'last': since the last briefing."),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    max_articles: Annotated[
        int, typer.Option("--max-articles", "-n", min=1, help="At most N articles.")
    ] = 10,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="md | json | rich.")
    ] = OutputFormat.rich,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
) -> None:
    """A briefing over several articles: overview, one section per storyline, disagreements.

    Every sentence cites verified quotes. Article summaries are cached, so a second briefing
    over the same articles only re-writes the briefing.

    Examples:

      agent brief --since 2024-05-01 --until 2024-05-31

      agent brief --since last          # what's new since the last briefing

      agent brief "Russia China trade" -n 5 --format md -o brief.md
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from agent.cli import _agent, _parse_date, _run, console

    agent = _agent(ctx)
    since_dt = "last" if since == "last" else _parse_date(since, "--since")
    until_dt = _parse_date(until, "--until")
    fmt = OutputFormat(format)
    labels = {
        "select": "selecting articles",
        "summarise": "summarising",
        "sentences": "choosing key sentences",
        "group": "grouping storylines",
        "write": "writing the briefing",
    }
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def progress(step: str, i: int, n: int) -> None:
            bar.update(task, description=labels.get(step, step), completed=i, total=n or None)

        briefing = _run(
            lambda: agent.brief(
                topic,
                since=since_dt,
                until=until_dt,
                source=source,
                max_articles=max_articles,
                progress=progress,
            )
        )
    _emit(briefing, fmt, output, console)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
