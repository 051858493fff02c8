"""Dates a user types (``--since``, ``/filter until=``) and the one rule for "aware, UTC if unsaid".

Shared by the CLI options and the chat commands; ingest's metadata uses ``as_utc``. A bare
number is a date only as a year (``2026``) or a compact day (``20260314``), never ``5``; a
missing part comes from January 1st of this year ("March 2026" → 2026-03-01); with
``end_of_day`` a bare day means its last moment, a day with a time of day is kept as given; a
value without a time zone is UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

#: A time of day written in a date: a clock ("08:30"), an ISO "T" time, or an am/pm hour.
_TIME_OF_DAY = re.compile(r":|T\d|\d\s*[AP]\.?M\b", re.IGNORECASE)
#: A number alone, and the only two forms of one that are dates: a year and YYYYMMDD.
_BARE_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d*)?")
_NUMBER_DATE = re.compile(r"\d{4}|\d{8}")


def as_utc(dt: datetime) -> datetime:
    """``dt`` unchanged when it has a UTC offset; a naive one taken as UTC."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        return dt.replace(tzinfo=UTC)
    return dt


def names_time_of_day(value: str) -> bool:
    """True when ``value`` writes a time of day ("2026-03-12T08", "9 pm"), not just a day."""
    return _TIME_OF_DAY.search(value) is not None


def parse_user_date(value: str, *, end_of_day: bool = False, now: datetime | None = None) -> datetime:
    """A user's date (``2026-03-14``, ``14 March 2026``, ``2026-03-14T08:30+01:00``) as an aware
    datetime; ``ValueError`` when it is not a date. See the module docstring for the rules."""
    from dateutil import parser as dateparser  # lazy: only a few commands need it

    stripped = value.strip()
    if _BARE_NUMBER.fullmatch(stripped) and not _NUMBER_DATE.fullmatch(stripped):
        raise ValueError(f"{value!r} is not a date")
    default = datetime((now or datetime.now(UTC)).year, 1, 1)
    try:
        parsed = dateparser.parse(value, default=default)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{value!r} is not a date") from exc
    if end_of_day and parsed.time() == time.min and not names_time_of_day(value):
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    return as_utc(parsed)


#: The dates questions can be asked around: a time window reaches up to about a year on either
#: side of its date, and ``datetime`` cannot go below year 1 or past year 9999.
EARLIEST = datetime(3, 1, 1, tzinfo=UTC)
LATEST = datetime(9997, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def check_in_range(value: datetime, name: str) -> datetime:
    """``value`` unchanged, or ``InvalidArgumentError`` naming ``name`` (``--as-of``, ``as_of``)
    when it lies outside ``EARLIEST``..``LATEST``."""
    from agent.errors import InvalidArgumentError

    if not EARLIEST <= as_utc(value) <= LATEST:
        raise InvalidArgumentError(
            f"{name} {value.date().isoformat()} is out of range: give a date between "
            f"{EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}"
        )
    return value
