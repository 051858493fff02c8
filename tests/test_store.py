"""The Chroma store, against a real embedded index and a real `chroma run` server."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from agent.errors import ArticleNotFoundError, EmbedderMismatchError, EmptyIndexError
from agent.index.client import parse_chroma_url
from agent.index.filters import SearchFilters, to_ts
from agent.index.store import Store
from agent.settings import Settings
from agent.types import Article, Chunk
from tests.chroma_server import chroma_server  # noqa: F401  (fixture)


class HashEmbedder:
    """A tiny deterministic bag-of-words embedder: fast, and similar texts are near."""

    max_input_tokens = 10_000

    def __init__(self, name: str = "fake/bow-16@test", dim: int = 16) -> None:
        self.name = name
        self._dim = dim
        self.calls = 0

    @property
    def dim(self) -> int:
        return self._dim

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self._dim] += 1.0
            out[i, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def split(article: Article, size: int = 40) -> list[Chunk]:
    return [
        Chunk(article_id=article.id, n=n, start=s, end=min(s + size, len(article.text)),
              text=article.text[s : s + size])
        for n, s in enumerate(range(0, len(article.text), size))
    ]


def make_article(aid: str, text: str, *, source: str = "bbc", day: int | None = 1,
                 title: str | None = None) -> Article:
    published = datetime(2024, 3, day, 12, 0, tzinfo=UTC) if day else None
    h = hashlib.sha256(f"{title}{text}{published}".encode()).hexdigest()
    return Article(id=aid, title=title or f"Title {aid}", text=text, source=source,
                   url=f"https://example.com/{aid}", published=published, content_hash=h)


def put(store: Store, article: Article) -> list[str]:
    chunks = split(article)
    return store.replace_article(article, chunks, store.embedder.embed([c.text for c in chunks]))


@pytest.fixture(params=["persistent", pytest.param("http", marks=pytest.mark.slow)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    name = f"t{uuid.uuid4().hex[:12]}"
    if request.param == "http":
        url = request.getfixturevalue("chroma_server")
        return Settings(chroma_url=url, collection=name, index_path=tmp_path / "unused")
    return Settings(chroma_url=None, index_path=tmp_path / "index", collection=name)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    yield Store(settings, HashEmbedder())


TEXT_A = ("The central bank raised interest rates by a quarter point on Thursday. "
          "Inflation remains above target, the governor said.")
TEXT_B = "The striker scored twice as the home side won the cup final in extra time."


def test_write_read_reopen(store: Store, settings: Settings) -> None:
    a, b = make_article("bbc-1", TEXT_A), make_article("bbc-2", TEXT_B, source="reuters", day=5)
    ids_a = put(store, a)
    put(store, b)
    assert all(i.startswith(f"bbc-1:{a.content_hash[:8]}:") for i in ids_a)
    assert store.article_hashes(["bbc-1", "bbc-2", "nope"]) == {
        "bbc-1": a.content_hash, "bbc-2": b.content_hash}

    reopened = Store(settings, HashEmbedder())
    got = reopened.get_article("bbc-1")
    assert got.text == TEXT_A and got.title == a.title and got.published == a.published
    assert got.url == a.url and got.content_hash == a.content_hash
    hits = reopened.dense_search(reopened.embedder.embed_query("interest rates inflation"), k=2)
    assert hits[0].article_id == "bbc-1"
    assert hits[0].score > hits[-1].score or len(hits) == 1
    assert TEXT_A[hits[0].start : hits[0].end] == hits[0].text
    stats = reopened.stats()
    assert stats["articles"] == 2
    assert stats["chunks"] == len(split(a)) + len(split(b))
    assert stats["sources"] == {"bbc": 1, "reuters": 1}
    assert stats["first_published"].startswith("2024-03-01")
    assert stats["last_published"].startswith("2024-03-05")
    assert stats["embedder"] == "fake/bow-16@test"


def test_replace_swaps_chunks_and_bumps_version(store: Store, settings: Settings) -> None:
    v0 = store.version
    old_ids = put(store, make_article("x", TEXT_A))
    assert store.version > v0
    other = Store(settings, HashEmbedder())
    v1 = other.version
    new = make_article("x", TEXT_B + " " + TEXT_B)
    new_ids = put(store, new)
    assert other.version > v1  # another instance sees the write
    assert set(store.chunk_ids("x")) == set(new_ids)
    assert not set(old_ids) & set(new_ids)
    assert store.get_article("x").text == new.text
    assert [p.chunk_id for p in store.iter_chunks()] == sorted(new_ids, key=new_ids.index)


def test_embedder_mismatch(store: Store, settings: Settings) -> None:
    put(store, make_article("x", TEXT_A))
    with pytest.raises(EmbedderMismatchError) as info:
        Store(settings, HashEmbedder(name="openai/text-embedding-3-small@api.openai.com"))
    msg = str(info.value)
    assert "fake/bow-16@test" in msg and "openai/text-embedding-3-small" in msg
    assert "--embedder fake" in msg and "--index" in msg


def test_open_without_create(settings: Settings) -> None:
    with pytest.raises(EmptyIndexError):
        Store(settings, HashEmbedder(), create=False)


def test_filters(store: Store) -> None:
    put(store, make_article("a1", TEXT_A, source="bbc", day=1))
    put(store, make_article("a2", TEXT_A + " Markets fell.", source="reuters", day=10))
    put(store, make_article("a3", TEXT_A + " Bonds rallied.", source="ap", day=20))
    put(store, make_article("a4", TEXT_A + " Undated.", source="ap", day=None))
    q = store.embedder.embed_query("interest rates")

    def arts(filters: object) -> set[str]:
        return {p.article_id for p in store.dense_search(q, 50, filters)}  # type: ignore[arg-type]

    assert arts(None) == {"a1", "a2", "a3", "a4"}
    assert arts({"source": "bbc"}) == {"a1"}
    assert arts(SearchFilters(source=["bbc", "ap"])) == {"a1", "a3", "a4"}
    assert arts({"since": datetime(2024, 3, 5)}) == {"a2", "a3"}
    assert arts({"until": date(2024, 3, 10)}) == {"a1", "a2"}  # a date covers its whole day
    assert arts({"since": date(2024, 3, 2), "until": date(2024, 3, 15), "source": "reuters"}) == {"a2"}
    assert arts({"article_ids": ["a3", "a4"]}) == {"a3", "a4"}
    assert arts({"article_ids": []}) == set()
    assert {p.article_id for p in store.iter_chunks({"source": "ap"})} == {"a3", "a4"}
    listed = store.list_articles(source="ap")
    assert [a.id for a in listed] == ["a3", "a4"]  # newest first, undated last
    assert [a.id for a in store.list_articles(limit=2)] == ["a3", "a2"]
    assert [a.id for a in store.list_articles(since=date(2024, 3, 10))] == ["a3", "a2"]
    assert listed[0].text.endswith("Bonds rallied.")
    with pytest.raises(ValueError, match="unknown filter"):
        store.dense_search(q, 3, {"sauce": "bbc"})


def test_prefix_lookup_and_remove(store: Store) -> None:
    put(store, make_article("bbc-business-001", TEXT_A))
    put(store, make_article("bbc-business-002", TEXT_B))
    put(store, make_article("reuters-7", TEXT_B))
    assert store.get_article("reuters").id == "reuters-7"
    assert store.get_article("bbc-business-002").id == "bbc-business-002"
    with pytest.raises(ArticleNotFoundError, match="2 articles.*agent list"):
        store.get_article("bbc-business")
    with pytest.raises(ArticleNotFoundError, match="no article"):
        store.get_article("ap-")
    v = store.version
    assert store.remove("bbc-business-001") is True
    assert store.version > v
    assert store.remove("bbc-business-001") is False
    assert store.chunk_ids("bbc-business-001") == []
    assert store.get_article("bbc-business").id == "bbc-business-002"
    assert store.stats()["articles"] == 2


def test_half_written_versions_are_invisible_and_cleaned(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = make_article("x", TEXT_A)
    old_ids = put(store, old)
    new = make_article("x", TEXT_B)

    # Killed after the new chunks were written, before the commit.
    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(store._articles, "upsert", crash)
    with pytest.raises(KeyboardInterrupt):
        put(store, new)
    monkeypatch.undo()
    assert len(store.chunk_ids("x")) > len(old_ids)  # the new chunks are on disk...
    q = store.embedder.embed_query(TEXT_B)
    assert {p.chunk_id for p in store.dense_search(q, 20)} == set(old_ids)  # ...but unseen
    assert {p.chunk_id for p in store.iter_chunks()} == set(old_ids)
    reopened = Store(settings, HashEmbedder())
    assert set(reopened.chunk_ids("x")) == set(old_ids)
    assert reopened.get_article("x").text == TEXT_A

    # Killed after the commit, before the old chunks were deleted.
    monkeypatch.setattr(reopened, "_delete_stale_chunks", crash)
    with pytest.raises(KeyboardInterrupt):
        new_ids = put(reopened, new)
    monkeypatch.undo()
    new_ids = [f"x:{new.content_hash[:8]}:{c.n}" for c in split(new)]
    assert {p.chunk_id for p in reopened.iter_chunks()} == set(new_ids)
    again = Store(settings, HashEmbedder())
    assert set(again.chunk_ids("x")) == set(new_ids)
    assert again.get_article("x").text == TEXT_B
    assert again._journal.count() == 0


def test_never_builds_chromas_default_embedding_function(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma's default embedding function downloads a model: reopening and querying
    an index must never reach it (we always pass vectors)."""
    from chromadb.api.types import DefaultEmbeddingFunction
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma's default embedding function was used")

    put(store, make_article("x", TEXT_A))
    for cls, attr in [(DefaultEmbeddingFunction, "__call__"), (ONNXMiniLM_L6_V2, "__init__"),
                      (ONNXMiniLM_L6_V2, "__call__"),
                      (ONNXMiniLM_L6_V2, "_download_model_if_not_exists")]:
        monkeypatch.setattr(cls, attr, boom)
    reopened = Store(settings, HashEmbedder())
    assert reopened.dense_search(reopened.embedder.embed_query("interest rates"), 3)
    put(reopened, make_article("y", TEXT_B))
    assert reopened.get_article("y").text == TEXT_B
    for col in (reopened._articles, reopened._chunks):
        assert "default" not in json.dumps(col.configuration_json)
        assert col.configuration_json["hnsw"]["space"] == "cosine"


