"""Ingest orchestration: load → chunk → embed → store, idempotent by content hash.

* **Idempotent**: an article whose ``content_hash`` equals the stored one is ``unchanged``
  (one metadata lookup, no embedding).
* **Batched, bounded**: chunks of several articles are embedded together, each article still
  written with its own atomic ``Store.replace_article``; articles stream from the loader, so a
  few batches of chunks are held at once, never the corpus.
* **Robust**: a bad article is a ``failed`` item and the rest go on; an embedding-model error
  (bad key, server down) or ``IndexUnavailableError`` (disk full, Chroma server gone) stops the
  run, since every later article would fail alike. What was committed stays committed.
* **Clean**: every article, whoever made it, loses its control, bidi and stray zero-width
  characters here (``agent.safetext``; ``controls_removed``), so nothing stored drives a terminal.
* **One article once**: an id already taken earlier in the run (feed entries linking to one page,
  a JSONL id given twice) is a ``duplicate``; the first is kept, so every run keeps the same one.
* **Never looks hung**: ``chunk_progress`` reports each article's chunks as they are embedded;
  an article longer than ``max_chunks_per_article`` chunks is chunked and indexed up to the cap
  (``truncated_at``, ``note``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

import numpy as np

from agent.errors import IndexUnavailableError, IngestInterrupted, NewsAgentError
from agent.index.embed import Embedder
from agent.index.records import content_hash
from agent.index.store import Store
from agent.ingest.clean import normalize_whitespace
from agent.safetext import count_controls, strip_controls
from agent.settings import Settings
from agent.text.hashing import sha256_hex
from agent.types import Article, Chunk, IngestItem, IngestReport, IngestStatus

_T = TypeVar("_T")

#: Articles whose stored hashes are looked up in one request.
LOOKUP_WINDOW = 32
#: Chunks gathered before embedding, in units of ``settings.index.embed_batch_size``: more
#: chunks per call means better length-sorting and less padding.
FLUSH_BATCHES = 4


#: ``chunk_progress(article, chunks_embedded, chunks_total)``: called with 0 before an
#: article's first batch, then after each embedding batch for every article with chunks in it,
#: so a long article shows it is moving.
ChunkProgress = Callable[[Article, int, int], None]


@dataclass
class _Pending:
    seq: int
    article: Article
    chunks: list[Chunk]
    status: IngestStatus
    controls: int = 0
    truncated_at: int | None = None


def sanitize_article(article: Article) -> tuple[Article, int]:
    """``article`` without control, bidi and stray zero-width characters in any text field, and
    how many were removed; a clean article keeps its hash (a re-ingest stays ``unchanged``)."""
    fields = ("title", "text", "source", "author", "url", "origin")
    found = {f: count_controls(v) for f in fields if isinstance(v := getattr(article, f), str)}
    removed = sum(found.values())
    if not removed:
        return article, 0
    update: dict[str, object] = {}
    for f, n in found.items():
        if n:
            value = strip_controls(getattr(article, f))
            if f == "title":
                value = normalize_whitespace(value).replace("\n", " ")
            elif f == "text":
                value = normalize_whitespace(value)
            else:
                value = " ".join(value.split())
            update[f] = value if f in ("title", "text", "origin") else (value or None)
    if update.get("title") == "":  # the title was nothing but escape codes
        text = str(update.get("text", article.text))
        update["title"] = text.split("\n", 1)[0][:100]
    update["content_hash"] = ""
    return article.model_copy(update=update), removed


def _label(article: Article) -> str:
    return article.origin or article.url or article.id


def _windows(items: Iterable[Article | IngestItem], size: int) -> Iterator[list[Article | IngestItem]]:
    it = iter(items)
    while window := list(islice(it, size)):
        yield window


def _failed(a: Article, error: str) -> IngestItem:
    return IngestItem(input=_label(a), status="failed", article_id=a.id, title=a.title,
                      warnings=a.warnings, error=error)


def _written(p: _Pending) -> IngestItem:
    a = p.article
    return IngestItem(input=_label(a), status=p.status, article_id=a.id, title=a.title,
                      warnings=a.warnings, chunks=len(p.chunks), controls_removed=p.controls,
                      truncated_at=p.truncated_at,
                      text_chars=None if p.truncated_at is None else len(a.text))


class _IngestRun:
    """One ``ingest`` call: articles queued until ~``FLUSH_BATCHES`` embedding batches of chunks
    are pending, then embedded and written together; outcomes kept in input order."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings,
                 progress: Callable[[IngestItem], None] | None,
                 chunk_progress: ChunkProgress | None) -> None:
        self.store, self.embedder, self.settings = store, embedder, settings
        self.progress, self.chunk_progress = progress, chunk_progress
        self.done: list[tuple[int, IngestItem]] = []  # (input position, outcome)
        self.pending: list[_Pending] = []
        self.pending_chunks = 0
        self.batch_size = max(1, settings.index.embed_batch_size)
        #: ids taken in this run → (their input's label, hash of their text): a later input
        #: giving the same article is a duplicate, not a second write.
        self.seen: dict[str, tuple[str, str]] = {}

    def emit(self, seq: int, item: IngestItem) -> None:
        self.done.append((seq, item))
        if self.progress is not None:
            self.progress(item)

    def fits(self, text: str) -> bool:
        return self.embedder.count_tokens(text) <= self.embedder.max_input_tokens

    def run(self, articles: Iterable[Article | IngestItem]) -> list[IngestItem]:
        seq = 0
        for window in _windows(articles, LOOKUP_WINDOW):
            ids = [x.id for x in window if isinstance(x, Article) and x.id not in self.seen]
            stored = self.store.article_hashes(ids) if ids else {}
            for item in window:
                seq += 1
                if isinstance(item, IngestItem):
                    self.emit(seq, item)
                    continue
                queued = self.prepare(seq, item, stored)
                if isinstance(queued, IngestItem):
                    self.emit(seq, queued)
                    continue
                self.pending.append(queued)
                self.pending_chunks += len(queued.chunks)
                if self.pending_chunks >= self.batch_size * FLUSH_BATCHES:
                    self.flush()
        self.flush()
        self.done.sort(key=lambda d: d[0])
        return [item for _, item in self.done]

    def prepare(self, seq: int, item: Article, stored: dict[str, str]) -> _Pending | IngestItem:
        """The article cleaned, hashed and chunked for writing, or its outcome when it is
        unchanged or cannot be indexed."""
        from agent.ingest.chunk import chunk_text

        a, controls = sanitize_article(item)
        if a.id in self.seen:
            return self.duplicate(a)
        h = content_hash(a)
        if not a.content_hash:
            a = a.model_copy(update={"content_hash": h})
        previous = stored.get(a.id)
        if previous == h:
            self.seen[a.id] = (_label(a), sha256_hex(a.text))
            return IngestItem(input=_label(a), status="unchanged", article_id=a.id, title=a.title,
                              warnings=a.warnings)
        try:
            cap = self.settings.ingest.max_chunks_per_article or None
            chunks = chunk_text(a.id, a.text, self.settings.ingest.chunk_tokens, self.fits, limit=cap)
        except (NewsAgentError, ValueError) as e:
            return _failed(a, f"cannot chunk the article text: {e}")
        if not chunks:
            return _failed(a, "the article has no text to index; check the input")
        cut = chunks[-1].end if chunks[-1].end < len(a.text.rstrip()) else None
        self.seen[a.id] = (_label(a), sha256_hex(a.text))
        return _Pending(seq, a, chunks, "updated" if previous is not None else "added", controls, cut)

    def duplicate(self, a: Article) -> IngestItem:
        """The outcome of an article already taken from an earlier input of this run: the first
        one is kept, so a re-run gives the same article; a different text is worth a warning."""
        first, text_hash = self.seen[a.id]
        warnings = list(a.warnings)
        if sha256_hex(a.text) != text_hash:
            warnings.append(f"same article id as {first} but a different text; kept {first} "
                            "(give each article its own id or URL)")
        return IngestItem(input=_label(a), status="duplicate", article_id=a.id, title=a.title,
                          warnings=warnings)

    def flush(self) -> None:
        """Embed and write the pending articles; each gets its outcome."""
        if not self.pending:
            return
        vectors = _embed_reporting(self.embedder, self.pending, self.batch_size, self.chunk_progress)
        batch: list[tuple[Article, list[Chunk], np.ndarray]] = []
        offset = 0
        for p in self.pending:
            batch.append((p.article, p.chunks, vectors[offset : offset + len(p.chunks)]))
            offset += len(p.chunks)
        for p, error in zip(self.pending, self.write(batch), strict=True):
            self.emit(p.seq, _failed(p.article, error) if error is not None else _written(p))
        self.pending, self.pending_chunks = [], 0

    def write(self, batch: list[tuple[Article, list[Chunk], np.ndarray]]) -> list[str | None]:
        """Write the batch in one go; when that fails, one by one to find the article at fault
        (its error, None for each written)."""
        try:
            self.store.replace_articles(batch)
            return [None] * len(batch)
        except IndexUnavailableError:
            raise  # no article can be written: stop, rather than fail each one alike
        except NewsAgentError:
            errors: list[str | None] = []
            for item in batch:
                try:
                    self.store.replace_article(*item)
                    errors.append(None)
                except IndexUnavailableError:
                    raise
                except NewsAgentError as e:
                    errors.append(str(e))
            return errors


