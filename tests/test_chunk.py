"""chunk_text: exact spans, coverage, order, token limit and the embedder's veto."""

from __future__ import annotations

import random
import re

import pytest

from agent.ingest.chunk import chunk_text
from agent.text.sentences import paragraph_spans, sentence_spans
from agent.tokens import count_tokens
from agent.types import Chunk

_PROSE = (
    "the council voted on budget river flood rain millimetres homes mayor said "
    "company revenue quarter percent million shares rose fell analysts expected "
    "Zürich naïve café “quoted” ‘single’ — 3.5 $412.6 7–2 U.S. Mr. Dr. Jan. e.g. "
    "internationalisation https://example.com/a/very/long/path?with=query&and=more "
)
WORDS = _PROSE.split()
ENDINGS = [".", "!", "?", ".”", "?”", "…", ".)"]


def _sentence(rng: random.Random) -> str:
    n = rng.choice([1, 3, 8, 15, 30, 70])  # some sentences are longer than small limits
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice(ENDINGS)


def _text(rng: random.Random) -> str:
    paras = []
    for _ in range(rng.randint(0, 9)):
        sep = rng.choice([" ", " ", "  ", "\n"])
        paras.append(sep.join(_sentence(rng) for _ in range(rng.randint(1, 8))))
    if rng.random() < 0.2:
        paras.append("x" * rng.randint(50, 900))  # one absurd "word"
    gap = rng.choice(["\n\n", "\n\n\n", "\n \n", "\n\t\n  "])
    lead = rng.choice(["", "  ", "\n\n"])
    return lead + gap.join(paras) + rng.choice(["", "\n", "  \n\n"])


def _check(text: str, chunks: list[Chunk], max_tokens: int) -> None:
    pos = 0
    for i, c in enumerate(chunks):
        assert c.n == i
        assert c.text == text[c.start : c.end]  # exact span
        assert c.text == c.text.strip() and c.text  # trimmed, non-empty
        assert c.start >= pos  # in order, no overlap
        assert text[pos : c.start].strip() == ""  # nothing but whitespace skipped
        assert c.tokens == count_tokens(c.text)
        pos = c.end
    assert text[pos:].strip() == ""
    # The limit holds except for a single character that alone exceeds it.
    for c in chunks:
        assert c.tokens <= max_tokens or len(c.text) == 1


def test_property_spans_exact_cover_ordered_and_limited() -> None:
    rng = random.Random(20260301)
    cases = 0
    for _ in range(150):
        text = _text(rng)
        max_tokens = rng.choice([4, 8, 16, 40, 120, 400])
        chunks = chunk_text("a1", text, max_tokens)
        _check(text, chunks, max_tokens)
        cases += bool(chunks)
    assert cases > 100  # the generator really produced texts


def test_property_with_veto_every_chunk_is_allowed() -> None:
    rng = random.Random(7)

    def fits(s: str) -> bool:
        return len(s) <= 120  # a stricter, different measure than cl100k tokens

    for _ in range(60):
        text = _text(rng)
        chunks = chunk_text("a1", text, 200, fits=fits)
        _check(text, chunks, 200)
        assert all(fits(c.text) for c in chunks)


def test_empty_and_whitespace_text() -> None:
    assert chunk_text("a", "", 50) == []
    assert chunk_text("a", " \n\n \t", 50) == []


def test_short_paragraphs_are_packed_with_separators() -> None:
    text = "First para.\n\nSecond para.\n\nThird para."
    chunks = chunk_text("art", text, 100)
    assert len(chunks) == 1
    assert chunks[0].text == text
    assert (chunks[0].start, chunks[0].end) == (0, len(text))
    assert chunks[0].id == "art:0"


def test_paragraphs_start_new_chunk_when_full() -> None:
    paras = [f"Paragraph {i} " + "word " * 30 + "end." for i in range(6)]
    text = "\n\n".join(paras)
    limit = count_tokens(paras[0] + "\n\n" + paras[1]) + 1
    chunks = chunk_text("a", text, limit)
    assert [c.text for c in chunks] == [
        paras[0] + "\n\n" + paras[1],
        paras[2] + "\n\n" + paras[3],
        paras[4] + "\n\n" + paras[5],
    ]


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentences = [f"Sentence number {i} says the council met on Mr. Smith’s request." for i in range(20)]
    text = " ".join(sentences)
    chunks = chunk_text("a", text, 40)
    assert len(chunks) > 1
    for c in chunks:
        assert c.text.endswith("request.")
        assert c.text.startswith("Sentence number")
        assert c.tokens <= 40


def test_long_sentence_splits_at_words() -> None:
    text = " ".join(f"w{i}" for i in range(300))
    chunks = chunk_text("a", text, 10)
    assert len(chunks) > 10
    words = [w for c in chunks for w in c.text.split()]
    assert words == text.split()  # no word was cut
    assert all(c.tokens <= 10 for c in chunks)


def test_veto_splits_a_chunk_the_tokenizer_would_accept() -> None:
    text = "\n\n".join(f"Short paragraph {i} about the river." for i in range(10))
    whole = chunk_text("a", text, 1000)
    assert len(whole) == 1
    vetoed = chunk_text("a", text, 1000, fits=lambda s: s.count("paragraph") <= 3)
    assert len(vetoed) == 4
    assert all(c.text.count("paragraph") <= 3 for c in vetoed)


def test_unbreakable_word_is_split_by_characters() -> None:
    text = "https://example.com/" + "a1b2c3" * 300
    chunks = chunk_text("a", text, 20)
    assert "".join(c.text for c in chunks) == text
    assert all(c.tokens <= 20 for c in chunks)


def test_invalid_limit() -> None:
    with pytest.raises(ValueError):
        chunk_text("a", "text", 0)


# --------------------------------------------------------------------------- splitters


def _sents(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentence_splitter_quotes_and_abbreviations() -> None:
    text = ("Mr. Smith arrived in Washington, D.C. on Jan. 5. He said: “We will win.” "
            "Then he left! The U.S. economy grew 3.5 percent. J. K. Rowling spoke. Why? "
            "Nobody knows (yet.) Really… Yes.")
    assert _sents(text) == [
        "Mr. Smith arrived in Washington, D.C. on Jan. 5.",
        "He said: “We will win.”",
        "Then he left!",
        "The U.S. economy grew 3.5 percent.",
        "J. K. Rowling spoke.",
        "Why?",
        "Nobody knows (yet.)",
        "Really…",
        "Yes.",
    ]


def test_sentence_splitter_newlines_and_lowercase_continuation() -> None:
    assert _sents("Line one\nLine two. next starts lower? still same.") == [
        "Line one",
        "Line two. next starts lower? still same.",
    ]


def test_paragraph_spans_trimmed() -> None:
    text = "  A one.\n\n\n B two. \n \n\tC"
    spans = paragraph_spans(text)
    assert [text[s:e] for s, e in spans] == ["A one.", "B two.", "C"]
    assert all(not re.match(r"\s", text[s]) for s, _ in spans)
