"""Figures that moved since an earlier digest: found without the model, named by it.

A continuing storyline's new sentences may print a figure its earlier articles printed with
another number ("killed 12 people" on 4 March, "killed 19 people" on 5 March). That is the story
moving, not two sources disagreeing, so it is shown as a change citing both sentences. Pairs are
found the way ``agent.brief.conflicts`` finds conflicts (the same kind of unit, similar words
around the figure, numbers more than 1 % apart; each figure in one pair at most, most similar
first); the model only says in a few words what the figure measures, one cached call for all of
a digest's changes, and a name it gives with a number its notes lack is replaced by the words
before the later figure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from agent.brief.call_cache import Call
from agent.brief.citing import unsupported_numbers
from agent.brief.conflicts import MEASURE_THRESHOLD, unit_class
from agent.errors import NewsAgentError
from agent.summary.notes import Note, note_messages
from agent.summary.schema import array_schema, object_schema, string_schema
from agent.summary.select import sentence_vectors
from agent.text.numbers import parse_amount
from agent.types import FigureChange, FigureReading, KeyFigure

log = logging.getLogger(__name__)

NAME_MAX_TOKENS = 200
MAX_NAME_WORDS = 8
MAX_CHANGES = 3  # per storyline

FigurePair = tuple[KeyFigure, KeyFigure]


def find_changes(
    before: Sequence[KeyFigure],
    after: Sequence[KeyFigure],
    embedder: Any,
    threshold: float = MEASURE_THRESHOLD,
    limit: int = MAX_CHANGES,
) -> list[FigurePair]:
    """(earlier, later) pairs of figures measuring the same thing with different numbers:
    the same ``unit_class``, cosine of their ``what`` ≥ ``threshold``, values more than 1 %
    apart. Greedy, most similar first (ties: the earlier list's order, newest first), each
    figure in one pair at most. Flagged and uncited figures take no part."""
    old = [f for f in before if not f.flagged and f.citations]
    new = [f for f in after if not f.flagged and f.citations]
    if not old or not new:
        return []
    vecs = sentence_vectors([f"{f.what} {f.unit}".strip() for f in [*old, *new]], embedder)
    sim = vecs[: len(old)] @ vecs[len(old) :].T
    candidates: list[tuple[float, int, int]] = []
    for i, fa in enumerate(old):
        for j, fb in enumerate(new):
            if sim[i, j] < threshold or unit_class(fa) != unit_class(fb):
                continue
            va, vb = parse_amount(fa.value), parse_amount(fb.value)
            if va is None or vb is None or abs(va - vb) <= 0.01 * max(abs(va), abs(vb)):
                continue
            candidates.append((float(sim[i, j]), i, j))
    candidates.sort(key=lambda c: -c[0])
    used_old: set[int] = set()
    used_new: set[int] = set()
    out: list[FigurePair] = []
    for _, i, j in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        out.append((old[i], new[j]))
        if len(out) >= limit:
            break
    return out


def _reading(f: KeyFigure) -> FigureReading:
    published = f.citations[0].published if f.citations else None
    return FigureReading(value=f.value, on=published.date() if published else None,
                         citations=list(f.citations))


def words_before(f: KeyFigure, words: int = 4) -> str:
    """Up to ``words`` words before the figure in its sentence: the model-free name of what it
    measures ("the flood has killed" for "12 people")."""
    quote = f.citations[0].quote if f.citations else f.what
    at = quote.lower().find(f.value.lower())
    head = quote[:at] if at > 0 else f.what
    picked = re.findall(r"[\w'’-]+", head)[-words:]
    return " ".join(picked) or "the figure"


def _usable_name(text: str, notes: Sequence[Note]) -> bool:
    return bool(text) and len(text.split()) <= MAX_NAME_WORDS and not unsupported_numbers(text, notes)


def write_changes(call: Call, pairs: Sequence[FigurePair]) -> list[FigureChange]:
    """Each pair as a ``FigureChange``; the model names what each figure measures (one call
    through ``call``, a digest's cached calls), else ``words_before`` does."""
    if not pairs:
        return []
    notes: list[Note] = []
    for fa, fb in pairs:
        for f in (fa, fb):
            notes.append(Note(f"S{len(notes) + 1}", f"{f.what}: {f.value}", list(f.citations),
                              f.citations[0].article_id))
    listing = "; ".join(f"S{2 * k + 1} and S{2 * k + 2}" for k in range(len(pairs)))
    task = (
        f"Each pair of notes gives one figure of a news story on two dates: {listing}. For each "
        "pair, in that order, say in at most six words what the figure measures, without its "
        "number (for example: the death toll)."
    )
    schema = object_schema(
        {"changes": array_schema(object_schema({"what": string_schema("at most six words")}),
                                 len(pairs), len(pairs))}
    )
    try:
        items = call(note_messages(notes, task), schema, NAME_MAX_TOKENS).get("changes") or []
    except NewsAgentError as exc:
        log.warning("could not name figure changes with the model (%s); using the article's words", exc)
        items = []
    out = []
    for k, (fa, fb) in enumerate(pairs):
        item = items[k] if k < len(items) and isinstance(items[k], dict) else {}
        what = " ".join(str(item.get("what") or "").split()).rstrip(".")
        if not _usable_name(what, notes[2 * k : 2 * k + 2]):
            what = words_before(fb)
        out.append(FigureChange(what=what, before=_reading(fa), after=_reading(fb)))
    return out


__all__ = ["MAX_CHANGES", "find_changes", "words_before", "write_changes"]
