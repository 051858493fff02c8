"""Conflicting claims that are not numbers (a different place, date, winner, cause).

Found per storyline first without the model — the same sentence in two articles with a
different name or number in the same place (``agent.brief.sentence_pairs``: its own sentences,
``storyline_sentence_conflicts``; the notes' quotes, ``minimal_pair_conflicts``) — then by the
model, choosing pairs of notes by id from different articles (``find_claim_conflicts``): an
enum, so it cannot name a note it was not given. A pair already reported as a figure conflict
(``agent.brief.conflicts``) is left to that section, and a later article that states the earlier
claim's numbers revises it rather than contradicts it. A claim may state only numbers its note states.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.brief.citing import unsupported_numbers
from agent.brief.conflicts import WRITE_MAX_TOKENS, utc_timestamp
from agent.brief.sentence_pairs import make_disagreement, minimal_pair, sentence_pair_conflicts
from agent.errors import NewsAgentError
from agent.ingest.chunk import chunk_text
from agent.settings import Settings
from agent.summary.notes import Note, note_messages
from agent.summary.schema import array_schema, object_schema, string_schema
from agent.summary.verify import Verifier
from agent.text.numbers import has_value, stated_numbers, values_in
from agent.types import Article, Citation, Disagreement, DisagreementClaim, KeyFigure

log = logging.getLogger(__name__)


MAX_CLAIM_CONFLICTS = 3  # non-numeric conflicting claims per briefing (model-found, so few)


def _overlaps(x: Sequence[Citation], y: Sequence[Citation]) -> bool:
    return any(c.article_id == d.article_id and c.start < d.end and d.start < c.end for c in x for d in y)


def _is_figure_conflict(
    na: Note, nb: Note, figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]]
) -> bool:
    """Whether two notes quote the same passages as a figure conflict (already reported)."""
    for fa, _, fb, _ in figure_conflicts:
        if (_overlaps(na.citations, fa.citations) and _overlaps(nb.citations, fb.citations)) or (
            _overlaps(na.citations, fb.citations) and _overlaps(nb.citations, fa.citations)
        ):
            return True
    return False


def _plain_claim(note: Note, titles: Mapping[str, str]) -> str:
    """A claim in the article's own words (its verified quote), for when the model's phrasing
    states a number the note does not."""
    quote = " ".join(note.citations[0].quote.split())
    return f"{titles.get(note.article_id, note.article_id)} reports: \u201c{quote}\u201d"


def minimal_pair_conflicts(
    notes: Sequence[Note],
    titles: Mapping[str, str],
    *,
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]] = (),
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Notes from different articles whose verified quotes say the same sentence with a different
    name or number in the same place: both cannot be true. Each claim is the article's own quote.

    The pair test is ``agent.brief.sentence_pairs.minimal_pair``; pairs already reported as figure
    conflicts are left to that section.
    """
    out: list[Disagreement] = []
    seen: set[frozenset[str]] = set()
    for i, na in enumerate(notes):
        for nb in notes[i + 1 :]:
            if na.article_id == nb.article_id or not na.citations or not nb.citations:
                continue
            pair = frozenset((na.id, nb.id))
            if pair in seen or _is_figure_conflict(na, nb, figure_conflicts):
                continue
            diff = minimal_pair(na.citations[0].quote, nb.citations[0].quote)
            if diff is None:
                continue
            seen.add(pair)
            out.append(
                Disagreement(
                    what=diff.what,
                    claims=[
                        DisagreementClaim(
                            text=_plain_claim(na, titles), article_id=na.article_id, citations=na.citations
                        ),
                        DisagreementClaim(
                            text=_plain_claim(nb, titles), article_id=nb.article_id, citations=nb.citations
                        ),
                    ],
                )
            )
            if len(out) >= limit:
                return out
    return out


def claims_schema(notes: Sequence[Note], limit: int) -> dict[str, Any]:
    """Up to ``limit`` conflicts, each naming two notes by id (an enum of the notes given)."""
    pick = {"type": "string", "enum": [n.id for n in notes]}
    conflict = object_schema(
        {
            "what": string_schema(),
            "note_a": pick,
            "claim_a": string_schema(),
            "note_b": pick,
            "claim_b": string_schema(),
        }
    )
    return object_schema({"conflicts": array_schema(conflict, 0, limit)})


