"""Hybrid retrieval against a real Chroma store and the real local embedder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from agent.index.embed import make_embedder
from agent.index.filters import SearchFilters
from agent.index.store import Store
from agent.ingest.chunk import chunk_text
from agent.retrieve.hybrid import (
    MIN_CANDIDATES,
    MIN_DENSE_SIMILARITY,
    LexicalIndex,
    Retriever,
    _Bounds,
    dedupe,
    fit_budget,
    fuse_scores,
    is_relevant,
    tokenize,
)
from agent.settings import Settings
from agent.tokens import count_tokens
from agent.types import Article, Passage

WIRE_PARAGRAPH = (
    "Analysts in Hong Kong said the agreement would reshape shipping routes across the "
    "Pacific for a decade, with new container terminals planned in three ports."
)

ARTICLES = [
    Article(
        id="summit",
        title="Putin and Xi meet in Beijing",
        source="example.com",
        published=datetime(2024, 5, 16, 9, 0, tzinfo=UTC),
        text=(
            "Putin and Xi met in Beijing on Thursday for a summit on trade and energy.\n\n"
            "Putin said the volume of exchanges set a new record of $240 billion last year.\n\n"
            "Total mutual turnover of agricultural products increased by 40% and reached "
            "$9.7 billion, he noted.\n\n"
            "Russian units are being built at the Chinese plants in Tianwan and Xudabao, "
            "which will supply affordable energy.\n\n"
            + WIRE_PARAGRAPH
        ),
    ),
    Article(
        id="reactors",
        title="Asia's nuclear power expansion",
        source="energy.net",
        published=datetime(2024, 4, 2, tzinfo=UTC),
        text=(
            "China is building more nuclear reactors than any other country, with dozens of "
            "power plants under construction along its coast.\n\n"
            "Nuclear energy cooperation between Russia and China has grown, and Rosatom "
            "supplies reactor designs for several Chinese nuclear power stations.\n\n"
            "India and South Korea are also expanding nuclear generation to cut coal use."
        ),
    ),
    Article(
        id="flood",
        title="Floods hit Valencia",
        source="news.es",
        published=datetime(2024, 10, 30, tzinfo=UTC),
        text=(
            "Torrential rain flooded towns around Valencia, and emergency services rescued "
            "hundreds of residents from rooftops.\n\n"
            "More than a year's worth of rain fell in eight hours in some places."
        ),
    ),
    Article(
        id="rates",
        title="Central bank raises rates",
        source="finance.com",
        published=datetime(2024, 3, 1, tzinfo=UTC),
        text=(
            "The central bank raised its main interest rate by a quarter point to fight "
            "inflation, the third increase this year.\n\n"
            "Markets had expected the move and bond yields barely changed."
        ),
    ),
    Article(
        id="markets",
        title="Sector values in the region",
        source="finance.com",
        published=datetime(2024, 2, 2, tzinfo=UTC),
        text="\n\n".join([
            "Analysts estimate the regional technology sector is now worth $12.4 billion.",
            "The mining sector is worth $3.5 billion after a strong year, analysts estimate.",
            "Analysts estimate the retail sector is worth $7.2 billion, up from last year.",
            "The fisheries sector is worth $6.3 billion, according to analysts' estimates.",
            "Tourism, analysts estimate, is worth $4.8 billion to the regional economy.",
        ]),
    ),
    Article(
        id="wire",
        title="Pacific shipping deal",
        source="wire.com",
        published=datetime(2024, 5, 17, tzinfo=UTC),
        text=WIRE_PARAGRAPH + "\n\nThe deal still needs approval from both parliaments.",
    ),
]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Retriever]]:
    path = tmp_path_factory.mktemp("index")
    settings = Settings(index_path=path, collection="t", context_tokens=2000)
    embedder = make_embedder(settings)
    store = Store(settings, embedder)
    for a in ARTICLES:
        chunks = chunk_text(a.id, a.text, 24, lambda t: embedder.count_tokens(t) <= 256)
        store.replace_article(a, chunks, embedder.embed([c.text for c in chunks]))
    yield store, Retriever(store, embedder, settings)


def test_figure_query_bm25_finds_what_dense_misses(indexed: tuple[Store, Retriever]) -> None:
    store, r = indexed
    q = "Which sector is worth $6.3 billion?"
    # MiniLM sees five near-identical "sector is worth $X billion" paragraphs: digits barely
    # move the vector, so the right one is not in its top 3
    dense = store.dense_search(r.embedder.embed_query(q), 3)
    assert len(dense) == 3 and not any("$6.3 billion" in p.text for p in dense)
    lexical = r.lexical_index().search(tokenize([q])[0], MIN_CANDIDATES, _Bounds.of(SearchFilters()))
    assert "$6.3 billion" in lexical[0].text  # "6.3" is one BM25 token, and a rare one
    got = r.retrieve(q, k=3)
    assert any("$6.3 billion" in p.text for p in got)


def test_unknown_name_query(indexed: tuple[Store, Retriever]) -> None:
    _, r = indexed
    got = r.retrieve("Xudabao", k=1)
    assert len(got) == 1 and "Xudabao" in got[0].text


def test_figure_query_ranks_the_figure_first(indexed: tuple[Store, Retriever]) -> None:
    _, r = indexed
    got = r.retrieve("Which trade segment reached $9.7 billion?", k=3)
    assert "$9.7 billion" in got[0].text
    assert all(got[i].score >= got[i + 1].score for i in range(len(got) - 1))


def test_on_topic_question(indexed: tuple[Store, Retriever]) -> None:
    _, r = indexed
    got = r.retrieve("What was the trade volume between Russia and China last year?", k=3)
    assert "$240 billion" in got[0].text
    assert got[0].article_id == "summit" and got[0].chunk_id.startswith("summit:")
    assert r.last_best_similarity is not None and r.last_best_similarity > MIN_DENSE_SIMILARITY


def test_filters_apply_to_both_sides(indexed: tuple[Store, Retriever]) -> None:
    _, r = indexed
    q = "nuclear power plants in China"
    got = r.retrieve(q, k=5, source="energy.net")
    assert got and {p.source for p in got} == {"energy.net"}
    got = r.retrieve(q, k=5, source=["energy.net", "example.com"])
    assert {p.article_id for p in got} == {"reactors", "summit"}
    # a figure only in the summit article, filtered to other articles: BM25 must not leak it
    got = r.retrieve("$9.7 billion agricultural products", k=5, article_ids=["flood", "rates"],
                     gate=False)
    assert all(p.article_id in {"flood", "rates"} for p in got)
    got = r.retrieve(q, k=10, since=datetime(2024, 5, 1, tzinfo=UTC), gate=False)
    assert got and all(p.published and p.published >= datetime(2024, 5, 1, tzinfo=UTC)
                       for p in got)
    # a bare date as `until` includes that whole day (summit at 09:00 on May 16)
    got = r.retrieve("Xudabao", k=5, since=date(2024, 5, 16), until=date(2024, 5, 16))
    assert got and {p.article_id for p in got} == {"summit"}
    assert r.retrieve(q, k=5, source=[], gate=False) == []


def test_near_duplicate_paragraph_across_articles_is_returned_once(
    indexed: tuple[Store, Retriever],
) -> None:
    store, r = indexed
    q = "Will the agreement reshape shipping routes across the Pacific?"
    raw = store.dense_search(r.embedder.embed_query(q), 6)
    assert sum("reshape shipping routes" in p.text for p in raw) == 2  # in both articles
    got = r.retrieve(q, k=6)
    assert sum("reshape shipping routes" in p.text for p in got) == 1


def test_off_topic_question_is_gated_out(indexed: tuple[Store, Retriever]) -> None:
    _, r = indexed
    assert r.retrieve("What is the capital of Peru?", k=4) == []
    assert r.last_best_similarity is not None and r.last_best_similarity < MIN_DENSE_SIMILARITY
    assert r.retrieve("What is the capital of Peru?", k=4, gate=False)  # still searchable


def test_budget_limits_passages(indexed: tuple[Store, Retriever]) -> None:
    store, r = indexed
    small = Retriever(store, r.embedder, r.settings.updated(context_tokens=120))
    got = small.retrieve("nuclear energy Russia China", k=6)
    full = r.retrieve("nuclear energy Russia China", k=6)
    assert 1 <= len(got) < len(full)
    used = sum(count_tokens(p.text) + count_tokens(p.title) + 40 for p in got)
    assert used <= 120


def test_shown_budget_follows_the_model_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local prompt evaluation is slow, so the embedded model is shown 300 tokens of the best
    sentences of the 1000-token passages; a remote model every sentence; an explicit setting (or
    env var) always wins."""
    env = ("NEWSAGENT_RETRIEVAL__CONTEXT_TOKENS", "NEWSAGENT_RETRIEVAL__SHOWN_TOKENS", "OPENAI_API_KEY")
    for name in env:
        monkeypatch.delenv(name, raising=False)
    local = Settings(provider="local")
    remote = Settings(provider="openai", base_url="http://127.0.0.1:9/v1")
    assert (local.resolved_context_tokens, local.resolved_shown_tokens) == (1000, 300)
    assert (remote.resolved_context_tokens, remote.resolved_shown_tokens) == (1000, None)
    assert Settings(provider="local", context_tokens=1500).resolved_context_tokens == 1500
    assert Settings(provider="local", shown_tokens=0).resolved_shown_tokens is None
    monkeypatch.setenv("NEWSAGENT_RETRIEVAL__CONTEXT_TOKENS", "900")
    monkeypatch.setenv("NEWSAGENT_RETRIEVAL__SHOWN_TOKENS", "250")
    from_env = Settings(provider="local")
    assert (from_env.resolved_context_tokens, from_env.resolved_shown_tokens) == (900, 250)
    with pytest.raises(ValueError):
        Settings(context_tokens=10)


