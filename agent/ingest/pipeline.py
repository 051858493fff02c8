"""Ingest orchestration: load → chunk → embed → store, idempotent by content hash.

Why it is shaped like this:

* **Idempotent.** An article whose ``content_hash`` equals the stored one is
  ``unchanged`` and costs one metadata lookup, no embedding: re-running an ingest
  over the same inputs is cheap.
* **Fast.** Chunks of several articles are embedded together (the embedder sorts
  them by length and pads each batch only to its longest member), while each
  article is still written with its own atomic ``Store.replace_article``.
* **Bounded memory.** Articles stream from the loader; at most a few embedding
  batches' worth of chunks are held at once, never the corpus.
* **Robust.** One bad article becomes a ``failed`` item and the rest go on. Errors
  of the embedding model itself (bad key, server down) stop the run: every article
  after would fail the same way. What was committed stays committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from agent.embed import Embedder
from agent.errors import NewsAgentError
from agent.settings import Settings
from agent.store import Store, content_hash
from agent.types import Article, Chunk, IngestItem, IngestReport, IngestStatus

#: Articles whose stored hashes are looked up in one request.
LOOKUP_WINDOW = 32
#: Chunks gathered before embedding, in units of ``settings.embed_batch_size``: more
#: chunks per call means better length-sorting and less padding.
FLUSH_BATCHES = 4


@dataclass
class _Pending:
    seq: int
    article: Article
    chunks: list[Chunk]
    status: IngestStatus


def _label(article: Article) -> str:
    return article.origin or article.url or article.id


def _windows(items: Iterable[Article | IngestItem], size: int) -> Iterator[list[Article | IngestItem]]:
    it = iter(items)
    while window := list(islice(it, size)):
        yield window


def ingest(
    inputs: Sequence[str],
    store: Store,
    embedder: Embedder,
    settings: Settings,
    progress: Callable[[IngestItem], None] | None = None,
    *,
    articles: Iterable[Article | IngestItem] | None = None,
) -> IngestReport:
    """Add or update the articles found in ``inputs``; skip those already stored unchanged.

    ``progress`` is called once per finished item, as it finishes (after its article is
    committed); the report lists the items in input order.
    ``articles`` replaces the loader (tests, or callers that build Articles themselves).
    """
    from agent.ingest.chunk import chunk_text

    started = time.perf_counter()
    done: list[tuple[int, IngestItem]] = []  # (input position, outcome)
    store.recover()  # leftovers of an ingest that was killed

    def emit(seq: int, item: IngestItem) -> None:
        done.append((seq, item))
        if progress is not None:
            progress(item)

    def fits(text: str) -> bool:
        return embedder.count_tokens(text) <= embedder.max_input_tokens

    pending: list[_Pending] = []
    pending_chunks = 0
    flush_at = max(1, settings.embed_batch_size) * FLUSH_BATCHES
    seen: dict[str, str] = {}  # ids queued in this run → their hash (duplicates across inputs)

    def flush() -> None:
        nonlocal pending, pending_chunks
        if not pending:
            return
        texts = [c.text for p in pending for c in p.chunks]
        vectors = embedder.embed(texts)
        batch, offset = [], 0
        for p in pending:
            batch.append((p.article, p.chunks, vectors[offset : offset + len(p.chunks)]))
            offset += len(p.chunks)
        try:
            store.replace_articles(batch)
            errors: list[str | None] = [None] * len(pending)
        except NewsAgentError:
            errors = []  # find the article at fault: write them one by one
            for item in batch:
                try:
                    store.replace_article(*item)
                    errors.append(None)
                except NewsAgentError as e:
                    errors.append(str(e))
        for p, error in zip(pending, errors, strict=True):
            a = p.article
            if error is not None:
                emit(p.seq, IngestItem(input=_label(a), status="failed", article_id=a.id,
                                       title=a.title, warnings=a.warnings, error=error))
            else:
                emit(p.seq, IngestItem(input=_label(a), status=p.status, article_id=a.id,
                                       title=a.title, warnings=a.warnings, chunks=len(p.chunks)))
        pending, pending_chunks = [], 0

    if articles is None:
        from agent.ingest.load import iter_articles

        articles = iter_articles(inputs, settings)

    seq = 0
    for window in _windows(articles, LOOKUP_WINDOW):
        ids = [x.id for x in window if isinstance(x, Article) and x.id not in seen]
        stored = store.article_hashes(ids) if ids else {}
        for item in window:
            seq += 1
            if isinstance(item, IngestItem):
                emit(seq, item)
                continue
            a = item
            h = content_hash(a)
            if not a.content_hash:
                a = a.model_copy(update={"content_hash": h})
            previous = seen[a.id] if a.id in seen else stored.get(a.id)
            if previous == h:
                emit(seq, IngestItem(input=_label(a), status="unchanged", article_id=a.id,
                                title=a.title, warnings=a.warnings))
                continue
            try:
                chunks = chunk_text(a.id, a.text, settings.chunk_tokens, fits)
            except (NewsAgentError, ValueError) as e:
                emit(seq, IngestItem(input=_label(a), status="failed", article_id=a.id,
                                     title=a.title, warnings=a.warnings,
                                     error=f"cannot chunk the article text: {e}"))
                continue
            if not chunks:
                emit(seq, IngestItem(input=_label(a), status="failed", article_id=a.id,
                                     title=a.title, warnings=a.warnings,
                                     error="the article has no text to index; check the input"))
                continue
            seen[a.id] = h
            pending.append(_Pending(seq, a, chunks, "updated" if previous is not None else "added"))
            pending_chunks += len(chunks)
            if pending_chunks >= flush_at:
                flush()
    flush()
    done.sort(key=lambda d: d[0])
    return IngestReport(items=[item for _, item in done], seconds=time.perf_counter() - started)
