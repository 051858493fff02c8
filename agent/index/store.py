"""The index: the only module that talks to Chroma.

Three collections share a prefix (``settings.collection``):

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

Why this design: Chroma has no transactions. ``replace_article`` journals the id,
writes the new chunks, writes the article record (commit), deletes the old
version's chunks, then clears the journal. A kill -9 at any point leaves either
the old or the new version committed; the next ``Store`` open deletes the chunks
that do not match the committed hash (``recover``). Reads never see a half-written
version either: ``dense_search`` and ``iter_chunks`` drop chunks whose hash is not
the committed one.

Collections are always opened with ``embedding_function=None``: we pass every vector
ourselves, and Chroma's default embedding function would try to download a model.
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from agent.errors import (
    ArticleNotFoundError,
    EmbedderMismatchError,
    IndexError_,
    IndexNotFoundError,
)
from agent.index.embed import Embedder, l2_normalise
from agent.settings import Settings
from agent.text import hashing
from agent.types import Article, Chunk, Passage

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

#: A journal entry older than this whose writer we cannot see (another host) is stale.
STALE_JOURNAL_SECONDS = 600.0
_PAGE = 1000


# --- filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """Which articles a search or listing may return.

    ``source`` is exact (one name or a list), ``since``/``until`` bound the
    publication time inclusively (a ``date`` means the whole day; naive datetimes
    are UTC), ``article_ids`` restricts to those articles. Articles without a
    publication date never match a date bound.
    """

    source: str | Sequence[str] | None = None
    since: datetime | date | None = None
    until: datetime | date | None = None
    article_ids: Sequence[str] | None = None

    @classmethod
    def of(cls, f: SearchFilters | Mapping[str, Any] | None) -> SearchFilters:
        if f is None:
            return cls()
        if isinstance(f, SearchFilters):
            return f
        unknown = set(f) - {"source", "since", "until", "article_ids"}
        if unknown:
            raise ValueError(f"unknown filter(s) {sorted(unknown)}")
        return cls(**dict(f))

    @property
    def matches_nothing(self) -> bool:
        empty_sources = self.source is not None and not isinstance(self.source, str) and (
            len(self.source) == 0
        )
        return empty_sources or (self.article_ids is not None and len(self.article_ids) == 0)

    def where(self, *, with_article_ids: bool = True) -> dict[str, Any] | None:
        """The Chroma ``where`` clause (None when unfiltered)."""
        clauses: list[dict[str, Any]] = []
        if isinstance(self.source, str):
            clauses.append({"source": self.source})
        elif self.source is not None:
            clauses.append({"source": {"$in": list(self.source)}})
        if self.since is not None:
            clauses.append({"published_ts": {"$gte": to_ts(self.since)}})
        if self.until is not None:
            clauses.append({"published_ts": {"$lte": to_ts(self.until, end_of_day=True)}})
        if with_article_ids and self.article_ids is not None:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def to_ts(d: datetime | date, *, end_of_day: bool = False) -> int:
    """Epoch seconds; naive datetimes are taken as UTC, a bare date as its first/last second."""
    if not isinstance(d, datetime):
        d = datetime.combine(d, dtime.max if end_of_day else dtime.min)
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return math.floor(d.timestamp())


def content_hash(article: Article) -> str:
    """The article's hash, computed like ingest does when the loader left it empty."""
    if article.content_hash:
        return article.content_hash
    return hashing.content_hash(article.title, article.text, article.url, article.published)


