"""Dates and figures as an article writes them, and the words around a mention.

A summary lists an article's dates and quotes without the model (found here, cited to the
sentence that writes them), and the briefing's number check masks a note's dates with the same
patterns, so the two never disagree about what a date is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.text.calendar_words import MONTH_NAMES, WEEKDAY_NAMES, one_of

MONTHS = tuple(name[:3] for name in MONTH_NAMES)
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
#: "March 5", "March 5th, 2026", "5 March 2026", "5th of March", "2026-03-05". Groups:
#: (month, day, year) | (day, month, year) | (year, month, day).
DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?"
    r"|(\d{4})-(\d{1,2})-(\d{1,2}))\b",
    re.IGNORECASE,
)
#: A day named the way news reports name the day of an event ("on Tuesday", "last Friday").
WEEKDAY = re.compile(
    r"\b(?:on|last|next|this|early|late|since|until|by)\s+"
    + one_of(name.title() for name in WEEKDAY_NAMES)
    + r"(?:\s+(?:morning|afternoon|evening|night))?\b"
)
#: A month with its year ("March 2020", "in April last year" is left to the model).
MONTH_YEAR = re.compile(
    r"\b" + one_of(name.title() for name in MONTH_NAMES) + r"\s+\d{4}\b"
)


def date_mentions(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the dates ``text`` writes, in order, none overlapping: full dates first, then a
    month with its year, then a named weekday ("on Tuesday")."""
    taken: list[tuple[int, int]] = []
    for pattern in (DATE, MONTH_YEAR, WEEKDAY):
        for m in pattern.finditer(text):
            a, b = m.span()
            near = 3 if pattern is WEEKDAY else 0  # "this Thursday, May 16": the date says it
            if not any(a < y + near and x < b + near for x, y in taken):
                taken.append((a, b))
    yield from sorted(taken)


def words_around(text: str, start: int, end: int, *, words: int = 9) -> str:
    """The mention ``text[start:end]`` with up to ``words`` words of ``text`` either side, cut
    at clause punctuation (";", ":") where one is near; "…" marks a cut inside the text.
    Verbatim apart from runs of whitespace."""
    left = [m for m in re.finditer(r"\S+", text[:start])][-words:]
    right = [m for m in re.finditer(r"\S+", text[end:])][:words]
    lo = left[0].start() if left else start
    for m in reversed(left[:-1]):  # the nearest clause break on the left, not the last word
        if m.group().endswith((";", ":")):
            lo = m.end()
            break
    hi = end + right[-1].end() if right else end
    for m in right[1:]:
        if m.group().endswith((";", ":")):
            hi = end + m.end() - 1
            break
    lead = "… " if text[:lo].strip() else ""
    tail = " …" if text[hi:].strip() else ""
    body = " ".join(text[lo:hi].split())
    if tail:
        body = body.rstrip(" ;:,")
    return f"{lead}{body}{tail}"


#: Words inside quotation marks: curly pairs, straight pairs, or single curly quotes whose
#: closing mark is not an apostrophe ("Russia\u2019s" must not end a quote). 12+ characters, so
#: a quoted title word or a scare quote is not a speaker's quote.
_QUOTE = re.compile(
    "\u201c([^\u201c\u201d]{12,}?)\u201d"
    '|"([^"]{12,}?)"'
    "|(?<!\\w)\u2018([^\u2018]{12,}?)\u2019(?!\\w)"
)


def quoted_span(text: str) -> tuple[int, int] | None:
    """Span of the first quoted words in ``text`` (inside the marks), or None."""
    m = _QUOTE.search(text)
    if m is None:
        return None
    group = next(g for g in (1, 2, 3) if m.group(g) is not None)
    return m.start(group), m.end(group)


_NAME = r"[A-Z][\w'\u2019.-]*(?:\s+(?:[A-Z][\w'\u2019.-]*|de|van|von|al|bin|da|le))*"
_SPEECH = (
    r"(?:said|says|told|added|explained|insisted|warned|declared|wrote|tweeted|assured|noted|stressed"
    r"|stated|announced|claimed|argued|replied|continued)"
)
_SPEAKER = (
    re.compile(rf"\b{_SPEECH}\s+({_NAME})"),  # "…," said Wang Yi
    re.compile(rf"\b({_NAME})\s+(?:has\s+|had\s+)?{_SPEECH}\b"),  # Wang Yi said
    re.compile(rf"\b[Aa]ccording to\s+({_NAME})"),
)
#: No name, but a description the sentence gives ("…," the Russian president assured).
_DESCRIBED = re.compile(
    rf"\b((?:the|a)\s+(?:[\w'\u2019-]+\s+){{0,3}}?[a-z][\w-]*"  # the Russian president
    rf"|{_NAME}['\u2019]s\s+(?:[a-z-]+\s+){{0,2}}?[a-z][\w-]*)\s+{_SPEECH}\b"  # Lind's spokesman
)
_NOT_A_NAME = {
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "his", "her", "their", "but", "and",
    "this", "that", "there", "officials", "police", "reports", "sources", "mr", "mrs", "ms", "dr",
}


def speaker_of(sentence: str, quote_start: int, quote_end: int) -> str:
    """Who the sentence says spoke the quoted words at ``sentence[quote_start:quote_end]``, from
    the attribution around them ("…," said Wang Yi; Wang Yi said; according to …), else the
    description it gives ("the Russian president assured"), else "".
    A pronoun ("he said") gives "": the name is in another sentence, and a guess is worse than
    none."""
    outside = sentence[:quote_start] + " " * (quote_end - quote_start) + sentence[quote_end:]
    for pattern in _SPEAKER:
        for m in pattern.finditer(outside):
            words = m.group(1).split()
            while words and words[0].lower().strip(".") in _NOT_A_NAME:
                words = words[1:]
            name = " ".join(words).rstrip(".,'\u2019")
            if name and not name.endswith(("'s", "\u2019s")):  # "said Putin's spokesman": not Putin
                return name
    described = _DESCRIBED.search(outside)
    return described.group(1) if described else ""
