"""The index: the only module that reads and writes the Chroma collections.

Three collections share a prefix (``settings.index.collection``):

* ``<prefix>_chunks``: one record per chunk (document = chunk text, metadata =
  article_id, n, start, end, title, source, url, published, published_ts,
  content_hash, sentences = compact chunk-relative sentence offsets). Chunk ids are
  ``{article_id}:{hash8}:{n}``: two versions of an article never share a chunk id, so a
  new version can be written beside the old.
* ``<prefix>_articles``: one record per article (document = cleaned text, metadata =
  the Article fields, embedding = normalised mean of its chunk vectors). **The
  article record is the commit point**: a chunk counts only if its content_hash is
  the hash of its article's record.
* ``<prefix>_journal``: article ids being written, so that leftovers of a write
  killed half-way are found without scanning the whole index.
* ``side_collection``s: other jobs' small state kept with the index, opened here and read
  and written by their job (``agent.watch``'s feeds).

Why this design: Chroma has no transactions. ``replace_article`` journals the id, writes the
new chunks, writes the article record (commit), deletes the old version's chunks, then clears
the journal. A kill -9 at any point leaves the old or the new version committed; the next open
deletes the chunks that do not match the committed hash (``recover``), and reads drop them.

Collections are opened with ``embedding_function=None``: we pass every vector ourselves, and
Chroma's default embedding function would try to download a model. Every Chroma call goes
through a guarded client (``chroma_errors``): a full disk or a lost Chroma server is an
``IndexUnavailableError`` naming the index, never a library traceback.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from agent.errors import (
    ArticleNotFoundError,
    DamagedIndexError,
    EmbedderMismatchError,
    IndexError_,
    IndexNotFoundError,
)
from agent.index import vectors as segment
from agent.index.chroma_errors import guarded
from agent.index.client import index_exists, is_writable, missing_index_error, open_client, read_only_error
from agent.index.embed import Embedder, l2_normalise
from agent.index.filters import SearchFilters
from agent.index.records import article_meta, chunk_meta, content_hash, parse_dt
from agent.settings import Settings
from agent.types import Article, Chunk, Passage, VectorHealth

#: The marker (``set_marker``) a reindex sets while it runs: an index opened with it set may
#: still lack vectors.
REINDEX_MARKER = "reindex_started"
#: A journal entry older than this whose writer we cannot see (another host) is stale.
STALE_JOURNAL_SECONDS = 600.0
_PAGE = 1000


def _pages(get: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
    """A collection's ``get`` results, ``_PAGE`` records at a time, up to the first short page."""
    offset = 0
    while True:
        got = get(limit=_PAGE, offset=offset, **kwargs)
        yield got
        if len(got["ids"]) < _PAGE:
            return
        offset += _PAGE


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the store --------------------------------------------------------------------------


