"""Turn the relative time in a news question ("this week", "in March", "since Monday") into a window.

News questions are almost always relative to *when they are asked*: "Which head of state
announced his resignation this week?" has a different answer every week. The answer chain
therefore resolves the question's time phrase against an ``as_of`` moment into a publication
window ``[since, until)`` and filters retrieval with it; the naive pipeline's typical error is the
right topic from the wrong week (measured on a real news-quiz corpus).

Design choices (each rule's docstring says more):

* **Pure and fast.** Regular-expression rules, no model, no I/O. ``dateparser`` is used only as
  a guarded fallback for absolute numeric dates our rules do not spell out ("14.06.2024",
  "2024/06/14"); its free-text search gives false positives on news questions ("Who *may*
  resign?", "Mr. *Sun*", "in *2000* homes") and it has no notion of windows ("this week" must
  become a range, not an instant).
* **Local calendar days.** ``as_of`` is converted into the given time zone and every boundary
  is a local midnight: a question asked at 01:30 UTC in New York is still asked "yesterday"
  locally, so "today" is the local day. Windows are returned tz-aware in that zone.
* **Never past the asking day.** ``until`` is exclusive and capped at the end of ``as_of``'s
  local day ("so far this week" asked on Wednesday = Monday 00:00 .. Thursday 00:00). Articles
  after ``as_of`` are never used anyway (the caller caps at ``as_of`` itself).
* **Weeks roll.** "this week" / "the past week" / "these days" are days 0–6 back and "last week"
  days 7–13 back, as weekly news roundups and quizzes use them; only "so far this week",
  "earlier this week", "since Monday" and the weekend phrases are calendar weeks (see
  :func:`_h_period`).
* **Event dates are not publication windows.** "on January 6" or "the March 2020 lockdown"
  (a date or month without since/before/until) names the event: the window is coverage from
  that date to the asking day (``kind="event"``, the date itself in ``event_since/until``),
  because articles about a day are mostly published on and after it. A time frame for the
  reporting elsewhere in the question ("in the past week") wins over the event date.
* **Future phrases** ("next week", "tomorrow", "in March 2027") get ``kind="future"`` and their
  literal, uncapped bounds. No article published by ``as_of`` can be *from* that window, so a
  caller should not filter on it; its :meth:`TimeWindow.widened` is the "recent" window ending
  at ``as_of``, because what is reported about an upcoming event is in recent coverage.
* **One phrase per question.** When several phrases match, the longest wins (so "the day
  before yesterday" beats "yesterday" and "between 3 and 10 March" beats "10 March"), then the
  earliest.
* **False positives are worse than misses.** A missed phrase only loses a filter; a wrong one
  hides the right articles. So month names need a preposition (in/on/since/during/of/until/…)
  or a day/year next to them ("Who may resign?" has no time; "the March on Washington" neither);
  bare years need a preposition and must not be followed by a lower-case noun ("in 2000 homes");
  abbreviations such as "mar" or "sun" count only inside a full date ("Mar 3, 2025").

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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.errors import ConfigError

__all__ = ["TimeWindow", "resolve_time", "strip_time_phrase", "RECENT_DAYS"]

# "this week" and its family: the last seven days, the asking day included (days 0-6 back).
ROLLING_WEEK_DAYS = 7
RECENT_DAYS = 14
"""Length of the soft "recently / lately / latest" window, in days.

Two weeks: long enough to span a news cycle and a weekend plus the follow-up coverage of a
story, short enough that "What did the minister say recently?" does not pull last season's
quotes. A caller may treat it as a preference (boost) rather than a hard filter.
"""

# --------------------------------------------------------------------------- the window type


@dataclass(frozen=True)
class TimeWindow:
    """A publication window ``[since, until)`` resolved from a phrase in a question.

    ``since`` is inclusive and ``until`` exclusive; either may be ``None`` (open). Both are
    tz-aware local midnights in the zone the question was resolved in. ``phrase`` is the text
    matched in the question (use :func:`strip_time_phrase` to drop it from a retrieval query);
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
            start = _midnight(end.date() - timedelta(days=RECENT_DAYS + 1), tz)
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
            lo, kind = _add_months(lo.replace(day=1), -2), "quarter"
        elif span <= 125:
            lo, kind = _add_months(lo.replace(day=1), -9), "year"
        else:
            return None
        until = _midnight(hi, tz)
        if self.as_of_end is not None and until > self.as_of_end:
            until = self.as_of_end
        return TimeWindow(_midnight(lo, tz), until, self.phrase, kind, self.as_of_end)


# --------------------------------------------------------------------------- public functions


