"""agent.text.sentences: the package's one segmenter, and the offsets stored with chunks."""

from __future__ import annotations

import pytest

from agent.ingest.chunk import chunk_text
from agent.text.sentences import (
    Sentence,
    chunk_sentences,
    decode_sentences,
    encode_sentences,
    segment,
    sentence_spans,
)


@pytest.mark.parametrize(
    "case",
    [
        "Sen. Okafor voted no. | Gov. Lindqvist signed the bill.",
        "Prices rose 0.4 pct in Feb. | That was below forecasts.",
        "He joined in Sept. 2021 as No. 2 at the agency. | He left last year.",
        "The company is based in the U.S. | It employs 900 people.",
        "Output fell in the U.S. and Canada. | Demand recovered in Asia.",
        "Gen. Mbeki and Lt. Col. Farrow toured the base. | They met troops.",
        "“Lanternfall” is officially coming back. | VistaStream renewed the series.",
        "He said the deal was “dead.” | His rival disagreed.",
        "In Carpenter v. United States, the justices ruled 5-4. | Roberts wrote it.",
        "OSLO, March 3 (Reuters) - The bank held rates. | It cited inflation.",
        "The plan has three parts:\n| - cut fees by 10%\n| - hire 40 nurses",
        "Council passes budget after late-night vote on the city's spending\n| Source: Riverside Herald",
        # a hard-wrapped newswire sentence is one sentence; its wraps are not ends
        "Talks broke down on Friday after the union rejected a revised\noffer, a spokesman said. | "
        "The company said it would\nappeal.",
    ],
)
def test_boundaries_on_news_text(case: str) -> None:
    text = case.replace("| ", "")
    assert [text[a:b] for a, b in sentence_spans(text)] == [p.strip() for p in case.split("| ")]


def test_segment_numbers_paragraphs_and_covers_all_text_exactly() -> None:
    text = "One. Two here.\n\nThree there. Four.\n\n\nFive"
    sents = segment(text)
    assert [text[s.start : s.end] for s in sents] == ["One.", "Two here.", "Three there.", "Four.", "Five"]
    assert [s.paragraph for s in sents] == [0, 0, 1, 1, 2]


def test_offsets_round_trip_relative_to_a_chunk_start() -> None:
    sents = [Sentence(100, 120, 3), Sentence(121, 140, 3), Sentence(142, 150, 4)]
    encoded = encode_sentences(sents, base=100)
    assert encoded == "0+20,21+19;42+8"  # compact: Chroma metadata values must be scalars
    back = [Sentence(100, 120, 0), Sentence(121, 140, 0), Sentence(142, 150, 1)]
    assert decode_sentences(encoded, base=100) == back
    assert decode_sentences("") == []
    with pytest.raises(ValueError):
        decode_sentences("1-2")


def test_chunks_carry_their_sentences_and_old_chunks_are_segmented_on_the_fly() -> None:
    text = "First paragraph here. It has two sentences.\n\nSecond paragraph is short."
    chunks = chunk_text("a", text, max_tokens=12)
    assert len(chunks) >= 2
    for c in chunks:
        sents = chunk_sentences(c.text, c.sentences)
        assert c.sentences and sents == decode_sentences(c.sentences)
        assert " ".join(c.text[s.start : s.end] for s in sents).split() == c.text.split()
    whole = chunk_text("a", text, max_tokens=500)[0]
    assert [s.paragraph for s in chunk_sentences(whole.text, whole.sentences)] == [0, 0, 1]
    # an index written before offsets were stored, or a value that does not fit the text
    assert chunk_sentences(whole.text, "") == segment(whole.text)
    assert chunk_sentences(whole.text, "0+9999") == segment(whole.text)
    assert chunk_sentences(whole.text, "garbage") == segment(whole.text)


def test_a_sentence_cut_across_chunks_is_clipped_to_each_chunk() -> None:
    long = " ".join(["word"] * 60) + "."
    chunks = chunk_text("a", long, max_tokens=20)
    assert len(chunks) > 1
    for c in chunks:
        sents = chunk_sentences(c.text, c.sentences)
        assert len(sents) == 1 and (sents[0].start, sents[0].end) == (0, len(c.text))


def test_summaries_take_a_figures_sentence_from_the_same_segmenter() -> None:
    """summarize.sentence_with (a figure's evidence) uses this segmenter: "Mr." and "U.S." do
    not cut the sentence, so the evidence is the whole sentence stating the figure."""
    from agent.summary.verify import sentence_with

    text = "The plan was drafted. Mr. Halvorsen said U.S. funding of $3.5 million was lost. He left."
    a, b = sentence_with("$3.5 million", text) or (0, 0)
    assert text[a:b] == "Mr. Halvorsen said U.S. funding of $3.5 million was lost."
    assert sentence_with("$9 billion", text) is None