class Store:
    """Articles and their chunk vectors in Chroma, embedded (``index_path``) or over HTTP.

    Opening creates the index (``create=False``: only opens one, else ``IndexNotFoundError``, as
    reads want), cleans up writes a dead process left half-done, and spot-checks that records
    have their vectors (``DamagedIndexError`` naming ``agent reindex``; ``check_vectors=False``
    for the repair itself and ``agent doctor``'s full count).
    """

    def __init__(
        self, settings: Settings, embedder: Embedder, *, create: bool = True, check_vectors: bool = True
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.location = settings.index.chroma_url or str(settings.index.index_path)
        #: Opened from a read-only embedded index (through a private copy): writes are refused.
        self.read_only = not settings.index.chroma_url and bool(index_exists(settings)) and (
            not is_writable(settings.index.index_path)
        )
        self._reopening = threading.Lock()
        self._known_version = -1  # the index's version as this store's view of it last saw it
        self._connect(create)
        if not self.read_only:  # reads skip uncommitted chunks anyway
            self.recover()
        if check_vectors:
            self._spot_check_vectors()
        self._known_version = self.version

    def _connect(self, create: bool) -> None:
        self._client = guarded(open_client(self.settings, create=create), self.location)
        try:
            self._max_batch = max(1, int(self._client.get_max_batch_size()))
        except Exception:
            self._max_batch = 5000
        prefix = self.settings.index.collection
        self._articles = self._open(f"{prefix}_articles", create, space="cosine")
        self._chunks = self._open(f"{prefix}_chunks", create, space="cosine")
        self._journal = self._open(f"{prefix}_journal", create, space="l2", journal=True)

    def _follow_other_writers(self) -> None:
        """Reopen an embedded index that another process wrote to since this store last looked
        (its version moved): Chroma's in-process view keeps the vectors it loaded, so a search
        would miss the new ones. A view another store of this process still holds stays as is."""
        if self.settings.index.chroma_url or self.read_only:
            return
        with self._reopening:
            now = self.version
            if now != self._known_version:
                self.close()
                self._connect(create=False)
                self._known_version = now

    def close(self) -> None:
        """Release this store's hold on Chroma's in-process view of the index (idempotent). The
        view is dropped when no other store of this process holds it; a view opened before
        another process wrote to the index cannot read the vectors written since."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    # -- opening -----------------------------------------------------------------------

    def _open(self, name: str, create: bool, *, space: str, journal: bool = False) -> Any:
        from chromadb.errors import NotFoundError  # lazy, as chromadb is in open_client

        try:
            col = self._client.get_collection(name, embedding_function=None)
        except NotFoundError:
            if not create:
                raise missing_index_error(self.settings) from None
            meta: dict[str, Any] = {"embedder": self.embedder.name}
            if not journal:
                meta |= {"dim": int(self.embedder.dim), "version": 0}
            col = self._client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": space}},
                metadata=meta,
            )
        built_with = (col.metadata or {}).get("embedder")
        if built_with != self.embedder.name:
            kind = str(built_with).split("/", 1)[0] if built_with else "?"
            raise EmbedderMismatchError(
                f"index {self.location} was built with {built_with or 'an unknown embedder'} "
                f"but the configured embedder is {self.embedder.name}; use --embedder {kind} "
                "or re-ingest into a new --index"
            )
        return col

    def _spot_check_vectors(self) -> None:
        """``DamagedIndexError`` when a reindex was started and not finished (its marker is still
        set), or when sampled records have no vector (``vectors.spot_check``)."""
        if (self._articles.metadata or {}).get(f"marker_{REINDEX_MARKER}"):
            raise DamagedIndexError(
                f"a reindex of the index at {self.location} is under way or was interrupted, so "
                "some vectors may still be missing; run `agent reindex` (again) to finish it"
            )
        for name, col in (("chunks", self._chunks), ("articles", self._articles)):
            if not segment.spot_check(col):
                raise DamagedIndexError(
                    f"the index at {self.location} is damaged: some of its {name} have no vector (a "
                    "vector segment was lost or cut short), so searches would silently miss them; "
                    "run `agent reindex` to rebuild the vectors from the stored texts"
                )

    def vector_health(self) -> list[VectorHealth]:
        """How many chunks and articles have their vector (a full count: ``agent doctor``)."""
        dim = int(self.embedder.dim)
        return [segment.health(self._chunks, "chunks", dim), segment.health(self._articles, "articles", dim)]

    def _index_meta(self) -> tuple[Any, dict[str, Any]]:
        """The articles collection, read afresh (another process may have written it), and its
        metadata, where the version and the markers live."""
        col = self._client.get_collection(self._articles.name, embedding_function=None)
        return col, dict(col.metadata or {})

    @property
    def version(self) -> int:
        """Bumped on every write, visible to other processes (it lives in Chroma)."""
        return int(self._index_meta()[1].get("version", 0))

    def _check_writable(self) -> None:
        if self.read_only:
            raise read_only_error(self.settings.index.index_path)

    def _bump_version(self) -> None:
        self._check_writable()
        col, meta = self._index_meta()
        version = int(meta.get("version", 0)) + 1
        col.modify(metadata={**meta, "version": version})
        if self._known_version == version - 1:  # no other process wrote in between
            self._known_version = version

    def get_marker(self, name: str) -> datetime | None:
        """A named moment stored with the index (e.g. when the last briefing was made)."""
        value = self._index_meta()[1].get(f"marker_{name}")
        return parse_dt(value) if value else None

    def clear_marker(self, name: str) -> None:
        """Forget a named moment (``get_marker`` then returns None)."""
        self._check_writable()
        col, meta = self._index_meta()
        col.modify(metadata={**meta, f"marker_{name}": ""})

    def set_marker(self, name: str, when: datetime) -> None:
        """Record a named moment; on a read-only index there is nowhere to keep it: skipped."""
        if self.read_only:
            return
        col, meta = self._index_meta()
        col.modify(metadata={**meta, f"marker_{name}": when.isoformat()})

    def side_collection(self, suffix: str, *, create: bool = True) -> Any | None:
        """``<prefix>_<suffix>``: a small collection of bookkeeping records kept with the index
        (each carries a one-number dummy vector), or None when it does not exist and ``create``
        is false. Never created in a read-only index."""
        try:
            return self._open(f"{self.settings.index.collection}_{suffix}",
                              create and not self.read_only, space="l2", journal=True)
        except IndexNotFoundError:
            return None

    # -- journal and recovery ----------------------------------------------------------

    def _journal_add(self, new_hashes: Mapping[str, str]) -> None:
        """Record the articles about to be written (id → new hash, "" for a removal)."""
        ids = list(new_hashes)
        meta = {"pid": os.getpid(), "host": socket.gethostname(), "ts": time.time()}
        for b in range(0, len(ids), self._max_batch):
            part = ids[b : b + self._max_batch]
            self._journal.upsert(
                ids=part,
                embeddings=[[1.0]] * len(part),
                metadatas=[{**meta, "hash": new_hashes[i]} for i in part],
            )

    def _journal_done(self, article_ids: Sequence[str]) -> None:
        for b in range(0, len(article_ids), self._max_batch):
            self._journal.delete(ids=list(article_ids[b : b + self._max_batch]))

    def recover(self) -> list[str]:
        """Roll back writes a dead process left half-done: each journaled article loses the
        chunks whose hash is not the committed one (a live writer's entries are left alone).
        Returns the ids cleaned."""
        got = self._journal.get(include=["metadatas"])
        cleaned: list[str] = []
        me, host, now = os.getpid(), socket.gethostname(), time.time()
        for aid, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
            meta = meta or {}
            pid = int(meta.get("pid", 0))
            if meta.get("host") == host:
                if pid != me and pid > 0 and _pid_alive(pid):
                    continue
            elif now - float(meta.get("ts", 0)) < STALE_JOURNAL_SECONDS:
                continue
            committed = self.article_hashes([aid]).get(aid)
            self._delete_chunks_except(aid, committed)
            self._journal_done([aid])
            cleaned.append(aid)
        if cleaned:
            self._bump_version()
        return cleaned

    def _delete_chunks_except(self, article_id: str, keep_hash: str | None) -> None:
        where: dict[str, Any] = {"article_id": article_id}
        if keep_hash is not None:
            where = {"$and": [where, {"content_hash": {"$ne": keep_hash}}]}
        self._chunks.delete(where=where)

    def _delete_stale_chunks(self, keep: Mapping[str, str]) -> None:
        """Delete the chunks of these articles whose hash is not ``keep[article_id]``."""
        aids = list(keep)
        stale: list[str] = []
        for b in range(0, len(aids), self._max_batch):
            got = self._chunks.get(where={"article_id": {"$in": aids[b : b + self._max_batch]}},
                                   include=["metadatas"])
            stale.extend(
                cid for cid, m in zip(got["ids"], got["metadatas"] or [], strict=False)
                if (m or {}).get("content_hash") != keep.get(str((m or {}).get("article_id")))
            )
        for b in range(0, len(stale), self._max_batch):
            self._chunks.delete(ids=stale[b : b + self._max_batch])

    # -- writing -----------------------------------------------------------------------

    def replace_article(
        self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> list[str]:
        """Store ``article`` with its chunks, replacing any older version atomically (a kill
        leaves the old or the new version); returns the new chunk ids."""
        return self.replace_articles([(article, chunks, vectors)])[0]

    def _check_write(
        self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray, seen: Mapping[str, str]
    ) -> None:
        """``IndexError_`` unless the article has chunks, one vector of the embedder's dim per chunk,
        and is not already in this write (``seen``)."""
        if not chunks:
            raise IndexError_(f"article {article.id} has no chunks to store")
        if vectors.shape != (len(chunks), self.embedder.dim):
            raise IndexError_(
                f"got {vectors.shape} vectors for {len(chunks)} chunks of article "
                f"{article.id} (expected dim {self.embedder.dim})"
            )
        if article.id in seen:
            raise IndexError_(f"article {article.id} appears twice in one write")

    def replace_articles(
        self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]
    ) -> list[list[str]]:
        """``replace_article`` for several articles in a handful of Chroma calls (each costs a
        disk write). Still atomic per article: every new chunk is written before any article
        record (the commit points), old chunks deleted after. Returns each one's chunk ids.
        """
        if not items:
            return []
        self._check_writable()
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        vecs: list[np.ndarray] = []
        records: list[tuple[str, str, dict[str, Any], np.ndarray]] = []
        new_hash: dict[str, str] = {}
        out: list[list[str]] = []
        for article, chunks, vectors in items:
            vectors = np.asarray(vectors, dtype=np.float32)
            self._check_write(article, chunks, vectors, new_hash)
            h = content_hash(article)
            new_hash[article.id] = h
            chunk_ids = [f"{article.id}:{h[:8]}:{c.n}" for c in chunks]
            out.append(chunk_ids)
            ids.extend(chunk_ids)
            docs.extend(c.text for c in chunks)
            vecs.append(vectors)
            metas.extend(chunk_meta(article, c, h) for c in chunks)
            meta = article_meta(article, h, len(chunks))
            records.append((article.id, article.text, meta, l2_normalise(vectors.mean(axis=0))))

        self._journal_add(new_hash)
        all_vecs = np.concatenate(vecs)
        for b in range(0, len(ids), self._max_batch):
            s = slice(b, b + self._max_batch)
            self._chunks.upsert(ids=ids[s], embeddings=all_vecs[s], documents=docs[s],
                                metadatas=metas[s])
        for b in range(0, len(records), self._max_batch):
            part = records[b : b + self._max_batch]
            self._articles.upsert(  # the commit points
                ids=[r[0] for r in part], documents=[r[1] for r in part],
                metadatas=[r[2] for r in part],
                embeddings=np.stack([r[3] for r in part]),
            )
        self._delete_stale_chunks(new_hash)
        self._journal_done(list(new_hash))
        self._bump_version()
        return out

    def rewrite_vectors(self, article_ids: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> int:
        """Store every committed chunk of these articles again with the vector ``embed`` gives
        its text, and each article record with the mean of them; ids, texts and metadata stay as
        they are. Returns the chunks rewritten.

        The repair of a damaged vector segment (``agent.index.reindex``). Kill-safe: each record
        is rewritten whole, journaled as in ``replace_articles``, so a second run finishes.
        """
        self._check_writable()
        committed = self.article_hashes(article_ids)
        if not committed:
            return 0
        aids = list(committed)
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        for b in range(0, len(aids), self._max_batch):
            got = self._chunks.get(where={"article_id": {"$in": aids[b : b + self._max_batch]}},
                                   include=["documents", "metadatas"])
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [],
                                      strict=False):
                meta = dict(meta or {})
                if meta.get("content_hash") == committed.get(str(meta.get("article_id"))):
                    ids.append(cid)
                    docs.append(doc or "")
                    metas.append(meta)
        if not ids:
            return 0
        vecs = np.asarray(embed(docs), dtype=np.float32)
        owner = [str(m["article_id"]) for m in metas]
        records = self._articles.get(ids=aids, include=["documents", "metadatas"])
        means = {aid: l2_normalise(vecs[[i for i, o in enumerate(owner) if o == aid]].mean(axis=0))
                 for aid in dict.fromkeys(owner)}
        self._journal_add(committed)
        for b in range(0, len(ids), self._max_batch):
            s = slice(b, b + self._max_batch)
            self._chunks.upsert(ids=ids[s], embeddings=vecs[s], documents=docs[s], metadatas=metas[s])
        keep = [(aid, doc, meta) for aid, doc, meta in zip(
            records["ids"], records["documents"] or [], records["metadatas"] or [], strict=False
        ) if aid in means]
        if keep:
            self._articles.upsert(
                ids=[k[0] for k in keep], documents=[k[1] or "" for k in keep],
                metadatas=[dict(k[2] or {}) for k in keep], embeddings=np.stack([means[k[0]] for k in keep]),
            )
        self._journal_done(aids)
        self._bump_version()
        return len(ids)

    def remove(self, article_id: str) -> bool:
        """Delete an article (exact id) and all its chunks; False when it was not there."""
        if not self.article_hashes([article_id]):
            return False
        self._check_writable()
        self._journal_add({article_id: ""})
        self._articles.delete(ids=[article_id])  # the commit point
        self._delete_chunks_except(article_id, None)
        self._journal_done([article_id])
        self._bump_version()
        return True

    # -- reading -----------------------------------------------------------------------

    def article_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """Committed content hash of each of ``ids`` that is in the index."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, str] = {}
        for b in range(0, len(ids), self._max_batch):
            got = self._articles.get(ids=ids[b : b + self._max_batch], include=["metadatas"])
            for aid, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
                out[aid] = str((meta or {}).get("content_hash", ""))
        return out

    def _article(self, aid: str, text: str, meta: Mapping[str, Any]) -> Article:
        return Article(
            id=aid, title=str(meta.get("title", "")), text=text,
            source=meta.get("source"), url=meta.get("url"),
            published=parse_dt(meta.get("published")), author=meta.get("author"),
            content_hash=str(meta.get("content_hash", "")),
            ingested_at=parse_dt(meta.get("ingested_at")), origin=str(meta.get("origin", "")),
        )

    def article_ids(self) -> list[str]:
        """Every article id in the index (no texts read)."""
        return [i for got in _pages(self._articles.get, include=[]) for i in got["ids"]]

    def get_article(self, id_or_prefix: str) -> Article:
        """The article with this id, or the only one whose id starts with it."""
        got = self._articles.get(ids=[id_or_prefix], include=["documents", "metadatas"])
        if not got["ids"]:
            matches = [i for i in self.article_ids() if i.startswith(id_or_prefix)] if id_or_prefix else []
            if len(matches) != 1:
                what = "no article" if not matches else f"{len(matches)} articles"
                raise ArticleNotFoundError(
                    f"{what} with id or id prefix {id_or_prefix!r} in {self.location}; "
                    "run `agent list` to see the ids"
                )
            got = self._articles.get(ids=matches, include=["documents", "metadatas"])
        return self._article(got["ids"][0], (got["documents"] or [""])[0] or "",
                             (got["metadatas"] or [{}])[0] or {})

    def _article_metas(self, f: SearchFilters) -> list[tuple[str, Mapping[str, Any]]]:
        out: list[tuple[str, Mapping[str, Any]]] = []
        where = f.where(with_article_ids=False)
        if f.article_ids is not None:
            ids = list(f.article_ids)
            for b in range(0, len(ids), self._max_batch):
                got = self._articles.get(ids=ids[b : b + self._max_batch], where=where,
                                         include=["metadatas"])
                out.extend(zip(got["ids"], got["metadatas"] or [], strict=False))
            return out
        for got in _pages(self._articles.get, where=where, include=["metadatas"]):
            out.extend(zip(got["ids"], got["metadatas"] or [], strict=False))
        return out

    def list_articles(
        self,
        source: str | Sequence[str] | None = None,
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        limit: int | None = None,
        article_ids: Sequence[str] | None = None,
    ) -> list[Article]:
        """Articles matching the filters, newest first (undated last), at most ``limit``."""
        f = SearchFilters(source=source, since=since, until=until, article_ids=article_ids)
        if f.matches_nothing:
            return []
        metas = self._article_metas(f)
        metas.sort(key=lambda im: (-(im[1] or {}).get("published_ts", -(2**62)),
                                   str((im[1] or {}).get("title", "")), im[0]))
        if limit is not None:
            metas = metas[: max(0, limit)]
        if not metas:
            return []
        ids = [i for i, _ in metas]
        texts: dict[str, str] = {}
        for b in range(0, len(ids), self._max_batch):
            got = self._articles.get(ids=ids[b : b + self._max_batch], include=["documents"])
            texts.update(zip(got["ids"], [d or "" for d in got["documents"] or []], strict=False))
        return [self._article(i, texts.get(i, ""), m or {}) for i, m in metas]

    def count_articles(self) -> int:
        """Number of articles, cheaply (no metadata read): `ask` checks it on every question."""
        return int(self._articles.count())

    def stats(self) -> dict[str, Any]:
        """Counts, sources, date range, embedder and location, for ``agent stats``."""
        metas = self._article_metas(SearchFilters())
        sources = Counter(str((m or {}).get("source") or "(none)") for _, m in metas)
        dates = sorted(str(m["published"]) for _, m in metas if m and m.get("published"))
        return {
            "articles": len(metas),
            "chunks": self._chunks.count(),
            "sources": dict(sources.most_common()),
            "first_published": dates[0] if dates else None,
            "last_published": dates[-1] if dates else None,
            "embedder": self.embedder.name,
            "location": self.location,
            "version": self.version,
        }

    def chunk_ids(self, article_id: str | None = None) -> list[str]:
        """Ids of stored chunks (of one article, or all), committed or not: for checks."""
        where = {"article_id": article_id} if article_id is not None else None
        return [i for got in _pages(self._chunks.get, where=where, include=[]) for i in got["ids"]]

    def _passages(
        self, ids: Sequence[str], docs: Sequence[str | None], metas: Sequence[Any],
        scores: Sequence[float] | None = None,
    ) -> list[Passage]:
        """Passages of the given chunk records whose version is committed."""
        committed = self.article_hashes({str((m or {}).get("article_id")) for m in metas})
        out: list[Passage] = []
        for i, (cid, doc, meta) in enumerate(zip(ids, docs, metas, strict=True)):
            meta = meta or {}
            aid = str(meta.get("article_id"))
            if committed.get(aid) != meta.get("content_hash"):
                continue  # a version being written, or an old one being deleted
            out.append(Passage(
                chunk_id=cid, article_id=aid, title=str(meta.get("title", "")), text=doc or "",
                start=int(meta.get("start", 0)), end=int(meta.get("end", 0)),
                source=meta.get("source"), url=meta.get("url"),
                published=parse_dt(meta.get("published")),
                score=scores[i] if scores is not None else 0.0,
                sentences=str(meta.get("sentences") or ""),
            ))
        return out

    def dense_search(
        self,
        vector: np.ndarray,
        k: int,
        filters: SearchFilters | Mapping[str, Any] | None = None,
    ) -> list[Passage]:
        """The ``k`` chunks nearest to ``vector`` (score = cosine similarity), filtered."""
        f = SearchFilters.of(filters)
        if k <= 0 or f.matches_nothing:
            return []
        self._follow_other_writers()
        q = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        fetch = k + 8  # room for chunks of a version being written right now
        res = self._chunks.query(
            query_embeddings=q, n_results=fetch, where=f.where(),
            include=["documents", "metadatas", "distances"],
        )
        ids = res["ids"][0]
        if not ids:
            return []
        scores = [1.0 - float(d) for d in (res["distances"] or [[]])[0]]
        passages = self._passages(ids, (res["documents"] or [[]])[0],
                                  (res["metadatas"] or [[]])[0], scores)
        return passages[:k]

    def iter_chunks(
        self, filters: SearchFilters | Mapping[str, Any] | None = None
    ) -> Iterator[Passage]:
        """Every committed chunk matching ``filters``, page by page (for the lexical index)."""
        f = SearchFilters.of(filters)
        if f.matches_nothing:
            return
        for got in _pages(self._chunks.get, where=f.where(), include=["documents", "metadatas"]):
            yield from self._passages(got["ids"], got["documents"] or [], got["metadatas"] or [])
