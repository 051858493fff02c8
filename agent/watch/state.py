"""The watched feeds and what runs found, stored with the index (``<prefix>_watch``).

Kept in a side collection of the index (``Store.side_collection``), so whoever opens the index
(the same folder, or the same Chroma server) sees the same feeds. Three kinds of record:

* ``feed:<id>``: one per watched feed. Metadata: the ``WatchedFeed`` fields (validators, last
  check, last error, counts). Document: the entries last read (JSON: entry key → fingerprint,
  article id, failed attempts). A run writes it once per feed, after that feed's articles are
  committed: it is the commit point of the feed's check.
* ``seen:<article id>``: when a run first saw the article and when one last added or updated it,
  in epoch seconds too, so "first seen since T" is one filtered query.
* ``run:<run id>``: a finished run's report (JSON), the newest ``KEEP_RUNS`` kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agent.errors import IndexError_
from agent.types import IngestStatus
from agent.types.watch import SeenArticle, WatchedFeed, WatchReport

SUFFIX = "watch"
KEEP_RUNS = 100
_PAGE = 1000
_DUMMY = [1.0]  # records are looked up by id and metadata; Chroma still wants a vector


@dataclass(frozen=True)
class EntryState:
    """What a run made of one feed entry: its fingerprint when read, its article, failed tries."""

    fingerprint: str
    article_id: str
    failures: int = 0


@dataclass
class StoredFeed:
    """A feed's record: its id, the feed, and its entries by key."""

    id: str
    feed: WatchedFeed
    entries: dict[str, EntryState] = field(default_factory=dict)