def resolve_time(
    question: str, as_of: datetime, *, tz: tzinfo | str = "UTC", week_start: int = 0
) -> TimeWindow | None:
    """Resolve the time phrase of ``question`` asked at ``as_of`` into a window, or None.

    ``tz`` is an IANA name ("Europe/London") or a ``tzinfo``; ``as_of`` is converted into it
    (a naive ``as_of`` is taken to be local time in ``tz``). ``week_start`` is 0 for Monday
    (ISO, the default) … 6 for Sunday. Returns None when the question has no time phrase.
    """
    zone = _zone(tz)
    if not isinstance(week_start, int) or not 0 <= week_start <= 6:
        raise ConfigError(f"week_start={week_start!r} is invalid: use 0 (Monday) .. 6 (Sunday)")
    local = as_of.replace(tzinfo=zone) if as_of.tzinfo is None else as_of.astimezone(zone)
    ctx = _Ctx(today=local.date(), week_start=week_start)
    found: list[tuple[int, int, _Window, str]] = []
    compared_only = False
    for rule in _RULES:
        for m in rule.pattern.finditer(question):
            hit = _apply(rule, m, question, ctx)
            if hit is None:
                continue
            start, end, win = hit
            if _is_comparison(rule, m, question):
                compared_only = True
                continue
            found.append((start, end, win, question[start:end]))
    if not found and compared_only:
        # "Is demand higher than a year ago?" asks about now: no window, only the usual
        # recency preference. The baseline period is for the model to read, not to filter on.
        return None
    if not found:
        fallback = _numeric_date_fallback(question, ctx)
        if fallback is None:
            return None
        found.append(fallback)
    # Longest phrase wins; among equals, the earliest.
    best = max(found, key=lambda f: (f[1] - f[0], -f[0]))
    if best[2].kind == "event":
        # A time frame for the reporting ("in the past week") beats a date naming the event
        # ("… about the January 6 attack"), unless it is part of the date's own phrase.
        frames = [f for f in found if f[2].kind != "event" and (f[1] <= best[0] or f[0] >= best[1])]
        if frames:
            best = max(frames, key=lambda f: (f[1] - f[0], -f[0]))
    _, _, win, phrase = best
    return _finish(win, phrase, ctx, zone)


def strip_time_phrase(question: str, window: TimeWindow) -> str:
    """``question`` without the window's phrase (and a trailing "'s"), tidied, for retrieval.

    The time phrase only adds noise to dense and lexical search ("this week" matches every
    article that says "this week"), while the window itself goes into the filter.
    """
    phrase = window.phrase
    if not phrase:
        return question
    i = question.lower().find(phrase.lower())
    if i < 0:
        return question
    j = i + len(phrase)
    if question[j : j + 2] in ("'s", "’s"):
        j += 2
    out = question[:i] + " " + question[j:]
    out = re.sub(r"\s+", " ", out)
    out = re.sub(r"\s+([?.!,;:])", r"\1", out)
    out = re.sub(r",([?.!])", r"\1", out)
    return out.strip(" ,;:")


# --------------------------------------------------------------------------- date helpers


@dataclass(frozen=True)
class _Ctx:
    today: date
    week_start: int

    @property
    def cap(self) -> date:
        return self.today + timedelta(days=1)


@dataclass(frozen=True)
class _Window:
    """A window in local calendar dates (``until`` exclusive), before capping."""

    since: date | None
    until: date | None
    kind: str


def _zone(tz: tzinfo | str) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {tz!r}: use an IANA name such as 'UTC' or 'Europe/London'"
        ) from None


def _midnight(d: date, tz: tzinfo | None) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


