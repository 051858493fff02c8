"""Rich terminal rendering of answers, shared by `agent ask` and (later) the chat loop."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from agent.types import Answer

_STATUS_STYLE = {"answered": "green", "partial": "yellow", "not_in_sources": "magenta"}


def print_answer(console: Console, answer: Answer) -> None:
    """Print the verified answer, then its numbered sources with their verbatim quotes.

    This is the verified text: it can differ from what streamed (markers renumbered,
    markers whose quote failed verification removed).
    """
    text = Text(answer.text.strip())
    text.highlight_regex(r"\[\d+\]", "bold cyan")
    console.print(text)
    style = _STATUS_STYLE.get(answer.status, "default")
    if answer.status != "answered":
        console.print(f"[{style}]status: {answer.status}[/{style}]")
    if answer.unsupported:
        console.print(
            f"[yellow]{len(answer.unsupported)} claim(s) dropped: their quotes were not found "
            "in the cited passage.[/yellow]"
        )
    if not answer.citations:
        return
    console.print()
    console.print("[bold]Sources[/bold]")
    for c in answer.citations:
        date = c.published.date().isoformat() if c.published else "undated"
        src = f" · {escape(c.source)}" if c.source else ""
        console.print(
            f"[bold cyan][{c.n}][/bold cyan] [bold]{escape(c.title)}[/bold] [dim]({date}{src})[/dim]"
        )
        console.print(f"    [italic]“{escape(c.quote)}”[/italic]", highlight=False)
        loc = f"article {c.article_id[:12]}, chars {c.start}–{c.end}"
        console.print(f"    [dim]{escape(c.url) + ' · ' if c.url else ''}{loc}[/dim]", highlight=False)
