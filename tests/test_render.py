"""Terminal rendering of answers: what a reader sees for each status."""

from __future__ import annotations

from rich.console import Console

from agent.answer.declines import NOT_ANSWERED_TEXT
from agent.cli.render import CHECKING, print_answer, provisional, streaming
from agent.types import Answer, Citation


def rendered(answer: Answer) -> str:
    console = Console(record=True, width=100, color_system=None)
    print_answer(console, answer)
    return console.export_text()


def test_answered_shows_markers_sources_and_quotes_without_a_status_line() -> None:
    cite = Citation(
        n=1,
        article_id="abc123",
        chunk_id="abc123:0",
        title="Putin and Xi",
        quote="new record of $240 billion",
        start=10,
        end=36,
    )
    out = rendered(Answer(question="q", text="Trade hit $240 billion [1].", citations=[cite]))
    assert "Trade hit $240 billion [1]." in out and "status:" not in out
    assert "[1] Putin and Xi" in out and "“new record of $240 billion”" in out
    assert "chars 10–36" in out


def test_a_dropped_guess_is_counted_but_never_printed() -> None:
    answer = Answer(
        question="q", text=NOT_ANSWERED_TEXT, status="not_in_sources", unsupported=["about 10 days"]
    )
    out = rendered(answer)
    assert NOT_ANSWERED_TEXT in out and "status: not_in_sources" in out
    assert "1 claim(s) dropped: no cited sentence supports them." in out
    assert "about 10 days" not in out and "Sources" not in out


def test_an_unverified_answer_is_shown_marked_beside_its_closest_sentence_never_as_a_source() -> None:
    closest = Citation(n=0, article_id="abc123", chunk_id="abc123:0", title="Streaming news",
                       quote="The series is renewed for a second season.", start=41, end=83,
                       sentence_ids=[2])
    text = "The model's answer, not confirmed by the sources: Lanternfall."
    out = rendered(Answer(question="q", text=text, status="unverified", unsupported=["Lanternfall."],
                          closest=closest))
    assert text in out and "status: unverified" in out
    assert "Closest sentence (not confirmed as the source) Streaming news" in out
    assert "“The series is renewed for a second season.”" in out and "sentence 2" in out
    assert "Sources" not in out and "dropped" not in out


def test_sources_show_their_sentence_ids() -> None:
    cite = Citation(n=1, article_id="abc123", chunk_id="abc123:0", title="T", quote="A. B.",
                    start=0, end=5, sentence_ids=[3, 4])
    assert "chars 0–5, sentences 3,4" in rendered(Answer(question="q", text="x [1].", citations=[cite]))


def test_streamed_text_shows_no_citation_marker_before_the_check() -> None:
    assert provisional("The council approved the budget [7]. It totals [1, 2") == (
        "The council approved the budget. It totals"
    )
    assert provisional("Fizzwell [3") == "Fizzwell"


def test_the_streamed_claim_is_erased_before_the_verdict_is_printed() -> None:
    """On a terminal the live view is drawn under "checking…" and erased; what stays on screen is
    only what is printed after it (the verified answer)."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100, color_system=None)
    with streaming(console) as on_text:
        on_text("The council approved the budget [7].")
        import time

        time.sleep(0.3)  # let the live view refresh at least once
    drawn = buffer.getvalue()
    assert CHECKING in drawn and "The council approved the budget." in drawn and "[7]" not in drawn
    console.print("VERDICT")
    screen = _replay(buffer.getvalue())
    assert "council" not in screen and "VERDICT" in screen


def _replay(output: str) -> str:
    """The text left on a terminal after ``output``: lines erased by cursor-up + erase-line are gone."""
    import re

    lines: list[str] = []
    for part in re.split(r"(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)", output):
        if part == "\n":
            lines.append("")
        elif part == "\x1b[1A" and lines:
            lines.pop()
        elif part == "\x1b[2K" and lines:
            lines[-1] = ""
        elif part and not part.startswith("\x1b") and part != "\r":
            if not lines:
                lines.append("")
            lines[-1] += part
    return "\n".join(lines)
