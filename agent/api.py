"""The ``Agent``: newsagent's whole Python API in one object; the class docstring is the guide.

Every ``agent`` command imports this module, and the libraries behind a method (LangChain,
chromadb, onnxruntime, llama.cpp) take seconds to import, so each method imports what it needs.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from agent.chat import ChatSession
from agent.errors import (
    ArticleNotFoundError,
    ConfigError,
    DigestNotFoundError,
    EmptyIndexError,
    InvalidArgumentError,
)
from agent.lazy import build_lock, lazy_part
from agent.settings import Settings
from agent.threads import in_worker_thread
from agent.types import (
    Answer,
    Article,
    ArticleSummary,
    Briefing,
    Digest,
    DigestRecord,
    IngestItem,
    IngestReport,
    Passage,
    ReindexReport,
)

if TYPE_CHECKING:  # imported where first used (see the module docstring)
    from langchain_core.language_models import BaseChatModel

    from agent.index.embed import Embedder
    from agent.index.store import Store
    from agent.retrieve.as_of import TemporalRetrieval
    from agent.retrieve.hybrid import Retriever
    from agent.summary import AheadReport
    from agent.watch import Watcher


class Agent:
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
        first use (``agent.lazy``) and kept for the life of the object. Two ``Agent`` objects
        share nothing but the loaded models, so agents on different indexes can live in one
        process.

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

    Summarize one article (by id, id prefix or ``Article``; cached on disk):
        .. code-block:: python

            summary = agent.summarize("18726f9e")
            print(summary.to_markdown())  # headline, key points, people, figures, dates, quotes

        ``summary.key_points``, ``.key_figures``, ``.quotes`` ... hold the items, each with its
        ``citations`` (the quote and its span, as in ``ask``); ``refresh=True`` redoes it.

    Brief (several articles: storylines, disagreements, footnoted sources):
        .. code-block:: python

            briefing = agent.brief("River Ash flood in Millbrook", max_articles=2)
            print(briefing.to_markdown())

        A headline, an overview, a section per storyline and "What the sources disagree on",
        every sentence footnoted. A repeated briefing is read from the cache without loading
        the model. ``since="last"`` means "what's new since my last briefing".

    Digest (what is new since the last digest; kept with the index for the next one):
        .. code-block:: python

            agent.watch.run()                  # or articles ingested any other way
            digest = agent.digest()            # since the last digest; the first covers a day
            print(digest.to_markdown())

        .. code-block:: none

            # Digest: 5 March 2026
            ...
            ## Update since 4 March 2026: Flood death toll rises in Millbrook

            - The flood in Millbrook has killed 19 people, the regional government said. [1]
            - **Changed:** the death toll, 12 people on 4 March 2026 [2], is 19 people on 5 March 2026 [1]

            *Valley Courier*
            ...
            ## Feeds

            3 feed(s) checked in 1 run(s): 4 new article(s), 0 updated; failed: Herald: HTTP 500 ...

        (Shortened.) ``since="yesterday"`` or a datetime sets the window; ``topic=`` keeps the
        storylines about it; ``agent.digests()`` lists the kept ones, ``agent.kept_digest(id)``
        reads one back, ``digest.to_html(agent.get)`` is a web page of it. Wire copy republished by
        several outlets is one item; a continuing storyline says only what is new.

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
            digest = await agent.adigest()

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

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = settings.updated(**overrides)
        self.settings = settings

    # --- the parts, built on first use ---------------------------------------------------------
    @lazy_part
    def embedder(self) -> Embedder:
        from agent.index.embed import make_embedder

        return make_embedder(self.settings)

    @lazy_part
    def store(self) -> Store:
        from agent.index.store import Store

        return Store(self.settings, self.embedder)

    def _reading(self) -> Store:
        """The store, for a read: a missing index is an ``IndexNotFoundError``, never created
        (``agent --index /tmp/typo stats`` must say so). Once open, the same ``Store`` serves
        reads and ingests."""
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

    # --- ingest and manage the index (no language model) ---------------------------------------
    def ingest(
        self,
        inputs: Sequence[str],
        progress: Callable[[IngestItem], None] | None = None,
        chunk_progress: Callable[[Article, int, int], None] | None = None,
    ) -> IngestReport:
        """Add files, folders, URLs and feeds to the index; unchanged articles are skipped.

        One bad input is an item with ``status="failed"`` and a one-line ``error``, never an
        exception, and the index is never left half-written. ``progress(item)`` is called as
        each item finishes, ``chunk_progress(article, embedded, total)`` as chunks are embedded.
        An article longer than ``max_chunks_per_article`` chunks is indexed up to the cap.
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
    ) -> builtins.list[Article]:
        """Articles in the index, newest first, optionally filtered."""
        if limit is not None and limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1 (got {limit}); leave it out for all")
        return self._reading().list_articles(source=source, since=since, until=until, limit=limit)

    def get(self, article_id: str) -> Article:
        """One article by id or unique id prefix (``ArticleNotFoundError`` otherwise)."""
        return self._reading().get_article(article_id)

    def remove(self, article_id: str) -> bool:
        """Delete an article (id or unique id prefix) and its chunks; False when there was no
        such article. A prefix that fits several raises ``ArticleNotFoundError``."""
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

    # --- search and ask ---------------------------------------------------------------------------
    def reindex(self, progress: Callable[[int, int], None] | None = None) -> ReindexReport:
        """Rebuild every vector from the stored chunk texts: the repair for a damaged vector
        segment (``DamagedIndexError``). ``progress(done, total)`` follows the articles; after a
        kill, running it again finishes."""
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
        return self._retrieve(
            query, k=k, source=source, since=since, until=until, article=article, as_of=as_of
        ).passages

    def _retrieve(
        self,
        query: str,
        *,
        k: int | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        article: str | None = None,
        as_of: datetime | None = None,
    ) -> TemporalRetrieval:
        """What ``ask`` and ``search`` retrieve: the passages, the window, any fallback."""
        from agent.retrieve.as_of import retrieve_as_of

        if k is not None and k < 1:
            raise InvalidArgumentError(
                f"k must be at least 1 (got {k}); leave it out for top_k ({self.settings.retrieval.top_k})"
            )
        self._reading()
        return retrieve_as_of(
            self.retriever,
            query,
            k=k if k is not None else self.settings.retrieval.top_k,
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

        Asked as of ``as_of`` (now by default): "this week" becomes a publication window, and
        nothing published after an explicit ``as_of`` is used (``answer.retrieval`` says what
        was searched). ``on_text`` receives the answer text as it streams. With nothing
        relevant found, no model is called and ``status`` is ``not_in_sources``.
        """
        from agent.answer.from_retrieval import answer_from_retrieval
        from agent.answer.question import check_question

        question = check_question(question)  # before any embedding or model call
        if self._reading().count_articles() == 0:
            raise EmptyIndexError(
                "the index is empty: add articles first, e.g. `agent ingest examples/articles`"
            )
        found = self._retrieve(
            question, k=k, source=source, since=since, until=until, article=article, as_of=as_of
        )
        # A factory, not the model: with no relevant passages the model is never loaded.
        return answer_from_retrieval(question, found, lambda: self.chat_model, self.settings, on_text=on_text)

    def chat(
        self,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        as_of: datetime | None = None,
        k: int | None = None,
    ) -> ChatSession[Agent]:
        """A conversation: ``session.send("and what did Xi say about it?")`` rewrites a follow-up
        into a standalone question (one short model call, only when needed) and answers it like
        ``ask`` with these filters. ``session.history`` holds the turns, ``to_markdown()`` the
        transcript.
        """
        return ChatSession(self, source=source, since=since, until=until, as_of=as_of, k=k)

    # --- summarize and brief ----------------------------------------------------------------
    def summarize_ahead(
        self,
        article_ids: Sequence[str] | None = None,
        *,
        progress: Callable[[int, int, float | None], None] | None = None,
    ) -> AheadReport:
        """Summarise articles now (default: all) so later ``summarize`` and briefings read the
        cache; Ctrl-C keeps the finished ones. ``progress(done, total, eta_seconds)`` follows
        each article."""
        from agent.summary import summarize_ahead

        store = self._reading()
        articles = (
            [store.get_article(i) for i in article_ids] if article_ids is not None else store.list_articles()
        )
        return summarize_ahead(
            articles, lambda: self.chat_model, self.settings, progress=progress, embedder=self.embedder
        )

    def summarize(self, article: str | Article, *, refresh: bool = False) -> ArticleSummary:
        """Structured summary of one article (id, id prefix or ``Article``): every key point,
        figure and quote cites a verbatim passage. Cached per content, model and prompt;
        ``refresh=True`` redoes it."""
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
        """A cited briefing over up to ``max_articles`` articles on a topic and/or time window:
        storylines, each written by one cached model call over its articles' key sentences, an
        overview and "what the sources disagree on". ``NoArticlesError`` when nothing matches,
        before any model loads; ``since="last"``: since the last briefing on this index.
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

    def digest(
        self,
        *,
        since: datetime | Literal["last", "yesterday"] = "last",
        until: datetime | None = None,
        topic: str | None = None,
        max_articles: int = 40,
        progress: Callable[[str, int, int], None] | None = None,
        refresh: bool = False,
        keep: bool = True,
    ) -> Digest:
        """What is new since the last digest (``since="last"``; the first one covers a day),
        since the start of yesterday, or since a moment: storylines ranked by independent
        sources, wire copy merged, updates to earlier digests' storylines saying only what is
        new, moved figures cited on both days, every sentence cited; the watch runs' footer.

        Kept with the index for the next digest (``keep=False``: not kept); ``digests()``
        lists the kept ones. Model replies are cached, so the same digest again loads no model.
        """
        from agent.digest import DigestRequest, make_digest

        store = self._reading()
        request = DigestRequest(
            store=store, retriever=self.retriever, model=lambda: self.chat_model, settings=self.settings,
            sightings=self.watch.changed, runs=self.watch.runs, since=since, until=until, topic=topic,
            max_articles=max_articles, progress=progress, embedder=self.embedder, refresh=refresh, keep=keep,
        )
        return make_digest(request)

    def digests(self) -> builtins.list[DigestRecord]:
        """The kept digests, oldest first: window, storylines, file."""
        from agent.digest import DigestStore

        return DigestStore(self.settings).records()

    def kept_digest(self, digest_id: str) -> Digest:
        """The kept digest ``digest_id`` (an id from ``digests()``), read from its file: no model,
        no index. ``DigestNotFoundError`` when no kept digest has that id."""
        from agent.digest import DigestStore

        kept = DigestStore(self.settings).find(digest_id)
        if kept is None:
            raise DigestNotFoundError(
                f"no kept digest {digest_id!r}; `agent digest --list` shows the kept ones"
            )
        return kept.digest

    # --- async: the same calls, off the event loop -------------------------------------------
    aask = in_worker_thread(
        ask,
        """``ask`` for asyncio code: same arguments, same ``Answer``, run in a worker thread.

        The event loop keeps serving other tasks while retrieval and the model work. ``on_text``
        is called from that worker thread (hand text to the loop with
        ``loop.call_soon_threadsafe``). Cancelling the awaiting task does not stop a generation
        already under way; its result is discarded. It raises what ``ask`` raises. The local
        model answers one question at a time, so concurrent ``aask`` calls queue for it; an
        OpenAI-compatible server can take them in parallel::

            answer, _ = await asyncio.gather(agent.aask("How much rain fell?"), other_work())
        """,
    )

    asummarize = in_worker_thread(
        summarize,
        """``summarize`` for asyncio code, run in a worker thread (see ``aask``):
        ``summary = await agent.asummarize(article_id)``.""",
    )

    adigest = in_worker_thread(
        digest,
        """``digest`` for asyncio code, run in a worker thread (see ``aask``): ``digest = await
        agent.adigest()``.""",
    )

    abrief = in_worker_thread(
        brief,
        """``brief`` for asyncio code, run in a worker thread (see ``aask``); ``progress`` is
        called from that thread: ``briefing = await agent.abrief("flood", max_articles=2)``.""",
    )