# --- client -----------------------------------------------------------------------------


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """``http(s)://host[:port]`` or bare ``host[:port]`` → (host, port, ssl)."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise IndexError_(
            f"cannot parse Chroma server address {url!r}; use e.g. http://127.0.0.1:8000"
        )
    ssl = parsed.scheme == "https"
    return parsed.hostname, parsed.port or (443 if ssl else 8000), ssl


#: The file an embedded Chroma index keeps its records in: present iff the index exists.
CHROMA_DB_FILE = "chroma.sqlite3"


def index_exists(settings: Settings) -> bool | None:
    """Whether the embedded index exists, without creating it; None for a Chroma server
    (there the collections are looked up instead: ``Store(..., create=False)``)."""
    if settings.chroma_url:
        return None
    return (settings.index_path / CHROMA_DB_FILE).is_file()


def missing_index_error(settings: Settings) -> IndexNotFoundError:
    where = settings.chroma_url or str(settings.index_path)
    return IndexNotFoundError(
        f"no index at {where}: check --index / --chroma-url, or add articles first "
        "(`agent ingest examples/articles`)"
    )


def _client(settings: Settings, *, create: bool = True) -> Any:
    import chromadb  # lazy: ~1.5 s to import; a store is opened only when a command needs the index
    from chromadb.config import Settings as ChromaSettings

    if not create and index_exists(settings) is False:
        raise missing_index_error(settings)  # opening a PersistentClient would create it
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        host, port, ssl = parse_chroma_url(settings.chroma_url)
        try:
            return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
        except Exception as e:  # chroma raises plain ValueError/httpx errors here
            raise IndexError_(
                f"cannot reach the Chroma server at {settings.chroma_url} ({type(e).__name__}); "
                "start it (chroma run --path ./index) or unset CHROMA_HOST / --chroma-url"
            ) from None
    path = settings.index_path
    if path.exists() and not path.is_dir():
        raise IndexError_(f"index path {path} is a file, not a folder; pass another --index")
    if index_exists(settings) and not is_writable(path):
        if create:
            raise read_only_error(path)
        path = read_only_snapshot(path)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as e:
        raise IndexError_(f"cannot open the index at {path}: {e}") from e


def is_writable(path: Path) -> bool:
    """Whether an embedded index can be written: its folder and its database file.

    ``os.access`` answers for the real user and also says no on a read-only file system.
    """
    db = path / CHROMA_DB_FILE
    return os.access(path, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def read_only_error(path: Path) -> IndexError_:
    return IndexError_(
        f"the index at {path} is read-only: list, show, stats, ask and search work on it; to "
        "ingest or remove, make it writable or copy it and pass the copy with --index"
    )


def read_only_snapshot(path: Path) -> Path:
    """A private copy of a read-only index, removed when the process ends.

    Why a copy: Chroma's embedded client writes to its SQLite file as it opens it (even with
    migrations off), so it cannot open a read-only index at all ("attempt to write a readonly
    database"). Reading a copy costs one file copy per process (about a second per few
    hundred MB); every write to the store is refused (``Store.read_only``), so nothing is
    ever written to the copy and lost.
    """
    snapshot = Path(tempfile.mkdtemp(prefix="newsagent-readonly-"))
    atexit.register(shutil.rmtree, snapshot, ignore_errors=True)
    try:
        shutil.copytree(path, snapshot, dirs_exist_ok=True, ignore=shutil.ignore_patterns("bm25*"))
    except OSError as e:
        raise IndexError_(
            f"cannot read the index at {path} ({e.strerror or e}); check its permissions"
        ) from None
    return snapshot


def _clean_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str/int/float/bool: drop the Nones."""
    return {k: v for k, v in meta.items() if v is not None}


def _published(article: Article) -> tuple[str | None, int | None]:
    """The publication time as stored: ISO text and epoch seconds (None when unknown)."""
    if article.published is None:
        return None, None
    return article.published.isoformat(), to_ts(article.published)


def _chunk_meta(article: Article, c: Chunk, h: str) -> dict[str, Any]:
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


def _article_meta(article: Article, h: str, n_chunks: int) -> dict[str, Any]:
    """An article record's metadata (the commit point: ``content_hash`` names the live chunks)."""
    published, published_ts = _published(article)
    ingested = article.ingested_at or datetime.now(UTC)
    return _clean_meta({
        "title": article.title, "source": article.source, "url": article.url,
        "published": published, "published_ts": published_ts, "author": article.author,
        "content_hash": h, "ingested_at": ingested.isoformat(), "origin": article.origin,
        "chunks": n_chunks,
    })


