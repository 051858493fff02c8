"""The index failing as a whole: a full disk (a real tmpfs) and a Chroma server killed mid-ingest.

Each is one line naming the index and the fix, the ingest stops at the first failed write, and
nothing committed before it is lost: once the cause is gone, the same ingest completes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent import Agent
from agent.errors import IndexUnavailableError
from agent.types import IngestItem
from tests.chroma_server import running_chroma

pytestmark = pytest.mark.slow

WORDS = [
    "flood", "council", "river", "budget", "harbour", "repairs", "rain", "homes", "valley", "school",
    "road", "bridge", "mayor", "police", "storm", "power", "water", "fire", "ferry", "museum",
]


def write_articles(folder: Path, n: int, seed: int = 1) -> Path:
    """``n`` small dated articles of a few paragraphs each (about three chunks apiece)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        paras = [
            " ".join(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(4))
            for _ in range(6)
        ]
        body = "\n\n".join(paras)
        (folder / f"a{i:03}.txt").write_text(
            f"Title: Story {i} about the {rng.choice(WORDS)}\nDate: 2026-03-{1 + i % 28:02}\n"
            f"Source: Test Wire\n\n{body}\n",
            encoding="utf-8",
        )
    return folder


def _mount_namespace() -> list[str] | None:
    """A command prefix giving a private mount namespace where a tmpfs can be mounted: as root
    directly, otherwise through a user namespace. None when neither is allowed here."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in (
        [unshare, "--mount", "--propagation", "private"],
        [unshare, "--user", "--map-root-user", "--mount", "--propagation", "private"],
    ):
        probe = subprocess.run(
            [*prefix, "sh", "-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"'],
            capture_output=True,
        )
        if probe.returncode == 0:
            return prefix
    return None


# A full disk for real: the index lives on a small tmpfs (mounted in a private mount namespace, so
# nothing outlives the test), a filler file leaves ~1.5 MB, the ingest runs out of space, the
# filler is deleted, and the same ingest is run again.
_DISK_FULL_SCRIPT = textwrap.dedent(
    """\
    set -u
    mount -t tmpfs -o size=24m tmpfs "$MNT" || exit 97
    run() {
        step=$1; shift
        "$PY" -m agent --index "$MNT/index" "$@" >"$OUT/$step.out" 2>"$OUT/$step.err"
        echo $? >"$OUT/$step.rc"
    }
    run first ingest "$FIRST"
    "$PY" -c 'import shutil, sys; free = shutil.disk_usage(sys.argv[1]).free
    open(sys.argv[1] + "/filler", "wb").write(b"x" * (free - 1_500_000))' "$MNT"
    run full ingest "$ARTICLES"
    rm "$MNT/filler"
    run again ingest "$ARTICLES"
    run stats stats --json
    """
)


def test_a_full_disk_is_one_line_and_the_next_ingest_completes(tmp_path: Path) -> None:
    prefix = _mount_namespace()
    if prefix is None:
        pytest.skip("cannot mount a tmpfs here (needs root or user namespaces)")
    articles = write_articles(tmp_path / "articles", 60)
    first = write_articles(tmp_path / "first", 1, seed=2)  # makes the index before the disk fills
    (tmp_path / "mnt").mkdir()
    (tmp_path / "out").mkdir()
    env = dict(os.environ, PY=sys.executable, MNT=str(tmp_path / "mnt"), OUT=str(tmp_path / "out"),
               FIRST=str(first), ARTICLES=str(articles), ANONYMIZED_TELEMETRY="False")
    done = subprocess.run([*prefix, "sh", "-c", _DISK_FULL_SCRIPT], env=env, timeout=900,
                          capture_output=True, text=True)
    assert done.returncode != 97, done.stderr
    out = {p.name: p.read_text() for p in (tmp_path / "out").iterdir()}
    assert out["first.rc"].strip() == "0", out.get("first.err")
    err = out["full.err"]
    assert out["full.rc"].strip() == "1", err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "the disk is full" in err and str(tmp_path / "mnt" / "index") in err
    # Space again: the same ingest completes, and the index holds every article exactly once.
    assert out["again.rc"].strip() == "0", out["again.err"]
    assert "failed 0" in out["again.out"]
    stats = json.loads(out["stats.out"])
    assert stats["articles"] == 61


def test_a_chroma_server_killed_mid_ingest_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles", 60)
    folder = tmp_path / "server"
    folder.mkdir()
    with running_chroma(folder) as server:
        port = int(server.url.rsplit(":", 1)[1])
        # Small embedding batches: the articles are written in several flushes, not one.
        agent = Agent(chroma_url=server.url, index_path=tmp_path / "unused", embed_batch_size=8)
        committed: list[IngestItem] = []

        def kill_after_five(item: IngestItem) -> None:
            committed.append(item)
            if len(committed) == 5:
                server.proc.kill()
                server.proc.wait()

        with pytest.raises(IndexUnavailableError) as err:
            agent.ingest([str(articles)], progress=kill_after_five)
    message = str(err.value)
    assert "\n" not in message and server.url in message, message
    assert "lost the connection to the Chroma server" in message and "ConnectError" in message
    assert len(committed) < 60  # it stopped at the first failed write, not after failing each
    with running_chroma(folder, port=port) as again:  # the same data, served again
        agent = Agent(chroma_url=again.url, index_path=tmp_path / "unused")
        report = agent.ingest([str(articles)])
        assert report.failed == 0 and report.unchanged >= 5
        assert report.added + report.unchanged == 60
        stats = agent.stats()
        assert stats["articles"] == 60
        # No leftovers of the write the kill interrupted: every chunk is its article's committed one.
        per_article = {a.id: agent.store.chunk_ids(a.id) for a in agent.list()}
        for article in agent.list():
            ids = per_article[article.id]
            assert ids and all(i.startswith(f"{article.id}:{article.content_hash[:8]}:") for i in ids)
        assert stats["chunks"] == sum(len(ids) for ids in per_article.values())
