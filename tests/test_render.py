"""Terminal rendering of answers: what a reader sees for each status."""

from __future__ import annotations

from rich.console import Console

from agent.answer.declines import NOT_ANSWERED_TEXT
from agent.cli.render import print_answer
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
