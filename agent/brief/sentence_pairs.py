"""Contradictions found without a model: the same sentence in two articles with a different
name or number in the same place ("… Raymond James Stadium in Tampa, Florida" / "… in
Glendale, Arizona").

Why without a model: a small model asked for conflicting claims misses exactly this, and
comparing the storyline's article sentences directly depends on nothing a model chose.
``minimal_pair`` tests one pair of sentences; ``sentence_pair_conflicts`` applies it to a
storyline's articles.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC

from agent.brief.citing import Cite
from agent.text.sentences import sentence_spans
from agent.text.stopwords import STOPWORDS
from agent.types import Article, Citation, Disagreement, DisagreementClaim

PAIR_MIN_SIMILARITY = 0.6  # difflib ratio over the two sentences' word sequences
PAIR_MAX_DIFF_WORDS = 6  # a changed run longer than this is a different sentence, not a variant
MIN_SENTENCE_WORDS = 6  # shorter sentences ("He said so.") pair up with anything
PREFILTER_OVERLAP = 0.45  # shared word-set share below which difflib is not even run
_WORD = re.compile(r"[\w$€£%.:'-]+")
# Differences that are about when a report was written, not what happened ("said on Monday" in
# one wire rewrite, "said on Tuesday" in the next).
_REPORTING_TIME = frozenset(
    (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
        "tonight", "morning", "afternoon", "evening", "night", "am", "pm", "a.m", "p.m", "gmt", "utc", "bst",
        "cet", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt",
    )
)


def words_of(text: str) -> list[str]:
    """The sentence's words, without the sentence's own punctuation ("29." and "29" are one)."""
    return [w for w, _ in _spanned_words(text)]


def _spanned_words(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Words (edge punctuation stripped) with the span of the raw token they came from."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group().strip(".:'-")
        if word:
            out.append((word, m.span()))
    return out


def _run_text(text: str, spans: Sequence[tuple[int, int]], i: int, j: int) -> str:
    """The original text of words i..j-1, commas and abbreviations kept ("Tampa, Florida",
    "U.S."), less a sentence's own full stop ("Arizona.")."""
    raw = " ".join(text[spans[i][0] : spans[j - 1][1]].split()).rstrip(",;:")
    last = raw.split(" ")[-1]
    return raw[:-1] if raw.endswith(".") and last.count(".") == 1 else raw


