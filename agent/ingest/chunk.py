"""Split an article's text into token-bounded chunks that are exact character spans.

Why spans and not copies: a citation quotes a chunk, and ``text[start:end] == chunk.text``
is what lets the quote be located in the article. Why paragraphs first: a paragraph is
the unit a reporter wrote as one thought, so retrieval returns whole thoughts; only a
paragraph too long for the limit is cut at sentences, and only a sentence too long is
cut at words (and a "word" too long — a pasted URL — at characters). Paragraphs and sentences
come from ``agent.text.sentences`` (the package's one segmenter), and each chunk carries its
sentences' offsets so citing uses exactly these sentences.

``fits`` is the embedder's veto: its word-piece tokenizer may count more tokens than
cl100k, and a chunk it would silently truncate would be partly unsearchable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.text.sentences import (
    Sentence,
    Span,
    encode_sentences,
    paragraph_spans,
    segment,
    sentence_spans,
)
from agent.tokens import count_tokens
from agent.types import Chunk

__all__ = ["chunk_text", "paragraph_spans", "sentence_spans", "word_spans"]

_WORD = re.compile(r"\S+")


def word_spans(text: str, start: int, end: int) -> list[Span]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


class _Packer:
    """Holds the limit and the veto; splits and packs spans so each chunk is allowed."""

    def __init__(self, text: str, max_tokens: int, fits: Callable[[str], bool] | None) -> None:
        self.text = text
        self.max_tokens = max_tokens
        self.fits = fits

    def ok(self, span: Span) -> bool:
        piece = self.text[span[0] : span[1]]
        if count_tokens(piece) > self.max_tokens:
            return False
        return self.fits is None or self.fits(piece)

    def pack(self, units: list[Span]) -> list[Span]:
        """Greedily merge consecutive allowed units while the merged span stays allowed."""
        out: list[Span] = []
        for unit in units:
            if out and self.ok((out[-1][0], unit[1])):
                out[-1] = (out[-1][0], unit[1])
            else:
                out.append(unit)
        return out

    def split_chars(self, span: Span) -> list[Span]:
        """Last resort for one over-long "word": the longest allowed prefixes, in turn."""
        out: list[Span] = []
        start, end = span
        while start < end:
            lo, hi = start + 1, end  # find the largest cut in [lo, hi] that is allowed
            best = start + 1  # one character always goes, so this terminates
            while lo <= hi:
                mid = (lo + hi) // 2
                if self.ok((start, mid)):
                    best, lo = mid, mid + 1
                else:
                    hi = mid - 1
            out.append((start, best))
            start = best
        return out

    def split_sentence(self, span: Span) -> list[Span]:
        pieces: list[Span] = []
        for word in word_spans(self.text, *span):
            pieces.extend([word] if self.ok(word) else self.split_chars(word))
        return self.pack(pieces)

    def split_paragraph(self, span: Span) -> list[Span]:
        pieces: list[Span] = []
        for sentence in sentence_spans(self.text, *span):
            pieces.extend([sentence] if self.ok(sentence) else self.split_sentence(sentence))
        return self.pack(pieces)


def chunk_text(
    article_id: str,
    text: str,
    max_tokens: int,
    fits: Callable[[str], bool] | None = None,
) -> list[Chunk]:
    """Chunks of ``text`` of at most ``max_tokens`` cl100k tokens, each allowed by ``fits``.

    Whole paragraphs are packed together while they fit; a paragraph that does not
    fit alone becomes its own run of sentence-packed chunks (never merged with its
    neighbours, so chunk boundaries stay at paragraph boundaries where possible).
    Every chunk's ``text == text[start:end]``, starts and ends on non-space, and
    together the chunks cover every non-space character once, in order.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    packer = _Packer(text, max_tokens, fits)
    spans: list[Span] = []
    run: list[Span] = []  # consecutive whole paragraphs waiting to be packed
    for para in paragraph_spans(text):
        if packer.ok(para):
            run.append(para)
            continue
        spans.extend(packer.pack(run))
        run = []
        spans.extend(packer.split_paragraph(para))
    spans.extend(packer.pack(run))
    sentences = segment(text)
    return [
        Chunk(article_id=article_id, n=n, start=s, end=e, text=text[s:e],
              tokens=count_tokens(text[s:e]), sentences=encode_sentences(_within(sentences, s, e), s))
        for n, (s, e) in enumerate(spans)
    ]


def _within(sentences: list[Sentence], start: int, end: int) -> list[Sentence]:
    """The sentences inside ``[start, end)``, clipped to it (a sentence too long for one chunk
    is cut at words: each chunk holds its piece)."""
    out = []
    for s in sentences:
        a, b = max(s.start, start), min(s.end, end)
        if a < b:
            out.append(Sentence(a, b, s.paragraph))
    return out
