"""What earlier digests already told, sentence by sentence, so a digest shows only what is new.

A sentence is kept as its fingerprint: its content words and numbers, case and typography
folded, stop words dropped (``fingerprint``). A new sentence repeats a told one when at least
``REPEAT_SHARE`` of its content words are in it and every number it states is too: "the toll
rose to 19" does not repeat "the toll rose to 12", a sentence with a new clause does not repeat
its shorter version, and the same sentence under another outlet's punctuation does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from agent.text.fold import normalise
from agent.text.stopwords import STOPWORDS

REPEAT_SHARE = 0.8
_TOKEN = re.compile(r"\w+(?:[.,]\d+)*")


def fingerprint(sentence: str) -> str:
    """The sentence's distinct content words and numbers, sorted, space-separated ("" for none)."""
    folded, _, _ = normalise(sentence, casefold=True)
    tokens = set()
    for t in _TOKEN.findall(folded):
        if any(c.isdigit() for c in t):
            tokens.add(t.replace(",", ""))
        elif t not in STOPWORDS and len(t) > 1:
            tokens.add(t)
    return " ".join(sorted(tokens))


def _is_number(token: str) -> bool:
    return any(c.isdigit() for c in token)


class Told:
    """A set of told sentences (fingerprints) that answers ``repeats(sentence)``."""

    def __init__(self, fingerprints: Iterable[str] = ()) -> None:
        self._sets: list[frozenset[str]] = []
        self._exact: set[str] = set()
        self._by_word: dict[str, list[int]] = defaultdict(list)
        self.add(fingerprints)

    def __len__(self) -> int:
        return len(self._sets)

    def add(self, fingerprints: Iterable[str]) -> None:
        for fp in fingerprints:
            if not fp or fp in self._exact:
                continue
            self._exact.add(fp)
            words = frozenset(fp.split())
            n = len(self._sets)
            self._sets.append(words)
            for w in words:
                self._by_word[w].append(n)

    def repeats(self, sentence: str) -> bool:
        """Whether ``sentence`` says nothing a told sentence did not (see the module docstring)."""
        return self.repeats_fingerprint(fingerprint(sentence))

    def repeats_fingerprint(self, fp: str) -> bool:
        if not fp:
            return False
        if fp in self._exact:
            return True
        words = fp.split()
        numbers = {w for w in words if _is_number(w)}
        need = REPEAT_SHARE * len(words)
        counts: dict[int, int] = defaultdict(int)
        for w in words:
            for i in self._by_word.get(w, ()):
                counts[i] += 1
        return any(c >= need and numbers <= self._sets[i] for i, c in counts.items())


__all__ = ["REPEAT_SHARE", "Told", "fingerprint"]
