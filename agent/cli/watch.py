"""``agent watch add|list|remove|run|serve``: the watched feeds of the index, from the command line.

Plain command functions on a typer sub-app that agent/cli/app.py registers. ``run`` and
``serve`` are made for cron and systemd as much as for a terminal: progress only on a terminal,
``--quiet`` prints nothing but failures, and the exit code says what happened (``EXIT_HELP``).
Ctrl-C or SIGTERM stops after the feed being checked; a second one stops at once (safe too:
the index and the watch state stay consistent, and the next run catches up). ``--digest`` makes
the digest after each run, also when some feeds failed (the exit code still says so).
"""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from agent.api import Agent
from agent.cli.common import console, err_console, make_agent, make_digest_now, say_kept
from agent.errors import InvalidArgumentError, NewsAgentError, WatchBusyError, WatchError
from agent.safetext import term, visible
from agent.types import Digest, FeedCheck, IngestItem, WatchedFeed, WatchReport
from agent.watch import RunHooks

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_STOPPED = 0, 1, 2, 3, 130
EXIT_HELP = (
    "Exit status: 0 every feed read and every entry ingested (and the digest made); 1 a feed or "
    "an entry failed (one line each), the digest could not be made, or an error stopped the run; "
    "2 a usage error (no feeds watched, an unknown feed, a bad option); 3 another run holds this "
    "index's lock (nothing was done); 130 stopped by Ctrl-C or SIGTERM before every feed was checked."
)
DIGEST_HELP = ("Then make the digest of what is new since the last one (`agent digest`), also when "
               "some feeds failed; it is kept with the index and printed unless --quiet.")
OUTPUT_HELP = (
    "With --digest: also write the digest to FILE (replaced each time): a web page if FILE ends in "
    ".html, JSON if .json, else Markdown."
)
MIN_EVERY = timedelta(minutes=1)

