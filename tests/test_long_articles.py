"""Issue 17 item 8: a very long article shows progress per chunk batch, and is indexed only up to
``max_chunks_per_article``; the report says it was truncated.

Pure pipeline logic with the fake bag-of-words embedder, then the real CLI with the real MiniLM
embedder on a one-line .txt file (the shape of the 5 MB file that printed nothing for 400 s).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.index.store import Store
from agent.ingest.chunk import chunk_text
from agent.ingest.pipeline import ingest
from agent.settings import Settings
from agent.types import Article, IngestItem
from tests.test_store import HashEmbedder

SENTENCE = "The committee reviewed item {i} of the long agenda and moved on without a vote. "


def one_line(n: int) -> str:
    return "".join(SENTENCE.format(i=i) for i in range(n)).strip()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(chroma_url=None, index_path=tmp_path / "index", collection="long",
                    chunk_tokens=40, embed_batch_size=4, threads=1, max_chunks_per_article=10)


def test_long_article_is_capped_and_reports_chunk_progress(settings: Settings) -> None:
    emb = HashEmbedder()
    store = Store(settings, emb)
    long = Article(id="long-1", title="Long", text=one_line(200), source="t")
    short = Article(id="short-1", title="Short", text=one_line(2), source="t")
    events: list[tuple[str, ...]] = []

    def on_item(item: IngestItem) -> None:
        events.append(("item", item.title or ""))

    def on_chunks(article: Article, done: int, total: int) -> None:
        events.append(("chunks", article.title, f"{done}/{total}"))

    report = ingest([], store, emb, settings, on_item, articles=[long, short], chunk_progress=on_chunks)
    long_item, short_item = report.items
    assert long_item.status == "added" and long_item.chunks == 10
    full = chunk_text(long.id, long.text, 40, lambda t: emb.count_tokens(t) <= emb.max_input_tokens)
    assert len(full) > 40  # 200 sentences of ~16 tokens at 40 tokens a chunk
    assert long_item.truncated_at == full[9].end and long_item.text_chars == len(long.text)
    assert long_item.note is not None and long_item.note.startswith(
        f"truncated: indexed the first 10 chunks, {full[9].end:,} of {len(long.text):,} characters (")
    assert "max_chunks_per_article" in long_item.note
    assert short_item.truncated_at is None and short_item.note is None
    assert report.truncated == 1 and "1 truncated" in report.to_markdown()
    # progress in batches of embed_batch_size (4), each article's count rising to its total,
    # all before the items are committed and reported
    long_steps = [e[2] for e in events if e[:2] == ("chunks", "Long")]
    assert long_steps == ["0/10", "4/10", "8/10", "10/10"]
    assert [e for e in events if e[0] == "item"] == [("item", "Long"), ("item", "Short")]
    assert events.index(("item", "Long")) > events.index(("chunks", "Long", "10/10"))
    # the text is kept whole (nothing lost); only the first chunks are searchable
    assert store.get_article("long-1").text == long.text
    got = store._chunks.get(where={"article_id": "long-1"}, include=["metadatas"])
    assert len(got["ids"]) == 10
    assert max(m["end"] for m in got["metadatas"]) < len(long.text)
    again = ingest([], store, emb, settings, articles=[long, short])
    assert [i.status for i in again.items] == ["unchanged", "unchanged"]


def test_no_cap_when_zero_and_the_setting_comes_from_the_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    emb = HashEmbedder()
    uncapped = settings.updated(max_chunks_per_article=0)
    report = ingest([], Store(uncapped, emb), emb, uncapped,
                    articles=[Article(id="l", title="L", text=one_line(200))])
    assert report.items[0].chunks > 40 and report.items[0].truncated_at is None
    monkeypatch.setenv("NEWSAGENT_INGEST__MAX_CHUNKS_PER_ARTICLE", "7")
    assert Settings().ingest.max_chunks_per_article == 7


def test_cli_one_line_file_truncated_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real MiniLM: the one-line file is capped; without a cap the console says what it embeds."""
    monkeypatch.setenv("NEWSAGENT_INGEST__CHUNK_TOKENS", "20")  # many chunks from a small file
    text_file = tmp_path / "dump.txt"
    text_file.write_text("Minutes of the long meeting " + one_line(230), encoding="utf-8")
    runner = CliRunner()
    index = str(tmp_path / "index")
    result = runner.invoke(app, ["--index", index, "ingest", str(text_file),
                                 "--max-chunks-per-article", "5"])
    assert result.exit_code == 0, result.stderr
    assert "truncated 1" in result.stdout and "(5 chunks in" in result.stdout
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "truncated: indexed the first 5 chunks, " in notes[0]
    assert str(text_file) in notes[0]

    index2 = str(tmp_path / "index2")
    result = runner.invoke(app, ["--index", index2, "ingest", str(text_file), "--json",
                                 "--max-chunks-per-article", "0"])
    assert result.exit_code == 0, result.stderr
    (item,) = json.loads(result.stdout)["items"]
    assert item["chunks"] >= 200 and item["truncated_at"] is None
    result = runner.invoke(app, ["--index", str(tmp_path / "index3"), "ingest", str(text_file),
                                 "--max-chunks-per-article", "0"])
    # not a terminal, so no live bar: one line says a long embedding is under way
    assert f"embedding {item['chunks']:,} chunks of Minutes of the long meeting" in result.stderr


def test_chunking_with_a_limit_gives_the_same_first_chunks_without_reading_on() -> None:
    calls = 0

    def counting(text: str) -> bool:
        nonlocal calls
        calls += 1
        return True

    paragraphs = "\n\n".join(one_line(3 + i % 7) for i in range(60))
    for text in (one_line(300), paragraphs, "word " * 3000):
        full = chunk_text("a", text, 40)
        for limit in (1, 5, len(full), len(full) + 3):
            assert chunk_text("a", text, 40, limit=limit) == full[:limit]
    calls = 0
    chunk_text("a", one_line(3000), 40, counting)
    everything = calls
    calls = 0
    chunk_text("a", one_line(3000), 40, counting, limit=5)
    assert calls < everything / 50  # the rest of the text was never tokenized
