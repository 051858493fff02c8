"""``agent reindex``: rebuild the index's vectors from its stored texts (the repair ``agent
doctor`` names for a damaged vector segment).

A plain command function; agent/cli/app.py registers it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from agent.cli.common import console, err_console, make_agent, run


def reindex(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Rebuild every vector from the stored chunk texts; ids, texts and metadata stay as they are.

    Run it when `agent doctor` (or any command) says the index is damaged: a vector segment was
    lost or cut short, so searches would miss passages. It re-embeds every chunk (about as long as
    ingesting the articles again, without fetching anything); stopping it is safe, and running it
    again finishes the job.

    Examples:

      agent reindex

      agent --index my_index reindex --json
    """
    agent = make_agent(ctx)
    with Progress(TextColumn("re-embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, disable=as_json or not sys.stderr.isatty(), transient=True) as bar:
        task = bar.add_task("", total=None)
        report = run(lambda: agent.reindex(
            progress=lambda done, total: bar.update(task, completed=done, total=total)))
    if as_json:
        console.print_json(report.model_dump_json())
    else:
        console.print(report.to_markdown().strip(), highlight=False, soft_wrap=True)
    if not report.repaired:
        raise typer.Exit(1)
