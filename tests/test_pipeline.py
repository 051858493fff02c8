"""The ingest pipeline: idempotence, atomic replacement, failures, and surviving kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent.index.embed import LocalMiniLMEmbedder
from agent.index.store import Store
from agent.ingest.pipeline import ingest
from agent.settings import Settings
from agent.types import Article, IngestItem
from tests.test_store import HashEmbedder

ROOT = Path(__file__).resolve().parent.parent


def paragraphs(i: int, version: int = 1, n: int = 4) -> str:
    return "\n\n".join(
        f"Paragraph {p} of story {i}, version {version}. The council met on Tuesday to discuss "
        f"the budget for item {i * 7 + p}, and members argued about roads and schools."
        for p in range(n)
    )


def art(i: int, version: int = 1, n: int = 4) -> Article:
    text = paragraphs(i, version, n)
    return Article(id=f"story-{i:03d}", title=f"Story {i}", text=text, source="test",
                   content_hash=f"{i}-{version}-{n}-{len(text)}".ljust(16, "x"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # chunk_tokens small so every article has several chunks.
    return Settings(chroma_url=None, index_path=tmp_path / "index", collection="pipe",
                    chunk_tokens=40, embed_batch_size=8, threads=1)


def orphan_free(store: Store) -> int:
    """Assert every stored chunk belongs to a committed version; return the chunk count."""
    got = store._chunks.get(include=["metadatas"])
    hashes = store.article_hashes({m["article_id"] for m in got["metadatas"]})
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        assert hashes.get(meta["article_id"]) == meta["content_hash"], f"orphan chunk {cid}"
    assert len(got["ids"]) == len(set(got["ids"]))
    return len(got["ids"])


def test_reingest_is_idempotent_and_embeds_nothing(settings: Settings) -> None:
    emb = HashEmbedder()
    store = Store(settings, emb)
    seen: list[IngestItem] = []
    first = ingest([], store, emb, settings, seen.append, articles=[art(i) for i in range(10)])
    assert first.added == 10 and first.failed == 0 and len(seen) == 10
    assert first.chunks == store.stats()["chunks"] > 10  # several chunks per article
    assert orphan_free(store) == first.chunks
    calls, version = emb.calls, store.version
    second = ingest([], store, emb, settings, articles=[art(i) for i in range(10)])
    assert second.unchanged == 10 and second.added == second.updated == 0
    assert emb.calls == calls  # nothing embedded
    assert store.version == version  # nothing written


def test_changed_article_replaces_its_chunks(settings: Settings) -> None:
    emb = HashEmbedder()
    store = Store(settings, emb)
    ingest([], store, emb, settings, articles=[art(1, n=6), art(2)])
    old_ids = set(store.chunk_ids("story-001"))
    report = ingest([], store, emb, settings, articles=[art(1, version=2, n=2), art(2)])
    assert [(i.article_id, i.status) for i in report.items] == [
        ("story-001", "updated"), ("story-002", "unchanged")]
    new_ids = set(store.chunk_ids("story-001"))
    assert not old_ids & new_ids and len(new_ids) == report.items[0].chunks < len(old_ids)
    assert "version 2" in store.get_article("story-001").text
    assert orphan_free(store) == store.stats()["chunks"]


def test_failures_do_not_stop_the_batch(settings: Settings) -> None:
    emb = HashEmbedder()
    store = Store(settings, emb)
    empty = Article(id="empty", title="Empty", text="   ", content_hash="e" * 16)
    bad_input = IngestItem(input="nope.html", status="failed", error="no such file; check it")
    report = ingest([], store, emb, settings,
                    articles=[art(1), empty, bad_input, art(2), art(1)])
    # The report is in input order (progress sees them as they finish).
    assert [i.status for i in report.items] == [
        "added", "failed", "failed", "added", "duplicate"]
    by_id = {i.article_id: i for i in report.items if i.article_id}
    assert by_id["empty"].status == "failed" and "no text" in (by_id["empty"].error or "")
    assert report.added == 2 and report.failed == 2 and report.duplicates == 1  # art(1) twice
    assert store.stats()["articles"] == 2


def test_article_without_hash_gets_one(settings: Settings) -> None:
    emb = HashEmbedder()
    store = Store(settings, emb)
    a = Article(id="nohash", title="T", text=paragraphs(1))
    assert ingest([], store, emb, settings, articles=[a]).added == 1
    assert ingest([], store, emb, settings, articles=[a]).unchanged == 1
    assert len(store.get_article("nohash").content_hash) == 64


@pytest.mark.slow
def test_end_to_end_with_loader_and_local_model(settings: Settings, tmp_path: Path) -> None:
    """Real loader (JSONL), real chunker, real MiniLM, real Chroma; then a dense search."""
    lines = [
        {"id": "1", "title": "Rates rise", "published": "2024-03-01",
         "text": "The central bank raised interest rates to curb inflation.\n\n"
                 "Economists had expected the move after prices rose for a sixth month."},
        {"id": "2", "title": "Cup final", "published": "2024-03-02",
         "text": "The home side won the cup final after extra time.\n\nThe striker scored twice."},
        {"id": "3", "title": "", "text": "no title here"},  # a bad line
    ]
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    emb = LocalMiniLMEmbedder(settings)
    store = Store(settings, emb)
    report = ingest([str(path)], store, emb, settings)
    assert (report.added, report.failed) == (2, 1)
    hit = store.dense_search(emb.embed_query("Did the bank increase borrowing costs?"), 1)[0]
    assert hit.title == "Rates rise"
    assert store.get_article(hit.article_id).text[hit.start : hit.end] == hit.text
    assert ingest([str(path)], store, emb, settings).unchanged == 2


KILL_SCRIPT = textwrap.dedent("""
    import sys
    from agent.ingest.pipeline import ingest
    from agent.settings import Settings
    from agent.index.store import Store
    from tests.test_store import HashEmbedder
    from tests.test_pipeline import art

    s = Settings(chroma_url=None, index_path=sys.argv[1], collection="pipe",
                 chunk_tokens=40, embed_batch_size=int(sys.argv[3]), threads=1)
    e = HashEmbedder()
    store = Store(s, e)
    def progress(item):
        print(item.status, item.article_id, flush=True)
    ingest([], store, e, s, progress,
           articles=[art(i, version=int(sys.argv[2])) for i in range(60)])
    print("DONE", flush=True)
