"""Search filters: which articles a search or listing may return, as a Chroma ``where`` clause.

Shared by the retriever and the store (with ``to_ts``) without the retriever importing the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any


@dataclass(frozen=True)
class SearchFilters:
    """Which articles a search or listing may return: ``source`` exact (a name or a list),
    ``since``/``until`` inclusive (a ``date`` is the whole day, a naive datetime UTC; an undated
    article never matches), ``article_ids`` only those."""

    source: str | Sequence[str] | None = None
    since: datetime | date | None = None
    until: datetime | date | None = None
    article_ids: Sequence[str] | None = None

    @classmethod
    def of(cls, f: SearchFilters | Mapping[str, Any] | None) -> SearchFilters:
        if f is None:
            return cls()
        if isinstance(f, SearchFilters):
            return f
        unknown = set(f) - {"source", "since", "until", "article_ids"}
        if unknown:
            raise ValueError(f"unknown filter(s) {sorted(unknown)}")
        return cls(**dict(f))

    @property
    def matches_nothing(self) -> bool:
        empty_sources = self.source is not None and not isinstance(self.source, str) and (
            len(self.source) == 0
        )
        return empty_sources or (self.article_ids is not None and len(self.article_ids) == 0)

    def where(self, *, with_article_ids: bool = True) -> dict[str, Any] | None:
        """The Chroma ``where`` clause (None when unfiltered)."""
        clauses: list[dict[str, Any]] = []
        if isinstance(self.source, str):
            clauses.append({"source": self.source})
        elif self.source is not None:
            clauses.append({"source": {"$in": list(self.source)}})
        if self.since is not None:
            clauses.append({"published_ts": {"$gte": to_ts(self.since)}})
        if self.until is not None:
            clauses.append({"published_ts": {"$lte": to_ts(self.until, end_of_day=True)}})
        if with_article_ids and self.article_ids is not None:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def to_ts(d: datetime | date, *, end_of_day: bool = False) -> int:
    """Epoch seconds; naive datetimes are taken as UTC, a bare date as its first/last second."""
    if not isinstance(d, datetime):
        d = datetime.combine(d, dtime.max if end_of_day else dtime.min)
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return math.floor(d.timestamp())
