"""What a briefing sentence may say, and how its citations are numbered.

The writer sees only numbered notes of verified quotes (a storyline's sentences, a figure
conflict's sides), and the JSON schema makes ``sources`` an enum of exactly those ids, so every
sentence that survives cites verified quotes; one left without a valid id is dropped (and
counted). Numbers are checked too (``unsupported_numbers``): a sentence may only state numbers
the notes it cites contain (their text, quotes, article title or date), because the schema
cannot stop a small model from writing "312 homes evacuated" while citing notes that never say 312.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from agent.ingest.chunk import chunk_text
from agent.settings import Settings
from agent.summary.notes import Note, resolve_sources
from agent.summary.verify import Verifier
from agent.text.mentions import DATE, MONTHS
from agent.text.numbers import has_value, stated_numbers, values_in
from agent.types import Article, Briefing, BriefingSentence, Citation

log = logging.getLogger(__name__)


#: ``cite(article, (start, end))``: the verified citation of a span of the article.
Cite = Callable[[Article, tuple[int, int]], Citation]

SMALL_ORDINAL = 31  # "the 5th", "21st": days of a month or ranks, never checked against notes


def _mask_dates(text: str, dates: set[date]) -> str:
    """``text`` with every date that is one of ``dates`` ("March 5", "5 March 2026",
    "2026-03-05") blanked out: a note's own date may be stated without being in its text."""

    def same(m: re.Match[str]) -> bool:
        g = m.groups()
        y: int | None
        if g[6]:
            y, mo, d = int(g[6]), int(g[7]), int(g[8])
        else:
            name, day, year = (g[0], g[1], g[2]) if g[0] else (g[4], g[3], g[5])
            y, mo, d = (int(year) if year else None), MONTHS.index(name[:3].lower()) + 1, int(day)
        return any(x.month == mo and x.day == d and (y is None or x.year == y) for x in dates)

    return DATE.sub(lambda m: " " * len(m.group()) if same(m) else m.group(), text)


def unsupported_numbers(text: str, notes: Sequence[Note]) -> list[str]:
    """The numbers ``text`` states that none of ``notes`` contains (compared by value, in the
    note's text, its quotes, its article's title or date); empty when every number is supported.

    Spelled-out numbers in ``text`` are not checked; nor are small ordinals ("the 5th") and the
    cited notes' own dates ("on March 5" citing a note dated 2026-03-05) and years."""
    cites = [c for n in notes for c in n.citations]
    dates = {c.published.date() for c in cites if c.published}
    support = values_in([n.text for n in notes] + [c.quote for c in cites] + [c.title for c in cites])
    support = sorted(set(support) | {float(d.year) for d in dates})
    bad = []
    for token, raw, scaled, ordinal in stated_numbers(_mask_dates(text, dates)):
        if ordinal and raw <= SMALL_ORDINAL:
            continue
        if not (has_value(support, raw) or has_value(support, scaled)):
            bad.append(token)
    return bad


def _cited_notes(sources: Any, by_id: Mapping[str, Note]) -> list[Note]:
    ids = dict.fromkeys(str(s).strip() for s in (sources or []))
    return [by_id[i] for i in ids if i in by_id]


def resolve_sentences(raw: Any, notes: Sequence[Note]) -> tuple[list[BriefingSentence], int]:
    """Sentences with citations from their valid note ids; dropped (and counted): a sentence
    without one, and a sentence stating a number that none of its cited notes contains."""
    by_id = {n.id: n for n in notes}
    kept: list[BriefingSentence] = []
    dropped = 0
    for item in raw or []:
        if not isinstance(item, dict):
            dropped += 1
            continue
        text = " ".join(str(item.get("text") or "").split())
        cites = resolve_sources(item.get("sources"), by_id)
        if not (text and cites):
            dropped += 1
            continue
        bad = unsupported_numbers(text, _cited_notes(item.get("sources"), by_id))
        if bad:
            log.info("dropped a briefing sentence stating %s, which its notes do not: %r", bad, text)
            dropped += 1
            continue
        kept.append(BriefingSentence(text=text, citations=cites))
    return kept, dropped


def article_citer(settings: Settings) -> Cite:
    """A ``Cite`` whose citations carry the chunk ids the index uses; each article's
    ``Verifier`` (its chunks) is built on its first citation only."""
    verifiers: dict[str, Verifier] = {}

    def cite(article: Article, span: tuple[int, int]) -> Citation:
        if article.id not in verifiers:
            chunks = chunk_text(article.id, article.text, max(1, settings.ingest.chunk_tokens))
            verifiers[article.id] = Verifier(article, chunks)
        return verifiers[article.id].citation(span)

    return cite


class CitationNumbers:
    """``numbers(citations)``: copies numbered in the order their spans are first met, so the
    same sentence keeps one number wherever it is cited (1..m in reading order)."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, int, int], int] = {}

    def __call__(self, cites: list[Citation]) -> list[Citation]:
        out = []
        for c in cites:
            n = self._numbers.setdefault((c.article_id, c.start, c.end), len(self._numbers) + 1)
            out.append(c.model_copy(update={"n": n}))
        return out


def renumber_briefing(b: Briefing) -> Briefing:
    """Citation numbers 1..m in reading order (overview, sections, disagreements)."""
    fix = CitationNumbers()
    for s in b.overview:
        s.citations = fix(s.citations)
    for sec in b.sections:
        for s in sec.sentences:
            s.citations = fix(s.citations)
    for d in b.disagreements:
        for c in d.claims:
            c.citations = fix(c.citations)
    return b


__all__ = [
    "Cite",
    "CitationNumbers",
    "article_citer",
    "renumber_briefing",
    "resolve_sentences",
    "unsupported_numbers",
]
