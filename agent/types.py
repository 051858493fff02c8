"""The typed objects that flow through newsagent: articles, chunks, passages, answers.

Everything a user gets back from the Python API is one of these pydantic models, so
it can be printed (``.to_markdown()``), serialised (``.model_dump()``) or validated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Article(BaseModel):
    """One cleaned news article, as stored in the index.

    ``id`` is stable for the same article across re-ingests (derived from its URL, or
    from where it was loaded when it has none); ``content_hash`` changes when the
    text or metadata changes, which is how a re-ingest knows to replace old chunks.
    """

    id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    author: str | None = None
    content_hash: str = ""
    ingested_at: datetime | None = None
    origin: str = ""  # the path, URL or feed entry it was loaded from

    @property
    def published_ts(self) -> int | None:
        """Publication time as integer epoch seconds, for range filters in Chroma."""
        return int(self.published.timestamp()) if self.published else None


class Chunk(BaseModel):
    """A token-counted slice of an article's cleaned text.

    ``text == article.text[start:end]`` always holds: that is what lets a citation
    point at the exact character span of its quote.
    """

    article_id: str
    n: int
    start: int
    end: int
    text: str
    tokens: int = 0

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.n}"


class Passage(BaseModel):
    """A chunk returned by retrieval, with the article metadata a citation needs."""

    chunk_id: str
    article_id: str
    title: str
    text: str
    start: int
    end: int
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    score: float = 0.0


class Citation(BaseModel):
    """One numbered source under an answer: a verbatim quote and where it is."""

    n: int = Field(description="The [n] marker used in the answer text.")
    article_id: str
    title: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    quote: str = Field(description="Verbatim text from the article.")
    start: int = Field(description="Character offset of the quote in the article text.")
    end: int
    chunk_id: str


AnswerStatus = Literal["answered", "partial", "not_in_sources"]


class Answer(BaseModel):
    """What ``Agent.ask`` returns: the answer text with [n] markers and its sources."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    status: AnswerStatus = "answered"
    unsupported: list[str] = Field(
        default_factory=list,
        description="Claims the model made whose quotes could not be verified (not shown as cited).",
    )
    passages_considered: int = 0
    model: str = ""

    def to_markdown(self) -> str:
        lines = [self.text.strip(), ""]
        if self.citations:
            lines.append("**Sources**")
            lines.append("")
            for c in self.citations:
                date = f", {c.published.date().isoformat()}" if c.published else ""
                where = f" <{c.url}>" if c.url else ""
                lines.append(f"[{c.n}] *{c.title}*{date}{where}")
                lines.append(f"    > {c.quote}")
        return "\n".join(lines).rstrip() + "\n"


IngestStatus = Literal["added", "updated", "unchanged", "failed"]


class IngestItem(BaseModel):
    """The outcome for one input (file, URL, feed entry, JSONL line)."""

    input: str
    status: IngestStatus
    article_id: str | None = None
    title: str | None = None
    chunks: int = 0
    error: str | None = None


class IngestReport(BaseModel):
    """What ``Agent.ingest`` returns: per-input outcomes and the totals."""

    items: list[IngestItem] = Field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: IngestStatus) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def chunks(self) -> int:
        return sum(i.chunks for i in self.items if i.status in ("added", "updated"))

    def to_markdown(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"failed {self.failed} ({self.chunks} chunks, {self.seconds:.1f}s)\n"
        )
