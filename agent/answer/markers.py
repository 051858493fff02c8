"""The citation-marker grammar of answers: ``[1]``, ``[1][2]``, ``[1, 2]``, ``[1-3]``, ``[Sentence 4]``.

Why lenient: small models write the ids every way they have seen; reading them all is cheaper
than a retry. Ranges are capped so "[1-999]" cannot explode.
"""

from __future__ import annotations

import re

MARKER = re.compile(
    r"(?P<ws>[ \t]*)\[\s*(?:(?:passages?|sentences?|ids?)\s*)?"
    r"(?P<nums>\d+(?:\s*(?:,|;|-|\u2013|and)\s*\d+)*)\s*\]",
    re.IGNORECASE,
)


def marker_numbers(nums: str) -> list[int]:
    """``"1, 2"`` → [1, 2]; ``"1-3"`` → [1, 2, 3] (ranges capped so "1-999" can't explode)."""
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", nums):
        bounds = re.split(r"\s*[-\u2013]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            if lo <= hi <= lo + 20:
                out.extend(range(lo, hi + 1))
                continue
        out.extend(int(b) for b in bounds if b.isdigit())
    return out


def strip_markers(text: str) -> str:
    """The text with every citation marker removed (for answers that end up uncited)."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", MARKER.sub("", text)).strip()