def claims_task(notes: Sequence[Note], limit: int) -> str:
    """The instruction after the notes: what counts as a contradiction, and what to give."""
    return (
        f"The notes above come from {len({n.article_id for n in notes})} articles about one storyline. "
        "Find notes from DIFFERENT articles that contradict each other: they state incompatible facts "
        "about the same thing (for example a different place, date, person, cause, result or number), "
        "so both cannot be true. A later article that updates a figure or adds detail is not a "
        "contradiction, and neither are facts about different things. For each contradiction give "
        "'what' (a few words naming the thing), note_a and note_b (the ids of the two notes) and "
        "claim_a and claim_b (one short sentence each: what that note's article says, naming the "
        f"article). Give at most {limit}; if no notes contradict each other, give an empty list."
    )


def checked_conflict(
    item: Any,
    by_id: Mapping[str, Note],
    titles: Mapping[str, str],
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]],
    published: Mapping[str, datetime | None],
    texts: Mapping[str, str],
) -> Disagreement | None:
    """The model's conflict ``item`` when it passes every check of ``find_claim_conflicts``."""
    if not isinstance(item, dict):
        return None
    na, nb = by_id.get(str(item.get("note_a"))), by_id.get(str(item.get("note_b")))
    if na is None or nb is None or na.article_id == nb.article_id:
        return None
    if _is_figure_conflict(na, nb, figure_conflicts):
        return None
    what = " ".join(str(item.get("what") or "").split())
    ca = " ".join(str(item.get("claim_a") or "").split())
    cb = " ".join(str(item.get("claim_b") or "").split())
    if not what or unsupported_numbers(what, [na, nb]) or ca.casefold() == cb.casefold():
        return None
    ca = ca if ca and not unsupported_numbers(ca, [na]) else _plain_claim(na, titles)
    cb = cb if cb and not unsupported_numbers(cb, [nb]) else _plain_claim(nb, titles)
    if _claim_revised(na, ca, nb, cb, published, texts):
        return None
    return Disagreement(
        what=what,
        claims=[
            DisagreementClaim(text=ca, article_id=na.article_id, citations=na.citations),
            DisagreementClaim(text=cb, article_id=nb.article_id, citations=nb.citations),
        ],
    )


def add_pairs(found: list[Disagreement], pairs: Sequence[Disagreement], limit: int) -> list[Disagreement]:
    """``found`` plus the model-free pairs that quote a pair of sentences none of it quotes."""
    quoted = [{id(c.citations[0]) for c in d.claims if c.citations} for d in found]
    for d in pairs:
        mine = {id(c.citations[0]) for c in d.claims if c.citations}
        if len(found) < limit and mine not in quoted:
            found.append(d)
    return found


