"""The ``agent chat`` slash commands: their names and help, and how a typed line is read.

A typed line (``/filter source=Valley Courier since=2026-03-01``, ``/open 2``) becomes a
``Command`` and plain values, so the REPL (agent/cli/chat.py) only acts on them; one that cannot
be used raises ``CommandError`` with a message for the user. No terminal and no model here.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

from agent.chat import CommandError
from agent.text.dates import parse_user_date
from agent.types import Answer, Citation


@dataclass(frozen=True)
class CommandInfo:
    usage: str
    help: str


COMMANDS: dict[str, CommandInfo] = {
    "sources": CommandInfo("/sources", "the full quotes of the last answer"),
    "open": CommandInfo("/open N", "the passage of citation N, with the article text around it"),
    "summarize": CommandInfo("/summarize ID|N", "cited summary of an article (id prefix, or citation N)"),
    "brief": CommandInfo("/brief [topic]", "cited briefing, within the session's filters"),
    "filter": CommandInfo(
        "/filter [source=S] [since=D] [until=D]", "set filters; '/filter' shows them, '/filter clear'"
    ),
    "asof": CommandInfo("/asof DATE|now", "ask as of a past day; 'now' resets"),
    "reset": CommandInfo("/reset", "forget the conversation (filters stay)"),
    "save": CommandInfo("/save FILE", "write the transcript with sources as Markdown"),
    "help": CommandInfo("/help", "this list"),
    "exit": CommandInfo("/exit", "leave the chat (or Ctrl-D)"),
}
ALIASES = {"quit": "exit", "q": "exit", "?": "help", "h": "help", "summarise": "summarize", "as-of": "asof"}


@dataclass(frozen=True)
class Command:
    """A parsed ``/name arg`` line (``name`` lower-cased, aliases resolved)."""

    name: str
    arg: str = ""

    @property
    def known(self) -> bool:
        return self.name in COMMANDS


def parse_command(line: str) -> Command | None:
    """The command on ``line``, or None when the line is a question."""
    text = line.strip()
    if not text.startswith("/"):
        return None
    name, _, arg = text[1:].partition(" ")
    name = name.strip().lower()
    return Command(ALIASES.get(name, name), arg.strip())


def parse_date(value: str, what: str = "date", *, end_of_day: bool = False) -> datetime:
    """A user's date (``agent.text.dates.parse_user_date``); ``CommandError`` naming ``what``
    when it is not one. ``end_of_day``: a bare day means its last moment."""
    try:
        return parse_user_date(value, end_of_day=end_of_day)
    except ValueError:
        raise CommandError(f"{what} {value!r} is not a date; use e.g. 2026-03-14") from None


_FILTER_KEYS = {"source": "source", "since": "since", "from": "since", "until": "until", "to": "until"}


def parse_filter_args(arg: str) -> dict[str, str | datetime | None] | None:
    """``/filter`` arguments → changes (a None value clears that filter); None means "show".

    ``clear`` clears all; ``source=Valley Courier`` needs no quotes (words without ``=`` continue
    the previous value); ``since=`` with no value clears one filter. Raises ``CommandError`` with
    a message meant for the user.
    """
    arg = arg.strip()
    if not arg:
        return None
    if arg.lower() in ("clear", "none", "off"):
        return {"source": None, "since": None, "until": None}
    try:
        words = shlex.split(arg)
    except ValueError as exc:
        raise CommandError(f"/filter: {exc}") from None
    pairs: list[list[str]] = []
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            pairs.append([key.strip().lower(), value])
        elif pairs:
            pairs[-1][1] = f"{pairs[-1][1]} {word}".strip()
        else:
            raise CommandError(
                f"/filter: expected key=value, got {word!r}; e.g. /filter source=X since=2026-03-01"
            )
    changes: dict[str, str | datetime | None] = {}
    for key, value in pairs:
        if key not in _FILTER_KEYS:
            raise CommandError(f"/filter: unknown filter {key!r}; use source=, since= or until=")
        name = _FILTER_KEYS[key]
        value = value.strip()
        if not value:
            changes[name] = None
        elif name == "source":
            changes[name] = value
        else:
            changes[name] = parse_date(value, name, end_of_day=name == "until")
    return changes


def parse_as_of(arg: str) -> datetime | None:
    """``/asof`` argument: a day, or None for ``now`` (``CommandError`` when missing or not a date)."""
    arg = arg.strip()
    if not arg:
        raise CommandError("/asof needs a date, e.g. /asof 2026-03-13 (or /asof now)")
    if arg.lower() in ("now", "today", "reset", "clear", "off"):
        return None
    return parse_date(arg, "/asof")


def find_citation(answer: Answer | None, arg: str) -> Citation:
    """Citation ``N`` of the last answer (``CommandError`` saying what exists otherwise)."""
    if answer is None or not answer.citations:
        raise CommandError("the last answer has no sources to open; ask a question first")
    try:
        n = int(arg.strip().strip("[]"))
    except ValueError:
        raise CommandError(f"give a citation number, e.g. /open 1 (1–{len(answer.citations)})") from None
    for c in answer.citations:
        if c.n == n:
            return c
    raise CommandError(f"no citation [{n}]; the last answer has [1]–[{len(answer.citations)}]")


def article_ref(arg: str, answer: Answer | None) -> str:
    """``/summarize`` argument → an article id (prefix): a citation number of the last answer
    counts as that citation's article, anything else is taken as an id prefix."""
    arg = arg.strip()
    if not arg:
        raise CommandError("/summarize needs an article id (see `agent list`) or a citation number")
    if answer is not None and arg.strip("[]").isdigit():
        n = int(arg.strip("[]"))
        for c in answer.citations:
            if c.n == n:
                return c.article_id
    return arg


def citation_context(text: str, start: int, end: int, chars: int = 400) -> tuple[str, str, str]:
    """(before, quoted span, after) around ``text[start:end]``: its paragraph, at most ``chars``
    characters either side, cut at word boundaries with "…"."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    para_lo = text.rfind("\n\n", 0, start)
    lo = 0 if para_lo == -1 else para_lo + 2
    para_hi = text.find("\n\n", end)
    hi = len(text) if para_hi == -1 else para_hi
    before, after = text[lo:start], text[end:hi]
    if len(before) > chars:
        cut = before[-chars:]
        before = "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    if len(after) > chars:
        cut = after[:chars]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"
    return before, text[start:end], after
