"""Key sentences of one article, chosen without the model: ``key_sentences(text, ...)``.

Why: prompt evaluation is where a summary's time goes on the embedded model, and most of an
article is detail a summary leaves out; a dozen chosen sentences let one short call cover a long
article.

How (``bench/bench_select.py`` compares it with lead and centrality selections): each sentence
is scored by position (news puts the key facts first; a slow decay keeps the middle in play),
centrality (cosine to the article's centroid: the embedder's sentence vectors, else
bag-of-words) and information (numbers and capitalised names); maximal marginal relevance (MMR)
trades that score against similarity to the sentences already picked. Then every third of a long
article gets a sentence, and every sentence stating a distinct figure (money, a percentage,
"1.5 million") is kept while the budget allows, in place of the lowest-ranked figure-free picks:
a summary's figures are read from the shown sentences. Sentences keep their exact spans
(``agent.text.sentences``), so citing one is verbatim by construction.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from agent.text.numbers import figures
from agent.text.sentences import Sentence, segment
from agent.text.stopwords import FUNCTION_WORDS
from agent.tokens import count_tokens

DEFAULT_MAX_SENTENCES = 14
MMR_LAMBDA = 0.7  # weight of relevance against redundancy
W_POSITION, W_CENTRALITY, W_INFO = 0.45, 0.4, 0.15
MIN_WORDS = 4  # "Advertisement", "Scroll down for video", bylines: never a key sentence
_WORD = re.compile(r"[a-z0-9]+")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_NUMBER = re.compile(r"\d")


def bag_of_words(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised term-frequency vectors (log-scaled, idf-weighted over ``texts``): the
    model-free fallback for sentence vectors."""
    docs = [Counter(w for w in _WORD.findall(t.lower()) if w not in FUNCTION_WORDS) for t in texts]
    df: Counter[str] = Counter(w for d in docs for w in d)
    vocab = {w: i for i, w in enumerate(sorted(df))}
    m = np.zeros((len(texts), max(1, len(vocab))), dtype=np.float32)
    n = len(texts)
    for r, d in enumerate(docs):
        for w, c in d.items():
            m[r, vocab[w]] = (1 + math.log(c)) * math.log(1 + n / df[w])
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(m / np.where(norms == 0, 1, norms), dtype=np.float32)


def sentence_vectors(texts: Sequence[str], embedder: Any = None) -> np.ndarray:
    """Unit vectors for ``texts``: the embedder's when given, else bag-of-words."""
    if embedder is None or not texts:
        return bag_of_words(texts)
    v = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.asarray(v / np.where(norms == 0, 1, norms), dtype=np.float32)


def info_score(sentence: str) -> float:
    """0..1: has a number (0.5) and how many capitalised names beyond the first word (0.5)."""
    names = len(_NAME.findall(sentence))
    return 0.5 * bool(_NUMBER.search(sentence)) + 0.5 * min(1.0, names / 3)


def centrality(vectors: np.ndarray) -> np.ndarray:
    """Each row's cosine to the rows' centroid, scaled to 0..1."""
    centroid = vectors.mean(axis=0)
    cent = vectors @ (centroid / (float(np.linalg.norm(centroid)) or 1.0))
    lo, hi = float(cent.min()), float(cent.max())
    return (cent - lo) / (hi - lo) if hi > lo else np.ones(len(vectors))


def relevance(texts: Sequence[str], vectors: np.ndarray) -> list[float]:
    """Position, centrality and information of each sentence (in article order), weighted."""
    cent = centrality(vectors)
    return [
        W_POSITION * (1.0 / math.sqrt(1 + i)) + W_CENTRALITY * float(cent[i]) + W_INFO * info_score(t)
        for i, t in enumerate(texts)
    ]


def key_sentences(
    text: str,
    *,
    embedder: Any = None,
    budget_tokens: int,
    max_sentences: int = DEFAULT_MAX_SENTENCES,
    sentences: Sequence[Sentence] | None = None,
    in_article_order: bool = True,
) -> list[Sentence]:
    """The article's key sentences in article order, at most ``max_sentences`` and about
    ``budget_tokens`` tokens (a first sentence is always kept, however long). ``sentences``:
    the caller's segmentation of ``text``. ``in_article_order=False`` returns them best first
    (how a briefing shares one budget across articles)."""
    sents = list(sentences if sentences is not None else segment(text))
    texts = [" ".join(text[s.start : s.end].split()) for s in sents]
    usable = [i for i, t in enumerate(texts) if len(t.split()) >= MIN_WORDS] or list(range(len(sents)))
    if not usable:
        return []
    cost = [count_tokens(t) for t in texts]
    if in_article_order and sum(cost[i] for i in usable) <= budget_tokens and len(usable) <= max_sentences:
        return [sents[i] for i in usable]  # the whole article fits: show all of it
    sub = np.asarray(sentence_vectors(texts, embedder)[usable], dtype=np.float32)
    ranked = mmr(relevance([texts[i] for i in usable], sub), sub, limit=max_sentences)
    order = [usable[j] for j in ranked]
    where = thirds(sents, len(text))
    picked = within_budget(order, cost, budget_tokens, max_sentences)
    picked = cover_thirds(picked, order, where, cost, budget_tokens)
    picked = keep_figures(picked, order, texts, where, cost, budget_tokens, max_sentences)
    rank = {i: r for r, i in enumerate(order)}
    return [sents[i] for i in (sorted(picked) if in_article_order else sorted(picked, key=rank.__getitem__))]


