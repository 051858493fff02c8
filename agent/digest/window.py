"""Which articles a digest covers: those first seen or changed by a watch run, or published, in
its window, and where the window starts (``since``: the previous digest, yesterday, a date).

An article is in the window ``[since, until]`` when a watch run first saw it or brought a new
version of it then (``Watcher.changed``: a story updated in place is news again), or when it was
published then (articles ingested by hand, or a replay of a dated corpus). Newest published
first; beyond ``max_articles`` the oldest are left out, and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from agent.errors import InvalidArgumentError
from agent.index.filters import SearchFilters
from agent.text.dates import as_utc
from agent.types import Article, SeenArticle

Since = datetime | Literal["last", "yesterday"]
#: Chunks a topic digest reads (the window's articles rarely have more).
MAX_TOPIC_CHUNKS = 5000
#: The first digest of an index, with nothing to continue from, covers this much.
FIRST_WINDOW = timedelta(days=1)


def resolve_since(since: Since, until: datetime, last_until: datetime | None) -> datetime:
    """The moment the window starts: the end of the previous digest's (``"last"``; the first
    digest covers ``FIRST_WINDOW``), the start of yesterday in local time, or the date given."""
    if since == "last":
        return last_until if last_until is not None else until - FIRST_WINDOW
    if since == "yesterday":
        local = until.astimezone()
        return datetime.combine(local.date() - timedelta(days=1), time.min, tzinfo=local.tzinfo)
    if isinstance(since, datetime):
        start = as_utc(since)
        if start >= until:
            raise InvalidArgumentError(
                f"the digest window starts at {start.isoformat()}, not before its end "
                f"{until.isoformat()}; give an earlier --since"
            )
        return start
    raise InvalidArgumentError(f"since={since!r} is not 'last', 'yesterday' or a date; e.g. 2026-03-01")


def window_articles(
    store: Any,
    sightings: Sequence[SeenArticle],
    since: datetime,
    until: datetime,
    max_articles: int,
) -> tuple[list[Article], int]:
    """The window's articles, newest first (by publication, else sighting), at most
    ``max_articles``; and how many more there were. ``sightings``: the watch runs' sightings
    of articles changed since ``since`` (``Watcher.changed``)."""
    if max_articles < 1:
        raise InvalidArgumentError(f"max_articles must be at least 1, got {max_articles}")
    seen = {s.article_id: s.changed for s in sightings if since <= as_utc(s.changed) <= until}
    published = {a.id: a for a in store.list_articles(since=since, until=until)}
    missing = [i for i in seen if i not in published]
    found = {a.id: a for a in store.list_articles(article_ids=missing)} if missing else {}
    articles = {**found, **published}

    def when(a: Article) -> datetime:
        """Its publication, else its sighting: not when a run happened to see it, so a run
        killed and caught up orders the articles as an uninterrupted one does."""
        d = a.published or seen.get(a.id)
        return as_utc(d) if d is not None else datetime.min.replace(tzinfo=UTC)

    ranked = sorted(articles.values(), key=lambda a: (when(a), a.id), reverse=True)
    return ranked[:max_articles], max(0, len(ranked) - max_articles)


def on_topic(store: Any, embedder: Any, topic: str, articles: list[Article]) -> list[Article]:
    """The ``articles`` about ``topic``, in their order: those whose chunks pass retrieval's
    relevance gate on their own (``agent.retrieve.hybrid.is_relevant``: the best chunk's cosine
    to the topic, or the topic's words in a chunk), so each article is judged, not the window."""
    from agent.retrieve.hybrid import is_relevant  # lazy: bm25s and its stemmer load with it

    if not articles:
        return []
    ids = [a.id for a in articles]
    found = store.dense_search(embedder.embed_query(topic.strip()), MAX_TOPIC_CHUNKS,
                               SearchFilters(article_ids=ids))
    by_article: dict[str, list[Any]] = {}
    for p in found:
        by_article.setdefault(p.article_id, []).append(p)
    return [a for a in articles if (ps := by_article.get(a.id))
            and is_relevant(topic, ps, max(p.score for p in ps))]


__all__ = ["FIRST_WINDOW", "Since", "on_topic", "resolve_since", "window_articles"]