def _parse_dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


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

    ``Store(settings, embedder)`` opens or creates the index and cleans up any write
    that a previous process left half-done. Pass ``create=False`` to open only an
    existing index (``IndexNotFoundError``, an ``EmptyIndexError``, otherwise): reads use it.
    """

    def __init__(self, settings: Settings, embedder: Embedder, *, create: bool = True) -> None:
        self.settings = settings
        self.embedder = embedder
        self.location = settings.chroma_url or str(settings.index_path)
        #: Opened from a read-only embedded index (through a private copy): writes are refused.
        self.read_only = not settings.chroma_url and bool(index_exists(settings)) and (
            not is_writable(settings.index_path)
        )
        self._client = _client(settings, create=create)
        try:
            self._max_batch = max(1, int(self._client.get_max_batch_size()))
        except Exception:
            self._max_batch = 5000
        prefix = settings.collection
        self._articles = self._open(f"{prefix}_articles", create, space="cosine")
        self._chunks = self._open(f"{prefix}_chunks", create, space="cosine")
        self._journal = self._open(f"{prefix}_journal", create, space="l2", journal=True)
        if not self.read_only:  # reads skip uncommitted chunks anyway
            self.recover()

    # -- opening -----------------------------------------------------------------------

    def _open(self, name: str, create: bool, *, space: str, journal: bool = False) -> Any:
        from chromadb.errors import NotFoundError  # lazy, as chromadb is in _client

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

    @property
    def version(self) -> int:
        """Bumped on every write, visible to other processes (it lives in Chroma)."""
        col = self._client.get_collection(self._articles.name, embedding_function=None)
        return int((col.metadata or {}).get("version", 0))

    def _check_writable(self) -> None:
        if self.read_only:
            raise read_only_error(self.settings.index_path)

    def _bump_version(self) -> None:
        self._check_writable()
        col = self._client.get_collection(self._articles.name, embedding_function=None)
        meta = dict(col.metadata or {})
        meta["version"] = int(meta.get("version", 0)) + 1
        col.modify(metadata=meta)

    def get_marker(self, name: str) -> datetime | None:
        """A named moment stored with the index (e.g. when the last briefing was made)."""
        col = self._client.get_collection(self._articles.name, embedding_function=None)
        value = (col.metadata or {}).get(f"marker_{name}")
        return _parse_dt(value) if value else None

    def set_marker(self, name: str, when: datetime) -> None:
        """Record a named moment; on a read-only index there is nowhere to keep it: skipped."""
        if self.read_only:
            return
        col = self._client.get_collection(self._articles.name, embedding_function=None)
        meta = dict(col.metadata or {})
        meta[f"marker_{name}"] = when.isoformat()
        col.modify(metadata=meta)

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
        """Finish or roll back writes that a dead process left half-done.

        For each journaled article, delete the chunks whose hash is not the committed
        one (all of them when no version is committed). Entries of a writer that is
        still running on this host are left alone. Returns the ids cleaned.
        """
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
        """Store ``article`` with its chunks, replacing any older version atomically.

        Returns the new chunk ids. A kill at any point leaves the old or the new
        version (never a mix), and the next open removes the leftovers.
        """
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
        """``replace_article`` for several articles with a handful of Chroma calls.

        Each Chroma write costs tens of milliseconds on disk, so the ingest pipeline
        writes a whole embedding batch at once. Atomicity is still per article: all
        new chunks are written before any article record (the commit points), and old
        chunks are deleted only after. Returns each article's new chunk ids.
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
            metas.extend(_chunk_meta(article, c, h) for c in chunks)
            meta = _article_meta(article, h, len(chunks))
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
            published=_parse_dt(meta.get("published")), author=meta.get("author"),
            content_hash=str(meta.get("content_hash", "")),
            ingested_at=_parse_dt(meta.get("ingested_at")), origin=str(meta.get("origin", "")),
        )

    def _all_ids(self) -> list[str]:
        ids: list[str] = []
        offset = 0
        while True:
            got = self._articles.get(include=[], limit=_PAGE, offset=offset)
            ids.extend(got["ids"])
            if len(got["ids"]) < _PAGE:
                return ids
            offset += _PAGE

    def get_article(self, id_or_prefix: str) -> Article:
        """The article with this id, or the only one whose id starts with it."""
        got = self._articles.get(ids=[id_or_prefix], include=["documents", "metadatas"])
        if not got["ids"]:
            matches = [i for i in self._all_ids() if i.startswith(id_or_prefix)] if id_or_prefix else []
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
        offset = 0
        while True:
            got = self._articles.get(where=where, include=["metadatas"], limit=_PAGE,
                                     offset=offset)
            out.extend(zip(got["ids"], got["metadatas"] or [], strict=False))
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE

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
        ids: list[str] = []
        offset = 0
        while True:
            got = self._chunks.get(where=where, include=[], limit=_PAGE, offset=offset)
            ids.extend(got["ids"])
            if len(got["ids"]) < _PAGE:
                return ids
            offset += _PAGE

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
                published=_parse_dt(meta.get("published")),
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
        where = f.where()
        offset = 0
        while True:
            got = self._chunks.get(where=where, include=["documents", "metadatas"],
                                   limit=_PAGE, offset=offset)
            yield from self._passages(got["ids"], got["documents"] or [], got["metadatas"] or [])
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE
