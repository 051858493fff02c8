"""``agent chat``: the terminal loop over ``agent/chat.py``'s session and ``agent/cli/slash.py``'s
commands. A terminal reads lines with prompt_toolkit (history, Tab completion), anything else
with ``input()`` (``agent chat < questions.txt``). Ctrl-C stops the answer being made and keeps
the conversation; Ctrl-D or ``/exit`` leaves with status 0.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.api import Agent
from agent.chat import ChatSession, CommandError
from agent.cli import failures
from agent.cli.common import console, err_console, make_agent, parse_date_option, run
from agent.cli.render import OutputFormat, emit, print_answer, print_sources, streaming
from agent.cli.slash import (
    COMMANDS,
    Command,
    article_ref,
    citation_context,
    find_citation,
    parse_as_of,
    parse_command,
    parse_filter_args,
)
from agent.safetext import term, visible

if TYPE_CHECKING:
    from prompt_toolkit.completion import CompleteEvent, Completion
    from prompt_toolkit.document import Document


class ChatRepl:
    """Reads lines, runs slash commands, asks questions; one instance per ``agent chat``. ``read``
    behaves like ``input()``: ``EOFError`` at Ctrl-D, ``KeyboardInterrupt`` at Ctrl-C."""

    def __init__(
        self,
        session: ChatSession[Agent],
        console: Console,
        read: Callable[[ChatRepl], str],
        *,
        interactive: bool = True,
    ) -> None:
        self.session = session
        self.console = console
        self.read = read
        self.interactive = interactive

    # --- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        if self.interactive:
            self._banner()
        while True:
            try:
                line = self.read(self)
            except KeyboardInterrupt:  # Ctrl-C at the prompt drops the line, not the chat
                continue
            except EOFError:
                if self.interactive:
                    self.console.print()
                return
            if not self.interactive and line.strip():
                self.console.print(Text(visible(f"> {line.strip()}"), style="bold"))
            if not self.handle(line):
                return

    def prompt_text(self) -> str:
        shown = self.session.filters()
        state = " [" + " · ".join(f"{k} {v}" for k, v in shown.items()) + "]" if shown else ""
        return f"chat{state}> "

    def handle(self, line: str) -> bool:
        """Run one line (question or command); False means leave the chat. A problem is one red
        line, and Ctrl-C stops what is being made; either way the chat goes on."""
        line = line.strip()
        if not line:
            return True
        try:
            command = parse_command(line)
            if command is None:
                self.ask(line)
                return True
            return self.run_command(command)
        except KeyboardInterrupt:
            self.console.print("[yellow]interrupted[/yellow]")
        except Exception as exc:  # ours, or a library's that slipped through: one line, chat goes on
            if failures.is_control_flow(exc):
                raise
            line = failures.describe(exc, self.session.agent.settings)
            self.console.print(f"[red]error:[/red] {term(line)}", highlight=False, soft_wrap=True)
        return True

    def ask(self, question: str) -> None:
        with sigint_recorded() as check, streaming(self.console) as on_text:

            def on_text_checked(delta: str) -> None:
                check()
                on_text(delta)

            answer = self.session.send(question, on_text=on_text_checked, on_rewrite=self._show_rewrite)
            check()
        print_answer(self.console, answer)
        self.console.print()

    def _show_rewrite(self, standalone: str) -> None:
        """The follow-up as it is searched, so the user sees what "it" was taken to mean."""
        self.console.print(Text(visible(f"→ {standalone}"), style="dim"))

    # --- commands ---------------------------------------------------------------------------
    def run_command(self, command: Command) -> bool:
        handler = getattr(self, f"cmd_{command.name}", None) if command.known else None
        if handler is None:
            self.console.print(
                f"unknown command /{term(command.name)}: /help lists the commands", highlight=False
            )
            return True
        return handler(command.arg) is not False

    def cmd_exit(self, arg: str) -> bool:
        return False

    def cmd_help(self, arg: str) -> None:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        for info in COMMANDS.values():
            table.add_row(f"[bold]{term(info.usage)}[/bold]", term(info.help))
        self.console.print(table)
        self.console.print(
            "[dim]Anything else is a question; follow-ups such as 'and what did the mayor say?' are "
            "understood. Ctrl-C stops an answer, Ctrl-D leaves.[/dim]"
        )

    def cmd_sources(self, arg: str) -> None:
        answer = self.session.last_answer
        if answer is None:
            self.console.print("no answer yet: ask a question first")
        elif not answer.citations:
            self.console.print("the last answer cites no sources")
        else:
            print_sources(self.console, answer.citations)

    def cmd_open(self, arg: str) -> None:
        c = find_citation(self.session.last_answer, arg)
        article = self.session.agent.get(c.article_id)
        start, end = c.start, c.end
        if article.text[start:end] != c.quote:  # re-ingested since the answer: find the quote again
            found = article.text.find(c.quote)
            if found == -1:
                raise CommandError(
                    f"article {c.article_id[:12]} changed since this answer and no longer holds the quote"
                )
            start, end = found, found + len(c.quote)
        before, span, after = citation_context(article.text, start, end)
        date = c.published.date().isoformat() if c.published else "undated"
        src = f" · {term(c.source)}" if c.source else ""
        self.console.print(
            f"[bold cyan][{c.n}][/bold cyan] [bold]{term(c.title)}[/bold] [dim]({date}{src})[/dim]"
        )
        shown = Text.assemble(visible(before), (visible(span), "bold reverse"), visible(after))
        self.console.print(shown, highlight=False)
        loc = f"article {c.article_id[:12]}, chars {start}–{end}"
        self.console.print(f"[dim]{term(c.url) + ' · ' if c.url else ''}{loc}[/dim]", highlight=False)

    def cmd_summarize(self, arg: str) -> None:
        ref = article_ref(arg, self.session.last_answer)
        with self.console.status("summarising…", spinner="dots"):
            summary = self.session.agent.summarize(ref)
        emit(summary, OutputFormat.rich, None, self.console)

    def cmd_brief(self, arg: str) -> None:
        s = self.session
        until = s.until
        if s.as_of is not None:  # as of a past day, later articles are not news yet
            end_of_day = datetime.combine(s.as_of.date(), time.max, tzinfo=s.as_of.tzinfo)
            until = min(until, end_of_day) if until else end_of_day
        with self.console.status("writing the briefing…", spinner="dots"):
            briefing = s.agent.brief(arg or None, since=s.since, until=until, source=s.source)
        emit(briefing, OutputFormat.rich, None, self.console)

    def cmd_filter(self, arg: str) -> None:
        changes = parse_filter_args(arg)
        if changes is not None:
            self.session.update_filters(changes)
        shown = {k: v for k, v in self.session.filters().items() if k != "as of"}
        text = ", ".join(f"{k}={v}" for k, v in shown.items()) if shown else "none"
        self.console.print(f"filters: {term(text)}", highlight=False)

    def cmd_asof(self, arg: str) -> None:
        self.session.as_of = parse_as_of(arg)
        if self.session.as_of is None:
            self.console.print("asking as of now")
        else:
            day = self.session.as_of.date().isoformat()
            self.console.print(f"asking as of {day}: later articles are not used", highlight=False)

    def cmd_reset(self, arg: str) -> None:
        self.session.reset()
        self.console.print("conversation cleared (filters kept)")

    def cmd_save(self, arg: str) -> None:
        if not arg:
            raise CommandError("/save needs a file name, e.g. /save chat.md")
        path = Path(arg).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.session.to_markdown(), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"could not write {path}: {exc.strerror or exc}") from None
        n = len(self.session.history)
        self.console.print(f"saved {n} turn{'s' if n != 1 else ''} to {term(str(path))}", highlight=False)

    def _banner(self) -> None:
        s = self.session
        count = s.agent.store.count_articles()
        shown = s.filters()
        where = (" · " + ", ".join(f"{k} {v}" for k, v in shown.items())) if shown else ""
        self.console.print(f"[bold]newsagent chat[/bold] [dim]· {count} articles{term(where)}[/dim]")
        self.console.print(
            "[dim]Ask a question; follow-ups are understood. /help lists commands, "
            "Ctrl-C stops an answer, Ctrl-D leaves.[/dim]"
        )


@contextmanager
def sigint_recorded() -> Iterator[Callable[[], None]]:
    """Ctrl-C that cannot be lost: yields ``check()``, which raises ``KeyboardInterrupt`` if
    SIGINT arrived inside the block, even when the first ``KeyboardInterrupt`` was swallowed.

    While llama.cpp is busy in C, the ``KeyboardInterrupt`` may be raised in a ctypes callback
    (its log hook), where it is printed and dropped; checking at every streamed token makes it
    stick.
    """
    hit = False

    def check() -> None:
        if hit:
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield check  # signals reach only the main thread; nothing to record here
        return

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal hit
        hit = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)


def _slash_completer() -> Any:
    """Tab completes ``/commands`` (only at the start of the line)."""
    # prompt_toolkit is imported only for an interactive chat: at the top of this module, every
    # other command and `agent --help` would pay for its import.
    from prompt_toolkit.completion import Completer, Completion

    class SlashCompleter(Completer):
        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
            text = document.text_before_cursor
            if not text.startswith("/") or " " in text:
                return
            for name, info in COMMANDS.items():
                if f"/{name}".startswith(text):
                    yield Completion(f"/{name}", start_position=-len(text), display_meta=info.help)

    return SlashCompleter()


def _terminal_reader() -> Callable[[ChatRepl], str]:
    """prompt_toolkit line editing with in-memory history (questions are not written to disk)."""
    from prompt_toolkit import PromptSession  # lazy, as in _slash_completer
    from prompt_toolkit.history import InMemoryHistory

    prompt: PromptSession[str] = PromptSession(
        history=InMemoryHistory(), completer=_slash_completer(), complete_while_typing=False
    )
    return lambda repl: prompt.prompt(repl.prompt_text())


def _plain_reader(repl: ChatRepl) -> str:
    return input()


def chat(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Published on/before DATE (inclusive).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Ask as of DATE: 'this week' means that week; later articles unused."),
    ] = None,
) -> None:
    """Talk with the index: ask, then ask follow-ups ("and how much rain fell?").

    Each follow-up is rewritten into a standalone question (shown dim) and answered like
    `agent ask`, with verified, quoted sources. Type /help for commands (/sources, /open N,
    /summarize, /brief, /filter, /asof, /reset, /save FILE, /exit). Ctrl-C stops an answer,
    Ctrl-D leaves. Reads plain lines when stdin is not a terminal.

    Examples:

      agent chat

      agent chat --source "Valley Courier" --since 2026-03-01

      agent chat --as-of 2026-03-13 < questions.txt > answers.txt
    """
    agent = make_agent(ctx)
    session = agent.chat(
        source=source,
        since=parse_date_option(since, "--since"),
        until=parse_date_option(until, "--until"),
        as_of=parse_date_option(as_of, "--as-of"),
    )
    if run(agent.store.count_articles) == 0:
        err_console.print(
            "[red]error:[/red] the index is empty: add articles first, e.g. `agent ingest examples/articles`",
            highlight=False,
        )
        raise typer.Exit(1)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    repl = ChatRepl(
        session, console, _terminal_reader() if interactive else _plain_reader, interactive=interactive
    )
    repl.run()
