"""The Chroma connection: opening an embedded index or a Chroma server, and the index-path checks."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from agent.errors import IndexError_, IndexNotFoundError, IndexUnavailableError
from agent.settings import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


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
    if settings.index.chroma_url:
        return None
    return (settings.index.index_path / CHROMA_DB_FILE).is_file()


def missing_index_error(settings: Settings) -> IndexNotFoundError:
    where = settings.index.chroma_url or str(settings.index.index_path)
    return IndexNotFoundError(
        f"no index at {where}: check --index / --chroma-url, or add articles first "
        "(`agent ingest examples/articles`)"
    )


def open_client(settings: Settings, *, create: bool = True) -> Any:
    import chromadb  # lazy: slow to import, and only commands that open the index need it
    from chromadb.config import Settings as ChromaSettings

    if not create and index_exists(settings) is False:
        raise missing_index_error(settings)  # opening a PersistentClient would create it
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.index.chroma_url:
        host, port, ssl = parse_chroma_url(settings.index.chroma_url)
        try:
            return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
        except Exception as e:  # chroma raises plain ValueError/httpx errors here
            raise IndexError_(
                f"cannot reach the Chroma server at {settings.index.chroma_url} ({type(e).__name__}); "
                "start it (chroma run --path ./index) or unset CHROMA_HOST / --chroma-url"
            ) from None
    path = settings.index.index_path
    if path.exists() and not path.is_dir():
        raise IndexError_(f"index path {path} is a file, not a folder; pass another --index")
    if index_exists(settings) and not is_writable(path):
        if create:
            raise read_only_error(path)
        path = read_only_snapshot(path)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as e:
        from agent.index.chroma_errors import index_failure, short

        mapped = index_failure(e, str(path))
        if isinstance(mapped, IndexUnavailableError):
            raise mapped from e  # a full disk: says what to do, unlike Chroma's wording
        raise IndexError_(f"cannot open the index at {path}: {short(e)}") from e


def is_writable(path: Path) -> bool:
    """Whether an embedded index (its folder and database file) can be written, by the real user
    and on this file system (``os.access``)."""
    db = path / CHROMA_DB_FILE
    return os.access(path, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def read_only_error(path: Path) -> IndexError_:
    return IndexError_(
        f"the index at {path} is read-only: list, show, stats, ask and search work on it; to "
        "ingest or remove, make it writable or copy it and pass the copy with --index"
    )


def read_only_snapshot(path: Path) -> Path:
    """A private copy of a read-only index, removed when the process ends.

    Chroma's embedded client writes its SQLite file as it opens it, so it cannot open a
    read-only index at all; the store refuses every write to the copy (``Store.read_only``).
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
