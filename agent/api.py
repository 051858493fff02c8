"""The ``Agent``: newsagent's whole Python API in one object.

The class docstring is the guide: setup, every method with its output, async use.

Heavy parts (the embedding model, the Chroma client, the chat model) are created on first
use and kept for the life of the object, so an ``Agent`` that only lists articles never loads
a language model. Two ``Agent`` objects with different settings share nothing but the
per-process model caches (a model file is loaded once per process, whoever asks for it).

Imports: the modules behind a method are imported inside it, because every ``agent`` command
imports this module and most need few of them. Measured on top of ``import agent.api``
(0.47 s; median of 5 fresh processes, 2-core host, session 13): ``agent.models`` +1.98 s,
``agent.brief`` +1.87 s, ``agent.summary`` +1.80 s, ``agent.answer.ask`` +1.23 s (LangChain),
``agent.ingest.pipeline`` +0.42 s, ``agent.index.embed`` +0.30 s (onnxruntime),
``agent.index.store`` +0.28 s (chromadb), ``agent.retrieve.as_of`` +0.10 s. Everything under
0.05 s is imported at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from agent.chat import ChatSession
from agent.errors import (
    ConfigError,
    EmptyIndexError,
)
from agent.lazy import lazy_part
from agent.library import ArticleIndex
from agent.retrieve.windows import TimeWindow
from agent.threads import in_worker_thread
from agent.types import Answer, Article, ArticleSummary, Briefing

if TYPE_CHECKING:  # imported where first used: see "Imports" in the module docstring
    from langchain_core.language_models import BaseChatModel

    from agent.summary import AheadReport
    from agent.watch import Watcher


class Agent(ArticleIndex):
    """Ingest news articles, then ask questions whose answers cite verbatim passages.

    Setup:
        ``bash scripts/setup.sh`` installs newsagent and its embedded local models (a Qwen2.5
        1.5B GGUF run by llama.cpp, a MiniLM embedder): everything below runs offline. With
        ``OPENAI_API_KEY`` (or ``OPENAI_BASE_URL``) set, the chat model is that server's instead.

    Key init args:
        settings: Settings | None
            Every setting. By default they come from ``NEWSAGENT_*`` environment variables
            (plus ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``CHROMA_HOST``), then
            ``~/.config/newsagent/config.toml`` or ``./newsagent.toml``, then defaults.
        **overrides: Any
            Any setting, winning over all of those, by its flat name (``index_path``, default
            ``./index``; ``chroma_url``, ``provider``, ``model``, ``base_url``, ``top_k``, ...)
            or by section (``retrieval={"top_k": 8}``; ``agent config`` lists them), and
            ``preset="fast"``. A keyword that is no setting raises ``InvalidArgumentError``
            naming the closest one (``Agent(index_dir=...)``: "did you mean 'index_path'?").

    Instantiate:
        .. code-block:: python

            from agent import Agent

            agent = Agent(index_path="index")  # an embedded Chroma index in ./index
            # Agent(provider="openai", model="gpt-4o-mini")              # OPENAI_API_KEY set
            # Agent(base_url="http://127.0.0.1:8080/v1", model="qwen2.5")  # any compatible server

        Nothing heavy is loaded yet: the embedder, the index and the chat model are built on
        first use and kept for the life of the object. Two ``Agent`` objects share nothing but
        the loaded models, so agents on different indexes can live in one process.

    Ingest (files, folders, ``.jsonl``, URLs, RSS/Atom feeds; unchanged articles are skipped):
        .. code-block:: python

            report = agent.ingest(["examples/articles"])
            print(report.to_markdown())

        .. code-block:: none

            added 5, updated 0, unchanged 0, failed 0 (9 chunks, 1.9s)

    Ask (every ``[n]`` is backed by a quote verified to be in the article):
        .. code-block:: python

            answer = agent.ask("How much rain fell before the River Ash flood?")
            print(answer.to_markdown())
            answer.status                       # "answered", "partial", "unverified" or "not_in_sources"
            answer.citations[0].start, answer.citations[0].end  # the quote's span in the article

        .. code-block:: none

            94 millimetres of rain fell before the River Ash flood [1]

            **Sources**

            [1] *Millbrook flood damage put at $18.4 million as 312 homes confirmed affected*,
            2026-03-12 <https://valleycourier.example/local/2026/03/12/millbrook-flood-damage-estimate>
                > The regional water authority confirmed that 94 millimetres of rain fell on the
                upper valley in the 36 hours before the flood, the wettest 36-hour period
                recorded there since measurements began in 1961.

        (Long lines wrapped here.) Filters: ``source=``, ``since=``/``until=`` (datetimes),
        ``article=`` (an id), and ``as_of=`` to ask as of a past day ("this week" then means
        that week).

    Search (the passages ``ask`` would use; no language model):
        .. code-block:: python

            for p in agent.search("flood damage estimate", k=3):
                print(p.article_id[:8], p.published.date(), p.title[:48])

        .. code-block:: none

            abd76106 2026-03-12 Millbrook flood damage put at $18.4 million as 3
            abd76106 2026-03-12 Millbrook flood damage put at $18.4 million as 3
            18726f9e 2026-03-05 River Ash bursts its banks in Millbrook after 94

    Summarize one article (by id, id prefix or ``Article``; cached on disk):
        .. code-block:: python

            summary = agent.summarize("18726f9e")
            print(summary.to_markdown())  # headline, key points, people, figures, dates, quotes

        .. code-block:: none

            # River Ash overtopped flood walls in Millbrook
            ...
            ## Key points

            - River Ash overtopped flood walls [1]
            ...
            ## Sources

            [1] *River Ash bursts its banks in Millbrook after 94 mm of rain*, 2026-03-05 <https://...>
                > The River Ash overtopped its flood walls in central Millbrook

        (Shortened; the model's wording varies.) ``summary.key_points``, ``.key_figures``,
        ``.quotes`` ... hold the items, each with its ``citations``; ``refresh=True`` redoes it.

    Brief (several articles: storylines, disagreements, footnoted sources):
        .. code-block:: python

            briefing = agent.brief("River Ash flood in Millbrook", max_articles=2)
            print(briefing.to_markdown())

        .. code-block:: none

            # River Ash Flood in Millbrook: 230 Homes Evacuated, 312 Affected, ...
            ...
            ## Overview

            The River Ash overtopped its flood walls in central Millbrook on Thursday afternoon
            after 94 millimetres of rain fell on the upper valley in 36 hours, ... [1][2][3]
            ...
            ## What the sources disagree on
            ...

        (Shortened.) The articles' summaries come from the cache when present, so this reuses
        the summary above. ``since="last"`` means "what's new since my last briefing".

    Chat (follow-ups rewritten into standalone questions, then answered like ``ask``):
        .. code-block:: python

            session = agent.chat(source="Valley Courier")
            session.send("How much rain fell before the River Ash flood?")
            session.send("And how many homes were evacuated?")  # -> Answer, with citations
            session.history                                # the turns so far

    Async (the same calls in a worker thread, so an event loop stays free):
        .. code-block:: python

            answer = await agent.aask("How much rain fell before the River Ash flood?")
            summary = await agent.asummarize("18726f9e")
            briefing = await agent.abrief("flood", max_articles=2)

    Manage the index (no language model):
        .. code-block:: python

            agent.stats()         # {"articles": 5, "chunks": 9, "sources": {...}, ...}
            agent.list(source="Valley Courier")  # Articles, newest first
            article = agent.get("18726f9e")      # one Article (id or unique id prefix), with its text
            agent.remove(article.id)             # True; False when there was no such article
            agent.reindex()       # rebuilds the vectors when a command says the index is damaged

    Results are pydantic models: ``.to_markdown()`` renders one, ``.model_dump()`` /
    ``.model_dump_json()`` serialise it. Errors you can cause are ``agent.errors.NewsAgentError``
    subclasses whose message says what to do, e.g. ``EmptyIndexError`` from ``ask`` on an empty
    index ("the index is empty: add articles first, e.g. `agent ingest examples/articles`"),
    ``ArticleNotFoundError`` for an unknown id, ``NoArticlesError`` from ``brief``.
    """

    # The embedder, store, retriever, ingest, list/get/remove/stats and search are
    # ArticleIndex's (agent/library.py): the part of the API that never loads a chat model.

    @lazy_part
    def watch(self) -> Watcher:
        """Watched feeds: ``add(url)``, ``list()``, ``remove(name)``, ``run()``, ``serve(every)``,
        ``first_seen(since)`` (``agent.watch.Watcher``); no language model."""
        from agent.watch import Watcher

        return Watcher(self.settings, writing=lambda: self.store, reading=self._reading)

    @lazy_part
    def chat_model(self) -> BaseChatModel:
        """The chat model the settings name, loaded on first use (local GGUF or OpenAI-compatible)."""
        from agent.models import get_chat_model

        return get_chat_model(self.settings)

    # --- ask -----------------------------------------------------------------------------
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
        from agent.answer.ask import answer_question, not_in_sources
        from agent.answer.question import check_question
        from agent.retrieve.as_of import label_answer, nothing_in_window_text, window_label

        question = check_question(question)  # before any embedding or model call
        if self._reading().count_articles() == 0:
            raise EmptyIndexError(
                "the index is empty: add articles first, e.g. `agent ingest examples/articles`"
            )
        found = self._retrieve(question, k, source, since, until, article, as_of)
        if not found.passages:
            answer = not_in_sources(question, 0, self.settings.resolved_model)
            info = found.info
            if info.time_phrase and info.window_since is not None:
                label = window_label(TimeWindow(info.window_since, info.window_until, info.time_phrase, ""))
                answer.text = nothing_in_window_text(label, found.nearest[0] if found.nearest else None)
            answer.retrieval = info
            return answer
        if found.lead and on_text:
            on_text(found.lead + " ")  # an answer from the nearest coverage says so first
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
        return label_answer(answer, found)

    def chat(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        as_of: datetime | None = None,
        k: int | None = None,
    ) -> ChatSession[Agent]:
        """A conversation: ``session.send("and what did Xi say about it?")`` answers follow-ups.

        Each message is rewritten into a standalone question from the conversation when it needs
        it (one short model call; skipped for the first question and for questions that stand
        alone), then answered by ``ask`` with these filters, so every answer keeps its verified
        citations. ``session.history`` holds the turns, ``session.to_markdown()`` the transcript.
        """
        return ChatSession(self, source=source, since=since, until=until, as_of=as_of, k=k)

    # --- summarize and brief ----------------------------------------------------------------
    def summarize_ahead(
        self,
        article_ids: Sequence[str] | None = None,
        *,
        progress: Callable[[int, int, float | None], None] | None = None,
    ) -> AheadReport:
        """Summarise articles now (default: every indexed article) so later ``summarize`` and
        briefings read the cache. Cached ones cost nothing; Ctrl-C keeps the finished ones.

        ``progress(done, total, eta_seconds)`` is called after each article. Returns an
        ``AheadReport`` (summarised, cached, failed, interrupted)."""
        from agent.summary import summarize_ahead

        store = self._reading()
        articles = (
            [store.get_article(i) for i in article_ids] if article_ids is not None else store.list_articles()
        )
        return summarize_ahead(
            articles, lambda: self.chat_model, self.settings, progress=progress, embedder=self.embedder
        )

    def summarize(self, article: str | Article, *, refresh: bool = False) -> ArticleSummary:
        """Structured summary of one article (id, id prefix or ``Article``).

        Every key point, figure and quote cites a verbatim passage; a figure whose number is
        not in its quote is flagged. Cached on disk per content hash + model + prompt version,
        so asking again is instant; ``refresh=True`` redoes it.
        """
        from agent.summary import summarize_article

        a = article if isinstance(article, Article) else self._reading().get_article(article)
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
        self._reading()
        if since == "last":
            since = self.store.get_marker("last_briefing")
            if since is None:
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

    # --- async: the same calls, off the event loop -------------------------------------------
    aask = in_worker_thread(
        ask,
        """``ask`` for asyncio code: same arguments, same ``Answer``, run in a worker thread.

        The event loop keeps serving other tasks while retrieval and the model work. ``on_text``
        is called from that worker thread (hand text to the loop with
        ``loop.call_soon_threadsafe``). Cancelling the awaiting task does not stop a generation
        already under way; its result is discarded. It raises what ``ask`` raises. The local
        model answers one question at a time, so concurrent ``aask`` calls queue for it; an
        OpenAI-compatible server can take them in parallel.

        Example (a script; run it after ``agent ingest examples/articles``)::

            import asyncio

            from agent import Agent

            async def heartbeat() -> None:
                for _ in range(3):
                    print("the loop is free")
                    await asyncio.sleep(1)

            async def main() -> None:
                agent = Agent(index_path="index")
                answer, _ = await asyncio.gather(
                    agent.aask("How much rain fell before the River Ash flood?"), heartbeat()
                )
                print(answer.to_markdown())

            asyncio.run(main())
        """,
    )

    asummarize = in_worker_thread(
        summarize,
        """``summarize`` for asyncio code, run in a worker thread (see ``aask``):
        ``summary = await agent.asummarize(article_id)``.""",
    )

    abrief = in_worker_thread(
        brief,
        """``brief`` for asyncio code, run in a worker thread (see ``aask``); ``progress`` is
        called from that thread: ``briefing = await agent.abrief("flood", max_articles=2)``.""",
    )
