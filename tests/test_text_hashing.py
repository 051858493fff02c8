"""agent/text/hashing.py: the one content hash, id hash and file hash, with fixed formulas."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent.index.records import content_hash as store_content_hash
from agent.text.hashing import FILE_BLOCK, content_hash, sha256_file, sha256_hex, short_hash
from agent.types import Article

CASES = [
    ("T", "text", "https://u.example/", datetime(2026, 1, 1, tzinfo=UTC)),
    ("Überschrift – “quoted”", "Zürich\x1fcafé 🌊\n\nline", None, None),
    ("", "", "", datetime(2026, 3, 5, 8, 30, tzinfo=timezone(timedelta(hours=1)))),
    ("a\ud7ffb", "naïve \u00a0space", "http://x/?q=é", datetime(2026, 3, 5, 8, 30)),
]


def _ingest_formula_before(title: str, text: str, url: str | None, published: datetime | None) -> str:
    """The formula agent/ingest/extract.py used (``.encode("utf-8")``)."""
    parts = [title, text, url or "", published.isoformat() if published else ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _store_formula_before(a: Article) -> str:
    """The copy agent/store.py had (``.encode()``, i.e. UTF-8 whatever the locale)."""
    parts = [a.title, a.text, a.url or "", a.published.isoformat() if a.published else ""]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@pytest.mark.parametrize("title,text,url,published", CASES)
def test_content_hash_is_the_formula_both_copies_used(
    title: str, text: str, url: str | None, published: datetime | None
) -> None:
    """Stored hashes must not change: the merged copy equals both old ones byte for byte."""
    a = Article(id="x", title=title, text=text, url=url or None, published=published)
    assert content_hash(title, text, url, published) == _ingest_formula_before(title, text, url, published)
    merged = content_hash(a.title, a.text, a.url, a.published)
    assert store_content_hash(a) == _store_formula_before(a) == merged


def test_content_hash_known_value_and_url_none_equals_empty() -> None:
    # pinned: an on-disk index compares this exact value
    got = content_hash("T", "text", "https://u.example/", datetime(2026, 1, 1, tzinfo=UTC))
    assert got == "081b0130666f53c57584aef5ad7b3c93a5739694313922ce526c6ddcabb87ff9"
    assert content_hash("T", "x", None, None) == content_hash("T", "x", "", None)


def test_store_keeps_a_hash_the_loader_gave() -> None:
    assert store_content_hash(Article(id="x", title="T", text="t", content_hash="given")) == "given"


def test_short_hash_and_sha256_hex() -> None:
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert short_hash("abc") == "ba7816bf8f01cfea"
    assert sha256_hex("é") == hashlib.sha256("é".encode()).hexdigest()
    # the cache-key formula summaries and CachedCalls used: sha256 of a JSON blob
    blob = json.dumps(["T", "x", None, "None"])
    assert sha256_hex(blob) == hashlib.sha256(blob.encode()).hexdigest()


def test_sha256_file_streams_blocks(tmp_path: Path) -> None:
    data = bytes(range(256)) * (FILE_BLOCK // 256 * 2 + 3)  # more than two blocks
    f = tmp_path / "blob.bin"
    f.write_bytes(data)
    assert sha256_file(f) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()