def test_lexical_index_cached_per_version_and_on_disk(
    indexed: tuple[Store, Retriever], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, r = indexed
    idx = r.lexical_index()
    assert r.lexical_index() is idx
    folder = Path(r.settings.index.index_path) / "bm25"
    assert any(folder.iterdir())
    # a fresh retriever (as in a new process) loads the saved index instead of re-reading chunks
    fresh = Retriever(store, r.embedder, r.settings)
    monkeypatch.setattr(store, "iter_chunks", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("rebuilt instead of loading from disk")))
    loaded = fresh.lexical_index()
    assert [p.chunk_id for p in loaded.passages] == [p.chunk_id for p in idx.passages]
    assert fresh.retrieve("Xudabao", k=1)[0].chunk_id == r.retrieve("Xudabao", k=1)[0].chunk_id
    monkeypatch.undo()
    # a write bumps the version: the next question sees the new article
    extra = Article(id="extra", title="Zorblax mission", source="space.org",
                    published=datetime(2024, 6, 1, tzinfo=UTC),
                    text="The Zorblax probe reached orbit around Jupiter on Saturday.")
    chunks = chunk_text(extra.id, extra.text, 40)
    store.replace_article(extra, chunks, r.embedder.embed([c.text for c in chunks]))
    got = r.retrieve("Zorblax probe", k=1)
    assert got and got[0].article_id == "extra"
    assert r.lexical_index() is not idx
    store.remove("extra")


