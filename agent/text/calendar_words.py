"""Month and weekday names: the one table every reader of dates builds its words and patterns from."""

from __future__ import annotations

from collections.abc import Iterable

MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
#: "may" is a whole name; "sept" comes before "sep" so an alternation reads the longer one.
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_ABBREVIATIONS = ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")


def month_number(word: str) -> int | None:
    """1..12 for a month's name or abbreviation in any case, with or without a final ".";
    None for any other word."""
    w = word.lower().rstrip(".")
    if w not in MONTH_NAMES and w not in MONTH_ABBREVIATIONS:
        return None
    return next(i for i, name in enumerate(MONTH_NAMES, start=1) if name.startswith(w))


def one_of(words: Iterable[str]) -> str:
    """A regex group matching any of ``words`` (tried in the order given)."""
    return "(?:" + "|".join(words) + ")"