def _epoch(when: datetime) -> float:
    """Seconds since 1970 (a naive time is UTC), to the microsecond: runs seconds apart differ."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


class WatchState:
    """The ``<prefix>_watch`` records of one index. ``collection`` is None when the index has
    none yet (reads are then empty); ``read_only`` refuses writes with ``IndexError_``."""

    def __init__(self, collection: Any, *, read_only: bool = False, location: str = "") -> None:
        self._col = collection
        self.read_only = read_only
        self.location = location

    def _writable(self) -> Any:
        if self._col is None or self.read_only:
            raise IndexError_(
                f"the index at {self.location} is read-only: watched feeds can be listed but not "
                "changed; make it writable or use another --index"
            )
        return self._col

    def _get(self, **query: Any) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        """``(id, document, metadata)`` of the records matching ``query``, page by page."""
        if self._col is None:
            return
        offset = 0
        while True:
            got = self._col.get(**query, include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            docs = got["documents"] or [""] * len(got["ids"])
            yield from zip(got["ids"], docs, got["metadatas"] or [], strict=False)
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    # --- feeds --------------------------------------------------------------------------
    @staticmethod
    def _feed(rid: str, doc: str | None, meta: Mapping[str, Any]) -> StoredFeed:
        entries = {k: EntryState(*v) for k, v in json.loads(doc or "{}").items()}
        values = {k: v for k, v in meta.items() if k != "kind" and v is not None}
        return StoredFeed(rid.removeprefix("feed:"), WatchedFeed.model_validate(values), entries)

    def feeds(self) -> list[StoredFeed]:
        """Every watched feed, in the order they were added."""
        found = [self._feed(*r) for r in self._get(where={"kind": "feed"})]
        return sorted(found, key=lambda f: (f.feed.added, f.feed.name))

    def get_feed(self, fid: str) -> StoredFeed | None:
        if self._col is None:
            return None
        got = self._col.get(ids=[f"feed:{fid}"], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return self._feed(got["ids"][0], (got["documents"] or [None])[0], (got["metadatas"] or [{}])[0])

    def put_feed(self, stored: StoredFeed) -> None:
        """Write a feed's record whole (a new feed, or the end of its check). Chroma merges an
        upsert's metadata into the record's: a field now None is sent as None, which removes it."""
        doc = json.dumps({k: [e.fingerprint, e.article_id, e.failures] for k, e in stored.entries.items()})
        meta = {"kind": "feed", **stored.feed.model_dump(mode="json")}
        self._writable().upsert(ids=[f"feed:{stored.id}"], embeddings=[_DUMMY], documents=[doc],
                                metadatas=[meta])

    def delete_feed(self, fid: str) -> None:
        self._writable().delete(ids=[f"feed:{fid}"])

    # --- first sightings -----------------------------------------------------------------
    def mark_seen(self, statuses: Mapping[str, IngestStatus], *, feed_url: str, run: str,
                  when: datetime, indexed_at: Callable[[list[str]], Mapping[str, datetime]]) -> None:
        """Record the articles a feed's check ingested (``statuses``: article id → outcome).

        An article without a record gets one: first seen now, or, when it was already indexed
        (a run killed after the commit, an earlier ``agent ingest``), when the index got it
        (``indexed_at(ids)``). One that was added or updated moves its ``changed`` time to now.
        """
        if not statuses:
            return
        col = self._writable()
        got = col.get(ids=[f"seen:{a}" for a in statuses], include=["metadatas"])
        old = {rid.removeprefix("seen:"): m or {} for rid, m in zip(got["ids"], got["metadatas"] or [],
                                                                    strict=False)}
        known = indexed_at([a for a, s in statuses.items() if s == "unchanged" and a not in old])
        put_ids, metas = [], []
        for aid, status in statuses.items():
            if aid not in old:
                first = known.get(aid, when)
                meta = {"kind": "seen", "article_id": aid, "feed_url": feed_url,
                        "first_seen": first.isoformat(), "first_seen_ts": _epoch(first), "first_run": run,
                        "changed": first.isoformat(), "changed_ts": _epoch(first), "changed_run": run}
            elif status in ("added", "updated"):
                meta = {**old[aid], "changed": when.isoformat(), "changed_ts": _epoch(when),
                        "changed_run": run}
            else:
                continue
            put_ids.append(f"seen:{aid}")
            metas.append(meta)
        if put_ids:
            col.upsert(ids=put_ids, embeddings=[_DUMMY] * len(put_ids), metadatas=metas)

    def seen_since(self, since: datetime, *, key: str = "first_seen") -> list[SeenArticle]:
        """Articles first seen (``key="first_seen"``) or last changed (``"changed"``) at or after
        ``since``, oldest first."""
        where = {"$and": [{"kind": "seen"}, {f"{key}_ts": {"$gte": _epoch(since)}}]}
        found = [SeenArticle.model_validate(meta) for _, _, meta in self._get(where=where)]
        return sorted(found, key=lambda s: (getattr(s, key), s.article_id))

    # --- runs ----------------------------------------------------------------------------
    def put_run(self, report: WatchReport) -> None:
        """Keep a finished run's report; only the newest ``KEEP_RUNS`` stay."""
        col = self._writable()
        col.upsert(ids=[f"run:{report.run}"], embeddings=[_DUMMY], documents=[report.model_dump_json()],
                   metadatas=[{"kind": "run", "started_ts": _epoch(report.started)}])
        runs = sorted((meta.get("started_ts", 0), rid) for rid, _, meta in self._get(where={"kind": "run"}))
        if len(runs) > KEEP_RUNS:
            col.delete(ids=[rid for _, rid in runs[: len(runs) - KEEP_RUNS]])

    def runs(self, since: datetime | None = None) -> list[WatchReport]:
        """The kept run reports started at or after ``since``, oldest first."""
        where: dict[str, Any] = {"kind": "run"}
        if since is not None:
            where = {"$and": [where, {"started_ts": {"$gte": _epoch(since)}}]}
        found = [WatchReport.model_validate_json(doc) for _, doc, _ in self._get(where=where) if doc]
        return sorted(found, key=lambda r: r.started)
