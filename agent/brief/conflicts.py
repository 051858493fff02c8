"""What the sources disagree on, in numbers: figure conflicts found without the model, then phrased.

Disagreements are found deterministically first (two articles report figures for the same
measure — similar ``what`` by embedding — with different numbers, each figure in at most one
pair, and not when the later article itself states the earlier number, i.e. revises it), then
the model phrases them, citing both sides; a candidate the model fumbles is phrased from the
figures themselves (``write_disagreements``); a claim may state only numbers its note states.
Conflicting claims that are not numbers are ``agent.brief.claims``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from agent.brief.call_cache import Call
from agent.brief.citing import unsupported_numbers
from agent.errors import NewsAgentError
from agent.summary.notes import Note, note_messages, resolve_sources
from agent.summary.schema import array_schema, object_schema, string_schema
from agent.summary.select import sentence_vectors
from agent.text.numbers import amount, has_value, parse_amount, values_in
from agent.types import Article, Disagreement, DisagreementClaim, KeyFigure

log = logging.getLogger(__name__)


MEASURE_THRESHOLD = 0.7  # cosine above which two figures' "what" describe the same measure
WRITE_MAX_TOKENS = 700
MAX_CONFLICTS = 5


def unit_class(f: KeyFigure) -> str:
    """The kind of quantity a figure is (percent, money, multiple, count): only figures of one
    kind can measure the same thing."""
    v = f"{f.value} {f.unit}".lower()
    if "%" in v or "percent" in v or "per cent" in v:
        return "percent"
    if re.search(r"[$€£¥]|usd|eur|gbp|dollar|euro|pound|yuan|rouble|ruble|yen", v):
        return "money"
    if "times" in v:
        return "multiple"
    return "count"


def _utc_timestamp(d: datetime | None) -> float | None:
    """Seconds since the epoch, a naive datetime read as UTC; None stays None."""
    if d is None:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()


def _states_number(value: str, text: str) -> bool:
    """Whether ``text`` states the (first) number of a figure ``value``, compared by value:
    "230 homes" in "from the initial 230 to 312"; "$240 billion" in "240bn"."""
    found = amount(value)
    if found is None:
        return False
    raw, scaled = found
    have = values_in([text])
    return has_value(have, raw) or has_value(have, scaled)


FigureConflict = tuple[KeyFigure, str, KeyFigure, str]


def find_conflicts(
    articles: Sequence[Article],
    figures: Mapping[str, Sequence[KeyFigure]],
    embedder: Any,
    threshold: float = MEASURE_THRESHOLD,
) -> list[FigureConflict]:
    """Pairs of verified figures (``figures`` by article id) from different ``articles`` that
    measure the same thing (similar ``what`` + same kind of unit) but differ by more than 1%:
    (fig_a, article_a, fig_b, article_b).

    - Each figure takes part in at most one conflict: candidates are taken greedily, most
      similar first (else "230 homes evacuated" could pair with "82 homes" as well as with 312).
    - Not a conflict when the later-published article itself states the earlier figure's number
      ("raised from the initial 230 to 312"): it revises the figure, it does not contradict it.
      Articles without dates are never revisions.
    """
    figs: list[tuple[KeyFigure, Article]] = [
        (f, a) for a in articles for f in figures.get(a.id, ()) if not f.flagged and f.citations
    ]
    if len(figs) < 2 or len({a.id for _, a in figs}) < 2:
        return []
    vecs = sentence_vectors([f"{f.what} {f.unit}".strip() for f, _ in figs], embedder)
    sim = vecs @ vecs.T
    candidates: list[tuple[float, int, int]] = []
    for i in range(len(figs)):
        for j in range(i + 1, len(figs)):
            (fa, sa), (fb, sb) = figs[i], figs[j]
            if sa.id == sb.id or sim[i, j] < threshold:
                continue
            if unit_class(fa) != unit_class(fb):
                continue
            va, vb = parse_amount(fa.value), parse_amount(fb.value)
            if va is None or vb is None or abs(va - vb) <= 0.01 * max(abs(va), abs(vb)):
                continue
            ta, tb = _utc_timestamp(sa.published), _utc_timestamp(sb.published)
            if ta is not None and tb is not None and ta != tb:
                (early, _), (_, late) = (figs[i], figs[j]) if ta < tb else (figs[j], figs[i])
                if _states_number(early.value, late.text):
                    continue  # the later article revises the earlier figure
            candidates.append((float(sim[i, j]), i, j))
    candidates.sort(key=lambda c: -c[0])  # stable: ties keep selection order
    used: set[int] = set()
    said: set[tuple[str, str, float, float]] = set()  # the same two numbers, reported once
    out: list[FigureConflict] = []
    for _, i, j in candidates:
        if i in used or j in used:
            continue
        (fa, sa), (fb, sb) = figs[i], figs[j]
        key = (sa.id, sb.id, parse_amount(fa.value) or 0.0, parse_amount(fb.value) or 0.0)
        if key in said:
            continue
        used |= {i, j}
        said.add(key)
        out.append((fa, sa.id, fb, sb.id))
        if len(out) >= MAX_CONFLICTS:
            break
    return out


def _figure_note(f: KeyFigure, article_id: str, i: int) -> Note:
    return Note(f"S{i}", f"{f.what}: {f.value}", f.citations, article_id)


def _plain_disagreement(fa: KeyFigure, fb: KeyFigure, titles: dict[str, str], a: str, b: str) -> Disagreement:
    """The deterministic phrasing of a figure conflict (used when the model's is unusable)."""
    return Disagreement(
        what=fa.what or fb.what,
        claims=[
            DisagreementClaim(
                text=f"{titles.get(a, a)} reports {fa.value}.", article_id=a, citations=fa.citations
            ),
            DisagreementClaim(
                text=f"{titles.get(b, b)} reports {fb.value}.", article_id=b, citations=fb.citations
            ),
        ],
    )


def figure_pair_notes(conflicts: Sequence[FigureConflict]) -> tuple[list[Note], list[tuple[Note, Note]]]:
    """Two numbered notes per conflict (one per side), and the pairs they form, in order."""
    notes: list[Note] = []
    pairs: list[tuple[Note, Note]] = []
    for fa, a, fb, b in conflicts:
        na = _figure_note(fa, a, len(notes) + 1)
        notes.append(na)
        nb = _figure_note(fb, b, len(notes) + 1)
        notes.append(nb)
        pairs.append((na, nb))
    return notes, pairs


def disagreements_schema(notes: Sequence[Note], n_pairs: int) -> dict[str, Any]:
    """Exactly one disagreement per pair, each two claims citing one note id each."""
    claim = object_schema(
        {
            "text": string_schema(),
            "sources": {
                "type": "array",
                "items": {"type": "string", "enum": [n.id for n in notes]},
                "minItems": 1,
                "maxItems": 1,
            },
        }
    )
    disagreement = object_schema({"what": string_schema(), "claims": array_schema(claim, 2, 2)})
    return object_schema({"disagreements": array_schema(disagreement, n_pairs, n_pairs)})


def phrased_disagreement(
    item: dict[str, Any], conflict: FigureConflict, pair: tuple[Note, Note], titles: dict[str, str]
) -> Disagreement:
    """The model's phrasing of one conflict when its claims cite both articles and state only
    their notes' numbers; else the plain phrasing from the figures themselves."""
    fa, a, fb, b = conflict
    na, nb = pair
    by_id = {na.id: na, nb.id: nb}
    claims: list[DisagreementClaim] = []
    numbers_ok = True
    for c in item.get("claims") or []:
        if not isinstance(c, dict):
            continue
        sources = [s for s in (c.get("sources") or []) if s in (na.id, nb.id)]
        cites = resolve_sources(sources, by_id)
        text = " ".join(str(c.get("text") or "").split())
        if cites and text:
            if unsupported_numbers(text, [by_id[sources[0]]]):
                numbers_ok = False  # a number its note does not state: use the figures' own
            article_id = by_id[sources[0]].article_id
            claims.append(DisagreementClaim(text=text, article_id=article_id, citations=cites))
    what = " ".join(str(item.get("what") or "").split())
    if not what or unsupported_numbers(what, [na, nb]):
        what = fa.what or fb.what
    if numbers_ok and len({c.article_id for c in claims}) == 2:
        return Disagreement(what=what, claims=claims)
    return _plain_disagreement(fa, fb, titles, a, b)


def write_disagreements(
    call: Call, conflicts: Sequence[FigureConflict], titles: dict[str, str]
) -> list[Disagreement]:
    """The model phrases each candidate conflict through ``call`` (a briefing's cached calls),
    citing both sides; a disagreement survives only if its claims cite notes from both
    articles, else the plain phrasing is used."""
    if not conflicts:
        return []
    notes, pairs = figure_pair_notes(conflicts)
    listing = "; ".join(f"{na.id} vs {nb.id}" for na, nb in pairs)
    task = (
        f"The articles report different figures for the same thing in these pairs of notes: {listing}. "
        "For each pair, in that order, say in a few words what the figure measures ('what'), then give "
        "two claims: what each article reports, naming the article, each citing its note id."
    )
    messages, schema = note_messages(notes, task), disagreements_schema(notes, len(pairs))
    try:
        items = call(messages, schema, WRITE_MAX_TOKENS).get("disagreements") or []
    except NewsAgentError as exc:
        log.warning("could not phrase disagreements with the model (%s); using plain phrasing", exc)
        items = []
    items = [item if isinstance(item, dict) else {} for item in items]
    items += [{}] * (len(pairs) - len(items))
    return [
        phrased_disagreement(item, conflict, pair, titles)
        for item, conflict, pair in zip(items, conflicts, pairs, strict=False)
    ]


__all__ = ["FigureConflict", "find_conflicts", "unit_class", "write_disagreements"]
