"""Storylines of a briefing, found without the model: group articles, pick their key sentences.

A briefing needs a handful of each article's key sentences and which articles belong together,
so that it makes one model call per storyline:

- each article's key sentences come from ``agent.summary.select.key_sentences``, best first;
- an article is represented by the embedding of its title and its best key sentences, and
  articles are grouped by average-link agglomerative clustering on cosine similarity
  (``STORY_THRESHOLD``; ``bench/bench_storylines.py`` chooses it);
- a storyline's sentences are taken round-robin from its articles, best first, within one token
  budget, so every article has a say and the prompt stays short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.summary.select import key_sentences, sentence_vectors
from agent.text.sentences import Sentence, segment
from agent.tokens import count_tokens
from agent.types import Article

#: Cosine (MiniLM, title + 3 key sentences) above which two articles are one storyline.
STORY_THRESHOLD = 0.65
KEYS_PER_ARTICLE_BUDGET = 260  # tokens of key sentences kept per article
STORY_BUDGET = 620  # tokens of sentences one storyline call shows
STORY_MAX_SENTENCES = 18
DESCRIBE_SENTENCES = 3  # key sentences that represent an article for grouping


@dataclass
class ArticleKeys:
    """One article's sentences and its key sentences, best first."""

    article: Article
    sentences: list[Sentence]
    key: list[Sentence]

    def text_of(self, s: Sentence) -> str:
        return self.article.text[s.start : s.end]

    def describe(self, n: int = DESCRIBE_SENTENCES) -> str:
        """What grouping embeds: the title and the first ``n`` key sentences in article order."""
        best = sorted(self.key[:n], key=lambda s: s.start)
        return " ".join(
            [self.article.title.strip().rstrip(".") + "."] + [" ".join(self.text_of(s).split()) for s in best]
        )


def article_keys(
    article: Article, embedder: Any = None, budget_tokens: int = KEYS_PER_ARTICLE_BUDGET
) -> ArticleKeys:
    """The key sentences of ``article`` (best first) within ``budget_tokens``."""
    sents = segment(article.text)
    key = key_sentences(
        article.text, embedder=embedder, budget_tokens=budget_tokens, sentences=sents, in_article_order=False
    )
    return ArticleKeys(article, sents, key)


def cluster(vectors: np.ndarray, threshold: float = STORY_THRESHOLD) -> list[list[int]]:
    """Average-link agglomerative clustering on cosine similarity (rows L2-normalised): merge the
    two most similar groups while their mean pairwise similarity is ≥ ``threshold``. Groups come
    back largest first, ties by their first member (i.e. by selection rank)."""
    n = len(vectors)
    groups: list[list[int]] = [[i] for i in range(n)]
    if n < 2:
        return groups
    v = np.asarray(vectors, dtype=np.float32)
    sim = v @ v.T
    while len(groups) > 1:
        best, pair = -2.0, (0, 0)
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                s = float(sim[np.ix_(groups[a], groups[b])].mean())
                if s > best:
                    best, pair = s, (a, b)
        if best < threshold:
            break
        a, b = pair
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def group(
    keys: Sequence[ArticleKeys], embedder: Any = None, threshold: float = STORY_THRESHOLD
) -> list[list[int]]:
    """Indices of ``keys`` grouped into storylines, largest first."""
    if len(keys) < 2:
        return [list(range(len(keys)))] if keys else []
    return cluster(sentence_vectors([k.describe() for k in keys], embedder), threshold)


def pick(
    keys: Sequence[ArticleKeys], budget_tokens: int = STORY_BUDGET, max_sentences: int = STORY_MAX_SENTENCES
) -> list[tuple[int, Sentence]]:
    """A storyline's sentences as (index into ``keys``, sentence): round-robin over its articles,
    each article's best first, while they fit ``budget_tokens``; returned grouped by article, in
    article order (how they are shown)."""
    chosen: list[tuple[int, Sentence]] = []
    used = 0
    depth = 0
    while len(chosen) < max_sentences and any(depth < len(k.key) for k in keys):
        for i, k in enumerate(keys):
            if depth >= len(k.key) or len(chosen) >= max_sentences:
                continue
            s = k.key[depth]
            cost = count_tokens(k.text_of(s))
            if chosen and used + cost > budget_tokens:
                continue
            chosen.append((i, s))
            used += cost
        depth += 1
    return sorted(chosen, key=lambda x: (x[0], x[1].start))


__all__ = ["STORY_THRESHOLD", "ArticleKeys", "article_keys", "cluster", "group", "pick"]
