"""The package's one sentence segmenter: paragraphs, then sentences, as exact character spans.

Chunking, citing, summaries and briefings must agree on where a sentence ends, so all ask this
module, and ingest stores each chunk's offsets (``encode_sentences``) for citing to read. Our own
rules, not pysbd or syntok: on news text they make fewer errors and are much faster
(``bench/bench_sentences.py``). Every span is trimmed and a text's spans cover all its non-space
characters in order: ``text[a:b]`` is the sentence, so citing one is verbatim by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from agent.text.calendar_words import MONTH_ABBREVIATIONS, WEEKDAY_ABBREVIATIONS

Span = tuple[int, int]

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")

# A sentence ends at . ! ? or … (possibly repeated), optionally followed by closing
# quotes/brackets, then whitespace. A line break inside a paragraph also ends one (a bullet
# list, a dateline or a headline on its own line) unless it only hard-wraps a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|\n")
_NEXT = re.compile(r"\s*(\S)")

# Words whose trailing period is not a sentence end.
_ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "sen", "rep", "gov",
    "lt", "col", "capt", "cmdr", "sgt", "pres", "rev", "hon", "inc", "ltd", "co", "corp",
    "bros", "vs", "etc", "no", "nos", "vol", "fig", "approx", "est", "dept", "univ",
    *MONTH_ABBREVIATIONS, *WEEKDAY_ABBREVIATIONS,
    "a.m", "p.m", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "d.c", "ph.d", "cf", "al",
    "adm", "gens", "reps", "sens", "supt", "det", "insp", "msgr", "fr", "ave", "blvd", "v",
))
# Abbreviations that usually END a sentence when the next word is capitalised ("... in the
# U.S. The ..."): kept as cuts only before a word that is not a name-like continuation.
_SENTENCE_FINAL_ABBR = frozenset(("etc", "u.s", "u.k", "u.n", "e.u", "d.c", "inc", "ltd", "co", "corp",
                                  "a.m", "p.m"))
# Abbreviations that stand before a number ("No. 5", "Jan. 5", "Vol. 3"): only there are they
# one ("Sen. Okafor voted no. Gov. Lindqvist ..." and "... in Feb. That ..." end sentences).
_NUMBER_ABBR = frozenset(("no", "nos", "vol", "fig", "approx", *MONTH_ABBREVIATIONS))
_TITLE_ABBR = frozenset(("mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col",
                         "capt", "cmdr", "sgt", "pres", "rev", "hon", "st", "mt", "adm", "det",
                         "insp", "msgr", "fr", "gens", "reps", "sens", "supt", "vs", "cf"))
_LAST_WORD = re.compile(r"([\w.]+)\.$")
# Words that open a new sentence after "U.S." / "Inc." far more often than they continue it.
_OPENERS = frozenset((
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "this", "that", "these",
    "those", "but", "and", "in", "on", "at", "if", "as", "its", "his", "her", "their", "there",
    "officials", "some", "many", "most", "no", "yet", "still", "meanwhile", "however", "also",
))


class Sentence(NamedTuple):
    """One sentence: ``text[start:end]``, and the number of the paragraph it belongs to."""

    start: int
    end: int
    paragraph: int


def _trim(text: str, start: int, end: int) -> Span | None:
    """``(start, end)`` shrunk to exclude surrounding whitespace; None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def cut(text: str, start: int, end: int, cuts: Iterable[int]) -> list[Span]:
    """Split ``[start, end)`` at the given cut positions into trimmed, non-empty spans."""
    spans: list[Span] = []
    prev = start
    for pos in [*cuts, end]:
        span = _trim(text, prev, pos)
        if span:
            spans.append(span)
        prev = pos
    return spans


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Blank-line separated paragraphs of ``text[start:end]`` as trimmed spans."""
    end = len(text) if end is None else end
    return cut(text, start, end, [m.start() for m in _PARAGRAPH_BREAK.finditer(text, start, end)])


def _abbreviation(text: str, start: int, dot_end: int) -> str | None:
    """The abbreviation (lower-cased) or initial whose period ends at ``dot_end``, else None."""
    m = _LAST_WORD.search(text, max(start, dot_end - 12), dot_end)
    if not m:
        return None
    word = m.group(1)
    low = word.lower()
    if low in _ABBREVIATIONS:
        return low
    if len(word) == 1 and word.isupper():  # an initial: "J. K. Rowling"
        return "initial"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # dotted acronym: U.S.A.
        return low
    return None


_BULLET = re.compile(r"\s*(?:[-*•–—·▪]|\d{1,2}[.)])\s")
_LABEL = re.compile(r"\s*[A-Z][\w-]*(?: [\w-]+){0,2}:\s")  # "Source: …", "Published by: …"
_WRAP_MIN_LINE = 45  # a wrapped line is long; headlines, bylines and bullets are short


def _hard_wrap(text: str, start: int, nl: int, end: int) -> bool:
    """Whether the line break at ``nl`` only wraps a sentence (newswire bodies are hard-wrapped
    at ~70 characters: "... group immediately\nclaimed responsibility."): the next line goes on
    in lower case, or the line is long, ends without punctuation, and no bullet follows."""
    nxt = _NEXT.match(text, nl + 1, end)
    if nxt is None:
        return False
    if nxt.group(1).islower():
        return True
    line_start = max(text.rfind("\n", start, nl) + 1, start)
    line = text[line_start:nl].rstrip()
    if len(line) < _WRAP_MIN_LINE or line[-1:] in ".!?:;\"”’»)…":
        return False
    if _BULLET.match(text, nl + 1, end) or _LABEL.match(text, nl + 1, end):
        return False
    return not _BULLET.match(text, line_start, nl)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]`` as trimmed spans covering all its non-space text.

    Handles closing quotes after the stop (``.”``), common abbreviations ("Mr.", "Jan.") and
    initials; "U.S." or "Inc." followed by a typical sentence opener ("The", "He") does end a
    sentence. A stop followed by a lower-case word, a digit or a closing punctuation mark is not
    taken as a sentence end ("3.5 million" never reaches here: no space follows the dot).
    """
    end = len(text) if end is None else end
    cuts: list[int] = []
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.group() == "\n":
            if not _hard_wrap(text, start, m.start(), end):
                cuts.append(m.end())
            continue
        stop = m.group()
        nxt = _NEXT.match(text, m.end(), end)
        if nxt is None:
            continue
        first = nxt.group(1)
        if first.islower() or first in ",;:)]}":
            continue
        if stop.startswith(".") and stop.rstrip("\"'”’»)]") == ".":
            abbr = _abbreviation(text, start, m.start() + 1)
            if abbr in _NUMBER_ABBR and not first.isdigit():
                abbr = None
            if abbr is not None:
                word = re.match(r"[\w']+", text[nxt.start(1) : nxt.start(1) + 20])
                opener = bool(word) and word.group().lower() in _OPENERS  # type: ignore[union-attr]
                if not (abbr in _SENTENCE_FINAL_ABBR and opener and abbr not in _TITLE_ABBR):
                    continue
        cuts.append(m.end())
    return cut(text, start, end, cuts)


