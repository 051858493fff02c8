"""``agent digest``: what is new since the last digest, and ``agent digest --list``.

A plain command function that agent/cli/app.py registers; ``agent watch run --digest`` makes
the same digest after a run (``make_digest_now`` in agent/cli/common.py serves both).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from agent.api import Agent
from agent.cli.common import (
    console,
    fail,
    make_agent,
    make_digest_now,
    parse_date_option,
    run,
    say_kept,
)
from agent.cli.render import OutputFormat, emit
from agent.safetext import term


def parse_since(value: str | None) -> datetime | Literal["last", "yesterday"]:
    """``last`` (the default), ``yesterday`` or a date (exit status 2 when it is none)."""
    if value is None or value.strip().lower() == "last":
        return "last"
    if value.strip().lower() == "yesterday":
        return "yesterday"
    parsed = parse_date_option(value, "--since")
    return parsed if parsed is not None else "last"


HEADER = ("made", "window", "topic", "storylines", "articles", "file")


def list_digests(agent: Agent, fmt: OutputFormat) -> None:
    """The kept digests, oldest first: JSON lines, a Markdown table, or a terminal table."""
    if fmt is OutputFormat.html:
        fail("--list prints a table (--format rich|md) or JSON lines (--format json); the list as a web "
             "page is /digests in `agent serve`", 2)
    records = run(agent.digests)
    if fmt is OutputFormat.json:
        for r in records:
            console.out(r.model_dump_json(), highlight=False)
        return
    rows = [
        [term(cell) for cell in (
            r.generated_at.strftime("%Y-%m-%d %H:%M") if r.generated_at else "?",
            f"{r.since:%Y-%m-%d %H:%M} → {r.until:%Y-%m-%d %H:%M}",
            r.topic or "", str(r.storylines), str(r.articles), r.path,
        )]
        for r in records
    ]
    if fmt is OutputFormat.md:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        console.out("\n".join(lines), highlight=False)
        return
    table = Table(*HEADER, box=None)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"[dim]{len(records)} digest(s) kept[/dim]")


def digest(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option("--since", help="last (since the last digest; the first covers a day), yesterday, "
                     "or a DATE."),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="End of the window [now].")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Only storylines about this.")] = None,
    max_articles: Annotated[
        int, typer.Option("--max-articles", "-n", min=1, help="At most N articles, the newest.")
    ] = 40,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="md | json | rich | html (the articles, quotes "
                                   "marked).")
    ] = OutputFormat.rich,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write it to FILE instead of stdout (it is kept with the "
                     "index either way)."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the kept digests instead.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Redo the model's replies.")] = False,
) -> None:
    """What is new since the last digest: storylines ranked by independent sources, wire copy
    merged, updates saying only what changed, every sentence cited; the feeds' footer.

    Each digest is kept with the index, so the next one can say what changed since.

    Examples:

      agent digest

      agent digest --since yesterday --format md -o today.md

      agent digest --format html -o today.html

      agent digest --list
    """
    fmt = OutputFormat(format)
    agent = make_agent(ctx)
    if list_:
        list_digests(agent, fmt)
        return
    start = parse_since(since)
    end = parse_date_option(until, "--until")
    made = run(lambda: make_digest_now(agent, start, end, topic, max_articles, refresh))
    emit(made, fmt, output, console, articles=agent.get if fmt is OutputFormat.html else None)
    say_kept(made)