def find_claim_conflicts(
    model: BaseChatModel,
    notes: Sequence[Note],
    titles: Mapping[str, str],
    *,
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]] = (),
    published: Mapping[str, datetime | None] | None = None,
    texts: Mapping[str, str] | None = None,
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Pairs of notes from different articles of one storyline that state incompatible facts
    about the same thing ("played in Tampa, Florida" vs "in Glendale, Arizona"), found by the
    model choosing note ids (an enum: it cannot name a note it was not given).

    Kept only when: both notes exist and come from different articles, the pair is not already a
    figure conflict, the pair was not given before, the two claims differ, and — when the claims
    are about numbers — the later article does not itself state the earlier claim's numbers (a
    revision, as in ``find_conflicts``). A claim stating a number its note does not is replaced by
    the note's quote. At most ``limit``. A model error means no claim conflicts (logged), never a
    crash: this section is an extra, the briefing stands without it.
    """
    from agent.models.structured import structured_call  # lazy: agent.models costs ~1 s

    if limit < 1 or len({n.article_id for n in notes}) < 2:
        return []
    # Found without the model; added after the model's own finds (whose wording reads better).
    pairs = minimal_pair_conflicts(notes, titles, figure_conflicts=figure_conflicts, limit=limit)
    try:
        raw = structured_call(
            model, note_messages(notes, claims_task(notes, limit)), claims_schema(notes, limit),
            max_tokens=WRITE_MAX_TOKENS,
        )
        items = raw.get("conflicts") or []
    except NewsAgentError as exc:
        log.warning("could not ask the model for conflicting claims (%s); only word-level pairs", exc)
        return add_pairs([], pairs, limit)
    by_id = {n.id: n for n in notes}
    out: list[Disagreement] = []
    seen: set[frozenset[str]] = set()
    for item in items if isinstance(items, list) else []:
        found = checked_conflict(item, by_id, titles, figure_conflicts, published or {}, texts or {})
        pair = frozenset((str(item.get("note_a")), str(item.get("note_b")))) if found else frozenset()
        if found is None or pair in seen:
            continue
        seen.add(pair)
        out.append(found)
        if len(out) >= limit:
            break
    return add_pairs(out, pairs, limit)


def _claim_revised(
    na: Note,
    ca: str,
    nb: Note,
    cb: str,
    published: Mapping[str, datetime | None],
    texts: Mapping[str, str],
) -> bool:
    """Claims about numbers where the later article itself states the earlier claim's numbers
    ("230 homes evacuated" vs "the count was raised from 230 to 312"): a revision."""
    ta, tb = utc_timestamp(published.get(na.article_id)), utc_timestamp(published.get(nb.article_id))
    if ta is None or tb is None or ta == tb:
        return False
    (early, early_claim), (late, late_claim) = ((na, ca), (nb, cb)) if ta < tb else ((nb, cb), (na, ca))
    early_values = [v for _, v, _, _ in stated_numbers(early_claim)]
    late_values = [v for _, v, _, _ in stated_numbers(late_claim)]
    if not early_values or all(has_value(early_values, v) for v in late_values):
        return False  # the later claim states no other number: a conflict about something else
    later_text = texts.get(late.article_id) or "\n".join([late.text] + [c.quote for c in late.citations])
    have = values_in([later_text, late_claim])
    return all(has_value(have, v) for v in early_values)


def same_pair(x: Disagreement, y: Disagreement) -> bool:
    """Two disagreements whose two sides quote overlapping passages (the same contradiction)."""
    if len(x.claims) != 2 or len(y.claims) != 2:
        return False
    (xa, xb), (ya, yb) = ([c.citations for c in x.claims], [c.citations for c in y.claims])
    return (_overlaps(xa, ya) and _overlaps(xb, yb)) or (_overlaps(xa, yb) and _overlaps(xb, ya))


def storyline_sentence_conflicts(
    articles: Sequence[Article],
    settings: Settings,
    titles: Mapping[str, str],
    figure_conflicts: Sequence[tuple[KeyFigure, str, KeyFigure, str]] = (),
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Contradictions between one storyline's articles found in their own sentences, without
    the model (``agent.brief.sentence_pairs``); pairs already reported as figure conflicts are left
    to that section. Citations carry the chunk ids the index uses."""
    if limit < 1 or len({a.id for a in articles}) < 2:
        return []
    verifiers: dict[str, Verifier] = {}

    def cite(article: Article, span: tuple[int, int]) -> Citation:
        if article.id not in verifiers:
            chunks = chunk_text(article.id, article.text, max(1, settings.ingest.chunk_tokens))
            verifiers[article.id] = Verifier(article, chunks)
        return verifiers[article.id].citation(span)

    out: list[Disagreement] = []
    for diff, ca, cb in sentence_pair_conflicts(articles, cite, limit=limit + len(figure_conflicts)):
        if any(
            (_overlaps([ca], fa.citations) and _overlaps([cb], fb.citations))
            or (_overlaps([ca], fb.citations) and _overlaps([cb], fa.citations))
            for fa, _, fb, _ in figure_conflicts
        ):
            continue
        out.append(make_disagreement(diff, ca, cb, titles))
        if len(out) >= limit:
            break
    return out


__all__ = [
    "find_claim_conflicts",
    "minimal_pair_conflicts",
    "same_pair",
    "storyline_sentence_conflicts",
]
