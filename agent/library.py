"""``ArticleIndex``: the half of ``Agent`` that needs no language model.

Settings, the lazily built embedder, store and retriever, ingest, the index's reads
(list, get, remove, stats) and search. ``agent.api.Agent`` adds the model-backed methods (ask,
chat, summarize, brief) and is the one to use; this class is split out so each module has one
job and ``agent.api`` stays readable. A script that only ingests or searches may use it alone:
it never loads a chat model.

Imports follow ``agent.api``'s rule (its module docstring gives the measured costs): the
heavy modules behind a method are imported inside it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent.errors import ArticleNotFoundError, InvalidArgumentError
from agent.lazy import build_lock, lazy_part
from agent.settings import Settings
from agent.types import Article, IngestItem, IngestReport, Passage, ReindexReport

if TYPE_CHECKING:  # imported where first used: see "Imports" in agent.api
    from agent.index.embed import Embedder
    from agent.index.store import Store
    from agent.retrieve.as_of import TemporalRetrieval
    from agent.retrieve.hybrid import Retriever


class ArticleIndex:
    """The index an ``Agent`` reads and writes; see ``Agent`` for the guide.

    .. code-block:: python

        from agent.library import ArticleIndex

        index = ArticleIndex(index_path="index")
        index.ingest(["examples/articles"])
        index.search("flood damage estimate", k=3)   # passages, no language model
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = settings.updated(**overrides)
        self.settings = settings

    # --- lazily built parts ----------------------------------------------------------
    @lazy_part
    def embedder(self) -> Embedder:
        from agent.index.embed import make_embedder

        return make_embedder(self.settings)

    @lazy_part
    def store(self) -> Store:
        from agent.index.store import Store

        return Store(self.settings, self.embedder)

    def _reading(self) -> Store:
        """The store, for a read: opened without creating an index (``IndexNotFoundError``).

        ``agent --index /tmp/typo stats`` used to create an empty index there and report it;
        a read must say the index is missing instead. Once open (by a read or an ingest), the
        same ``Store`` serves both.
        """
        cache = self.__dict__
        if "store" not in cache:
            from agent.index.client import index_exists, missing_index_error
            from agent.index.store import Store

            if index_exists(self.settings) is False:  # before loading the embedder
                raise missing_index_error(self.settings)
            with build_lock(self):
                if "store" not in cache:
                    cache["store"] = Store(self.settings, self.embedder, create=False)
        return self.store

    @lazy_part
    def retriever(self) -> Retriever:
        from agent.retrieve.hybrid import Retriever

        return Retriever(self.store, self.embedder, self.settings)

    # --- ingest and manage -----------------------------------------------------------
    def ingest(
        self,
        inputs: Sequence[str],
        progress: Callable[[IngestItem], None] | None = None,
        chunk_progress: Callable[[Article, int, int], None] | None = None,
    ) -> IngestReport:
        """Add files, folders, URLs and feeds to the index; unchanged articles are skipped.

        Never raises for one bad input: failures are items with ``status="failed"`` and a
        one-line ``error``. The index is never left half-written. ``progress(item)`` is called
        as each item finishes; ``chunk_progress(article, embedded, total)`` as each article's
        chunks are embedded (a long article is minutes of embedding on a CPU). Control
        characters are removed from every article (``item.controls_removed``); an article
        longer than ``max_chunks_per_article`` chunks is indexed up to the cap
        (``item.truncated_at``, ``item.note``).
        """
        from agent.ingest.pipeline import ingest

        if isinstance(inputs, str):
            inputs = [inputs]
        return ingest([str(i) for i in inputs], self.store, self.embedder, self.settings, progress,
                      chunk_progress=chunk_progress)

    def list(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        """Articles in the index, newest first, optionally filtered."""
        if limit is not None and limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1 (got {limit}); leave it out for all")
        return self._reading().list_articles(source=source, since=since, until=until, limit=limit)

    def get(self, article_id: str) -> Article:
        """One article by id or unique id prefix (``ArticleNotFoundError`` otherwise)."""
        return self._reading().get_article(article_id)

    def remove(self, article_id: str) -> bool:
        """Delete an article and its chunks; False when there was no such article.

        Takes the id or a unique prefix of it, like ``get`` and ``agent remove`` (``agent
        list`` shows ids shortened); a prefix that fits several articles raises
        ``ArticleNotFoundError`` rather than guessing which to delete.
        """
        if self._reading().remove(article_id):
            return True
        try:
            article = self.store.get_article(article_id)
        except ArticleNotFoundError as exc:
            if str(exc).startswith("no article"):
                return False
            raise
        return self.store.remove(article.id)

    def stats(self) -> dict[str, Any]:
        """Counts of articles and chunks, sources, date range, embedder, location."""
        return self._reading().stats()

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> ReindexReport:
        """Rebuild every vector from the stored chunk texts (ids, texts and metadata kept): the
        repair for a damaged vector segment (``DamagedIndexError``, ``agent doctor``).
        ``progress(done, total)`` is called as articles are done; a kill loses at most a batch,
        and running it again finishes."""
        from agent.index.client import index_exists, missing_index_error
        from agent.index.reindex import reindex
        from agent.index.store import Store

        if index_exists(self.settings) is False:
            raise missing_index_error(self.settings)
        store = Store(self.settings, self.embedder, create=False, check_vectors=False)
        report = reindex(store, self.embedder, progress=progress)
        for part in ("store", "retriever"):  # reopened on next use, on the repaired index
            self.__dict__.pop(part, None)
        return report

    # --- ask ---------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        article: str | None = None,
        as_of: datetime | None = None,
    ) -> builtins.list[Passage]:
        """The passages ``ask`` would give the model (same time handling), without any model."""
        return self._retrieve(query, k, source, since, until, article, as_of).passages

    def _retrieve(
        self,
        query: str,
        k: int | None,
        source: str | None,
        since: datetime | None,
        until: datetime | None,
        article: str | None,
        as_of: datetime | None,
    ) -> TemporalRetrieval:
        from agent.retrieve.as_of import retrieve_as_of

        self._reading()
        return retrieve_as_of(
            self.retriever,
            query,
            k=k or self.settings.retrieval.top_k,
            as_of=as_of,
            source=source,
            since=since,
            until=until,
            article_ids=[self.store.get_article(article).id] if article else None,
        )
