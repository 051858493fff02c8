"""Kept digests: one JSON file per digest, so the next one has something to compare with.

Where: an embedded index keeps them in ``<index>/digests/<collection>/`` (they travel with the
index folder); a Chroma server's are in ``<cache_dir>/digests/<hash of server and collection>/``
on this machine (the server holds no files). Each file is a ``KeptDigest`` (the digest and its
memory), written to a temporary name and renamed, so a digest killed half-way leaves no file
and a reader never sees half of one. A file that cannot be read is skipped with a warning.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from agent.digest.memory import KeptDigest
from agent.errors import IndexError_
from agent.settings import Settings
from agent.text.hashing import short_hash
from agent.types import Digest, DigestRecord

log = logging.getLogger(__name__)

#: Earlier digests a new one compares with: those whose window ended this long before it starts.
LOOKBACK = timedelta(days=14)
MAX_EARLIER = 60


def digest_folder(settings: Settings) -> Path:
    """The folder the digests of the index ``settings`` names are kept in."""
    index = settings.index
    if index.chroma_url:
        return settings.cache_dir / "digests" / short_hash(f"{index.chroma_url}|{index.collection}")
    return index.index_path / "digests" / index.collection


class DigestStore:
    """The kept digests of one index: ``save``, ``records`` (for ``--list``), ``find``, ``last``,
    ``earlier``."""

    def __init__(self, settings: Settings) -> None:
        self.folder = digest_folder(settings)

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []

    def _load(self, path: Path) -> KeptDigest | None:
        try:
            return KeptDigest.model_validate_json(path.read_bytes())
        except (OSError, ValueError, ValidationError) as exc:
            log.warning("skipping the kept digest %s, which cannot be read: %s", path, str(exc)[:200])
            return None

    def kept(self) -> list[KeptDigest]:
        """Every kept digest, oldest window end first."""
        found = [k for k in (self._load(p) for p in self._files()) if k is not None]
        return sorted(found, key=lambda k: (k.until, k.digest.id))

    def records(self) -> list[DigestRecord]:
        """What ``agent digest --list`` shows, oldest first."""
        out = []
        for path in self._files():
            k = self._load(path)
            if k is None:
                continue
            d = k.digest
            out.append(DigestRecord(id=d.id, generated_at=d.generated_at, since=d.since, until=d.until,
                                    topic=d.topic, storylines=len(d.storylines) + len(d.more),
                                    articles=len(d.articles), path=str(path)))
        return sorted(out, key=lambda r: (r.until, r.id))

    def find(self, digest_id: str) -> KeptDigest | None:
        """The kept digest ``digest_id`` (None when there is none): the id picks one of the kept
        files by name, so no id reaches outside the folder."""
        path = next((p for p in self._files() if p.stem == digest_id), None)
        kept = self._load(path) if path is not None else None
        return kept if kept is not None and kept.digest.id == digest_id else None

    def last(self, topic: str | None) -> KeptDigest | None:
        """The kept digest of ``topic`` (None: the general digest) whose window ends last."""
        same = [k for k in self.kept() if (k.digest.topic or None) == (topic or None)]
        return same[-1] if same else None

    def earlier(self, since: datetime) -> list[KeptDigest]:
        """The digests a digest starting at ``since`` compares with: those whose window ended
        by ``since`` and within ``LOOKBACK`` of it, newest first. A digest of the same or an
        overlapping window is not among them, so making one again gives the same digest."""
        found = [k for k in self.kept() if since - LOOKBACK <= k.until <= since]
        return list(reversed(found))[:MAX_EARLIER]

    def path_of(self, digest: Digest) -> Path:
        """The file ``digest`` is kept in."""
        return self.folder / f"{digest.id}.json"

    def save(self, kept: KeptDigest) -> Path:
        """Write ``kept`` (a digest of the same id is replaced); ``IndexError_`` naming the
        folder when it cannot be written."""
        path = self.path_of(kept.digest)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(kept.model_dump_json(), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            raise IndexError_(
                f"cannot keep the digest in {self.folder} ({exc.strerror or exc}); make that folder "
                "writable (the next digest compares with the kept ones)"
            ) from None
        return path


__all__ = ["LOOKBACK", "DigestStore", "digest_folder"]
