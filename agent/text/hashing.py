"""The package's hashes: SHA-256 of text (content hashes, ids, cache keys) and of files.

One module, because the formulas are fixed: a changed ``content_hash`` would make every
re-ingest replace every article, a changed ``sha256_hex``/``short_hash`` orphan existing caches
and BM25 copies.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

#: Bytes read at a time when hashing a file (any size gives the same digest).
FILE_BLOCK = 8 * 1024 * 1024


def sha256_hex(text: str) -> str:
    """SHA-256 of ``text`` (UTF-8), as 64 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_hash(value: str) -> str:
    """First 16 hex digits of SHA-256: short enough to type, long enough not to collide."""
    return sha256_hex(value)[:16]


def content_hash(title: str, text: str, url: str | None, published: datetime | None) -> str:
    """SHA-256 over what a reader sees; any change means the stored copy is stale.

    The stored index compares this value: the formula (fields joined by U+001F, UTF-8) is fixed.
    """
    parts = [title, text, url or "", published.isoformat() if published else ""]
    return sha256_hex("\x1f".join(parts))


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed in blocks, as 64 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(FILE_BLOCK):
            h.update(block)
    return h.hexdigest()
