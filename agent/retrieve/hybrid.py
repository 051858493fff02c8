"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused, filtered, de-duplicated, budgeted.

Both, because MiniLM captures topic but blurs the names and figures news questions ask about,
which BM25 nails. A blend of the two scores, each scaled to [0, 1] over its candidates, not
reciprocal rank fusion: RRF sees only ranks, so BM25's clear first outside the dense top n loses
to passages mid-list in both (Bruch et al., 2023; ``bench/bench_retrieval.py``). A relevance gate,
because without a floor a small model is handed unrelated passages and answers anyway; nothing
past the gate means "not in sources" with no model call. The BM25 index is built once per
``store.version`` (saved under ``<index_path>/bm25`` for an on-disk index).
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from agent.errors import InvalidArgumentError
from agent.index.filters import SearchFilters, to_ts
from agent.quiet import quiet
from agent.settings import Settings
from agent.text.hashing import short_hash
from agent.tokens import count_tokens
from agent.types import Passage

log = logging.getLogger(__name__)
quiet("bm25s")  # it logs "Building index from tokens" at DEBUG on every question

DENSE_WEIGHT = 0.4  # of the dense score in the blend; chosen on the retrieval benches
CANDIDATE_FACTOR = 3  # each side contributes this many × k candidates before fusion
MIN_CANDIDATES = 20

# Relevance gate: the best-chunk cosine (local all-MiniLM-L6-v2) between what on-topic and
# off-topic questions about one article score. A name MiniLM does not know ("What is
# Xudabao?") scores below it: the lexical rescue below lets it through.
MIN_DENSE_SIMILARITY = 0.30
# Lexical rescue: a passage holding this share of the question's content terms (all of them for
# one or two) is relevant even below the dense floor.
MIN_TERM_COVERAGE = 0.6

# Tokens the prompt adds around each passage (tag, title, date); counted against the budget.
PASSAGE_OVERHEAD_TOKENS = 40

# Keep decimals and thousands ("9.7", "1,500") as one token: figures are what news questions ask.
_TOKEN_PATTERN = r"(?u)\d+(?:[.,]\d+)+|\b\w\w+\b|\b\d\b"
_STEMMER = Stemmer.Stemmer("english")
# Words that frame a question rather than say what it is about; ignored by the relevance gate.
_QUESTION_FILLER = (
    "according", "article", "articles", "describe", "described", "did", "does", "happen",
    "happened", "many", "mention", "mentioned", "mentions", "much", "name", "named", "passage",
    "passages", "report", "reported", "say", "said", "says", "tell", "text", "way",
)


