"""``agent summarize`` and ``agent brief``: one article's cited summary, and a briefing over several.

Each prints Markdown, JSON, HTML or a rich view through ``agent.cli.render.emit``, as the chat's
/summarize and /brief do.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from agent.api import Agent
from agent.cli.common import console, make_agent, parse_date_option, run, step_progress
from agent.cli.render import OutputFormat, emit
from agent.errors import ArticleNotFoundError, EmptyIndexError, IngestError
from agent.ingest.decode import SUPPORTED_EXTS
from agent.ingest.failures import is_url
from agent.types.briefings import BRIEF_STEPS


def _clearly_a_path(target: str) -> bool:
    """A path no article id looks like: it holds a ``/``, starts with ``.`` or ``~``, or ends in
    a file type ingest reads (ids are hex digits)."""
    return ("/" in target or os.sep in target or target.startswith((".", "~"))
            or Path(target).suffix.lower() in SUPPORTED_EXTS)


def _resolve_article_id(agent: Agent, target: str) -> str:
    """The article ``summarize`` means: a URL is ingested first; an id or id prefix the index
    holds wins; else a path that is clearly a path and exists is ingested first."""
    if is_url(target):
        return _ingest_one(agent, target)
    try:
        return agent.get(target).id
    except (ArticleNotFoundError, EmptyIndexError) as e:
        path = Path(target).expanduser()
        if _clearly_a_path(target) and path.exists():
            return _ingest_one(agent, target)
        if path.exists():
            raise type(e)(f"{e}; to summarise the file {target!r}, write ./{target}") from None
        raise


def _ingest_one(agent: Agent, target: str) -> str:
    """Ingest ``target`` and return the id of the one article it holds."""
    report = agent.ingest([target])
    items = [i for i in report.items if i.article_id and i.status != "duplicate"]
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
    target: Annotated[
        str,
        typer.Argument(help="Article id or id prefix; or a URL, or a file path holding '/', starting "
                       "with '.' or '~' or ending in .txt/.md/.html/.jsonl, ingested first."),
    ],
    format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="md | json | rich | html (the article, quotes marked)."),
    ] = OutputFormat.rich,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ignore the cached summary and redo it.")
    ] = False,
) -> None:
    """Summarise one article: headline, key points, people, figures, dates and quotes, each cited.

    TARGET is read as an id first: an id or id prefix the index holds always wins. Otherwise a
    URL, or an existing path that is clearly a path (it holds a '/', starts with '.' or '~', or
    ends in a file type ingest reads), is ingested first. A file named like an id: write ./NAME.

    Examples:

      agent summarize 3f2a9c

      agent summarize examples/articles/flood.txt --format md -o flood.md

      agent summarize https://example.com/news/story.html --format json

      agent summarize 3f2a9c --format html -o summary.html
    """
    agent = make_agent(ctx)
    fmt = OutputFormat(format)
    err = Console(stderr=True)
    with err.status("summarising…", spinner="dots") if sys.stderr.isatty() else contextlib.nullcontext():
        summary = run(lambda: agent.summarize(_resolve_article_id(agent, target), refresh=refresh))
    emit(summary, fmt, output, console, articles=agent.get if fmt is OutputFormat.html else None)


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
        OutputFormat,
        typer.Option("--format", "-f", help="md | json | rich | html (the articles, quotes marked)."),
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

      agent brief "flood" --since 2026-03-01 --format html -o brief.html
    """
    agent = make_agent(ctx)
    since_dt: datetime | Literal["last"] | None = (
        "last" if since == "last" else parse_date_option(since, "--since")
    )
    until_dt = parse_date_option(until, "--until")
    fmt = OutputFormat(format)
    with step_progress(BRIEF_STEPS) as progress:
        briefing = run(
            lambda: agent.brief(
                topic,
                since=since_dt,
                until=until_dt,
                source=source,
                max_articles=max_articles,
                progress=progress,
            )
        )
    emit(briefing, fmt, output, console, articles=agent.get if fmt is OutputFormat.html else None)
