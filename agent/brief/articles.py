"""Which articles a briefing covers: by topic (hybrid retrieval, best rank per article), else the
newest in the window. An empty selection raises ``NoArticlesError`` with what to try instead,
before any model is loaded; ``ticker`` is how a briefing reports progress.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from agent.errors import InvalidArgumentError, NoArticlesError
from agent.types import Article

Progress = Callable[[str, int, int], None]


def ticker(progress: Progress | None) -> Progress:
    """``progress`` or a no-op, so each step reports unconditionally."""
    return progress if progress is not None else (lambda step, i, n: None)


def _window_text(since: datetime | None, until: datetime | None, source: str | None) -> str:
    parts = []
    if since and until:
        parts.append(f"published between {since.date().isoformat()} and {until.date().isoformat()}")
    elif since:
        parts.append(f"published since {since.date().isoformat()}")
    elif until:
        parts.append(f"published until {until.date().isoformat()}")
    if source:
        parts.append(f"from source {source!r}")
    return " ".join(parts)


def no_articles_error(
    topic: str | None, since: datetime | None, until: datetime | None, source: str | None
) -> NoArticlesError:
    where = _window_text(since, until, source)
    what = f"no articles about {topic!r}" if topic else "no articles"
    fixes = []
    if topic:
        fixes.append("try another topic")
    if since or until:
        fixes.append("widen --since/--until")
    if source:
        fixes.append("drop --source")
    fixes.append("ingest more (agent ingest PATH|URL)")
    return NoArticlesError(f"{what}{' ' + where if where else ' in the index'}; {', '.join(fixes)}")


def _unique_articles(passages: Sequence[Any], limit: int) -> list[str]:
    """Article ids in order of their best-ranked passage."""
    ids: list[str] = []
    for p in passages:
        if p.article_id not in ids:
            ids.append(p.article_id)
        if len(ids) >= limit:
            break
    return ids


def select_articles(
    store: Any,
    retriever: Any,
    *,
    topic: str | None,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    max_articles: int,
) -> list[Article]:
    """Topic → hybrid retrieval grouped to unique articles by best rank; no topic → the newest
    articles in the window. Raises ``NoArticlesError`` when nothing matches."""
    if max_articles < 1:
        raise InvalidArgumentError(f"max_articles must be at least 1, got {max_articles}")
    if topic and topic.strip():
        wide = retriever
        if hasattr(retriever, "settings"):
            # Retrieval normally fits passages to the answer prompt's budget; a briefing wants
            # enough passages to find several articles, so lift that budget on a shallow copy.
            wide = copy.copy(retriever)
            wide.settings = retriever.settings.updated(context_tokens=10**9)
        passages = wide.retrieve(
            topic.strip(), k=max(4 * max_articles, 12), source=source, since=since, until=until
        )
        ids = _unique_articles(passages, max_articles)
        articles = [store.get_article(i) for i in ids]
    else:
        articles = store.list_articles(source=source, since=since, until=until, limit=max_articles)
    if not articles:
        raise no_articles_error(topic, since, until, source)
    return list(articles)


def embedder_of(embedder: Any, store: Any, retriever: Any) -> Any:
    """The embedder a briefing groups with: the one given, else the store's or the retriever's."""
    return embedder or getattr(store, "embedder", None) or getattr(retriever, "embedder", None)


__all__ = ["no_articles_error", "select_articles"]