""")


def _run_and_kill(index: Path, version: int, batch: int, after: int) -> int:
    """Run an ingest in a subprocess and kill -9 it after ``after`` committed articles."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(index), str(version), str(batch)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        if line.startswith("DONE"):
            break
        committed += 1
        if committed >= after:
            os.kill(proc.pid, signal.SIGKILL)  # mid-way: other articles are being written
            break
    proc.wait(timeout=60)
    if committed < after:
        pytest.fail(f"ingest ended before the kill: {proc.stderr.read() if proc.stderr else ''}")
    assert proc.returncode == -signal.SIGKILL
    return committed


@pytest.mark.slow
def test_kill_9_mid_ingest_leaves_a_consistent_index(settings: Settings) -> None:
    index = settings.index.index_path
    emb = HashEmbedder()
    store = Store(settings, emb)
    ingest([], store, emb, settings, articles=[art(i, version=1) for i in range(60)])
    store.close()  # let this process see the other processes' writes
    # Version 2 of every article, killed twice part-way (batch 1: one article per flush,
    # batch 8: several articles embedded together and committed one by one).
    _run_and_kill(index, 2, 1, after=7)
    _run_and_kill(index, 2, 8, after=12)
    store = Store(settings, emb)  # recovery on open
    assert store._journal.count() == 0
    orphan_free(store)
    hashes = store.article_hashes([f"story-{i:03d}" for i in range(60)])
    assert len(hashes) == 60  # no article lost: each has its old or its new version
    done_v2 = sum(hashes[f"story-{i:03d}"] == art(i, 2).content_hash for i in range(60))
    assert done_v2 >= 12
    report = ingest([], store, emb, settings, articles=[art(i, version=2) for i in range(60)])
    assert report.unchanged == done_v2 and report.updated == 60 - done_v2
    assert report.failed == report.added == 0
    total = orphan_free(store)
    expected = sum(len(store.chunk_ids(f"story-{i:03d}")) for i in range(60))
    assert total == expected == store.stats()["chunks"]
    hashes = store.article_hashes([f"story-{i:03d}" for i in range(60)])
    assert all(hashes[f"story-{i:03d}"] == art(i, 2).content_hash for i in range(60))


def test_an_open_store_finds_what_another_process_indexed_since(settings: Settings) -> None:
    """A long-running process (``agent serve``, a notebook) keeps its store open while ``agent
    watch run`` indexes new articles in another process: its searches find them."""
    index = settings.index.index_path
    emb = HashEmbedder()
    store = Store(settings, emb)
    ingest([], store, emb, settings, articles=[art(i) for i in range(5)])
    newest = art(9)
    query = emb.embed([newest.text[:200]])[0]
    assert "story-009" not in {p.article_id for p in store.dense_search(query, 3)}
    code = textwrap.dedent(f"""
        from agent.index.store import Store
        from agent.ingest.pipeline import ingest
        from agent.settings import Settings
        from tests.test_pipeline import art
        from tests.test_store import HashEmbedder
        s = Settings(chroma_url=None, index_path={str(index)!r}, collection="pipe", chunk_tokens=40)
        e = HashEmbedder()
        ingest([], Store(s, e), e, s, articles=[art(i) for i in range(5, 10)])
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, timeout=120)
    assert store.dense_search(query, 1)[0].article_id == "story-009"
    assert store.stats()["articles"] == 10
    ingest([], store, emb, settings, articles=[art(10)])  # and it still writes
    assert store.dense_search(emb.embed([art(10).text[:200]])[0], 1)[0].article_id == "story-010"