def ingest(
    inputs: Sequence[str],
    store: Store,
    embedder: Embedder,
    settings: Settings,
    progress: Callable[[IngestItem], None] | None = None,
    *,
    articles: Iterable[Article | IngestItem] | None = None,
    chunk_progress: ChunkProgress | None = None,
) -> IngestReport:
    """Add or update the articles found in ``inputs`` (or given as ``articles``); skip those
    stored unchanged. ``progress`` follows each item once committed; the report lists them in
    input order. Ctrl-C raises ``IngestInterrupted`` saying what was saved (a re-run skips it).
    """
    started = time.perf_counter()
    store.recover()  # leftovers of an ingest that was killed
    begun = [0]  # inputs the loader has started on
    if articles is None:
        from agent.ingest.load import iter_articles

        articles = iter_articles(_counting(inputs, begun), settings)
    read = [0]  # articles and failed items the loader has produced
    run = _IngestRun(store, embedder, settings, progress, chunk_progress)
    try:
        items = run.run(_counting(articles, read))
    except KeyboardInterrupt:
        done = [item for _, item in sorted(run.done, key=lambda d: d[0])]
        report = IngestReport(items=done, seconds=time.perf_counter() - started)
        raise IngestInterrupted(report, unsaved=read[0] - len(done),
                                inputs_not_started=max(0, len(inputs) - begun[0])) from None
    return IngestReport(items=items, seconds=time.perf_counter() - started)