def within_budget(order: list[int], cost: list[int], budget: int, max_sentences: int) -> list[int]:
    """The best-ranked sentences that fit ``budget`` tokens, at most ``max_sentences``."""
    picked: list[int] = []
    used = 0
    for i in order:
        if len(picked) >= max_sentences:
            break
        if picked and used + cost[i] > budget:
            continue
        picked.append(i)
        used += cost[i]
    return picked


def thirds(sentences: Sequence[Sentence], total: int) -> list[int]:
    """Which third of the article (by character offset) each sentence starts in."""
    return [min(2, 3 * s.start // max(1, total)) for s in sentences]


def cover_thirds(
    picked: list[int], order: list[int], where: list[int], cost: list[int], budget: int
) -> list[int]:
    """Add the best-ranked sentence of each third no pick comes from, dropping the lowest-ranked
    picks of other thirds to stay within ``budget``."""
    picked = list(picked)
    for third in range(3):
        if any(where[i] == third for i in picked):
            continue
        best = next((i for i in order if where[i] == third and i not in picked), None)
        if best is None:
            continue
        picked.append(best)
        while sum(cost[i] for i in picked) > budget and len(picked) > 2:
            # drop the worst-ranked pick whose third keeps another pick
            droppable = [i for i in picked if i != best and sum(where[j] == where[i] for j in picked) > 1]
            if not droppable:
                break
            picked.remove(max(droppable, key=order.index))
        if sum(cost[i] for i in picked) > budget and len(picked) > 1:
            picked.remove(best)  # the budget wins: nothing else could give way
    return picked


def keep_figures(
    picked: list[int],
    order: list[int],
    texts: Sequence[str],
    where: list[int],
    cost: list[int],
    budget: int,
    max_sentences: int,
) -> list[int]:
    """Add, best-ranked first, each sentence stating a figure no pick states yet; make room by
    dropping the worst-ranked figure-free pick whose third keeps another pick. A figure that
    cannot get room without breaking that rule or the budget is left out."""
    picked = list(picked)
    rank = {i: r for r, i in enumerate(order)}
    seen = set().union(*(figures(texts[i]) for i in picked)) if picked else set()
    for i in order:
        new = figures(texts[i]) - seen
        if i in picked or not new:
            continue
        trial = [*picked, i]

        def over(t: list[int]) -> bool:
            return sum(cost[j] for j in t) > budget or len(t) > max_sentences

        while over(trial):
            droppable = [
                j
                for j in trial
                if j != i and not figures(texts[j]) and sum(where[x] == where[j] for x in trial) > 1
            ]
            if not droppable:
                break
            trial.remove(max(droppable, key=rank.__getitem__))
        if not over(trial):
            picked = trial
            seen |= new
    return picked


def mmr(relevance: Sequence[float], vectors: np.ndarray, *, lam: float = MMR_LAMBDA, limit: int) -> list[int]:
    """Maximal marginal relevance: indices in pick order, each maximising
    ``lam * relevance - (1 - lam) * (max similarity to the sentences already picked)``.
    The full ranking is returned (``limit`` only bounds the quadratic part)."""
    n = len(relevance)
    rel = np.asarray(relevance, dtype=np.float32)
    sim = vectors @ vectors.T if n else np.zeros((0, 0))
    chosen: list[int] = []
    best_sim = np.zeros(n, dtype=np.float32)
    left = set(range(n))
    while left and len(chosen) < max(limit, 1) * 2:
        gain = {i: lam * rel[i] - (1 - lam) * best_sim[i] for i in left}
        i = max(left, key=lambda j: (gain[j], -j))
        chosen.append(i)
        left.remove(i)
        best_sim = np.maximum(best_sim, sim[i])
    chosen.extend(sorted(left, key=lambda j: -rel[j]))
    return chosen
