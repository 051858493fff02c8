"""Key-sentence selection (agent/summary/select.py) and storyline grouping (agent/brief/grouping.py):
model-free, so tested on real text without fakes; MiniLM where the embedder matters."""

from __future__ import annotations

import numpy as np
import pytest

from agent.brief.grouping import article_keys, cluster, group, pick
from agent.summary.select import (
    bag_of_words,
    cover_thirds,
    info_score,
    key_sentences,
    mmr,
    relevance,
    thirds,
)
from agent.text.numbers import figures
from agent.text.sentences import segment
from agent.types import Article

LEAD = "The city council approved a $80 million budget on Monday after a long debate."
DUP = "The city council approved an $80 million budget on Monday after a long, heated debate."
FILLER = [
    f"Resident number {i} of the {w} street said the weather had been mild for the season so far."
    for i, w in enumerate(["north", "south", "east", "west", "old", "new", "high", "low", "main", "back"], 1)
]
LATE = "Separately, the water utility said a new treatment plant in Millbrook would open in the autumn."


def text_of(text: str, sents: list) -> list[str]:
    return [text[s.start : s.end] for s in sents]


def test_a_short_article_is_shown_whole_minus_boilerplate() -> None:
    text = "Advertisement\n\n" + LEAD + "\n\n" + LATE
    assert text_of(text, key_sentences(text, budget_tokens=380)) == [LEAD, LATE]


def test_mmr_drops_a_near_duplicate_and_keeps_the_last_third() -> None:
    text = " ".join([LEAD, DUP, *FILLER, LATE])
    got = text_of(text, key_sentences(text, max_sentences=4, budget_tokens=10**6))
    assert got[0] == LEAD and DUP not in got  # redundancy removed
    assert any(text.index(t) > 2 * len(text) // 3 for t in got)  # the last third gets a sentence
    assert got == sorted(got, key=text.index)  # article order
    best_first = key_sentences(text, max_sentences=4, budget_tokens=10**6, in_article_order=False)
    assert sorted(best_first) == key_sentences(text, max_sentences=4, budget_tokens=10**6)


def test_budget_bounds_the_selection_and_spans_are_verbatim() -> None:
    text = " ".join([LEAD, *FILLER, LATE])
    sents = key_sentences(text, budget_tokens=60)
    from agent.tokens import count_tokens

    assert 1 <= len(sents) < len(segment(text))
    assert sum(count_tokens(text[s.start : s.end]) for s in sents) <= 60
    spans = {(s.start, s.end) for s in segment(text)}
    assert all((s.start, s.end) in spans for s in sents)


def test_a_figure_stated_mid_article_is_kept_in_place_of_a_figure_free_pick() -> None:
    """The seed-article case in invented words: the lead-weighted ranking filled the budget with
    the opening and dropped the one sentence stating a figure, so no summary could report it."""
    figure = "Exports of grain rose by 40% and reached $9.7 billion, the ministry said on Friday."
    text = " ".join([LEAD, *FILLER[:5], figure, *FILLER[5:], LATE])
    sents = segment(text)
    texts = text_of(text, sents)
    vectors = bag_of_words(texts)
    ranked = mmr(relevance(texts, vectors), vectors, limit=5)
    ranking_alone = cover_thirds(ranked[:5], ranked, thirds(sents, len(text)), [1] * len(texts), 10**6)
    assert texts.index(figure) not in ranking_alone  # the ranking alone leaves it out
    got = text_of(text, key_sentences(text, max_sentences=5, budget_tokens=10**6))
    assert figure in got and LEAD in got and len(got) == 5
    assert any(text.index(t) > 2 * len(text) // 3 for t in got)  # third coverage survives
    tight = key_sentences(text, budget_tokens=70)  # the budget still bounds the selection
    from agent.tokens import count_tokens

    assert sum(count_tokens(text[s.start : s.end]) for s in tight) <= 70


def test_figures_are_money_percentages_and_scaled_numbers() -> None:
    assert figures("Trade reached $240 billion, up 26.3% on 1.5 million tonnes.") == {
        "$240billion",
        "26.3%",
        "1.5million",
    }
    assert figures("He was 45 and lived at number 12 in 2024.") == set()


def test_info_score_counts_numbers_and_names() -> None:
    assert info_score("It rained.") == 0
    assert info_score("About 120 homes were flooded in Riverton, Jane Okafor of the Fire Service said.") > 0.6


def test_mmr_ranks_relevance_against_redundancy() -> None:
    v = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    assert mmr([1.0, 0.95, 0.5], v, lam=0.5, limit=3)[:2] == [0, 2]
    assert mmr([1.0, 0.95, 0.5], v, lam=1.0, limit=3)[:2] == [0, 1]


def test_bag_of_words_vectors_are_unit_length() -> None:
    m = bag_of_words(["the river burst its banks", "river banks", ""])
    assert np.allclose(np.linalg.norm(m[:2], axis=1), 1) and not m[2].any()


# --- storylines --------------------------------------------------------------------------------


def art(aid: str, title: str, text: str) -> Article:
    return Article(id=aid, title=title, text=text)


SUMMIT_A = art(
    "a",
    "Putin and Xi meet in Beijing",
    "Putin and Xi met in Beijing for a summit on trade and energy. "
    "Trade between Russia and China reached a record $240 billion last year.",
)
SUMMIT_B = art(
    "b",
    "Xi hosts Putin for trade talks",
    "Xi hosted Putin in Beijing for talks on trade and energy. "
    "Trade between Russia and China reached $230 billion last year, customs data show.",
)
FLOOD = art(
    "f",
    "River Ash floods Riverton",
    "The River Ash burst its banks in Riverton after heavy rain. "
    "About 120 homes were flooded and 300 residents were evacuated.",
)


def test_cluster_merges_while_average_similarity_is_above_the_threshold() -> None:
    v = np.array([[1, 0, 0], [0.95, 0.3, 0], [0, 0, 1], [0.9, 0.43, 0]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert cluster(v, 0.8) == [[0, 1, 3], [2]]
    assert cluster(v, 0.9999) == [[0], [1], [2], [3]]


def test_storylines_group_the_summit_apart_from_the_flood_bag_of_words() -> None:
    keys = [article_keys(a) for a in (SUMMIT_A, FLOOD, SUMMIT_B)]
    assert group(keys, threshold=0.2) == [[0, 2], [1]]


@pytest.fixture(scope="module")
def minilm():  # type: ignore[no-untyped-def]
    from agent.index.embed import LocalMiniLMEmbedder

    return LocalMiniLMEmbedder(threads=1)


def test_storylines_group_with_minilm_at_the_measured_threshold(minilm) -> None:  # type: ignore[no-untyped-def]
    keys = [article_keys(a, minilm) for a in (SUMMIT_A, FLOOD, SUMMIT_B)]
    assert group(keys, minilm) == [[0, 2], [1]]


def test_pick_takes_sentences_round_robin_within_the_budget() -> None:
    keys = [article_keys(a) for a in (SUMMIT_A, SUMMIT_B)]
    both = pick(keys, budget_tokens=10**6)
    assert [i for i, _ in both] == [0, 0, 1, 1]
    from agent.tokens import count_tokens

    first = [count_tokens(k.text_of(k.key[0])) for k in keys]
    one_each = pick(keys, budget_tokens=sum(first))
    assert sorted({i for i, _ in one_each}) == [0, 1] and len(one_each) == 2
