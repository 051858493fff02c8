"""Whether the index's vector segments hold a vector for every record.

Chroma keeps a collection's records (ids, texts, metadata) in SQLite and their vectors in an
HNSW segment (a folder ``<index>/<uuid>/`` when embedded). When that folder is lost or cut short,
Chroma still counts every record, but a search only finds the vectors that are left: results
silently change. Reading a record together with its vector fails for a record that has none
("Error finding id", raised as ``DamagedIndexError`` by the guarded client); both checks rest on
that. ``Store`` runs ``spot_check`` whenever it opens an index and ``health`` for ``agent doctor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agent.errors import DamagedIndexError, IndexError_
from agent.types import VectorHealth

_PAGE = 1000
#: Missing ids read back one by one to confirm that their vectors are gone (and not merely
#: unreached by the graph search that counted them).
_CONFIRM = 5


def _has_vector(col: Any, **where: Any) -> bool:
    """False only when Chroma says the record's vector is missing. Another failure of the read
    (e.g. "Error creating hnsw segment reader" in a process whose cached view of the index is
    older than another process's writes) says nothing about the vectors: the operation that
    follows meets it, or not, as it would without this check."""
    try:
        col.get(include=["embeddings"], **where)
    except DamagedIndexError:
        return False
    except IndexError_:
        pass
    return True


def spot_check(col: Any) -> bool:
    """Whether the first and the last record of ``col`` have their vectors: a count and two
    one-record reads, milliseconds at any size (docs/benchmarks.md). A lost
    segment takes every vector it had written, and the oldest records' vectors are written
    first, so a lost or truncated segment fails at the first record; a segment missing only a
    few recent vectors may pass (``health`` counts them all)."""
    n = int(col.count())
    return all(_has_vector(col, limit=1, offset=offset) for offset in sorted({0, n - 1}) if n)


def _all_ids(col: Any) -> list[str]:
    ids: list[str] = []
    while True:
        got = col.get(include=[], limit=_PAGE, offset=len(ids))
        ids.extend(got["ids"])
        if len(got["ids"]) < _PAGE:
            return ids


def health(col: Any, name: str, dim: int) -> VectorHealth:
    """How many of ``col``'s records have a vector: one search asking for every record (what a
    search can reach), then a few of the records it did not return read back to confirm that
    their vectors are really gone. Costs a full graph search: for ``agent doctor``."""
    n = int(col.count())
    if n == 0:
        return VectorHealth(collection=name, records=0, vectors=0)
    probe = np.zeros((1, dim), dtype=np.float32)
    probe[0, 0] = 1.0
    try:
        found = set(col.query(query_embeddings=probe, n_results=n, include=[])["ids"][0])
    except DamagedIndexError:
        found = set()
    if len(found) >= n:
        return VectorHealth(collection=name, records=n, vectors=n)
    missing = [i for i in _all_ids(col) if i not in found]
    lost = [i for i in missing[:_CONFIRM] if not _has_vector(col, ids=[i])]
    return VectorHealth(collection=name, records=n, vectors=n - len(missing) if lost else n)
