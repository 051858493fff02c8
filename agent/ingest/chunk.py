"""Split an article's text into token-bounded chunks that are exact character spans.

Spans, so a citation's quote is located in the article (``text[start:end] == chunk.text``).
Paragraphs first, since a paragraph is one thought a reporter wrote; a paragraph too long is cut
at sentences (``agent.text.sentences``), a sentence at words, a "word" (a pasted URL) at
characters. Each chunk carries its sentences' offsets, so citing uses exactly these sentences.
``fits`` is the embedder's veto: its tokenizer may count more than cl100k, and a chunk it would
silently truncate would be partly unsearchable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby, islice

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

_WORD = re.compile(r"\S+")


def word_spans(text: str, start: int, end: int) -> list[Span]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


#: No cl100k token of whitespace-normalised text is this long, so a span with more characters
#: than ``max_tokens`` times this has more than ``max_tokens`` tokens.
_MAX_CHARS_PER_TOKEN = 64


class _Packer:
    """Holds the limit and the veto; splits and packs spans so each chunk is allowed."""

    def __init__(self, text: str, max_tokens: int, fits: Callable[[str], bool] | None) -> None:
        self.text = text
        self.max_tokens = max_tokens
        self.fits = fits

    def ok(self, span: Span) -> bool:
        if span[1] - span[0] > self.max_tokens * _MAX_CHARS_PER_TOKEN:
            return False  # cannot fit: skip tokenizing (a 5 MB paragraph costs a second)
        piece = self.text[span[0] : span[1]]
        if count_tokens(piece) > self.max_tokens:
            return False
        return self.fits is None or self.fits(piece)

    def iter_pack(self, units: Iterable[Span]) -> Iterator[Span]:
        """Greedily merge consecutive allowed units while the merged span stays allowed; lazy,
        so a caller wanting the first N chunks never tokenizes the rest of a huge text."""
        current: Span | None = None
        for unit in units:
            if current is not None and self.ok((current[0], unit[1])):
                current = (current[0], unit[1])
            else:
                if current is not None:
                    yield current
                current = unit
        if current is not None:
            yield current

    def pack(self, units: Iterable[Span]) -> list[Span]:
        return list(self.iter_pack(units))

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

    def _word_pieces(self, span: Span) -> Iterator[Span]:
        for word in word_spans(self.text, *span):
            if self.ok(word):
                yield word
            else:
                yield from self.split_chars(word)

    def split_sentence(self, span: Span) -> Iterator[Span]:
        return self.iter_pack(self._word_pieces(span))

    def _sentence_pieces(self, span: Span) -> Iterator[Span]:
        for sentence in sentence_spans(self.text, *span):
            if self.ok(sentence):
                yield sentence
            else:
                yield from self.split_sentence(sentence)

    def split_paragraph(self, span: Span) -> Iterator[Span]:
        return self.iter_pack(self._sentence_pieces(span))

    def spans(self) -> Iterator[Span]:
        """Every chunk span of the text, in order, computed as they are consumed."""
        # Runs of paragraphs that fit whole are packed together; a paragraph that does not fit
        # is split on its own (never merged with its neighbours).
        for fits_whole, group in groupby(paragraph_spans(self.text), key=self.ok):
            if fits_whole:
                yield from self.iter_pack(group)
            else:
                for para in group:
                    yield from self.split_paragraph(para)


def chunk_text(
    article_id: str,
    text: str,
    max_tokens: int,
    fits: Callable[[str], bool] | None = None,
    limit: int | None = None,
) -> list[Chunk]:
    """Chunks of ``text`` of at most ``max_tokens`` cl100k tokens, each allowed by ``fits``.

    Whole paragraphs are packed while they fit; one that does not fit alone becomes its own
    run of sentence-packed chunks. Every chunk's ``text == text[start:end]``, starts and ends on
    non-space, and together they cover every non-space character once, in order. ``limit``:
    only the first ``limit`` chunks (those a full run gives), without reading further.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    spans = _Packer(text, max_tokens, fits).spans()
    picked = list(islice(spans, limit) if limit is not None else spans)
    # Sentences come from the one segmenter; a capped 5 MB article is segmented only as far as
    # its indexed chunks reach (the prefix's sentences are the same, save the last one, clipped).
    covered = text if not picked or picked[-1][1] >= len(text.rstrip()) else text[: picked[-1][1]]
    sentences = segment(covered)
    return [
        Chunk(article_id=article_id, n=n, start=s, end=e, text=text[s:e],
              tokens=count_tokens(text[s:e]), sentences=encode_sentences(_within(sentences, s, e), s))
        for n, (s, e) in enumerate(picked)
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