# --- pure parts -----------------------------------------------------------------------------


def P(cid: str, text: str = "", **kw: object) -> Passage:
    return Passage(chunk_id=cid, article_id=cid.split(":")[0], title="t", text=text or cid,
                   start=0, end=len(text or cid), **kw)  # type: ignore[arg-type]


def test_fuse_scores_blends_scaled_scores() -> None:
    dense = [P("a:0", score=0.9), P("b:0", score=0.7), P("c:0", score=0.5)]
    lexical = [P("c:0", score=10.0), P("d:0", score=5.0), P("a:0", score=2.0)]
    fused = fuse_scores(dense, lexical, dense_weight=0.4)
    got = {p.chunk_id: p.score for p in fused}
    # a: .4·1 + .6·.2, b: .4·.5, c: .4·0 + .6·1, d: .6·.5
    assert got == pytest.approx({"a:0": 0.52, "b:0": 0.2, "c:0": 0.6, "d:0": 0.3})
    assert [p.chunk_id for p in fused] == ["c:0", "a:0", "d:0", "b:0"]


def test_fuse_scores_keeps_a_dominant_lexical_match_first() -> None:
    """The case RRF lost: BM25's clear first (only it names the company) is absent from the
    dense list, while the others sit mid-list in both rankings."""
    dense = [P(f"x{i}:0", score=0.6 - 0.01 * i) for i in range(5)]
    lexical = [P("gold:0", score=8.7), P("x3:0", score=4.7), P("x4:0", score=4.4)]
    fused = fuse_scores(dense, lexical)
    assert fused[0].chunk_id == "gold:0"  # RRF: gold 1/61 = .0164 < x3 1/64 + 1/62 = .0317
    assert [p.chunk_id for p in fused[1:3]] == ["x3:0", "x0:0"]


