"""Chroma's failures as ours: one line naming the index and what to do.

``index_failure`` maps an exception raised by chromadb (or by the httpx client under its HTTP
client) to an ``IndexError_``; ``guarded`` wraps a Chroma client so that every call on it, and
on the collections it returns, raises the mapped error. The store talks to Chroma only through
a guarded client, so a full disk or a Chroma server that went away mid-ingest is one line, not a
traceback; the CLI's last-resort handler uses ``index_failure`` too.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.errors import DamagedIndexError, IndexError_, IndexUnavailableError

#: What SQLite (under Chroma's embedded store) and the OS say when a write finds no room.
_DISK_FULL = ("database or disk is full", "no space left on device")
#: What Chroma says when a record's vector is not in its vector segment.
_MISSING_VECTOR = "error finding id"
#: Free space below which a failed write of an embedded index is put down to a full disk: Chroma
#: often reports it only as "Error in compaction: Failed to apply logs to the metadata segment".
LOW_SPACE_BYTES = 16 * 1024 * 1024


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes/contexts, outermost first (each once)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def short(exc: BaseException, limit: int = 200) -> str:
    """``exc``'s message on one line, cut to ``limit`` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_disk_full(exc: BaseException) -> bool:
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return True
        if any(marker in str(e).lower() for marker in _DISK_FULL):
            return True
    return False


def _free_bytes(location: str) -> int | None:
    """Free space where an embedded index lives; None for a server URL or a missing folder."""
    try:
        return shutil.disk_usage(location).free if Path(location).is_dir() else None
    except OSError:
        return None


def _transport_error(exc: BaseException) -> BaseException | None:
    """The httpx connection failure (refused, reset, timed out) behind ``exc``, if any."""
    import httpx

    return next((e for e in _chain(exc) if isinstance(e, httpx.TransportError)), None)


def index_failure(exc: BaseException, location: str) -> IndexError_ | None:
    """Our error for a failure of the index at ``location``, or None when ``exc`` is not one
    (not from chromadb, httpx, or a full disk). A missing collection (``NotFoundError``) is
    left as it is: the store decides whether that means "create it" or "no index here"."""
    from chromadb.errors import ChromaError, InternalError, NotFoundError

    if isinstance(exc, IndexError_ | NotFoundError):
        return exc if isinstance(exc, IndexError_) else None
    free = _free_bytes(location) if isinstance(exc, InternalError) else None
    if _is_disk_full(exc) or (free is not None and free < LOW_SPACE_BYTES):
        return IndexUnavailableError(
            f"the index at {location} could not be written: the disk is full; free some space "
            "(or pass another --index) and run the command again; what was written before is kept"
        )
    cause = _transport_error(exc)
    if cause is not None:
        return IndexUnavailableError(
            f"lost the connection to the Chroma server at {location} ({type(cause).__name__}: "
            f"{short(cause, 80)}); start it again (`chroma run --path ./index`) and re-run the "
            "command; what was written before is kept"
        )
    if not isinstance(exc, ChromaError):
        return None
    if _MISSING_VECTOR in str(exc).lower():
        return DamagedIndexError(
            f"the index at {location} is damaged: a record's vector is missing from its vector "
            "segment; run `agent reindex` to rebuild the vectors from the stored texts"
        )
    # An internal error leaves Chroma's store unusable for this process (a further write can
    # hang): stop. Anything else (a bad value in one record) concerns one article.
    kind = IndexUnavailableError if isinstance(exc, InternalError) else IndexError_
    return kind(
        f"the index at {location} failed ({type(exc).__name__}: {short(exc)}); "
        "run `agent doctor` to check it"
    )


class _Guarded:
    """A Chroma client or collection whose method calls raise ``index_failure``'s errors."""

    def __init__(self, target: Any, location: str) -> None:
        self._target = target
        self._location = location

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value
        return self._guard_call(value)

    def _guard_call(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        from chromadb.api.models.Collection import Collection

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                ours = index_failure(exc, self._location)
                if ours is None or ours is exc:
                    raise
                raise ours from exc
            return _Guarded(result, self._location) if isinstance(result, Collection) else result

        return call


def guarded(client: Any, location: str) -> Any:
    """``client`` (a Chroma client) with every call's failure mapped by ``index_failure``."""
    return _Guarded(client, location)
