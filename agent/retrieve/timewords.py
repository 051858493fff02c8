"""The words of a time phrase: number names, the date fragments the rules' patterns share (built
from ``agent.text.calendar_words``), and the reader of a matched date.

A month abbreviation ("mar") counts only next to a day number ("Mar 3, 2025"): ``ANY_MONTH``
appears only in date fragments; a month alone must be spelled out (``FULL_MONTH``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.text.calendar_words import (
    MONTH_ABBREVIATIONS,
    MONTH_NAMES,
    WEEKDAY_NAMES,
    month_number,
    one_of,
)

MONTHS = {name: i for i, name in enumerate(MONTH_NAMES, start=1)}
WEEKDAYS = {n: i for i, n in enumerate(WEEKDAY_NAMES)}
_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
# Vague counts become ranges (lo, hi): "a few days ago" is 2..5 days ago, not exactly 3.
_FUZZY = {"couple": (2, 3), "few": (2, 5), "several": (3, 7)}

FULL_MONTH = one_of(MONTH_NAMES)
ANY_MONTH = one_of((*MONTH_NAMES, *MONTH_ABBREVIATIONS)) + r"\.?"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
YEAR = r"(?:19|20)\d{2}(?!\d)"
NUM = (
    r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|a\s+couple\s+of|couple\s+of|a\s+few|few|several)"
)
_DMY = rf"(?:the\s+)?{DAYNUM}\s+(?:of\s+)?{ANY_MONTH}(?:,?\s+{YEAR})?"
_MDY = rf"{ANY_MONTH}\s+(?:the\s+)?{DAYNUM}(?:,?\s+{YEAR})?"
_ISO = rf"{YEAR}-(?:0?[1-9]|1[0-2])-(?:[12]\d|3[01]|0?[1-9])(?!\d)"
DATE = rf"(?:{_ISO}|{_DMY}|{_MDY})"
MONTH_YEAR = rf"{FULL_MONTH}(?:,?\s+{YEAR})?"
POINT = rf"(?:{_ISO}|{_DMY}|{_MDY}|{MONTH_YEAR}|{YEAR}|{DAYNUM})"
WEEKDAY = one_of(WEEKDAY_NAMES)

# Prepositions that may precede any phrase. since/from/after turn the anchor into an open
# window up to as_of; before/until/till/prior to into one ending at it; the rest keep it.
PREPOSITION = (
    r"(?:(?P<prep>since|after|before|until|till|prior\s+to|as\s+of|in|on|during|over|at|of|from"
    r"|throughout|within|for)\s+)?"
)
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


def read_count(text: str) -> tuple[int, int]:
    """A count as (lo, hi): exact counts have lo == hi."""
    t = re.sub(r"\s+", " ", text.lower()).removeprefix("a ").removesuffix(" of")
    if t.isdigit():
        return int(t), int(t)
    if t in _FUZZY:
        return _FUZZY[t]
    n = _NUM_WORDS.get(t, 1)
    return n, n


@dataclass(frozen=True)
class Point:
    """A date as read from a phrase; any part may be missing ("March", "2024", "the 5th")."""

    year: int | None
    month: int | None
    day: int | None


def parse_point(text: str) -> Point | None:
    """Pull (year, month, day) out of a matched date-ish text; any part may be missing."""
    iso = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", text)
    if iso:
        return Point(int(iso[1]), int(iso[2]), int(iso[3]))
    rest = text
    year = None
    ym = re.search(rf"\b({YEAR})", rest)
    if ym:
        year = int(ym[1])
        rest = rest[: ym.start()] + " " + rest[ym.end() :]
    month = None
    mm = re.search(rf"\b({ANY_MONTH})", rest, re.I)
    if mm:
        month = month_number(mm[1])
        rest = rest[: mm.start()] + " " + rest[mm.end() :]
    dm = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", rest, re.I)
    day = int(dm[1]) if dm else None
    if year is None and month is None and day is None:
        return None
    return Point(year, month, day)
