"""The time window a question is asked about, and the calendar arithmetic that builds it.

Shared by the phrase rules (``timerules``), the question reader (``timephrase``) and as-of
retrieval (``as_of``), free of any phrase grammar. :class:`DaySpan` is what a rule produces, in
plain local dates; :class:`TimeWindow` the tz-aware result, capped by :func:`finish_window`.

``kind``: ``day``, ``week``, ``weekend``, ``month``, ``quarter``, ``half``, ``year``, ``decade``,
``part`` (early/mid/late March), ``rolling`` (the past N days/weeks/months), ``recent``
(recently, lately), ``since``, ``before``, ``range`` (from/between), ``event`` (a named date or
month: from it to as_of) and ``future``; ``widened()`` gives ``week``, ``weeks``, ``quarter``,
``year`` or ``recent``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.errors import ConfigError

# "this week" and its family: the last seven days, the asking day included (days 0-6 back).
ROLLING_WEEK_DAYS = 7
#: "recently", "lately": a news cycle and its follow-up coverage, not last season's quotes.
RECENT_DAYS = 14


@dataclass(frozen=True)
class TimeWindow:
    """A publication window ``[since, until)`` resolved from a phrase in a question.

    ``since`` inclusive, ``until`` exclusive, either None (open); tz-aware local midnights.
    ``phrase`` is the text matched in the question; ``kind`` as in the module docstring;
    ``as_of_end`` the end of the asking day, the cap every widened window keeps.
    """

    since: datetime | None
    until: datetime | None
    phrase: str
    kind: str
    as_of_end: datetime | None = None
    event_since: datetime | None = None
    event_until: datetime | None = None
    """For ``kind="event"``: the date or month the question names (``since``/``until`` are then
    the coverage window, from that date to the end of the asking day)."""

    def widened(self) -> TimeWindow | None:
        """A wider window when this one holds nothing useful, or None. It widens mostly
        backwards, since the story behind a question usually started earlier: ≤2 days → the 7
        days around; ≤10 days → plus the 2 weeks before; ≤45 days → the quarter ending with it;
        ≤125 days → the year ending with it; longer or open-start → None. A ``future`` window
        widens to the "recent" one ending at ``as_of``; the asking-day cap always stays.
        """
        if self.kind == "future":
            if self.as_of_end is None:
                return None
            end = self.as_of_end
            tz = end.tzinfo
            start = midnight(end.date() - timedelta(days=RECENT_DAYS + 1), tz)
            return TimeWindow(start, end, self.phrase, "recent", self.as_of_end)
        if self.since is None or self.until is None:
            return None
        tz = self.since.tzinfo
        lo, hi = self.since.date(), self.until.date()
        span = (hi - lo).days
        if span <= 2:
            lo, hi, kind = lo - timedelta(days=3), hi + timedelta(days=3), "week"
        elif span <= 10:
            lo, kind = lo - timedelta(days=14), "weeks"
        elif span <= 45:
            lo, kind = add_months(lo.replace(day=1), -2), "quarter"
        elif span <= 125:
            lo, kind = add_months(lo.replace(day=1), -9), "year"
        else:
            return None
        until = midnight(hi, tz)
        if self.as_of_end is not None and until > self.as_of_end:
            until = self.as_of_end
        return TimeWindow(midnight(lo, tz), until, self.phrase, kind, self.as_of_end)


@dataclass(frozen=True)
class AskingDay:
    """The local day a question is asked on, and the week convention (0 = Monday … 6 = Sunday)."""

    today: date
    week_start: int

    @property
    def cap(self) -> date:
        """The first day after the asking day: no window reaches past it."""
        return self.today + timedelta(days=1)


@dataclass(frozen=True)
class DaySpan:
    """A window in local calendar dates (``until`` exclusive), before capping."""

    since: date | None
    until: date | None
    kind: str


def zone_of(tz: tzinfo | str) -> tzinfo:
    """``tz`` as a ``tzinfo``: an IANA name is looked up (``ConfigError`` when unknown)."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {tz!r}: use an IANA name such as 'UTC' or 'Europe/London'"
        ) from None


def midnight(d: date, tz: tzinfo | None) -> datetime:
    """The local midnight that starts ``d`` in ``tz``."""
    return datetime.combine(d, time(0), tzinfo=tz)


