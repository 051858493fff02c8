"""The ``Agent``: newsagent's whole Python API in one object.

Quick start (runs offline on the embedded default models)::

    from agent import Agent

    agent = Agent(index_path="index")           # any Settings field can be overridden here
    report = agent.ingest(["examples/articles"])
    print(report.to_markdown())                 # added 5, updated 0, unchanged 0, failed 0 ...
    answer = agent.ask("How much rain fell before the River Ash flood?")
    print(answer.to_markdown())                 # text with [1] markers, then the quoted sources

Heavy parts (the embedding model, the Chroma client, the chat model) are created on first
use and kept for the life of the object, so an ``Agent`` that only lists articles never loads
a language model. Two ``Agent`` objects with different settings share nothing but the
per-process model caches (a model file is loaded once per process, whoever asks for it).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from agent.settings import Settings
from agent.types import Answer, Article, ArticleSummary, Briefing, IngestItem, IngestReport, Passage

if TYPE_CHECKING:  # imported lazily: each of these pulls in a heavy library
    from langchain_core.language_models import BaseChatModel

    from agent.chat import ChatSession
    from agent.embed import Embedder
    from agent.retrieve import Retriever
    from agent.store import Store
    from agent.temporal import TemporalRetrieval


class Agent:
    """Ingest news articles, then ask questions whose answers cite verbatim passages.

    ``Agent(settings=None, **overrides)``: with no arguments every setting comes from the
    environment (``NEWSAGENT_*``, ``OPENAI_API_KEY``, ...) and config files, then defaults.
    Keyword overrides win over all of those, e.g. ``Agent(provider="openai", model="gpt-4o")``.
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = Settings(**{**settings.model_dump(), **overrides})
        self.settings = settings

    # --- lazily built parts ----------------------------------------------------------
    @cached_property
    def embedder(self) -> Embedder:
        from agent.embed import make_embedder

        return make_embedder(self.settings)

    @cached_property
    def store(self) -> Store:
        from agent.store import Store

        return Store(self.settings, self.embedder)

    @cached_property
    def retriever(self) -> Retriever:
        from agent.retrieve import Retriever

        return Retriever(self.store, self.embedder, self.settings)

    @cached_property
    def chat_model(self) -> BaseChatModel:
        from agent.models import get_chat_model

        return get_chat_model(self.settings)

    # --- ingest and manage -----------------------------------------------------------
    def ingest(
        self,
        inputs: Sequence[str],
        progress: Callable[[IngestItem], None] | None = None,
    ) -> IngestReport:
        """Add files, folders, URLs and feeds to the index; unchanged articles are skipped.

        Never raises for one bad input: failures are items with ``status="failed"`` and a
        one-line ``error``. The index is never left half-written.
        """
        from agent.ingest.pipeline import ingest

        if isinstance(inputs, str):
            inputs = [inputs]
        return ingest([str(i) for i in inputs], self.store, self.embedder, self.settings, progress)

    def list(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Article]:
        """Articles in the index, newest first, optionally filtered."""
        return self.store.list_articles(source=source, since=since, until=until, limit=limit)

    def get(self, article_id: str) -> Article:
        """One article by id or unique id prefix (``ArticleNotFoundError`` otherwise)."""
        return self.store.get_article(article_id)

    def remove(self, article_id: str) -> bool:
        """Delete an article and its chunks; False when there was no such article."""
        return self.store.remove(article_id)

    def stats(self) -> dict[str, Any]:
        """Counts of articles and chunks, sources, date range, embedder, location."""
        return self.store.stats()

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
        from agent.temporal import retrieve_as_of

        return retrieve_as_of(
            self.retriever,
            query,
            k=k or self.settings.top_k,
            as_of=as_of,
            source=source,
            since=since,
            until=until,
            article_ids=[self.store.get_article(article).id] if article else None,
        )

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        article: str | None = None,
        as_of: datetime | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer a question from the indexed articles, with verified quote citations.

        The question is asked *as of* ``as_of`` (now by default): a phrase such as "this week"
        or "yesterday" becomes a publication-date window, and with an explicit ``as_of`` no
        article published after that day is used. ``answer.retrieval`` says what was searched.
        ``on_text`` receives the answer text as it streams. When nothing relevant is found the
        model is not called and ``status`` is ``not_in_sources``.
        """
        from agent.answer import answer_question, not_in_sources
        from agent.errors import EmptyIndexError
        from agent.temporal import window_label

        if self.store.count_articles() == 0:
            raise EmptyIndexError(
                "the index is empty: add articles first, e.g. `agent ingest examples/articles`"
            )
        found = self._retrieve(question, k, source, since, until, article, as_of)
        if not found.passages:
            answer = not_in_sources(question, 0, self.settings.resolved_model)
            info = found.info
            if info.time_phrase and info.window_since is not None:
                from agent.timewindow import TimeWindow

                label = window_label(TimeWindow(info.window_since, info.window_until, info.time_phrase, ""))
                answer.text = f"The indexed articles have nothing on this from {label}."
                if found.nearest:
                    p = found.nearest[0]
                    when = p.published.date().isoformat() if p.published else "undated"
                    answer.text += f' The nearest coverage is "{p.title}" ({when}), outside that period.'
            answer.retrieval = info
            return answer
        # A factory, not the model: with no relevant passages the model is never loaded.
        answer = answer_question(
            question,
            found.passages,
            lambda: self.chat_model,
            self.settings,
            on_text=on_text,
            note=found.note,
        )
        answer.retrieval = found.info
        return answer

    def chat(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        as_of: datetime | None = None,
        k: int | None = None,
    ) -> ChatSession:
        """A conversation: ``session.send("and what did Xi say about it?")`` answers follow-ups.

        Each message is rewritten into a standalone question from the conversation when it needs
        it (one short model call; skipped for the first question and for questions that stand
        alone), then answered by ``ask`` with these filters, so every answer keeps its verified
        citations. ``session.history`` holds the turns, ``session.to_markdown()`` the transcript.
        """
        from agent.chat import ChatSession

        return ChatSession(self, source=source, since=since, until=until, as_of=as_of, k=k)

    # --- summarize and brief ----------------------------------------------------------------
    def summarize(self, article: str | Article, *, refresh: bool = False) -> ArticleSummary:
        """Structured summary of one article (id, id prefix or ``Article``).

        Every key point, figure and quote cites a verbatim passage; a figure whose number is
        not in its quote is flagged. Cached on disk per content hash + model + prompt version,
        so asking again is instant; ``refresh=True`` redoes it.
        """
        from agent.summarize import summarize_article

        a = article if isinstance(article, Article) else self.store.get_article(article)
        return summarize_article(a, lambda: self.chat_model, self.settings, refresh=refresh)

    def brief(
        self,
        topic: str | None = None,
        *,
        since: datetime | Literal["last"] | None = None,
        until: datetime | None = None,
        source: str | None = None,
        max_articles: int = 10,
        progress: Callable[[str, int, int], None] | None = None,
        refresh: bool = False,
    ) -> Briefing:
        """A cited briefing over up to ``max_articles`` articles on a topic and/or time window.

        Articles are summarised (cached), grouped into storylines, and written up with an
        overview and a "what the sources disagree on" section. Raises ``NoArticlesError``
        (a ``NewsAgentError``) when nothing matches, before any model is loaded.
        ``since="last"`` means "what's new since my last briefing" on this index.
        """
        from agent.brief import make_briefing

        started = datetime.now(UTC)
        if since == "last":
            since = self.store.get_marker("last_briefing")
            if since is None:
                from agent.errors import ConfigError

                raise ConfigError(
                    "no briefing has been made on this index yet, so --since last has no date; "
                    "give a date (--since 2026-03-01) or run `agent brief` once"
                )
        briefing = make_briefing(
            store=self.store,
            retriever=self.retriever,
            model=lambda: self.chat_model,
            settings=self.settings,
            topic=topic,
            since=since,
            until=until,
            source=source,
            max_articles=max_articles,
            progress=progress,
            embedder=self.embedder,
            refresh=refresh,
        )
        self.store.set_marker("last_briefing", started)
        return briefing
