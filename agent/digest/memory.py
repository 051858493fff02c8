"""What a kept digest remembers for the next one, beside the digest itself.

Per storyline: the vector it was grouped by (continuity is matched on it), its article ids
(an article seen again is the same storyline), the fingerprints of every sentence of its
articles (``agent.digest.told``: what the next digest must not tell again) and the figures its
articles printed, with their citations (a figure that moves is shown as a change citing both).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from pydantic import BaseModel, Field

from agent.types import Digest, KeyFigure

MEMORY_FORMAT = 1
MAX_FIGURES = 16  # figures remembered per storyline, newest first
VECTOR_DECIMALS = 4


class StorylineMemory(BaseModel):
    """One storyline as the next digest compares with it."""

    heading: str
    article_ids: list[str] = Field(default_factory=list)
    vector: list[float] = Field(default_factory=list)
    told: list[str] = Field(default_factory=list, description="Fingerprints of its articles' sentences.")
    figures: list[KeyFigure] = Field(default_factory=list)

    def unit_vector(self) -> np.ndarray:
        v = np.asarray(self.vector, dtype=np.float32)
        n = float(np.linalg.norm(v))
        return v / n if n else v


class DigestMemory(BaseModel):
    """All storylines of one digest (written up, also new, and nothing new)."""

    storylines: list[StorylineMemory] = Field(default_factory=list)


class KeptDigest(BaseModel):
    """One kept digest file: the digest as returned and its memory."""

    format: int = MEMORY_FORMAT
    digest: Digest
    memory: DigestMemory = Field(default_factory=DigestMemory)

    @property
    def until(self) -> datetime:
        return self.digest.until


def rounded(vector: np.ndarray) -> list[float]:
    """A vector as JSON keeps it: 4 decimals are far below what a cosine threshold tells apart."""
    return [round(float(x), VECTOR_DECIMALS) for x in vector]


__all__ = ["MAX_FIGURES", "DigestMemory", "KeptDigest", "StorylineMemory", "rounded"]