def test_parse_chroma_url() -> None:
    assert parse_chroma_url("http://127.0.0.1:8123") == ("127.0.0.1", 8123, False)
    assert parse_chroma_url("https://chroma.example.com") == ("chroma.example.com", 443, True)
    assert parse_chroma_url("localhost:9000") == ("localhost", 9000, False)
    assert parse_chroma_url("chroma") == ("chroma", 8000, False)


def test_to_ts_treats_naive_as_utc() -> None:
    assert to_ts(datetime(1970, 1, 2)) == 86400
    assert to_ts(date(1970, 1, 1), end_of_day=True) == 86399


def test_unreachable_server_and_bad_path(tmp_path: Path) -> None:
    from agent.errors import IndexError_

    with pytest.raises(IndexError_, match=r"cannot reach the Chroma server at http://127\.0\.0\.1:9"):
        Store(Settings(chroma_url="http://127.0.0.1:9", collection="abc"), HashEmbedder())
    afile = tmp_path / "index"
    afile.write_text("not a folder")
    with pytest.raises(IndexError_, match="is a file"):
        Store(Settings(chroma_url=None, index_path=afile, collection="abc"), HashEmbedder())


def test_sentence_offsets_are_stored_with_chunks_and_old_chunks_stay_readable(store: Store) -> None:
    """Real Chroma: the offsets segmented at ingest come back with each passage; a chunk
    written by an older version (no ``sentences`` metadata) is still read, and segmented
    on the fly when cited (agent.text.sentences.chunk_sentences)."""
    from agent.ingest.chunk import chunk_text
    from agent.text.sentences import chunk_sentences, segment

    text = "The council met on Monday. It approved the budget.\n\nThe vote was 7-2."
    article = make_article("s1", text)
    chunks = chunk_text(article.id, text, max_tokens=500)
    store.replace_article(article, chunks, store.embedder.embed([c.text for c in chunks]))
    (p,) = list(store.iter_chunks({"article_ids": ["s1"]}))
    assert p.sentences == chunks[0].sentences == "0+26,27+23;52+17"
    assert [p.text[s.start : s.end] for s in chunk_sentences(p.text, p.sentences)][-1] == "The vote was 7-2."
    # an index built before offsets were stored: the metadata key is simply absent
    old = make_article("s0", text)
    store.replace_article(old, [c.model_copy(update={"article_id": "s0", "sentences": ""}) for c in chunks],
                          store.embedder.embed([c.text for c in chunks]))
    (q,) = list(store.iter_chunks({"article_ids": ["s0"]}))
    assert q.sentences == "" and chunk_sentences(q.text, q.sentences) == segment(q.text)
