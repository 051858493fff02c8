"""The article and its chunks: what ingest stores and retrieval reads back."""

from __future__ import annotations

from datetime import datetime

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
    #: Problems found while loading that did not stop it (a date that could not be read), for
    #: the ingest report; not stored and not serialised.
    warnings: list[str] = Field(default_factory=list, exclude=True, repr=False)

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
    sentences: str = Field(
        "",
        description="The chunk's sentences as chunk-relative offsets (agent.text.sentences."
        "encode_sentences), segmented once at ingest.",
    )

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.n}"