def test_fuse_scores_edge_cases() -> None:
    assert fuse_scores([], []) == []
    only_dense = fuse_scores([P("a:0", score=0.3)], [])
    assert only_dense[0].score == pytest.approx(0.4)  # one candidate scales to 1
    only_lexical = fuse_scores([], [P("b:0", score=3.0), P("c:0", score=1.5)])
    assert [p.score for p in only_lexical] == pytest.approx([0.6, 0.3])


def test_dedupe_drops_same_chunk_and_contained_text() -> None:
    long = "one two three four five six seven eight nine ten eleven twelve"
    got = dedupe([P("a:0", long), P("a:0", long), P("b:1", long.upper() + "!"),
                  P("c:2", "one two three four five six seven eight nine"),
                  P("d:3", "completely different words about other things here")])
    assert [p.chunk_id for p in got] == ["a:0", "d:3"]


def test_fit_budget_skips_what_does_not_fit_and_keeps_order() -> None:
    big = P("a:0", "word " * 300)
    small1, small2 = P("b:0", "short text one"), P("c:0", "short text two")
    got = fit_budget([small1, big, small2], max_tokens=150, k=5)
    assert [p.chunk_id for p in got] == ["b:0", "c:0"]
    assert fit_budget([small1, small2], max_tokens=1000, k=1) == [small1]


def test_tokenize_keeps_figures_and_stems() -> None:
    toks = tokenize(["Exports reached $9.7 billion and 1,500 tonnes"])[0]
    assert "9.7" in toks and "1500" in toks and "export" in toks and "and" not in toks


def test_is_relevant_lexical_rescue() -> None:
    ps = [P("a:0", "Russian units at the Chinese plants in Tianwan and Xudabao.")]
    assert is_relevant("What is Xudabao?", ps, best_similarity=0.1)
    assert not is_relevant("What is the capital of Peru?", ps, best_similarity=0.1)
    assert is_relevant("anything", ps, best_similarity=0.9)
    assert not is_relevant("What is Xudabao?", [], best_similarity=0.9)


def test_lexical_search_filters_and_ranks_on_10k_chunks() -> None:
    """Filters apply inside the lexical search at scale, and more matched terms rank higher.
    (Its speed is measured by bench/bench_ask_latency.py, not asserted here.)"""
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(5000)]
    passages = [
        Passage(chunk_id=f"a{i}:0", article_id=f"a{i}", title="t",
                text=" ".join(rng.choice(vocab, 120)), start=0, end=1,
                source=f"s{i % 50}", published=datetime(2024, 1, 1 + i % 28, tzinfo=UTC))
        for i in range(10_000)
    ]
    idx = LexicalIndex.build(passages, version=1)
    query = ["w1", "w2", "w3", "w42", "w777"]
    bounds = _Bounds.of(SearchFilters(source="s3", since=date(2024, 1, 5)))
    got = idx.search(tokenize([" ".join(query)])[0], 20, bounds)
    assert got and all(p.source == "s3" and p.published is not None for p in got)
    assert all(p.published is not None and p.published.date() >= date(2024, 1, 5) for p in got)
    matched = [len(set(query) & set(p.text.split())) for p in got]
    assert matched[0] == max(matched) and matched[0] >= 1
