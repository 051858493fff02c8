"""Rich terminal rendering of answers, summaries and briefings, shared by `agent ask`,
`agent summarize`/`brief` and the `agent chat` loop (so chat does not import another command).

Every article- or model-derived string goes through ``agent.safetext``: ``term`` inside markup,
``visible`` inside ``Text`` objects, so no escape sequence reaches the terminal. Only the CLI
renders for a terminal, hence its place in ``agent.cli``; it imports no other CLI module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.markdown import Markdown
from rich.spinner import Spinner
from rich.text import Text

from agent.answer.markers import strip_markers
from agent.safetext import term, visible
from agent.types import Answer, Article, ArticleSummary, Briefing, Citation, Digest, RetrievalInfo

_STATUS_STYLE = {
    "answered": "green", "partial": "yellow", "unverified": "yellow", "not_in_sources": "magenta",
}


def print_answer(console: Console, answer: Answer) -> None:
    """Print the verified answer, then its numbered sources with their verbatim quotes.

    This is the verified text: it can differ from what streamed (markers renumbered,
    markers whose quote failed verification removed).
    """
    text = Text(visible(answer.text.strip()))
    text.highlight_regex(r"\[\d+\]", "bold cyan")
    console.print(text)
    style = _STATUS_STYLE.get(answer.status, "default")
    if answer.status != "answered":
        console.print(f"[{style}]status: {answer.status}[/{style}]")
    if answer.status == "unverified" and answer.closest is not None:
        # the model's answer is shown above, marked; the reader judges it against this sentence
        c = answer.closest
        console.print()
        console.print(f"[bold]Closest sentence[/bold] [dim](not confirmed as the source)[/dim] "
                      f"[bold]{term(c.title)}[/bold]", highlight=False)
        console.print(f"    [italic]“{term(c.quote)}”[/italic]", highlight=False)
        ids = ",".join(str(i) for i in c.sentence_ids)
        console.print(f"    [dim]article {c.article_id[:12]}, chars {c.start}–{c.end}, sentence {ids}[/dim]",
                      highlight=False)
    elif answer.unsupported:
        console.print(
            f"[yellow]{len(answer.unsupported)} claim(s) dropped: no cited sentence supports "
            "them.[/yellow]"
        )
    if not answer.citations:
        return
    console.print()
    print_sources(console, answer.citations)


def print_sources(console: Console, citations: Sequence[Citation]) -> None:
    """The numbered sources: title, date, source, the verbatim quote, URL and character span."""
    console.print("[bold]Sources[/bold]")
    for c in citations:
        date = c.published.date().isoformat() if c.published else "undated"
        src = f" · {term(c.source)}" if c.source else ""
        console.print(
            f"[bold cyan][{c.n}][/bold cyan] [bold]{term(c.title)}[/bold] [dim]({date}{src})[/dim]",
            highlight=False,
        )
        console.print(f"    [italic]“{term(c.quote)}”[/italic]", highlight=False)
        loc = f"article {c.article_id[:12]}, chars {c.start}–{c.end}"
        if c.sentence_ids:
            loc += f", sentence{'s' if len(c.sentence_ids) > 1 else ''} {','.join(map(str, c.sentence_ids))}"
        console.print(f"    [dim]{term(c.url) + ' · ' if c.url else ''}{loc}[/dim]", highlight=False)


def print_retrieval(console: Console, info: RetrievalInfo) -> None:
    """What `--explain` shows: the as-of moment, the resolved window, filters, passages."""
    console.print()
    console.print("[bold]Retrieval[/bold]")
    console.print(f"  as of: {info.as_of.isoformat(timespec='minutes')}")
    if info.time_phrase:
        lo = info.window_since.isoformat(timespec="minutes") if info.window_since else "…"
        hi = info.window_until.isoformat(timespec="minutes") if info.window_until else "…"
        console.print(f"  time phrase: {term(repr(info.time_phrase))} → [{lo}, {hi})")
    if info.time_reading == "event":
        console.print("  reading: event date (coverage published from that date on; mentions first)")
    elif info.time_reading == "publication":
        console.print("  reading: publication window")
    if info.fallback != "none":
        console.print(f"  fallback: {info.fallback}")
    console.print(f"  searched: {term(repr(info.query))}")
    for key, value in info.filters.items():
        console.print(f"  filter {term(key)}: {term(value)}")
    for i, p in enumerate(info.passages, 1):
        date = p.published.date().isoformat() if p.published else "undated"
        console.print(
            f"  {i}. [dim]{p.score:.4f}[/dim] {term(p.title)} [dim]({date}, {p.chunk_id})[/dim]",
            highlight=False,
        )


#: Shown above the text while it streams: until the check, its claims are the model's, not cited.
CHECKING = "checking each claim against its sentence…"
_PARTIAL_MARKER = re.compile(r"\s*\[[\d,;\s\-–]*$")


def provisional(streamed: str) -> str:
    """What the live view shows of the streamed text: without citation markers (complete or still
    being written), since no claim is cited until it has been checked."""
    return _PARTIAL_MARKER.sub("", strip_markers(streamed))


@contextmanager
def streaming(console: Console, status: str = "thinking…") -> Iterator[Callable[[str], None]]:
    """A transient live view while an answer is made; yields the ``on_text`` callback.

    A spinner shows until the first text arrives (a local model reads the prompt for seconds
    before it writes), then the text streams in dim under "checking…", without citation markers:
    it is provisional, and the verified answer printed afterwards replaces it (the view is
    erased, so a claim the check drops never stays on screen above its correction). On a console
    that is not a terminal nothing is drawn. An exception (Ctrl-C) clears the view.
    """
    streamed: list[str] = []
    waiting = Spinner("dots", text=Text(status, style="dim"), style="dim")
    with Live(waiting, console=console, transient=True, refresh_per_second=8) as live:

        def on_text(delta: str) -> None:
            streamed.append(delta)
            text = Text(visible(provisional("".join(streamed))), style="dim")
            live.update(Group(Text(CHECKING, style="dim italic"), text))

        yield on_text


class OutputFormat(StrEnum):
    """How an answer, summary, briefing or digest is printed."""

    md = "md"
    json = "json"
    rich = "rich"
    html = "html"


def emit(
    obj: Answer | ArticleSummary | Briefing | Digest,
    fmt: OutputFormat,
    output: Path | None,
    console: Console,
    articles: Callable[[str], Article] | None = None,
) -> None:
    """Print a result as Markdown, JSON, HTML or a rich view, or write it to ``output``.

    ``articles`` looks up the cited articles (``Agent.get``) so an HTML page embeds their texts
    with the quotes marked; the other formats show the quotes only."""
    if fmt is OutputFormat.json:
        text = obj.model_dump_json(indent=2) + "\n"
    elif fmt is OutputFormat.html:
        text = obj.to_html(articles)
    else:
        text = obj.to_markdown()
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
    elif fmt is OutputFormat.html:  # escaped for HTML by the templates; no control reaches the terminal
        console.out(visible(text), highlight=False, end="")
    else:
        console.out(visible(text), highlight=False, end="")
