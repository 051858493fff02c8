"""Which storyline of an earlier digest a new storyline continues, if any.

A storyline continues an earlier one when they share an article (a story updated in place), when
their vectors (MiniLM, the same description ``agent.brief.grouping`` groups by) are as close as
two reports of one storyline (``CONTINUE_THRESHOLD``), or when at least ``SHARED_TOLD`` of its
sentences repeat sentences of the earlier storyline's articles (the background an update
carries over). The most recent digest that told it wins, its closest storyline within it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.brief.grouping import STORY_THRESHOLD
from agent.digest.memory import KeptDigest, StorylineMemory
from agent.digest.told import Told

#: Cosine above which a storyline continues an earlier one (that of one storyline in a briefing).
CONTINUE_THRESHOLD = STORY_THRESHOLD
#: Sentences repeating an earlier storyline's that make a storyline its continuation.
SHARED_TOLD = 2
#: Below this cosine the repeated sentences are not counted (they are boilerplate elsewhere).
TOLD_FLOOR = 0.35


@dataclass(frozen=True)
class Continuation:
    """The earlier digest and storyline a storyline continues, and how close they are."""

    kept: KeptDigest
    memory: StorylineMemory
    similarity: float


class Continuity:
    """Matches new storylines against ``earlier`` digests (newest first); each earlier
    storyline's told sentences are indexed once, on first need."""

    def __init__(self, earlier: Sequence[KeptDigest], threshold: float = CONTINUE_THRESHOLD) -> None:
        self.earlier = list(earlier)
        self.threshold = threshold
        self._told: dict[int, Told] = {}

    def _told_of(self, memory: StorylineMemory) -> Told:
        key = id(memory)
        if key not in self._told:
            self._told[key] = Told(memory.told)
        return self._told[key]

    def match(self, vector: np.ndarray, article_ids: Sequence[str], fingerprints: Sequence[str]) -> (
            Continuation | None):
        """The storyline ``vector``/``article_ids``/``fingerprints`` (its articles' sentences)
        continues, or None."""
        ids = set(article_ids)
        for kept in self.earlier:
            best: Continuation | None = None
            for memory in kept.memory.storylines:
                sim = _cosine(vector, memory.unit_vector())
                shared = bool(ids & set(memory.article_ids))
                close = shared or sim >= self.threshold
                if not close and (sim < TOLD_FLOOR or not self._repeats(memory, fingerprints)):
                    continue
                if best is None or sim > best.similarity:
                    best = Continuation(kept, memory, sim)
            if best is not None:
                return best
        return None

    def _repeats(self, memory: StorylineMemory, fingerprints: Sequence[str]) -> bool:
        told = self._told_of(memory)
        hits = 0
        for fp in fingerprints:
            if told.repeats_fingerprint(fp):
                hits += 1
                if hits >= SHARED_TOLD:
                    return True
        return False


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape or not a.size:
        return 0.0
    return float(a @ b)


__all__ = ["CONTINUE_THRESHOLD", "Continuation", "Continuity"]
