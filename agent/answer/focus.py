"""Which sentences of the retrieved passages the model is shown: the best for the question, in context.

The prompt's passages are most of what the local model evaluates before its first token. A
question is answered by one or two sentences; the rest of a passage is context the model rarely
needs. So every sentence of the retrieved passages is scored against the question (lexical match
on stemmed content words, BM25-weighted over these sentences, plus the dense similarity of its
passage), the best ones are kept with the sentence before each (what "it" or "the series" refers
to), within a token budget, and shown in article order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.text.sentences import Sentence, chunk_sentences
from agent.text.stopwords import STOPWORDS
from agent.tokens import count_tokens
from agent.types import Passage

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d[\d,.]*")


def _stem(word: str) -> str:
    w = word.lower().strip("'-.,")
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def content_terms(text: str) -> list[str]:
    """Stemmed content words and numbers of ``text`` (stopwords dropped), in order."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group()
        if w.lower() in STOPWORDS:
            continue
        out.append(_stem(w))
    return out


@dataclass(frozen=True)
class Scored:
    """One sentence of one passage and how well it matches the question."""

    passage: int
    index: int
    score: float
    tokens: int


def score_sentences(
    question: str,
    passages: Sequence[Passage],
    sentences: Sequence[Sequence[Sentence]],
    embedder: Any = None,
) -> list[Scored]:
    """Every sentence scored: BM25 of the question's terms over these sentences (scaled to 0..1),
    the embedder's cosine to the question when one is given, and a share of its passage's
    retrieval score (so a sentence of the best passage wins a tie)."""
    q_terms = set(content_terms(question))
    docs: list[tuple[int, int, list[str], str]] = []
    for pi, (p, sents) in enumerate(zip(passages, sentences, strict=True)):
        for si, s in enumerate(sents):
            text = p.text[s.start : s.end]
            docs.append((pi, si, content_terms(text), text))
    n = len(docs) or 1
    avg = sum(len(d[2]) for d in docs) / n or 1.0
    df: dict[str, int] = {}
    for d in docs:
        for t in set(d[2]):
            df[t] = df.get(t, 0) + 1
    top = max((p.score for p in passages), default=0.0) or 1.0
    dense = [0.0] * len(docs)
    if embedder is not None and docs:
        vectors = np.asarray(embedder.embed([d[3] for d in docs]), dtype=np.float32)
        q = np.asarray(embedder.embed_query(question), dtype=np.float32)
        dense = [float(x) for x in vectors @ q]
    lexical = []
    for _, _, terms, _ in docs:
        bm25 = 0.0
        for t in q_terms:
            tf = terms.count(t)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                bm25 += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(terms) / avg))
        lexical.append(bm25)
    best = max(lexical, default=0.0) or 1.0
    return [
        Scored(pi, si, lex / best + dense[k] + 0.3 * passages[pi].score / top, count_tokens(text))
        for k, ((pi, si, _, text), lex) in enumerate(zip(docs, lexical, strict=True))
    ]


def focus(
    question: str, passages: Sequence[Passage], budget_tokens: int, *, context: int = 1, embedder: Any = None
) -> list[list[int]]:
    """For each passage, the indices of its sentences to show (article order; may be empty):
    the best-scoring sentences, each with up to ``context`` sentences before it in its
    paragraph, while they fit ``budget_tokens``; the best one always, whatever its length."""
    sentences = [chunk_sentences(p.text, p.sentences) for p in passages]
    scored = score_sentences(question, passages, sentences, embedder)
    by_key = {(s.passage, s.index): s for s in scored}
    chosen: set[tuple[int, int]] = set()
    used = 0
    for s in sorted(scored, key=lambda s: -s.score):
        want = [(s.passage, s.index)]
        para = sentences[s.passage][s.index].paragraph
        for back in range(1, context + 1):
            j = s.index - back
            if j >= 0 and sentences[s.passage][j].paragraph == para:
                want.insert(0, (s.passage, j))
        new = [k for k in want if k not in chosen]
        cost = sum(by_key[k].tokens for k in new)
        if not new:
            continue
        if used + cost > budget_tokens:
            if (s.passage, s.index) in chosen or by_key[(s.passage, s.index)].tokens + used > budget_tokens:
                continue
            new, cost = [(s.passage, s.index)], by_key[(s.passage, s.index)].tokens
        chosen.update(new)
        used += cost
        if used >= budget_tokens:
            break
    if not chosen and scored:
        best = max(scored, key=lambda s: s.score)
        chosen.add((best.passage, best.index))
    return [sorted(i for (pi, i) in chosen if pi == p) for p in range(len(passages))]
