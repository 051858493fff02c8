"""What every ``agent`` command shares: the consoles, the ``Agent`` from the global options,
the one-red-line error rule, the step progress bar, the date-option parser, and the digest that
``agent digest`` and ``agent watch run --digest`` both make (no other ``agent.cli`` module but
``failures`` is imported here, so commands never depend on each other).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from agent.api import Agent  # light: its heavy libraries load when a method needs them
from agent.cli import failures
from agent.errors import InvalidArgumentError, NewsAgentError
from agent.safetext import term
from agent.text.dates import check_in_range, parse_user_date
from agent.types import Digest

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


def fail(message: str, status: int) -> NoReturn:
    """``message`` as one red line on stderr (terminal controls shown, markup escaped), then exit."""
    err_console.print(f"[red]error:[/red] {term(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(status) from None


def make_agent(ctx: typer.Context, **more: Any) -> Agent:
    """The ``Agent`` for this command: the global options (``ctx.obj``) plus the command's own
    settings ``more`` (None means "not given"); a bad setting is one red line and exit status 2."""
    overrides = {**(ctx.obj or {}), **{k: v for k, v in more.items() if v is not None}}
    try:
        agent = Agent(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        err_console.print(f"[red]error:[/red] setting {where}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from None
    except NewsAgentError as exc:  # an unknown preset, a misspelt key in a preset file
        fail(str(exc), 2)
    ctx.meta[failures.SETTINGS_KEY] = agent.settings  # so a failure's line can name the index or server
    return agent


def run(fn: Callable[[], T]) -> T:
    """Call ``fn``; turn a NewsAgentError into one red line and exit status 1. Any other
    exception goes on to the app's last-resort handler (``GlobalOptionsGroup.invoke``), which
    prints it as one line too."""
    try:
        return fn()
    except NewsAgentError as exc:
        fail(str(exc), 1)


@contextmanager
def step_progress(steps: Mapping[str, str]) -> Iterator[Callable[[str, int, int], None]]:
    """A transient bar on stderr (drawn only on a terminal) and the ``progress(step, i, n)``
    callback that feeds it; ``steps`` names each step for the bar."""
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
            bar.update(task, description=steps.get(step, step), completed=i, total=n or None)

        yield progress


#: What ``digest`` shows on its bar for each step ``Agent.digest`` reports.
DIGEST_STEPS = {
    "select": "finding what is new",
    "sentences": "choosing key sentences",
    "group": "merging copies, grouping storylines",
    "write": "writing the digest",
}


def make_digest_now(agent: Agent, since: datetime | Literal["last", "yesterday"] = "last",
                    until: datetime | None = None, topic: str | None = None, max_articles: int = 40,
                    refresh: bool = False) -> Digest:
    """The digest, with a progress bar on a terminal."""
    with step_progress(DIGEST_STEPS) as progress:
        return agent.digest(since=since, until=until, topic=topic, max_articles=max_articles,
                            progress=progress, refresh=refresh)


def say_kept(digest: Digest) -> None:
    """Where the digest is kept (stderr), or that there was nothing to keep."""
    if digest.kept_at:
        err_console.print(f"[dim]kept as {term(digest.kept_at)}[/dim]", highlight=False, soft_wrap=True)
    elif not digest.articles:
        err_console.print("[dim]nothing new, so no digest is kept[/dim]", highlight=False)


def parse_date_option(value: str | None, name: str) -> datetime | None:
    """A date or date-time option (``agent.text.dates``); a bare date given to ``--until`` means
    the end of that day ("on or before 2026-03-12" includes articles published on the 12th).
    Not a date, or one too near year 1 or 9999 to ask about: one red line and exit status 2."""
    if value is None:
        return None
    try:
        parsed = parse_user_date(value, end_of_day=name == "--until")
    except ValueError:
        err_console.print(
            f"[red]error:[/red] {term(f'{name} {value!r} is not a date; use e.g. 2026-03-14')}",
            highlight=False,
        )
        raise typer.Exit(2) from None
    try:
        return check_in_range(parsed, name)
    except InvalidArgumentError as exc:
        fail(str(exc), 2)
