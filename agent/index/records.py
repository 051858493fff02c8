"""How articles and chunks are stored as Chroma records: their metadata and content hash."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agent.index.filters import to_ts
from agent.text import hashing
from agent.types import Article, Chunk


def content_hash(article: Article) -> str:
    """The article's hash, computed like ingest does when the loader left it empty."""
    if article.content_hash:
        return article.content_hash
    return hashing.content_hash(article.title, article.text, article.url, article.published)


def _clean_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str/int/float/bool: drop the Nones."""
    return {k: v for k, v in meta.items() if v is not None}


def _published(article: Article) -> tuple[str | None, int | None]:
    """The publication time as stored: ISO text and epoch seconds (None when unknown)."""
    if article.published is None:
        return None, None
    return article.published.isoformat(), to_ts(article.published)


def chunk_meta(article: Article, c: Chunk, h: str) -> dict[str, Any]:
    """A chunk record's metadata: its span, its article's fields, and the committed-version hash."""
    published, published_ts = _published(article)
    return _clean_meta({
        "article_id": article.id, "n": c.n, "start": c.start, "end": c.end,
        "tokens": c.tokens, "title": article.title, "source": article.source,
        "url": article.url, "published": published, "published_ts": published_ts,
        "content_hash": h,
        # the chunk's sentences, segmented once at ingest (a compact string:
        # metadata values must be scalars); an old index without it is segmented
        # on the fly when read (agent.text.sentences.chunk_sentences)
        "sentences": c.sentences or None,
    })


def article_meta(article: Article, h: str, n_chunks: int) -> dict[str, Any]:
    """An article record's metadata (the commit point: ``content_hash`` names the live chunks)."""
    published, published_ts = _published(article)
    ingested = article.ingested_at or datetime.now(UTC)
    return _clean_meta({
        "title": article.title, "source": article.source, "url": article.url,
        "published": published, "published_ts": published_ts, "author": article.author,
        "content_hash": h, "ingested_at": ingested.isoformat(), "origin": article.origin,
        "chunks": n_chunks,
    })


def parse_dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
