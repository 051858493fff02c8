"""``agent reindex``: rebuild every vector of the index from the chunk texts it stores.

The repair for a damaged vector segment (``DamagedIndexError``, ``agent doctor``): records and
texts live in Chroma's SQLite file, so the vectors can be made again by embedding the texts with
the index's own embedder and writing each record back unchanged (``Store.rewrite_vectors``).
Articles are rewritten a batch at a time, so the work shows progress, and a kill loses at most a
batch's work: running it again finishes. Until it has, the index carries a marker that makes
every open say so (``DamagedIndexError``), since the spot check may miss what is still missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from agent.index.embed import Embedder
from agent.index.store import REINDEX_MARKER, Store
from agent.types import ReindexReport

#: Articles re-embedded and rewritten together: large enough to batch the embedder and Chroma's
#: writes, small enough that progress moves and a kill loses little.
ARTICLES_PER_BATCH = 128


def reindex(
    store: Store,
    embedder: Embedder,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int = ARTICLES_PER_BATCH,
) -> ReindexReport:
    """Re-embed and rewrite the vectors of every article in ``store``; ``progress(done, total)``
    is called after each batch of articles. The store must be opened with ``check_vectors=False``
    (an index this repairs would not open otherwise)."""
    started = time.perf_counter()
    before = store.vector_health()
    ids = store.article_ids()
    chunks = 0
    # Set until every batch is written: an index opened meanwhile (or after a kill) says so.
    store.set_marker(REINDEX_MARKER, datetime.now(UTC))
    for lo in range(0, len(ids), max(1, batch)):
        chunks += store.rewrite_vectors(ids[lo : lo + batch], embedder.embed)
        if progress is not None:
            progress(min(lo + batch, len(ids)), len(ids))
    store.clear_marker(REINDEX_MARKER)
    return ReindexReport(
        articles=len(ids), chunks=chunks, seconds=time.perf_counter() - started,
        before=before, after=store.vector_health(),
    )
