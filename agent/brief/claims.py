"""Conflicting claims that are not numbers (a different place, date, winner, cause).

Found per storyline without the model: the same sentence in two articles with a different name
or number in the same place (``agent.brief.sentence_pairs``). A pair already reported as a figure
conflict (``agent.brief.conflicts``) is left to that section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.brief.citing import article_citer
from agent.brief.conflicts import FigureConflict
from agent.brief.sentence_pairs import make_disagreement, sentence_pair_conflicts
from agent.settings import Settings
from agent.types import Article, Citation, Disagreement

MAX_CLAIM_CONFLICTS = 3  # non-numeric conflicting claims per briefing


def _overlaps(x: Sequence[Citation], y: Sequence[Citation]) -> bool:
    return any(c.article_id == d.article_id and c.start < d.end and d.start < c.end for c in x for d in y)


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
    figure_conflicts: Sequence[FigureConflict] = (),
    limit: int = MAX_CLAIM_CONFLICTS,
) -> list[Disagreement]:
    """Contradictions between one storyline's articles found in their own sentences, without
    the model (``agent.brief.sentence_pairs``); pairs already reported as figure conflicts are left
    to that section. Citations carry the chunk ids the index uses."""
    if limit < 1 or len({a.id for a in articles}) < 2:
        return []
    cite = article_citer(settings)
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


__all__ = ["MAX_CLAIM_CONFLICTS", "same_pair", "storyline_sentence_conflicts"]