class StoreLike(Protocol):
    """What the retriever needs from ``agent.index.store.Store``."""

    @property
    def version(self) -> int: ...

    def dense_search(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[Passage]: ...

    def iter_chunks(self, filters: SearchFilters | None = None) -> Iterable[Passage]: ...


class EmbedderLike(Protocol):
    def embed_query(self, text: str) -> np.ndarray: ...


def tokenize(texts: Sequence[str], extra_stopwords: Iterable[str] = ()) -> list[list[str]]:
    """Lower-cased, English-stopword-free, Snowball-stemmed tokens (the BM25 vocabulary)."""
    cleaned = [re.sub(r"(?<=\d),(?=\d{3}\b)", "", t) for t in texts]  # 1,500 → 1500
    out = bm25s.tokenize(
        cleaned,
        lower=True,
        token_pattern=_TOKEN_PATTERN,
        stopwords=[*STOPWORDS_EN_PLUS, *extra_stopwords],
        stemmer=_STEMMER,
        return_ids=False,
        show_progress=False,
    )
    return [list(doc) for doc in out]


@dataclass(frozen=True)
class _Bounds:
    """``SearchFilters`` resolved for numpy: the same semantics as the store's ``where``."""

    sources: frozenset[str] | None
    since_ts: int | None
    until_ts: int | None
    article_ids: frozenset[str] | None

    @classmethod
    def of(cls, f: SearchFilters) -> _Bounds:
        src = f.source
        return cls(
            sources=None if src is None else frozenset([src] if isinstance(src, str) else src),
            since_ts=to_ts(f.since) if f.since is not None else None,
            until_ts=to_ts(f.until, end_of_day=True) if f.until is not None else None,
            article_ids=None if f.article_ids is None else frozenset(f.article_ids),
        )

    @property
    def active(self) -> bool:
        return any(
            v is not None for v in (self.sources, self.since_ts, self.until_ts, self.article_ids)
        )


@dataclass
class LexicalIndex:
    """A BM25 index over every chunk, plus per-chunk metadata arrays for fast filtering."""

    version: int
    bm25: bm25s.BM25 | None
    passages: list[Passage]
    sources: np.ndarray
    published_ts: np.ndarray  # float epoch seconds, NaN when unknown
    article_ids: np.ndarray

    @classmethod
    def build(cls, passages: list[Passage], version: int) -> LexicalIndex:
        bm25: bm25s.BM25 | None = None
        if passages:
            bm25 = bm25s.BM25()
            bm25.index(tokenize([f"{p.title}\n{p.text}" for p in passages]), show_progress=False)
        return cls.wrap(bm25, passages, version)

    @classmethod
    def wrap(cls, bm25: bm25s.BM25 | None, passages: list[Passage], version: int) -> LexicalIndex:
        return cls(
            version=version,
            bm25=bm25,
            passages=passages,
            sources=np.array([p.source or "" for p in passages], dtype=object),
            published_ts=np.array(
                [to_ts(p.published) if p.published else np.nan for p in passages],
                dtype=np.float64,
            ),
            article_ids=np.array([p.article_id for p in passages], dtype=object),
        )

    def mask(self, f: _Bounds) -> np.ndarray:
        m = np.ones(len(self.passages), dtype=bool)
        if f.sources is not None:
            m &= np.isin(self.sources, list(f.sources))
        with np.errstate(invalid="ignore"):
            if f.since_ts is not None:
                m &= self.published_ts >= f.since_ts
            if f.until_ts is not None:
                m &= self.published_ts <= f.until_ts
        if f.article_ids is not None:
            m &= np.isin(self.article_ids, list(f.article_ids))
        return m

    def search(self, query_tokens: list[str], n: int, f: _Bounds) -> list[Passage]:
        """Top ``n`` chunks by BM25 among those passing the filter (zero scores excluded)."""
        if self.bm25 is None:
            return []
        known = [t for t in query_tokens if t in self.bm25.vocab_dict]
        if not known:
            return []
        scores = np.asarray(self.bm25.get_scores(known), dtype=np.float64)
        if f.active:
            scores = np.where(self.mask(f), scores, 0.0)
        n = min(n, int(np.count_nonzero(scores > 0)))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self.passages[i].model_copy(update={"score": float(scores[i])}) for i in top]

    # --- persistence ------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically (a temp folder renamed into place)."""
        if self.bm25 is None:
            return
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.bm25.save(str(tmp), show_progress=False)
        (tmp / "passages.json").write_text(
            json.dumps([p.model_dump(mode="json") for p in self.passages]), encoding="utf-8"
        )
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path, version: int) -> LexicalIndex:
        raw = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        passages = [Passage.model_validate(p) for p in raw]
        bm25 = bm25s.BM25.load(str(folder), show_progress=False)
        return cls.wrap(bm25, passages, version)


def fuse_scores(
    dense: Sequence[Passage], lexical: Sequence[Passage], dense_weight: float = DENSE_WEIGHT
) -> list[Passage]:
    """Blend the two rankings' scores: ``w · dense' + (1 − w) · lexical'``, best first.

    ``dense'`` is the cosine min-max scaled over the dense candidates (0 for a passage only BM25
    returned: it ranked below them all); ``lexical'`` is BM25 over the best BM25 score (0 when
    absent). ``Passage.score`` becomes the blend; ties keep first-seen order (dense first).
    """
    cos = {p.chunk_id: p.score for p in dense}
    bm25 = {p.chunk_id: p.score for p in lexical}
    first: dict[str, Passage] = {}
    for p in (*dense, *lexical):
        first.setdefault(p.chunk_id, p)
    lo, hi = min(cos.values(), default=0.0), max(cos.values(), default=0.0)
    top_bm25 = max(bm25.values(), default=0.0)

    def dense_part(cid: str) -> float:
        if cid not in cos:
            return 0.0
        return 1.0 if hi == lo else (cos[cid] - lo) / (hi - lo)

    def lexical_part(cid: str) -> float:
        return bm25.get(cid, 0.0) / top_bm25 if top_bm25 > 0 else 0.0

    blended = {
        cid: dense_weight * dense_part(cid) + (1.0 - dense_weight) * lexical_part(cid) for cid in first
    }
    order = sorted(first, key=lambda cid: -blended[cid])  # sorted() is stable: ties keep order
    return [first[cid].model_copy(update={"score": blended[cid]}) for cid in order]


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def dedupe(passages: Sequence[Passage], threshold: float = 0.9) -> list[Passage]:
    """Drop repeated chunks and near-duplicate text (e.g. the same wire paragraph in two
    articles), keeping the earlier (better-ranked) one. Near-duplicate = ≥ ``threshold`` of the
    smaller passage's word 3-grams also occur in a kept passage."""
    kept: list[tuple[Passage, set[tuple[str, ...]]]] = []
    seen_ids: set[str] = set()
    for p in passages:
        if p.chunk_id in seen_ids:
            continue
        sh = _shingles(p.text)
        dup = False
        for _, ksh in kept:
            smaller = min(len(sh), len(ksh)) or 1
            if len(sh & ksh) / smaller >= threshold:
                dup = True
                break
        if not dup:
            kept.append((p, sh))
            seen_ids.add(p.chunk_id)
    return [p for p, _ in kept]


