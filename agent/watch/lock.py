"""One watch run per index at a time: an OS file lock, and a note of who holds it.

The lock is ``filelock``'s (``flock`` on POSIX): the kernel releases it when its holder's
process ends, however it ends, so a run killed with SIGKILL never leaves it stuck. Beside it, a
small JSON note names the holder (pid, host, start time), so a second run can say who is
running instead of only "locked".

Where: an embedded index keeps its lock file in the index folder (every process that writes that
index sees it); a Chroma server's lock is in ``<cache_dir>/locks``, so it keeps apart the runs
of one machine, not of several machines sharing the server.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from agent.errors import WatchBusyError
from agent.settings import Settings
from agent.text.hashing import short_hash


def lock_path(settings: Settings, what: str) -> Path:
    """The lock file of ``what`` ("run" or "serve") for the index the settings name."""
    index = settings.index
    if index.chroma_url:
        key = short_hash(f"{index.chroma_url}|{index.collection}")
        return settings.cache_dir / "locks" / f"watch-{what}-{key}.lock"
    return index.index_path / f"watch-{what}-{index.collection}.lock"


class WatchLock:
    """Held with ``with WatchLock(settings, "run", busy_message):``; ``WatchBusyError`` when
    another process holds it. ``busy`` is the error's text, with ``{holder}`` for who holds it."""

    def __init__(self, settings: Settings, what: str, busy: str) -> None:
        self.path = lock_path(settings, what)
        self.note = self.path.with_suffix(".holder")
        self.busy = busy
        self._lock: FileLock | None = None

    def __enter__(self) -> WatchLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise WatchBusyError(self.busy.format(holder=self.holder())) from None
        self._lock = lock
        note = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(UTC).isoformat(timespec="seconds")}
        self.note.write_text(json.dumps(note), encoding="utf-8")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._lock is not None:
            self.note.unlink(missing_ok=True)
            self._lock.release()
            self._lock = None

    def holder(self) -> str:
        """Who holds the lock, as far as its note says ("pid 123 on host, since …")."""
        try:
            note = json.loads(self.note.read_text(encoding="utf-8"))
            return f"pid {int(note['pid'])} on {note['host']}, since {note['started']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"