def _add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` calendar months, the day clamped to the target month's length."""
    k = d.year * 12 + d.month - 1 + n
    y, m = divmod(k, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _month(y: int, m: int) -> tuple[date, date]:
    start = date(y, m, 1)
    return start, _add_months(start, 1)


def _week_of(d: date, week_start: int) -> date:
    return d - timedelta(days=(d.weekday() - week_start) % 7)


def _quarter(y: int, q: int) -> tuple[date, date]:
    start = date(y, 3 * (q - 1) + 1, 1)
    return start, _add_months(start, 3)


def _recent_year(today: date, month: int, day: int = 1) -> int | None:
    """The most recent year whose (month, day) is not after ``today`` (handles 29 February)."""
    for y in range(today.year, today.year - 9, -1):
        try:
            if date(y, month, day) <= today:
                return y
        except ValueError:
            continue
    return None


def _finish(win: _Window, phrase: str, ctx: _Ctx, zone: tzinfo) -> TimeWindow:
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
        event_since, event_until = _midnight(since, zone), _midnight(min(until, cap), zone)
        until = cap
    elif until is None or until > cap:
        until = cap
    return TimeWindow(
        since=_midnight(since, zone) if since is not None else None,
        until=_midnight(until, zone) if until is not None else None,
        phrase=phrase.strip(),
        kind=kind,
        as_of_end=_midnight(cap, zone),
        event_since=event_since,
        event_until=event_until,
    )


# --------------------------------------------------------------------------- vocabulary

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}
_MONTH_ABBR = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {n: i for i, n in enumerate(_WEEKDAY_NAMES)}
_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
# Vague counts become ranges (lo, hi): "a few days ago" is 2..5 days ago, not exactly 3.
_FUZZY = {"couple": (2, 3), "few": (2, 5), "several": (3, 7)}

FULL_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
ANY_MONTH = FULL_MONTH[:-1] + r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
YEAR = r"(?:19|20)\d{2}(?!\d)"
NUM = (
    r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|a\s+couple\s+of|couple\s+of|a\s+few|few|several)"
)
_DMY = rf"(?:the\s+)?{DAYNUM}\s+(?:of\s+)?{ANY_MONTH}(?:,?\s+{YEAR})?"
_MDY = rf"{ANY_MONTH}\s+(?:the\s+)?{DAYNUM}(?:,?\s+{YEAR})?"
_ISO = rf"{YEAR}-(?:0?[1-9]|1[0-2])-(?:[12]\d|3[01]|0?[1-9])(?!\d)"
_DATE = rf"(?:{_ISO}|{_DMY}|{_MDY})"
_MONTH_YEAR = rf"{FULL_MONTH}(?:,?\s+{YEAR})?"
_POINT = rf"(?:{_ISO}|{_DMY}|{_MDY}|{_MONTH_YEAR}|{YEAR}|{DAYNUM})"

# Prepositions that may precede any phrase. since/from/after turn the anchor into an open
# window up to as_of; before/until/till/prior to into one ending at it; the rest keep it.
_PREP = (
    r"(?:(?P<prep>since|after|before|until|till|prior\s+to|as\s+of|in|on|during|over|at|of|from"
    r"|throughout|within|for)\s+)?"
)
# Names that make a weekday part of a name rather than a date ("Black Friday", "the Sunday Times").
_WEEKDAY_BEFORE = re.compile(
    r"\b(?:black|good|super|cyber|ash|bloody|easter|holy|maundy|giving|shrove|palm|the|a)\s+$", re.I
)
_WEEKDAY_AFTER = re.compile(r"\s+(?:times|telegraph|express|post|mirror|night\s+football)\b", re.I)
# Words that may follow a bare year ("in 2023 the economy"), unlike a noun ("in 2000 homes").
_YEAR_FOLLOWERS = {
    "the", "a", "an", "and", "or", "but", "when", "while", "after", "before", "as", "so", "that",
    "than", "then", "to", "about", "for", "with", "by", "has", "have", "had", "is", "was", "were",
    "did", "do", "does", "according", "compared", "versus", "vs", "alone", "election", "elections",
}  # fmt: skip


def _num(text: str) -> tuple[int, int]:
    """A count as (lo, hi): exact counts have lo == hi."""
    t = re.sub(r"\s+", " ", text.lower()).removeprefix("a ").removesuffix(" of")
    if t.isdigit():
        return int(t), int(t)
    if t in _FUZZY:
        return _FUZZY[t]
    n = _NUM_WORDS.get(t, 1)
    return n, n


def _month_num(text: str) -> int | None:
    t = text.lower().rstrip(".")
    return _MONTHS.get(t) or _MONTH_ABBR.get(t)


@dataclass(frozen=True)
class _Point:
    year: int | None
    month: int | None
    day: int | None


def _parse_point(text: str) -> _Point | None:
    """Pull (year, month, day) out of a matched date-ish text; any part may be missing."""
    iso = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", text)
    if iso:
        return _Point(int(iso[1]), int(iso[2]), int(iso[3]))
    rest = text
    year = None
    ym = re.search(rf"\b({YEAR})", rest)
    if ym:
        year = int(ym[1])
        rest = rest[: ym.start()] + " " + rest[ym.end() :]
    month = None
    mm = re.search(rf"\b({ANY_MONTH})", rest, re.I)
    if mm:
        month = _month_num(mm[1])
        rest = rest[: mm.start()] + " " + rest[mm.end() :]
    dm = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", rest, re.I)
    day = int(dm[1]) if dm else None
    if year is None and month is None and day is None:
        return None
    return _Point(year, month, day)


def _day_window(y: int, m: int, d: int) -> _Window | None:
    try:
        start = date(y, m, d)
    except ValueError:
        return None
    return _Window(start, start + timedelta(days=1), "day")


# --------------------------------------------------------------------------- rules

_Handler = Callable[[re.Match[str], _Ctx], "_Window | None"]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    handler: _Handler
    needs_prep: bool = False  # the body alone is too ambiguous without a preposition


def _rule(name: str, body: str, handler: _Handler, *, needs_prep: bool = False) -> _Rule:
    return _Rule(name, re.compile(rf"\b{_PREP}(?P<body>{body})(?![\w-])", re.I), handler, needs_prep)


def _apply(rule: _Rule, m: re.Match[str], question: str, ctx: _Ctx) -> tuple[int, int, _Window] | None:
    prep = (m.group("prep") or "").lower()
    prep = re.sub(r"\s+", " ", prep)
    if rule.needs_prep and not prep and not _body_stands_alone(rule.name, m):
        return None
    if rule.name == "weekday" and not prep and not m.group("wwhich"):
        before = question[: m.start("body")]
        if _WEEKDAY_BEFORE.search(before) or _WEEKDAY_AFTER.match(question, m.end()):
            return None
    if rule.name == "year" and not _year_ok(question, m.end()):
        return None
    body = m.group("body")
    if not prep and re.search(r"\bmay\b", body) and not re.search(r"\d", body):
        return None  # lower-case "may" with no preposition or number is the verb: "this may end"
    if rule.name == "quarter" and "half" in body.lower() and not (m.group("qyr") or m.group("qrel")):
        return None  # "in the first half" is a match half far more often than January–June
    win = rule.handler(m, ctx)
    if win is None:
        return None
    if prep == "since":
        win = _Window(win.since, None, "since")
    elif prep == "after":
        win = _Window(win.until, None, "since")
    elif prep in ("before", "prior to"):
        win = _Window(None, win.since, "before")
    elif prep in ("until", "till"):
        win = _Window(None, win.until, "before")
    elif rule.name in _EVENT_RULES:
        win = _Window(win.since, win.until, "event")
    return m.start(), m.end(), win


# Rules whose phrase names a calendar date or month ("on January 6", "the March 2020 lockdown"):
# without since/after/before/until it is the date of an event, not a time frame for the
# reporting, and articles about a day are mostly published on and after it.
_EVENT_RULES = frozenset({"date", "month"})


# Words before a time phrase that make it the baseline of a comparison, not the period asked
# about: "up 3 pct from a year ago", "higher than last week", "compared with 2023".
_COMPARISON_BEFORE = re.compile(
    r"\b(?:than|compared\s+(?:with|to)|comparison\s+(?:with|to)|versus|vs\.?|against|relative\s+to"
    r"|year[\s-]+on[\s-]+year\s+from)\s+$",
    re.I,
)


def _is_comparison(rule: _Rule, m: re.Match[str], question: str) -> bool:
    """Is this phrase the baseline of a comparison ("up from a year ago", "than last week")?

    A baseline must never become the retrieval window: "oil demand up from a year ago in this
    week's figures" asks about this week. "from X" alone is a baseline; "from X to Y" is a range
    (its own rule, which this never rejects).
    """
    if rule.name in ("range", "wdrange"):
        return False
    prep = re.sub(r"\s+", " ", (m.group("prep") or "").lower())
    if prep == "from" and not re.match(r"\s*(?:to|until|till|through|thru|-|–)\b", question[m.end() :]):
        return True
    return _COMPARISON_BEFORE.search(question[: m.start()]) is not None


def _body_stands_alone(name: str, m: re.Match[str]) -> bool:
    """Exceptions to ``needs_prep``: "March 2025", "early March", "the year 2023", "Q1 2025"."""
    gd = m.groupdict()
    if name == "month":
        return bool(gd.get("myr") or gd.get("mwhich"))
    if name == "year":
        return bool(gd.get("theyear"))
    if name == "quarter":
        return bool(gd.get("qyr") or gd.get("qrel"))
    return False


def _year_ok(question: str, end: int) -> bool:
    """A bare year followed by a lower-case noun or a digit is a number ("in 2000 homes")."""
    after = question[end:]
    if re.match(r"\s*(?:%|,\d|\.\d|\d)", after) or re.match(r"\s*(?:per\s*cent|percent)\b", after, re.I):
        return False
    word = re.match(r"\s+([A-Za-z]+)", after)
    return not (word and word[1].islower() and word[1] not in _YEAR_FOLLOWERS)


def _h_dayword(m: re.Match[str], ctx: _Ctx) -> _Window:
    """today/tonight/this morning; yesterday; the day before yesterday; last night; tomorrow."""
    t = re.sub(r"\s+", " ", m.group("body").lower())
    today = ctx.today
    if t == "yesterday":
        return _Window(today - timedelta(days=1), today, "day")
    if t == "the day before yesterday":
        return _Window(today - timedelta(days=2), today - timedelta(days=1), "day")
    if t == "last night":  # straddles midnight: evening reports and the next morning's
        return _Window(today - timedelta(days=1), today + timedelta(days=1), "day")
    if t == "tomorrow":
        return _Window(today + timedelta(days=1), today + timedelta(days=2), "future")
    return _Window(today, today + timedelta(days=1), "day")


def _h_ago(m: re.Match[str], ctx: _Ctx) -> _Window:
    """N days/weeks/months/years ago: that calendar day/week/month/year (vague counts: a span)."""
    lo, hi = (2, 2) if m.group("fortnight") else _num(m.group("n"))
    unit = "week" if m.group("fortnight") else m.group("unit").lower()
    today = ctx.today
    if unit == "day":
        return _Window(
            today - timedelta(days=hi), today - timedelta(days=lo - 1), "day" if lo == hi else "range"
        )
    if unit == "week":
        start = _week_of(today - timedelta(days=7 * hi), ctx.week_start)
        end = _week_of(today - timedelta(days=7 * lo), ctx.week_start) + timedelta(days=7)
        return _Window(start, end, "week")
    if unit == "month":
        first = today.replace(day=1)
        return _Window(_add_months(first, -hi), _add_months(first, -lo + 1), "month")
    return _Window(date(today.year - hi, 1, 1), date(today.year - lo + 1, 1, 1), "year")


def _unit_window(which: str, unit: str, ctx: _Ctx) -> _Window:
    """this/last/next week|month|quarter|year as full calendar units (capped later)."""
    today = ctx.today
    step = {"this": 0, "the": 0, "last": -1, "previous": -1, "the previous": -1, "next": 1}[which]
    kind = "future" if step > 0 else unit
    if unit == "week":
        start = _week_of(today, ctx.week_start) + timedelta(days=7 * step)
        return _Window(start, start + timedelta(days=7), kind)
    if unit == "month":
        start = _add_months(today.replace(day=1), step)
        return _Window(start, _add_months(start, 1), kind)
    if unit == "quarter":
        start = _add_months(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), 3 * step)
        return _Window(start, _add_months(start, 3), kind)
    return _Window(date(today.year + step, 1, 1), date(today.year + step + 1, 1, 1), kind)


def _h_period(m: re.Match[str], ctx: _Ctx) -> _Window:
    """this/last/next week|month|quarter|year, and the rolling "the past week" family.

    Weeks are rolling, because that is how news readers, weekly roundups and news quizzes use
    them: "this week", "this past week", "the past week", "the last week" are the last seven
    days, the asking day included (days 0–6 back, from local midnight six days back); "last
    week" / "the previous week" are the seven days before those (days 7–13 back). Not 0–7: a
    weekly series (money supply, electric output) then has two reports in "this week" — last
    week's from day 7 and this week's — and on the Reuters time bench the 1.5B read the older
    one in 4 of 20 (accuracy 0.70 against 0.90 with one report per window). Measured on a weekly
    news quiz: the calendar reading made "this week" one day long on a Monday and refused 4 of
    the first 15 questions whose article was from the Sunday before. The calendar week is for
    the phrases that say so ("so far this week", "earlier this week", "since Monday"). Months,
    quarters and years keep their calendar meaning ("last month" = the previous calendar
    month); "the past month" is rolling.
    """
    which = re.sub(r"\s+", " ", m.group("which").lower())
    unit = m.group("unit").lower()
    today = ctx.today
    if unit == "week":
        if which in ("this", "the past", "past", "the last", "this past"):
            return _Window(today - timedelta(days=ROLLING_WEEK_DAYS - 1), None, "rolling")
        if which in ("last", "previous", "the previous"):
            start = today - timedelta(days=2 * ROLLING_WEEK_DAYS - 1)
            return _Window(start, start + timedelta(days=ROLLING_WEEK_DAYS), "week")
    if which in ("the past", "past", "the last", "this past"):
        months = {"month": 1, "quarter": 3, "year": 12}[unit]
        return _Window(_add_months(today, -months), None, "rolling")
    return _unit_window(which, unit, ctx)


def _h_these_days(m: re.Match[str], ctx: _Ctx) -> _Window:
    """these days: the same rolling week as "this week" (days 0–6 back)."""
    return _Window(ctx.today - timedelta(days=ROLLING_WEEK_DAYS - 1), None, "rolling")


def _h_so_far(m: re.Match[str], ctx: _Ctx) -> _Window:
    """so far this week/month/year, this week so far: the calendar unit up to and including today."""
    unit = (m.group("sunit") or m.group("sunit2")).lower()
    win = _unit_window("this", unit, ctx)
    return _Window(win.since, ctx.cap, unit)


def _h_rolling(m: re.Match[str], ctx: _Ctx) -> _Window:
    """the past/last N hours|days|weeks|months|years: rolling, from local midnight N units back."""
    lo, n = _num(m.group("n"))  # vague counts take their upper end: "the past couple of days" = 3
    unit = m.group("unit").lower()
    today = ctx.today
    if unit == "day" and lo != n and n >= 5:
        # "the past few / several days" is how news readers say "this week": a missed article is
        # worse than a wider window for so vague a phrase, so it is the rolling week (days 0–6).
        return _Window(today - timedelta(days=max(n, ROLLING_WEEK_DAYS) - 1), None, "rolling")
    if unit == "hour":
        start = today - timedelta(days=max(1, -(-n // 24)))
    elif unit == "day":
        start = today - timedelta(days=n)
    elif unit == "week":
        start = today - timedelta(days=7 * n)
    elif unit == "month":
        start = _add_months(today, -n)
    else:
        start = _add_months(today, -12 * n)
    return _Window(start, None, "rolling")


def _h_recent(m: re.Match[str], ctx: _Ctx) -> _Window:
    """recently/lately/latest: the last RECENT_DAYS days (recent weeks: 4, months: 3)."""
    t = m.group("body").lower()
    days = 28 if "weeks" in t else 92 if "months" in t else RECENT_DAYS
    return _Window(ctx.today - timedelta(days=days), None, "recent")


def _h_earlier(m: re.Match[str], ctx: _Ctx) -> _Window:
    """earlier today/this week/month/year: the unit so far, before today when that is non-empty."""
    unit = m.group("eunit").lower()
    if unit == "today":
        return _Window(ctx.today, ctx.today + timedelta(days=1), "day")
    win = _unit_window("this", unit, ctx)
    assert win.since is not None
    end = ctx.today if win.since < ctx.today else ctx.cap
    return _Window(win.since, end, unit)


def _part(whole: _Window, part: str, unit: str) -> _Window:
    """The start/middle/end of a week (2/3/3 days), month (days 1–10/11–20/21–end) or year."""
    assert whole.since is not None and whole.until is not None
    s, e = whole.since, whole.until
    part = {"beginning": "start", "early": "start", "mid": "middle", "late": "end"}.get(part, part)
    kind = "future" if whole.kind == "future" else "part"
    if unit == "week":
        spans = {"start": (0, 2), "middle": (2, 4), "end": (4, 7)}[part]
        return _Window(s + timedelta(days=spans[0]), s + timedelta(days=spans[1]), kind)
    if unit == "month":
        days = {"start": (0, 10), "middle": (10, 20)}.get(part)
        if days is None:
            return _Window(s + timedelta(days=20), e, kind)
        return _Window(s + timedelta(days=days[0]), s + timedelta(days=days[1]), kind)
    months = {"start": (0, 2), "middle": (4, 8), "end": (10, 12)}[part]
    return _Window(_add_months(s, months[0]), _add_months(s, months[1]), kind)


def _target(text: str, ctx: _Ctx) -> tuple[_Window, str] | None:
    """The whole unit a start/end/early/late phrase refers to: a week, month or year."""
    t = re.sub(r"\s+", " ", text.lower())
    rel = re.fullmatch(r"(the|this|last|next) (week|month|year)", t)
    if rel:
        return _unit_window(rel[1], rel[2], ctx), rel[2]
    p = _parse_point(t)
    if p is None or p.day is not None:
        return None
    if p.month is not None:
        y = p.year if p.year is not None else _recent_year(ctx.today, p.month)
        if y is None:
            return None
        s, e = _month(y, p.month)
        return _Window(s, e, "month"), "month"
    assert p.year is not None
    return _Window(date(p.year, 1, 1), date(p.year + 1, 1, 1), "year"), "year"


def _h_part(m: re.Match[str], ctx: _Ctx) -> _Window | None:
    """Parts of a unit: "at the start of the week", "the end of last month", "early March"."""
    found = _target(m.group("ptarget"), ctx)
    if found is None:
        return None
    whole, unit = found
    return _part(whole, m.group("ppart").lower(), unit)


def _h_week_of(m: re.Match[str], ctx: _Ctx) -> _Window | None:
    """the first/second/third/fourth/last week of March: days 1–7, 8–14, 15–21, 22–28, last 7."""
    found = _target(m.group("wtarget"), ctx)
    if found is None:
        return None
    whole, _ = found
    assert whole.since is not None and whole.until is not None
    word = m.group("word").lower()
    if word in ("last", "final"):
        start = whole.until - timedelta(days=7)
    else:
        start = whole.since + timedelta(days=7 * (_ORDINALS[word] - 1))
    return _Window(start, start + timedelta(days=7), "future" if whole.kind == "future" else "week")


def _h_weekday(m: re.Match[str], ctx: _Ctx) -> _Window:
    """on Monday / Monday: the most recent Monday up to and including today.

    "last Monday" is the most recent Monday *before* today (asked on a Monday it means a week
    ago); "next Monday" is future.
    """
    wd = _WEEKDAYS[m.group("wd").lower()]
    which = re.sub(r"\s+", " ", (m.group("wwhich") or "").lower())
    today = ctx.today
    back = (today.weekday() - wd) % 7
    if which == "next":
        ahead = (wd - today.weekday()) % 7 or 7
        d = today + timedelta(days=ahead)
        return _Window(d, d + timedelta(days=1), "future")
    if which == "last" and back == 0:
        back = 7
    d = today - timedelta(days=back)
    return _Window(d, d + timedelta(days=1), "day")


def _h_weekend(m: re.Match[str], ctx: _Ctx) -> _Window:
    """over/this/the weekend: the most recent Saturday–Sunday (the current one on a weekend).

    "last weekend" asked on a Saturday or Sunday is the weekend before; "next weekend" is future.
    """
    which = re.sub(r"\s+", " ", m.group("wewhich").lower())
    today = ctx.today
    sat = today - timedelta(days=(today.weekday() - 5) % 7)
    if which == "next":
        nxt = sat + timedelta(days=7)
        return _Window(nxt, nxt + timedelta(days=2), "future")
    if which in ("last", "the last", "the previous", "previous") and today.weekday() >= 5:
        sat -= timedelta(days=7)
    return _Window(sat, sat + timedelta(days=2), "weekend")


def _h_month(m: re.Match[str], ctx: _Ctx) -> _Window | None:
    """in March [2025]: that month; without a year, the most recent March not after as_of.

    "last March" asked in March means the previous year's.
    """
    month = _MONTHS[m.group("mon").lower()]
    if m.group("myr"):
        s, e = _month(int(m.group("myr")), month)
        return _Window(s, e, "month")
    y = _recent_year(ctx.today, month)
    if y is None:
        return None
    if (m.group("mwhich") or "").lower() == "last" and y == ctx.today.year and month == ctx.today.month:
        y -= 1
    s, e = _month(y, month)
    return _Window(s, e, "month")


def _h_date(m: re.Match[str], ctx: _Ctx) -> _Window | None:
    """14 June [2024] / June 14, 2024 / 2024-06-14: that day; without a year, the most recent."""
    p = _parse_point(m.group("body"))
    if p is None or p.month is None or p.day is None:
        return None
    y = p.year if p.year is not None else _recent_year(ctx.today, p.month, p.day)
    if y is None:
        return None
    return _day_window(y, p.month, p.day)


def _h_year(m: re.Match[str], ctx: _Ctx) -> _Window:
    y = int(m.group("yr"))
    return _Window(date(y, 1, 1), date(y + 1, 1, 1), "year")


def _h_decade(m: re.Match[str], ctx: _Ctx) -> _Window:
    y = int(m.group("dec"))
    return _Window(date(y, 1, 1), date(y + 10, 1, 1), "decade")


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


def _h_quarter(m: re.Match[str], ctx: _Ctx) -> _Window | None:
    """the first quarter [of 2025] / Q1 [2025] / 2025 Q1 / the first half of 2025 / H2 2024.

    Without a year: the most recent such quarter (half) that has started by as_of.
    """
    body = re.sub(r"\s+", " ", m.group("body").lower())
    half = "half" in body or re.search(r"\bh[12]\b", body) is not None
    qm = re.search(r"\b[qh]([1-4])\b", body)
    if qm:
        n = int(qm[1])
    else:
        word = re.search(r"\b(first|second|third|fourth|final|last|1st|2nd|3rd|4th)\b", body)
        if word is None:
            return None
        if word[1] in ("final", "last"):
            if not re.search(rf"\b(?:{YEAR}|this year|last year|the year)", body):
                return None  # "the last quarter" alone is the rolling/previous-quarter phrase
            n = 2 if half else 4
        else:
            n = _ORDINALS[word[1]]
    months = 6 if half else 3
    if half and n > 2:
        return None
    first_month = months * (n - 1) + 1
    ym = re.search(rf"\b({YEAR})", body)
    if ym:
        y: int | None = int(ym[1])
    elif "last year" in body:
        y = ctx.today.year - 1
    elif "this year" in body or "the year" in body:
        y = ctx.today.year
    else:
        y = _recent_year(ctx.today, first_month)
    if y is None:
        return None
    start = date(y, first_month, 1)
    return _Window(start, _add_months(start, months), "half" if half else "quarter")


def _h_range(m: re.Match[str], ctx: _Ctx) -> _Window | None:
    """between 3 and 10 March / from March 3 to March 10 / March 3–10 / between 2020 and 2023.

    Both ends are inclusive as read (until = the day, month or year after the end). A missing
    month or year is taken from the other end; with no year at all the start is the most recent
    such date not after as_of and the end follows it (December 20 – January 5 crosses the new
    year). Bare numbers with no month or year anywhere ("from 5 to 10 people") are not dates.
    """
    a, b = _parse_point(m.group("ra")), _parse_point(m.group("rb"))
    if a is None or b is None:
        return None
    if a.month is None and b.month is None and a.year is None and b.year is None:
        return None
    a_month = a.month if a.month is not None or a.day is None else b.month
    b_month = b.month if b.month is not None or b.day is None else a_month
    if (a.day is not None and a_month is None) or (b.day is not None and b_month is None):
        return None
    ay, by = a.year, b.year
    if ay is None and by is None:
        if a_month is None:
            return None
        ay = _recent_year(ctx.today, a_month, a.day or 1)
        if ay is None:
            return None
        by = ay
        b_borrowed = True
    else:
        b_borrowed = by is None
        ay = ay if ay is not None else by
        by = by if by is not None else ay
    assert ay is not None and by is not None
    try:
        start = date(ay, a_month or 1, a.day or 1)
        end = date(by, b_month or 1, b.day or 1)
        if end < start:
            if b_borrowed:
                end = date(by + 1, b_month or 1, b.day or 1)
            elif a.year is None:
                start = date(ay - 1, a_month or 1, a.day or 1)
            else:
                return None
    except ValueError:
        return None
    if b.day is not None:
        until = end + timedelta(days=1)
    elif b_month is not None:
        until = _add_months(end, 1)
    else:
        until = date(end.year + 1, 1, 1)
    return _Window(start, until, "range")


_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"


def _h_weekday_range(m: re.Match[str], ctx: _Ctx) -> _Window:
    """from Monday to Wednesday / between Tuesday and Friday: the most recent such span that
    has ended by today ("from Monday to Wednesday" asked on a Tuesday is last week's);
    "from last Monday to Wednesday" starts at last Monday. Both days inclusive."""
    wd1, wd2 = _WEEKDAYS[m.group("wd1").lower()], _WEEKDAYS[m.group("wd2").lower()]
    span = (wd2 - wd1) % 7
    today = ctx.today
    if (m.group("w1which") or "").lower() == "last":
        start = today - timedelta(days=(today.weekday() - wd1) % 7 or 7)
        end = start + timedelta(days=span)
    else:
        end = today - timedelta(days=(today.weekday() - wd2) % 7)
        start = end - timedelta(days=span)
    return _Window(start, end + timedelta(days=1), "range")



_RULES: list[_Rule] = [
    _rule(
        "dayword",
        r"today|tonight|this\s+(?:morning|afternoon|evening)|the\s+day\s+before\s+yesterday"
        r"|yesterday|last\s+night|tomorrow",
        _h_dayword,
    ),
    _rule(
        "ago",
        rf"(?:(?P<n>{NUM})\s+(?P<unit>day|week|month|year)s?|(?P<fortnight>a\s+fortnight))\s+ago",
        _h_ago,
    ),
    _rule(
        "period",
        r"(?P<which>this\s+past|the\s+past|the\s+last|the\s+previous|this|last|next|past|previous)"
        r"\s+(?P<unit>week|month|quarter|year)(?!\s+of\b)",
        _h_period,
    ),
    _rule(
        "rolling",
        rf"(?:the\s+)?(?:past|last|previous)\s+(?P<n>{NUM})\s+(?P<unit>hour|day|week|month|year)s?",
        _h_rolling,
    ),
    _rule("these_days", r"these\s+days", _h_these_days),
    _rule(
        "so_far",
        r"so\s+far\s+this\s+(?P<sunit>week|month|year)|this\s+(?P<sunit2>week|month|year)\s+so\s+far",
        _h_so_far,
    ),
    _rule(
        "recent",
        r"recently|lately|(?:the\s+)?latest|of\s+late|nowadays|in\s+recent\s+(?:days|weeks|months|times)"
        r"|recent\s+(?:days|weeks|months)|recent|currently|right\s+now|at\s+the\s+moment",
        _h_recent,
    ),
    # Not after a unit: in "up from a year earlier this week", "earlier" belongs to "a year".
    _rule(
        "earlier",
        r"(?<!day\s)(?<!days\s)(?<!week\s)(?<!weeks\s)(?<!month\s)(?<!months\s)(?<!year\s)(?<!years\s)"
        r"earlier\s+(?:this\s+)?(?P<eunit>today|week|month|year)",
        _h_earlier,
    ),
    _rule(
        "part",
        rf"(?:the\s+)?(?P<ppart>start|beginning|middle|end|early|mid|late)(?:\s+of\s+|[\s-]+)"
        rf"(?P<ptarget>(?:the|this|last|next)\s+(?:week|month|year)|{_MONTH_YEAR}|{YEAR})",
        _h_part,
    ),
    _rule(
        "weekof",
        r"the\s+(?P<word>first|second|third|fourth|1st|2nd|3rd|4th|last|final)\s+week\s+of\s+"
        rf"(?P<wtarget>(?:this|last|next|the)\s+month|{_MONTH_YEAR})",
        _h_week_of,
    ),
    _rule("weekday", rf"(?:(?P<wwhich>last|this\s+past|past|this|next)\s+)?(?P<wd>{_WD})", _h_weekday),
    _rule(
        "weekend",
        r"(?P<wewhich>this\s+past|the\s+past|the\s+last|the\s+previous|this|last|next|past|previous|the)"
        r"\s+weekend",
        _h_weekend,
    ),
    _rule(
        "month",
        rf"(?:(?P<mwhich>last)\s+)?(?P<mon>{FULL_MONTH})(?:,?\s+(?P<myr>{YEAR}))?",
        _h_month,
        needs_prep=True,
    ),
    _rule("date", rf"(?:{_WD},?\s+)?{_DATE}", _h_date),  # "Friday, June 12" is one phrase
    _rule("year", rf"(?P<theyear>the\s+year\s+)?(?P<yr>{YEAR})(?![-–/.]\d)", _h_year, needs_prep=True),
    _rule("decade", r"the\s+(?P<dec>(?:19|20)\d0)s", _h_decade),
    _rule(
        "quarter",
        rf"(?:the\s+)?(?:first|second|third|fourth|final|last|1st|2nd|3rd|4th)\s+(?:quarter|half)"
        rf"(?:\s+of\s+(?:(?P<qyr>{YEAR})|(?P<qrel>this|last|the)\s+year))?",
        _h_quarter,
        needs_prep=True,
    ),
    _rule("qcode", rf"q[1-4](?:\s+{YEAR})?|h[12]\s+{YEAR}|{YEAR}\s+[qh][1-4]", _h_quarter),
    _rule(
        "range",
        rf"(?:between|from)\s+(?P<ra>{_POINT})\s+(?:and|to|until|till|through|thru|[-–])\s+(?P<rb>{_POINT})",
        _h_range,
    ),
    _rule(
        "wdrange",
        rf"(?:between|from)\s+(?:(?P<w1which>last|this)\s+)?(?P<wd1>{_WD})\s+"
        rf"(?:and|to|until|till|through|thru|[-–])\s+(?:(?:last|this)\s+)?(?P<wd2>{_WD})",
        _h_weekday_range,
    ),
    _rule(
        "dashrange",
        rf"(?P<ra>{ANY_MONTH}\s+{DAYNUM}|{DAYNUM})\s*[-–]\s*(?P<rb>{DAYNUM}\s+{ANY_MONTH}(?:,?\s+{YEAR})?"
        rf"|{DAYNUM}(?:,?\s+{YEAR})?)",
        _h_range,
    ),
]


def _numeric_date_fallback(question: str, ctx: _Ctx) -> tuple[int, int, _Window, str] | None:
    """Absolute numeric dates our rules do not spell out ("14.06.2024", "2024/06/14"), via dateparser.

    Only hits with three numeric parts including a four-digit year are accepted, and a
    day/month order that cannot be told apart (03/04/2024: 3 April or March 4?) is refused:
    a wrong day is worse than no filter.
    """
    m = re.search(r"\b(\d{1,4})([/.])(\d{1,2})\2(\d{1,4})\b", question)
    if m is None:
        return None
    parts = [m[1], m[3], m[4]]
    if not any(len(p) == 4 for p in parts):
        return None
    if len(parts[0]) != 4 and int(parts[0]) <= 12 and int(parts[1]) <= 12 and parts[0] != parts[1]:
        return None
    import dateparser  # lazy: ~0.2 s import, needed only for these rare forms

    parsed = dateparser.parse(
        m[0],
        languages=["en"],
        settings={"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    if parsed is None:
        return None
    win = _day_window(parsed.year, parsed.month, parsed.day)
    if win is None:
        return None
    start, end = m.start(), m.end()
    prep = re.search(r"\b(on|since|from|before|until|after)\s+$", question[:start], re.I)
    if prep:
        start = prep.start()
        word = prep[1].lower()
        if word == "since":
            win = _Window(win.since, None, "since")
        elif word == "after":
            win = _Window(win.until, None, "since")
        elif word == "before":
            win = _Window(None, win.since, "before")
        elif word == "until":
            win = _Window(None, win.until, "before")
    if win.kind == "day":
        win = _Window(win.since, win.until, "event")
    return start, end, win, question[start:end]