def fit_budget(passages: Sequence[Passage], max_tokens: int, k: int) -> list[Passage]:
    """The first ``k`` passages (in the given order) whose text fits in ``max_tokens``;
    a passage that doesn't fit is skipped so a smaller later one can still use the room."""
    out: list[Passage] = []
    used = 0
    for p in passages:
        if len(out) >= k:
            break
        cost = count_tokens(p.text) + count_tokens(p.title) + PASSAGE_OVERHEAD_TOKENS
        if used + cost > max_tokens:
            continue
        out.append(p)
        used += cost
    return out


def content_terms(text: str) -> set[str]:
    """The question's stemmed content words (what lexical relevance is judged on)."""
    return set(tokenize([text], _QUESTION_FILLER)[0]) - {""}


def lexically_relevant(question: str, passages: Sequence[Passage]) -> bool:
    """True when some passage covers enough of the question's content terms (all of them when
    the question has one or two), the rescue for names and figures MiniLM scores low."""
    q = content_terms(question)
    if not q:
        return False
    need = len(q) if len(q) <= 2 else math.ceil(MIN_TERM_COVERAGE * len(q))
    return any(len(q & content_terms(f"{p.title}\n{p.text}")) >= need for p in passages)


def is_relevant(question: str, passages: Sequence[Passage], best_similarity: float | None) -> bool:
    """The gate: the best dense cosine clears ``MIN_DENSE_SIMILARITY``, or lexical coverage
    rescues it. ``best_similarity`` None means "unknown" (then only the lexical test counts)."""
    if not passages:
        return False
    if best_similarity is not None and best_similarity >= MIN_DENSE_SIMILARITY:
        return True
    return lexically_relevant(question, passages)


class Retriever:
    """``Retriever(store, embedder, settings).retrieve(question, k=6, source=..., since=...)``

    Returns at most ``k`` passages, best first, ``Passage.score`` = the blended score (0–1), fitted to
    ``settings.resolved_context_tokens``; an empty list when nothing passes the relevance gate.
    ``last_best_similarity`` holds the best dense cosine of the last call (for diagnostics).
    """

    def __init__(self, store: StoreLike, embedder: EmbedderLike, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()
        self.last_best_similarity: float | None = None

    # --- lexical index --------------------------------------------------------------------
    def _disk_folder(self, version: int) -> Path | None:
        """An embedded (on-disk) index keeps a BM25 copy beside it, keyed by the store's version
        (which lives in Chroma, so it survives reopening); a remote Chroma is cached in memory."""
        if self.settings.index.chroma_url or getattr(self.store, "read_only", False):
            return None  # a read-only index keeps its BM25 copy in memory
        key = short_hash(f"{self.settings.index.collection}:{version}")
        return Path(self.settings.index.index_path) / "bm25" / key

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index for the store's current version (built or loaded at most once)."""
        version = self.store.version
        with self._lock:
            if self._lexical is not None and self._lexical.version == version:
                return self._lexical
            folder = self._disk_folder(version)
            index: LexicalIndex | None = None
            if folder is not None and (folder / "passages.json").is_file():
                try:
                    index = LexicalIndex.load(folder, version)
                except Exception as e:  # a corrupt cache is rebuilt, never fatal
                    log.warning("rebuilding BM25 cache at %s: %s", folder, e)
            if index is None:
                index = LexicalIndex.build(list(self.store.iter_chunks(None)), version)
                if folder is not None:
                    try:
                        shutil.rmtree(folder.parent, ignore_errors=True)  # older versions
                        index.save(folder)
                    except OSError as e:
                        log.warning("could not save BM25 cache to %s: %s", folder, e)
            self._lexical = index
            return index

    # --- retrieval ------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        *,
        k: int,
        source: str | list[str] | None = None,
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        article_ids: list[str] | None = None,
        gate: bool = True,
    ) -> list[Passage]:
        """Hybrid search with filters; ``gate=False`` skips the relevance gate (for search)."""
        if k <= 0:
            raise InvalidArgumentError(f"k must be a positive number of passages, got {k}")
        n = max(CANDIDATE_FACTOR * k, MIN_CANDIDATES)
        filters = SearchFilters(source=source, since=since, until=until, article_ids=article_ids)

        vector = self.embedder.embed_query(question)
        dense = self.store.dense_search(vector, n, filters)
        lexical: list[Passage] = []
        if not filters.matches_nothing:
            lexical = self.lexical_index().search(tokenize([question])[0], n, _Bounds.of(filters))

        best = max((p.score for p in dense), default=None)
        self.last_best_similarity = best
        fused = dedupe(fuse_scores(dense, lexical, DENSE_WEIGHT))
        if gate and not is_relevant(question, fused[: 3 * k], best):
            return []
        return fit_budget(fused, self.settings.resolved_context_tokens, k)
