"""``VectorHealth`` (what ``agent doctor`` and ``Agent.vector_health`` report) and
``ReindexReport`` (what ``Agent.reindex`` returns)."""

from __future__ import annotations

from pydantic import BaseModel


class VectorHealth(BaseModel):
    """One collection of the index: how many records its metadata holds, how many of them have
    a vector in its vector segment (a search can only find those)."""

    collection: str  # "chunks" or "articles"
    records: int
    vectors: int

    @property
    def missing(self) -> int:
        return max(0, self.records - self.vectors)

    @property
    def damaged(self) -> bool:
        return self.missing > 0

    def describe(self) -> str:
        if not self.damaged:
            return f"{self.records:,} {self.collection}, each with its vector"
        return f"{self.missing:,} of {self.records:,} {self.collection[:-1]} vectors missing"


class ReindexReport(BaseModel):
    """What a reindex did: the vectors it rebuilt, and the index's health before and after."""

    articles: int
    chunks: int
    seconds: float
    before: list[VectorHealth]
    after: list[VectorHealth]

    @property
    def repaired(self) -> bool:
        return not any(h.damaged for h in self.after)

    def to_markdown(self) -> str:
        was = "; ".join(h.describe() for h in self.before)
        now = "every record has its vector" if self.repaired else "; ".join(h.describe() for h in self.after)
        return (
            f"rebuilt the vectors of {self.chunks:,} chunks of {self.articles:,} articles in "
            f"{self.seconds:.1f}s (before: {was}); {now}\n"
        )
