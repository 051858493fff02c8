"""A digest's storylines: wire copy merged into one item, items grouped as a briefing groups
articles, storylines ranked.

- Items: articles that are copies of one story (``agent.digest.copies``) become one item whose
  representative is the most complete copy (the longest text; the earliest on a tie); the others
  only add their outlets. This happens before grouping, so copies never look like a storyline
  told by several sources.
- Storylines: the items' representatives grouped by ``agent.brief.grouping.cluster`` over the
  same MiniLM descriptions a briefing groups by.
- Rank: by independent sources, then outlets, then recency (publication). An independent source is an outlet
  with a report of its own: a wire story republished by five outlets is one source (the agency's
  report), so it ranks above a one-outlet story only through the outlet count, and below a story
  two outlets reported themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from agent.brief.grouping import STORY_THRESHOLD, ArticleKeys, cluster
from agent.digest.copies import COPY_THRESHOLD, copy_groups
from agent.text.dates import as_utc
from agent.types import Article

_NEVER = datetime.min.replace(tzinfo=UTC)


def outlet(article: Article) -> str:
    """The outlet an article counts for: its source; an article without one is its own."""
    return (article.source or "").strip() or f"article {article.id[:12]}"


@dataclass
class Item:
    """One story as one or more outlets ran it: ``keys[0]`` is the copy shown."""

    keys: list[ArticleKeys]

    @property
    def shown(self) -> ArticleKeys:
        return self.keys[0]

    @property
    def articles(self) -> list[Article]:
        return [k.article for k in self.keys]


@dataclass
class Storyline:
    """Items about one storyline, its vector (for continuity) and its rank facts."""

    items: list[Item]
    vector: np.ndarray = field(repr=False)
    seen: dict[str, datetime] = field(default_factory=dict, repr=False)

    @property
    def articles(self) -> list[Article]:
        return [a for item in self.items for a in item.articles]

    @property
    def article_ids(self) -> list[str]:
        return [a.id for a in self.articles]

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(outlet(a) for a in self.articles))

    @property
    def independent_sources(self) -> int:
        return len({outlet(item.shown.article) for item in self.items})

    @property
    def copies(self) -> list[list[str]]:
        return [[a.id for a in item.articles] for item in self.items if len(item.keys) > 1]

    @property
    def newest(self) -> datetime | None:
        """Its newest article's publication (a sighting for an undated article)."""
        dates = [as_utc(d) for a in self.articles if (d := a.published or self.seen.get(a.id))]
        return max(dates) if dates else None

    def rank_key(self) -> tuple[int, int, datetime]:
        """Sorts best first with ``sorted(..., key=rank_key, reverse=True)``."""
        return (self.independent_sources, len(self.outlets), self.newest or _NEVER)


def _day(article: Article) -> datetime:
    return as_utc(article.published) if article.published else _NEVER


def merge_copies(keys: Sequence[ArticleKeys], threshold: float = COPY_THRESHOLD) -> list[Item]:
    """Articles that are copies of one story as one item each, in order of their first article."""
    items = []
    for group in copy_groups([k.article.text for k in keys], [outlet(k.article) for k in keys], threshold):
        members = [keys[i] for i in group]
        members.sort(key=lambda k: (-len(k.article.text), _day(k.article), k.article.id))
        items.append(Item(members))
    return items


def storylines_of(items: Sequence[Item], vectors: np.ndarray, seen: dict[str, datetime] | None = None,
                  threshold: float = STORY_THRESHOLD) -> list[Storyline]:
    """``items`` (with ``vectors``, one unit row per item) grouped into storylines, ranked."""
    out = []
    for group in cluster(vectors, threshold) if len(items) else []:
        mean = vectors[group].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        out.append(Storyline([items[i] for i in group], mean / norm if norm else mean, dict(seen or {})))
    return ranked(out)


def ranked(storylines: Sequence[Storyline]) -> list[Storyline]:
    """Best first: independent sources, outlets, newest (stable among equals)."""
    return sorted(storylines, key=Storyline.rank_key, reverse=True)


__all__ = ["Item", "Storyline", "merge_copies", "outlet", "ranked", "storylines_of"]