def segment(text: str) -> list[Sentence]:
    """Every sentence of ``text`` with its paragraph number (paragraphs are blank-line separated)."""
    out: list[Sentence] = []
    for p, (a, b) in enumerate(paragraph_spans(text)):
        out.extend(Sentence(s, e, p) for s, e in sentence_spans(text, a, b))
    return out


# --- offsets stored with a chunk ------------------------------------------------------------
# Chroma metadata values must be scalars, so a chunk's sentences are one compact string:
# "0+45,47+30;80+12" = (start relative to the chunk, length) pairs, ";" between paragraphs.


def encode_sentences(sentences: Sequence[Sentence], base: int = 0) -> str:
    """``sentences`` (article offsets) as a compact string relative to ``base`` (the chunk start)."""
    parts: list[str] = []
    prev_para: int | None = None
    for s in sentences:
        sep = "" if prev_para is None else ("," if s.paragraph == prev_para else ";")
        parts.append(f"{sep}{s.start - base}+{s.end - s.start}")
        prev_para = s.paragraph
    return "".join(parts)


def decode_sentences(value: str, base: int = 0) -> list[Sentence]:
    """The inverse of ``encode_sentences``; raises ValueError on a malformed string."""
    out: list[Sentence] = []
    if not value:
        return out
    for p, para in enumerate(value.split(";")):
        for item in para.split(","):
            a, n = item.split("+")
            start = int(a) + base
            out.append(Sentence(start, start + int(n), p))
    return out


def chunk_sentences(text: str, encoded: str | None) -> list[Sentence]:
    """The sentences of a chunk's ``text`` (chunk-relative offsets): decoded from the offsets
    stored at ingest when they fit the text, else segmented now (an index built before
    sentence offsets were stored, or a damaged value)."""
    if encoded:
        try:
            sents = decode_sentences(encoded)
        except ValueError:
            sents = []
        if sents and all(0 <= s.start < s.end <= len(text) for s in sents):
            return sents
    return segment(text)
