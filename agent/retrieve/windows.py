"""The time window a question is asked about, and the calendar arithmetic that builds it.

Why a module of its own: the phrase rules (``timerules``) compute windows, the question reader
(``timephrase``) caps and chooses them, and as-of retrieval (``as_of``) filters, widens and labels
them; all of them share one window type and one set of calendar helpers, kept here, free of any
phrase grammar.

Windows are in **local calendar days**: every boundary is a local midnight in the zone the
question was resolved in, ``until`` is exclusive and capped at the end of the asking day (see
:func:`finish_window`). :class:`DaySpan` is the uncapped window in plain dates that the rules
produce; :class:`TimeWindow` the tz-aware result.

``kind`` is one of: ``day``, ``week``, ``weekend``, ``month``, ``quarter``, ``half``, ``year``,
``decade``, ``part`` (start/middle/end of a unit, early/mid/late March), ``rolling`` (the past N
days/weeks/months, ending at ``as_of``), ``recent`` (a soft window: recently, lately, latest),
``since`` (open start .. as_of), ``before`` (.. an anchor), ``range`` (explicit from/between),
``event`` (a named date or month: from it to as_of), and ``future``. Windows produced by
:meth:`TimeWindow.widened` use ``week``, ``weeks``, ``quarter``,
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
RECENT_DAYS = 14
"""Length of the soft "recently / lately / latest" window, in days.

Two weeks: long enough to span a news cycle and a weekend plus the follow-up coverage of a
story, short enough that "What did the minister say recently?" does not pull last season's
quotes. A caller may treat it as a preference (boost) rather than a hard filter.
"""


@dataclass(frozen=True)
class TimeWindow:
    """A publication window ``[since, until)`` resolved from a phrase in a question.

    ``since`` is inclusive and ``until`` exclusive; either may be ``None`` (open). Both are
    tz-aware local midnights in the zone the question was resolved in. ``phrase`` is the text
    matched in the question (``timephrase.strip_time_phrase`` drops it from a retrieval query);
    ``kind`` says what sort of window it is (see the module docstring). ``as_of_end`` is the
    end of the asking day (local midnight after ``as_of``): the cap every widened window keeps.
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
        """The graceful fallback when the window holds nothing useful: a wider window, or None.

        The ladder goes by the window's length in local days and widens mostly *backwards*,
        because the story behind a question usually started before the phrase's window:
        a day (≤2 days) → the 7 days around it; a week (≤10 days) → plus the 2 weeks before;
        up to ~a month (≤45 days) → the 3 calendar months ending with it (a quarter); up to a
        quarter or so (≤125 days) → a year ending with it; anything longer → None (a year-scale
        question is no longer time-bound enough to widen). A ``future`` window widens to the
        "recent" window ending at ``as_of``; an open-start window (``before``) cannot widen.
        Every widened window keeps the cap at the end of the asking day.
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