watch_app = typer.Typer(
    name="watch",
    help="Watch RSS/Atom feeds: `add` them once, then `run` (from cron) or `serve` checks them all, "
    "fetching only what is new (conditional requests) and ingesting it.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def _fail(exc: NewsAgentError, code: int) -> NoReturn:
    err_console.print(f"[red]error:[/red] {term(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _usage_code(exc: NewsAgentError) -> int:
    if isinstance(exc, WatchBusyError):
        return EXIT_BUSY
    return EXIT_USAGE if isinstance(exc, InvalidArgumentError | WatchError) else EXIT_FAILED


def parse_every(text: str) -> timedelta:
    """``2h``, ``30m``, ``1h30m``, ``1d``, ``90s`` → the interval (at least ``MIN_EVERY``)."""
    m = re.fullmatch(r"\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*", text.lower())
    if not m or not any(m.groups()):
        raise InvalidArgumentError(f"--every {text!r} is not an interval; write e.g. 2h, 30m or 1h30m")
    d, h, mins, s = (int(g or 0) for g in m.groups())
    every = timedelta(days=d, hours=h, minutes=mins, seconds=s)
    if every < MIN_EVERY:
        raise InvalidArgumentError(
            f"--every {text} is shorter than a minute; feeds are checked at most once a minute"
        )
    return every


@contextmanager
def _stop_on_signals(stop: threading.Event, say: Callable[[str], None]) -> Iterator[None]:
    """The first Ctrl-C/SIGTERM sets ``stop`` (the run ends after its current feed); a second
    one raises ``KeyboardInterrupt`` at once."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        say("stopping after the current feed (press Ctrl-C again to stop at once)")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class _RunOutput:
    """What a run prints: a spinner on a terminal, one line per feed, failures always (stderr)."""

    def __init__(self, *, quiet: bool, as_json: bool) -> None:
        self.quiet = quiet or as_json
        self.live = not self.quiet and sys.stderr.isatty()
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console,
                            disable=not self.live, transient=True)
        self.task = self.bar.add_task("", total=None)
        self.entries = 0
        self.current = ""

    def say(self, text: str) -> None:
        if not self.quiet:
            err_console.print(term(text), highlight=False, soft_wrap=True)

    def on_start(self, feed: WatchedFeed) -> None:
        self.entries = 0
        self.current = feed.name
        self.bar.update(self.task, description=term(f"checking {feed.name}"))

    def on_item(self, item: IngestItem) -> None:
        self.entries += 1
        self.bar.update(self.task, description=term(f"checking {self.current}: {self.entries} entries"))

    def on_feed(self, check: FeedCheck) -> None:
        """A failed feed is one line on stderr (also with --quiet); entries that failed follow
        their feed's line, one each."""
        if check.status == "failed":
            err_console.print(f"[red]failed:[/red] {term(check.name)}: {term(check.error)}",
                              highlight=False, soft_wrap=True)
            return
        if check.failed:
            err_console.print(f"[red]failed entries:[/red] {term(check.line())}", highlight=False,
                              soft_wrap=True)
            for item in check.items:
                if item.status == "failed":
                    err_console.print(f"  [red]entry failed:[/red] {term(item.error)}", highlight=False,
                                      soft_wrap=True)
        elif not self.quiet:  # above the spinner on a terminal, else on stdout
            (err_console if self.live else console).print(term(check.line()), highlight=False,
                                                          soft_wrap=True)

    def hooks(self, stop: threading.Event) -> RunHooks:
        return RunHooks(on_start=self.on_start, on_item=self.on_item, on_feed=self.on_feed,
                        should_stop=stop.is_set)

    def report(self, report: WatchReport) -> None:
        for name in report.not_checked:
            err_console.print(f"[yellow]not checked:[/yellow] {term(name)} (stopped)", highlight=False)
        if not self.quiet:
            console.print(term(report.summary()), highlight=False, soft_wrap=True)


def _exit_code(report: WatchReport) -> int:
    if report.not_checked:
        return EXIT_STOPPED
    return EXIT_OK if report.ok else EXIT_FAILED


def _digest(agent: Agent, *, quiet: bool, output: Path | None) -> Digest | None:
    """The digest after a run: written to ``output`` when given (HTML, JSON or Markdown by its
    suffix), else printed as Markdown (unless ``quiet``); None, with one red line, when it cannot
    be made."""
    try:
        made = make_digest_now(agent)
    except NewsAgentError as e:
        err_console.print(f"[red]digest failed:[/red] {term(str(e))}", highlight=False, soft_wrap=True)
        return None
    text = made.to_markdown()
    if output is not None:
        suffix = output.suffix.lower()
        if suffix in (".html", ".htm"):
            text = made.to_html(agent.get)
        elif suffix == ".json":
            text = made.model_dump_json(indent=2) + "\n"
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            err_console.print(f"[red]digest failed:[/red] cannot write {term(str(output))}: "
                              f"{term(e.strerror or str(e))}", highlight=False, soft_wrap=True)
            return None
    if not quiet:
        if output is None:
            console.out(visible(text), highlight=False, end="")
        say_kept(made)
    return made


@watch_app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The feed's URL (RSS or Atom).")],
    name: Annotated[str | None, typer.Option("--name", help="What to call it [its host name].")] = None,
    allow_private_fetch: Annotated[
        bool, typer.Option("--allow-private-fetch", help="This feed's entry links may reach private, "
                           "loopback and link-local addresses (a feed on your intranet).")
    ] = False,
) -> None:
    """Watch a feed: every `agent watch run` fetches it and ingests its new entries.

    Examples:

      agent watch add https://example.com/world/rss.xml --name "Example World"

      agent watch add http://intranet/news.xml --allow-private-fetch
    """
    agent = make_agent(ctx)
    try:
        feed = agent.watch.add(url, name=name, allow_private_fetch=allow_private_fetch)
    except NewsAgentError as e:
        _fail(e, _usage_code(e))
    console.print(f"watching {term(feed.name)} <{term(feed.url)}>; `agent watch run` fetches it",
                  highlight=False, soft_wrap=True)


def _status(feed: WatchedFeed) -> str:
    if feed.last_checked is None:
        return "not checked yet"
    when = feed.last_checked.strftime("%Y-%m-%d %H:%M")
    if feed.last_error:
        return f"[red]failed {when}:[/red] {term(feed.last_error)}"
    failed = f", {feed.failed} failed" if feed.failed else ""
    return f"{when}: {feed.new} new, {feed.updated} updated{failed}"


@watch_app.command("list")
def list_feeds(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines output.")] = False,
) -> None:
    """The watched feeds and what their last check found."""
    agent = make_agent(ctx)
    try:
        feeds = agent.watch.list()
    except NewsAgentError as e:
        _fail(e, _usage_code(e))
    if as_json:
        for f in feeds:
            console.out(f.model_dump_json(), highlight=False)
        return
    table = Table("name", "url", "entries", "last check", box=None)
    for f in feeds:
        table.add_row(term(f.name), term(f.url), str(f.entries), _status(f))
    console.print(table)
    console.print(f"[dim]{len(feeds)} feed(s) watched[/dim]")


@watch_app.command("remove")
def remove(
    ctx: typer.Context,
    feed: Annotated[str, typer.Argument(help="The feed's name or URL (see `agent watch list`).")],
) -> None:
    """Stop watching a feed. Its articles stay in the index (`agent remove ID` removes one)."""
    agent = make_agent(ctx)
    try:
        gone = agent.watch.remove(feed)
    except NewsAgentError as e:
        _fail(e, _usage_code(e))
    console.print(f"stopped watching {term(gone.name)} <{term(gone.url)}>; its articles stay in the index",
                  highlight=False, soft_wrap=True)


def _run_once(agent: Agent, names: list[str] | None, out: _RunOutput, stop: threading.Event) -> WatchReport:
    with out.bar:
        return agent.watch.run(names, hooks=out.hooks(stop))


@watch_app.command("run", epilog=EXIT_HELP)
def run_feeds(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Only these feeds (names or URLs).")] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing but failures (for cron).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's report as JSON (with "
                                          "--digest: {\"report\": …, \"digest\": …}).")] = False,
    digest: Annotated[bool, typer.Option("--digest", help=DIGEST_HELP)] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
) -> None:
    """Check every watched feed once and ingest its new and changed entries.

    An unchanged feed costs one small request (ETag / Last-Modified). A feed that fails is one
    line; the others go on. For cron: `0 * * * * agent --index ~/news/index watch run --quiet`;
    `0 7 * * * agent --index ~/news/index watch run --digest --quiet -o ~/news/today.md` for a
    daily digest.
    """
    if output is not None and not digest:
        _fail(InvalidArgumentError("--output writes the digest: add --digest"), EXIT_USAGE)
    agent = make_agent(ctx)
    out = _RunOutput(quiet=quiet, as_json=as_json)
    stop = threading.Event()
    try:
        with _stop_on_signals(stop, out.say):
            report = _run_once(agent, names, out, stop)
    except KeyboardInterrupt:
        err_console.print("stopped: the feeds checked so far are saved; the next run catches up",
                          highlight=False)
        raise typer.Exit(EXIT_STOPPED) from None
    except NewsAgentError as e:
        _fail(e, _usage_code(e))
    out.report(report)
    code = _exit_code(report)
    made = None
    if digest and not report.not_checked:
        made = _digest(agent, quiet=quiet or as_json, output=output)
        code = code if made is not None else EXIT_FAILED
    if as_json:
        body = report.model_dump(mode="json")
        if digest:
            body = {"report": body, "digest": made.model_dump(mode="json") if made is not None else None}
        console.print_json(json.dumps(body))
    raise typer.Exit(code)


