"""A damaged vector segment is noticed and repaired: real embedded Chroma, real MiniLM.

Chroma keeps an index's vectors in an HNSW folder per collection (``index/<uuid>/``) once enough
of them are written (1,000 here), its records in SQLite. With the chunks' folder deleted, every
command says the index is damaged instead of searching what is left, ``agent doctor`` counts the
missing vectors and names ``agent reindex``, and the reindex (even one killed half-way and run
again) gives back the original search results.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient
from typer.testing import CliRunner

from agent import Agent
from agent.cli import app
from agent.errors import DamagedIndexError
from agent.index.embed import make_embedder
from agent.index.store import Store
from agent.settings import Settings

pytestmark = pytest.mark.slow

runner = CliRunner()
WORDS = ["flood", "council", "river", "budget", "harbour", "repairs", "rain", "homes", "valley",
         "school", "road", "bridge", "mayor", "police", "storm", "power", "water", "ferry"]
QUERIES = ["harbour repairs after the storm", "council budget for the school road", "river flood homes"]
NOTES = 1100  # past Chroma's 1,000-record threshold, so the vectors are written to the folder


def _notes(path: Path) -> Path:
    rng = random.Random(3)
    with path.open("w", encoding="utf-8") as f:
        for i in range(NOTES):
            words = " ".join(rng.choice(WORDS) for _ in range(10))
            f.write(json.dumps({"id": f"n{i}", "title": f"Note {i} on the {rng.choice(WORDS)}",
                                "text": f"The {words} report, number {i}.", "source": "Wire",
                                "published": f"2026-03-{1 + i % 28:02}"}) + "\n")
    return path


def _results(index: Path) -> list[list[tuple[str, float]]]:
    agent = Agent(index_path=index)
    return [[(p.chunk_id, round(p.score, 4)) for p in agent.search(q, k=5)] for q in QUERIES]


def _vector_folder(index: Path, collection: str) -> Path:
    with sqlite3.connect(f"file:{index / 'chroma.sqlite3'}?mode=ro", uri=True) as db:
        (segment,) = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = ? AND s.scope = 'VECTOR'", (collection,)
        ).fetchone()
    return index / segment


# Reindexes, killed with SIGKILL in its second batch: after that batch's chunks are rewritten,
# before its article records and the journal's release.
_KILLED_REINDEX = textwrap.dedent(
    """\
    import os, signal, sys
    from agent import Agent
    from agent.index import reindex as module
    from agent.index.store import Store

    rewrite = Store.rewrite_vectors
    calls = []

    def killed_in_second(self, ids, embed):
        calls.append(ids)
        if len(calls) == 2:
            self._articles.upsert = lambda **kw: os.kill(os.getpid(), signal.SIGKILL)
        return rewrite(self, ids, embed)

    Store.rewrite_vectors = killed_in_second
    module.ARTICLES_PER_BATCH = 300
    Agent(index_path=sys.argv[1]).reindex()
    """
)


def test_a_lost_vector_segment_is_reported_and_reindex_restores_the_search(tmp_path: Path) -> None:
    index = tmp_path / "index"
    report = Agent(index_path=index).ingest([str(_notes(tmp_path / "notes.jsonl"))])
    assert report.added == NOTES
    before = _results(index)
    chunk_ids = set(Agent(index_path=index).store.chunk_ids())

    shutil.rmtree(_vector_folder(index, "newsagent_chunks"))
    SharedSystemClient.clear_system_cache()  # as a new process would: read the index from disk

    # Every command says so, instead of searching what is left.
    with pytest.raises(DamagedIndexError, match="agent reindex"):
        Agent(index_path=index).search(QUERIES[0])
    result = runner.invoke(app, ["--index", str(index), "stats"])
    assert result.exit_code == 1 and "is damaged" in result.stderr and "agent reindex" in result.stderr
    result = runner.invoke(app, ["--index", str(index), "doctor", "--quick"])
    assert result.exit_code == 1
    line = next(ln for ln in result.stdout.splitlines() if "index:" in ln)
    assert "FAIL" in line and "chunk vectors missing" in line, result.stdout
    assert "fix: agent reindex" in result.stdout

    # A reindex killed half-way leaves every record as it was; the index is still reported.
    killed = subprocess.run([sys.executable, "-c", _KILLED_REINDEX, str(index)], capture_output=True,
                            text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr
    SharedSystemClient.clear_system_cache()
    with pytest.raises(DamagedIndexError, match="reindex .* was interrupted"):
        Agent(index_path=index).stats()
    settings = Settings(index_path=index)
    survivor = Store(settings, make_embedder(settings), create=False, check_vectors=False)
    assert set(survivor.chunk_ids()) == chunk_ids  # nothing lost, nothing left over
    assert survivor._journal.count() == 0  # the open's recovery released the killed batch

    # Run again, it finishes: the original results come back.
    result = runner.invoke(app, ["--index", str(index), "reindex"])
    assert result.exit_code == 0, result.output
    assert "every record has its vector" in result.stdout
    assert _results(index) == before
    result = runner.invoke(app, ["--index", str(index), "doctor", "--quick"])
    assert "every one with its vector" in result.stdout, result.stdout