_MONTH_NAMES = frozenset(
    (
        "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
        "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
        "december",
    )
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_CLOCK = re.compile(r"\d{1,2}[:.]\d\d|\d{1,2}(?:am|pm)")


def _reporting_time(word: str) -> bool:
    """A weekday, "yesterday", a clock time or a time zone: when a report was filed."""
    f = word.casefold()
    return f in _REPORTING_TIME or _CLOCK.fullmatch(f) is not None


def _is_time(words: Sequence[str]) -> bool:
    """A month, a weekday, a clock time or a year (1900–2099) among ``words``."""
    return any(w.casefold() in _MONTH_NAMES or _YEAR.fullmatch(w) or _reporting_time(w) for w in words)


def _opening(words: Sequence[str], at: int) -> tuple[str, ...]:
    """A replaced run, less a sentence-opening function word ("The", "Who"): its capital
    names nothing."""
    if at == 0 and words and words[0].casefold() in STOPWORDS:
        return tuple(words[1:])
    return tuple(words)


def _specific(words: Sequence[str]) -> bool:
    """Words that name something (capitalised) or state a number: what a contradiction is in."""
    return any(w[:1].isupper() or any(ch.isdigit() for ch in w) for w in words)


@dataclass(frozen=True)
class PairDiff:
    """How two near-identical sentences differ: ``what`` (the words before the first change)
    and the replaced run, side a and side b."""

    what: str
    replaced: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    numeric: bool = False  # only numbers changed (no name on either side)


def minimal_pair(quote_a: str, quote_b: str) -> PairDiff | None:
    """The difference between two sentences when they are a minimal pair, else None.

    A minimal pair: word sequences ≥ 60 % alike that differ in exactly ONE place, a replaced
    run of ≤ 6 words a side that names something or is a number on both sides. Sentences that
    differ in two places ("fell 718 mln dlrs to 64.87 billion" / "fell 222 mln dlrs to 64.05
    billion") are different reports, such as a weekly series, not one fact told two ways. A
    change of a lower-case word ("approve" / "adopt") is a paraphrase; a weekday, clock time or
    "yesterday" alone is when the report was written.
    """
    sa, sb = _spanned_words(quote_a), _spanned_words(quote_b)
    wa, wb = [w for w, _ in sa], [w for w, _ in sb]
    fa, fb = [w.casefold() for w in wa], [w.casefold() for w in wb]
    sm = difflib.SequenceMatcher(None, fa, fb, autojunk=False)
    if sm.ratio() < PAIR_MIN_SIMILARITY:
        return None
    ops = [op for op in sm.get_opcodes() if op[0] != "equal"]
    if len(ops) != 1 or ops[0][0] != "replace":
        return None
    _, a1, a2, b1, b2 = ops[0]
    if max(a2 - a1, b2 - b1) > PAIR_MAX_DIFF_WORDS:
        return None
    x, y = _opening(wa[a1:a2], a1), _opening(wb[b1:b2], b1)
    if not (_specific(x) and _specific(y)) or all(_reporting_time(w) for w in x + y):
        return None
    # "Tampa, Florida or Glendale, Arizona: … Raymond James Stadium in …" — the two versions,
    # then the words they both follow, so the reader sees what is in dispute at a glance.
    pa, pb = [p for _, p in sa], [p for _, p in sb]
    versions = f"{_run_text(quote_a, pa, a1, a2)} or {_run_text(quote_b, pb, b1, b2)}"
    context = " ".join(wa[max(0, a1 - 6) : a1])
    what = f"{versions}: \u2026 {context} \u2026" if context else versions
    numeric = not any(w[:1].isupper() for w in x + y)
    return PairDiff(what=what, replaced=((x, y),), numeric=numeric)


def _mentions(text: str, words: Sequence[str]) -> bool:
    """Whether ``text`` contains the run of ``words`` (case-insensitive, whole words)."""
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


_PARAGRAPH = re.compile(r"[^\s](?:[^\n]|\n(?![ \t]*\n))*")


def _sentences(article: Article) -> list[tuple[int, int, set[str]]]:
    """The article's sentences of ≥ 6 words, each with its casefolded word set."""
    out = []
    # Paragraphs (a blank line between; a title has no full stop); single newlines inside a
    # paragraph are hard wraps, not sentence ends.
    for para in _PARAGRAPH.finditer(article.text):
        if para.group().strip() == article.title.strip():
            continue  # headlines are written to be short, not to state the fact exactly
        offset = para.start()
        for a, b in sentence_spans(para.group()):
            found = words_of(para.group()[a:b])
            letters = [ch for ch in para.group()[a:b] if ch.isalpha()]
            if sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
                continue  # an all-caps headline or kicker
            if len(found) >= MIN_SENTENCE_WORDS:
                out.append((offset + a, offset + b, {w.casefold() for w in found}))
    return out


def _same_day(a: Article, b: Article) -> bool:
    """Published the same calendar day (UTC), or either date unknown."""
    if a.published is None or b.published is None:
        return True
    return a.published.astimezone(UTC).date() == b.published.astimezone(UTC).date()


def sentence_pair_conflicts(
    articles: Sequence[Article],
    cite: Cite,
    *,
    limit: int = 3,
) -> list[tuple[PairDiff, Citation, Citation]]:
    """Sentence pairs from different ``articles`` that are minimal pairs AND where neither
    article also states the other's version: an article that says "raised from 230 to 312"
    revises, and one that names both cities is not contradicted by either.

    ``cite(article, span)`` makes the citation for a sentence (its chunk id, title, ...).
    Returns (difference, citation in the first article, citation in the second), at most
    ``limit``, most alike first; the same change repeated in several sentences of the same two
    articles ("Tampa" → "Glendale" three times) is reported once.
    """
    found: list[tuple[float, PairDiff, Article, tuple[int, int], Article, tuple[int, int]]] = []
    split = {a.id: _sentences(a) for a in articles}
    for i, art_a in enumerate(articles):
        for art_b in articles[i + 1 :]:
            if art_a.id == art_b.id:
                continue
            seen_changes: set[tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = set()
            # Only a number changed, in articles from different days: a weekly figure or an
            # updated count (the figure check, with its revision rule, handles those).
            same_day = _same_day(art_a, art_b)
            candidates = []
            for a1, a2, wa in split[art_a.id]:
                for b1, b2, wb in split[art_b.id]:
                    shared = len(wa & wb) / max(len(wa | wb), 1)
                    if shared < PREFILTER_OVERLAP:
                        continue
                    diff = minimal_pair(art_a.text[a1:a2], art_b.text[b1:b2])
                    if (
                        diff is None
                        or (diff.numeric and not same_day)
                        or any(_mentions(art_b.text, x) or _mentions(art_a.text, y) for x, y in diff.replaced)
                    ):
                        continue
                    candidates.append((shared, diff, (a1, a2), (b1, b2)))
            for shared, diff, span_a, span_b in sorted(candidates, key=lambda c: -c[0]):
                change = tuple(
                    (tuple(w.casefold() for w in x), tuple(w.casefold() for w in y)) for x, y in diff.replaced
                )
                if change in seen_changes:
                    continue
                seen_changes.add(change)
                found.append((shared, diff, art_a, span_a, art_b, span_b))
    found.sort(key=lambda f: -f[0])
    return [(diff, cite(a, sa), cite(b, sb)) for _, diff, a, sa, b, sb in found[:limit]]


def make_disagreement(diff: PairDiff, ca: Citation, cb: Citation, titles: Mapping[str, str]) -> Disagreement:
    """A disagreement whose two claims are the articles' own sentences."""

    def claim(c: Citation) -> DisagreementClaim:
        quote = " ".join(c.quote.split())
        return DisagreementClaim(
            text=f"{titles.get(c.article_id, c.article_id)} reports: \u201c{quote}\u201d",
            article_id=c.article_id,
            citations=[c],
        )

    return Disagreement(what=diff.what, claims=[claim(ca), claim(cb)])