def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` calendar months, the day clamped to the target month's length."""
    k = d.year * 12 + d.month - 1 + n
    y, m = divmod(k, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def month_span(y: int, m: int) -> tuple[date, date]:
    """The first day of month ``m`` of ``y`` and the first day of the month after."""
    start = date(y, m, 1)
    return start, add_months(start, 1)


def week_of(d: date, week_start: int) -> date:
    """The first day of the calendar week holding ``d``."""
    return d - timedelta(days=(d.weekday() - week_start) % 7)


def recent_year(today: date, month: int, day: int = 1) -> int | None:
    """The most recent year whose (month, day) is not after ``today`` (handles 29 February)."""
    for y in range(today.year, today.year - 9, -1):
        try:
            if date(y, month, day) <= today:
                return y
        except ValueError:
            continue
    return None


def day_span(y: int, m: int, d: int) -> DaySpan | None:
    """The one-day span of ``y-m-d``, or None when there is no such date (30 February)."""
    try:
        start = date(y, m, d)
    except ValueError:
        return None
    return DaySpan(start, start + timedelta(days=1), "day")


def unit_span(which: str, unit: str, ctx: AskingDay) -> DaySpan:
    """this/last/next week|month|quarter|year as full calendar units (capped later)."""
    today = ctx.today
    step = {"this": 0, "the": 0, "last": -1, "previous": -1, "the previous": -1, "next": 1}[which]
    kind = "future" if step > 0 else unit
    if unit == "week":
        start = week_of(today, ctx.week_start) + timedelta(days=7 * step)
        return DaySpan(start, start + timedelta(days=7), kind)
    if unit == "month":
        start = add_months(today.replace(day=1), step)
        return DaySpan(start, add_months(start, 1), kind)
    if unit == "quarter":
        start = add_months(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), 3 * step)
        return DaySpan(start, add_months(start, 3), kind)
    return DaySpan(date(today.year + step, 1, 1), date(today.year + step + 1, 1, 1), kind)


def part_of(whole: DaySpan, part: str, unit: str) -> DaySpan:
    """The start/middle/end of a week (2/3/3 days), month (days 1–10/11–20/21–end) or year."""
    assert whole.since is not None and whole.until is not None
    s, e = whole.since, whole.until
    part = {"beginning": "start", "early": "start", "mid": "middle", "late": "end"}.get(part, part)
    kind = "future" if whole.kind == "future" else "part"
    if unit == "week":
        spans = {"start": (0, 2), "middle": (2, 4), "end": (4, 7)}[part]
        return DaySpan(s + timedelta(days=spans[0]), s + timedelta(days=spans[1]), kind)
    if unit == "month":
        days = {"start": (0, 10), "middle": (10, 20)}.get(part)
        if days is None:
            return DaySpan(s + timedelta(days=20), e, kind)
        return DaySpan(s + timedelta(days=days[0]), s + timedelta(days=days[1]), kind)
    months = {"start": (0, 2), "middle": (4, 8), "end": (10, 12)}[part]
    return DaySpan(add_months(s, months[0]), add_months(s, months[1]), kind)


def finish_window(win: DaySpan, phrase: str, ctx: AskingDay, zone: tzinfo) -> TimeWindow:
    """Cap at the end of the asking day; a window starting after it is a ``future`` one.

    An ``event`` window (a date or month naming what happened) becomes the coverage window from
    that date to the end of the asking day, keeping the date itself in ``event_since/until``.
    """
    cap = ctx.cap
    since, until, kind = win.since, win.until, win.kind
    event_since = event_until = None
    if since is not None and since >= cap:
        kind = "future"
    elif kind == "event":
        assert since is not None and until is not None
        event_since, event_until = midnight(since, zone), midnight(min(until, cap), zone)
        until = cap
    elif until is None or until > cap:
        until = cap
    return TimeWindow(
        since=midnight(since, zone) if since is not None else None,
        until=midnight(until, zone) if until is not None else None,
        phrase=phrase.strip(),
        kind=kind,
        as_of_end=midnight(cap, zone),
        event_since=event_since,
        event_until=event_until,
    )
