"""Wire copy: the same story republished by several outlets, found without the model.

Outlets that run an agency's story change its headline, cut its first or last paragraphs, add
their own boilerplate and rewrite the dateline, but keep most of its sentences word for word.
So two articles are copies when most of the shorter one's word 5-grams (``SHINGLE``, on the
case-folded body) are in the other: the containment ``|A ∩ B| / min(|A|, |B|)``, which a cut
or an addition to one side does not lower, unlike Jaccard. Two refinements keep different
stories apart:

- an outlet's boilerplate (5-grams found in two or more of its articles in the window and in
  no other outlet's) is left out before comparing, so two stories with the same footer are not
  copies;
- a short text (fewer than ``MIN_SHINGLES``: templated notices such as "X Corp sets quarterly
  dividend of 10 cts") must be contained almost whole (``SHORT_THRESHOLD``), as two notices of
  different companies share most of their few words.

Exact sets, not MinHash: a digest compares tens of articles. ``bench/bench_digest_grouping.py``
measures the thresholds on republished variants of real articles and on distinct stories of
one topic and day.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from agent.text.fold import normalise

SHINGLE = 5  # words per shingle
#: Containment from which two articles are one story's copies (bench/bench_digest_grouping.py).
COPY_THRESHOLD = 0.4
#: Fewer shingles than this (about 24 words) is a short text: it needs ``SHORT_THRESHOLD``.
MIN_SHINGLES = 20
SHORT_THRESHOLD = 0.9

_WORD = re.compile(r"\w+(?:[.,']\w+)*")


def shingles(text: str, size: int = SHINGLE) -> frozenset[int]:
    """The hashed word ``size``-grams of ``text``, case and typography folded."""
    folded, _, _ = normalise(text, casefold=True)
    words = _WORD.findall(folded)
    return frozenset(hash(" ".join(words[i : i + size])) for i in range(len(words) - size + 1))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set's shingles found in the other (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def is_copy(a: frozenset[int], b: frozenset[int], threshold: float = COPY_THRESHOLD) -> bool:
    """Whether texts with shingles ``a`` and ``b`` are copies (see the module docstring)."""
    need = threshold if min(len(a), len(b)) >= MIN_SHINGLES else max(threshold, SHORT_THRESHOLD)
    return containment(a, b) >= need


def without_boilerplate(sets: Sequence[frozenset[int]], outlets: Sequence[str]) -> list[frozenset[int]]:
    """Each set without its outlet's boilerplate: shingles in two or more of that outlet's
    texts and in no other outlet's."""
    count: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    owners: dict[int, set[str]] = defaultdict(set)
    for s, outlet in zip(sets, outlets, strict=True):
        for h in s:
            count[outlet][h] += 1
            owners[h].add(outlet)
    plate = {o: {h for h, n in c.items() if n >= 2 and len(owners[h]) == 1} for o, c in count.items()}
    return [s - plate[o] if plate[o] else s for s, o in zip(sets, outlets, strict=True)]


def copy_groups(
    texts: Sequence[str], outlets: Sequence[str] | None = None, threshold: float = COPY_THRESHOLD
) -> list[list[int]]:
    """Indices of ``texts`` grouped into copies of one story (a text alone is a group of one),
    in order of each group's first member; ``outlets`` (one per text) lets each outlet's
    boilerplate be left out. Copy is transitive (A copies B, B copies C: one group), as a story
    republished with cuts at both ends is still one story."""
    sets = [shingles(t) for t in texts]
    if outlets is not None:
        sets = without_boilerplate(sets, outlets)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            if root(i) != root(j) and is_copy(sets[i], sets[j], threshold):
                parent[max(root(i), root(j))] = min(root(i), root(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


__all__ = [
    "COPY_THRESHOLD", "MIN_SHINGLES", "SHINGLE", "SHORT_THRESHOLD", "containment", "copy_groups", "is_copy",
    "shingles", "without_boilerplate",
]