def _counting(items: Iterable[_T], count: list[int]) -> Iterator[_T]:
    """``items``, adding one to ``count[0]`` as each is taken (what Ctrl-C reports)."""
    for item in items:
        count[0] += 1
        yield item


def _embed_reporting(embedder: Embedder, pending: list[_Pending], batch: int,
                     chunk_progress: ChunkProgress | None) -> np.ndarray:
    """The vectors of every pending chunk, in order, embedded ``batch`` at a time, so a few
    thousand chunks show progress instead of one silent call."""
    texts = [c.text for p in pending for c in p.chunks]
    if chunk_progress is None:
        return embedder.embed(texts)
    owners = [(p, i + 1) for p in pending for i in range(len(p.chunks))]
    parts = []
    for lo in range(0, len(texts), batch):
        for p, done in owners[lo : lo + batch]:
            if done == 1:  # the article's first chunk: say it starts before the wait
                chunk_progress(p.article, 0, len(p.chunks))
        parts.append(embedder.embed(texts[lo : lo + batch]))
        reported: dict[int, tuple[_Pending, int]] = {}
        for p, done in owners[lo : lo + batch]:
            reported[id(p)] = (p, done)
        for p, done in reported.values():
            chunk_progress(p.article, done, len(p.chunks))
    return np.concatenate(parts) if parts else embedder.embed([])