@watch_app.command("serve", epilog=EXIT_HELP.replace("130 stopped by", "0 also after a clean stop by"))
def serve(
    ctx: typer.Context,
    every: Annotated[str, typer.Option("--every", help="Time between runs: 2h, 30m, 1h30m, 1d.")] = "2h",
    names: Annotated[list[str] | None, typer.Argument(help="Only these feeds (names or URLs).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but failures.")] = False,
    digest: Annotated[bool, typer.Option("--digest", help=DIGEST_HELP)] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
) -> None:
    """Run the watched feeds every `--every`, in the foreground, until Ctrl-C or SIGTERM.

    For machines without cron. One run at a time: a run that finds another one under way (say,
    from cron) is skipped; a second `serve` on the same index refuses to start. With `--digest`
    each run is followed by the digest of what it brought.
    """
    try:
        interval = parse_every(every)
        if output is not None and not digest:
            raise InvalidArgumentError("--output writes the digest: add --digest")
    except InvalidArgumentError as e:
        _fail(e, EXIT_USAGE)
    agent = make_agent(ctx)
    out = _RunOutput(quiet=quiet, as_json=False)
    stop = threading.Event()

    def on_error(e: NewsAgentError) -> None:
        err_console.print(f"[red]run skipped:[/red] {term(str(e))}", highlight=False, soft_wrap=True)

    def on_wait(when: datetime) -> None:
        text = f"next run at {when.astimezone().strftime('%Y-%m-%d %H:%M:%S')}"
        out.bar.update(out.task, description=text)
        out.say(text)

    def on_report(report: WatchReport) -> None:
        out.report(report)
        if digest and not report.not_checked:
            _digest(agent, quiet=quiet, output=output)

    hooks = RunHooks(on_start=out.on_start, on_item=out.on_item, on_feed=out.on_feed)
    try:
        with _stop_on_signals(stop, out.say), out.bar:
            agent.watch.serve(interval, stop=stop, names=names, hooks=hooks, on_report=on_report,
                              on_error=on_error, on_wait=on_wait)
    except KeyboardInterrupt:
        err_console.print("stopped at once: the feeds checked so far are saved; the next run catches up",
                          highlight=False)
        raise typer.Exit(EXIT_OK) from None
    except NewsAgentError as e:
        _fail(e, _usage_code(e))
    out.say("stopped")
