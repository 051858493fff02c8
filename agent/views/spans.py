"""Cut an article's text into runs at its citations' character spans, for ``<mark>``.

A run is a piece of the text and the citation numbers covering it. Spans may overlap, nest or
coincide (two answers' quotes sharing a sentence), so one ``<mark>`` per citation cannot be
nested; runs can: each boundary of any span starts a new run, and a run carries every number
covering it. ``"".join(r.text for r in runs) == text`` always holds, so the page shows the
article's exact characters and a quote lies at its stored offsets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """Citation ``n`` covers ``text[start:end]``."""

    n: int
    start: int
    end: int


@dataclass(frozen=True)
class Run:
    """A piece of the text; ``cites``: the numbers covering it (empty: plain text);
    ``starts``: the numbers whose span begins here (where the page puts their anchors)."""

    text: str
    cites: tuple[int, ...] = ()
    starts: tuple[int, ...] = ()


def runs(text: str, spans: Iterable[Span]) -> list[Run]:
    """``text`` cut at every span boundary, each run with the numbers that cover it.

    A span outside the text or empty is ignored (the caller checks spans against quotes first);
    one reaching past the end is clipped. Runs come in text order, and adjacent runs never carry
    the same numbers unless a span starts between them.
    """
    size = len(text)
    kept = [s for s in spans if 0 <= s.start < s.end and s.start < size]
    if not kept:
        return [Run(text)] if text else []
    bounds = sorted({0, size, *(s.start for s in kept), *(min(s.end, size) for s in kept)})
    out: list[Run] = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        cites = tuple(sorted({s.n for s in kept if s.start <= lo and min(s.end, size) >= hi}))
        starts = tuple(sorted({s.n for s in kept if s.start == lo}))
        prev = out[-1] if out else None
        if prev is not None and prev.cites == cites and not starts:
            out[-1] = Run(prev.text + text[lo:hi], cites, prev.starts)
        else:
            out.append(Run(text[lo:hi], cites, starts))
    return out
