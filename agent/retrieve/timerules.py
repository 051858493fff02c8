"""The time-phrase grammar: each rule is a regular expression and what its phrase means.

A rule says what one phrase, read alone, denotes ("last week" = days 7–13 back) as a
:class:`~agent.retrieve.windows.DaySpan`; ``timephrase`` applies prepositions, rejects false
positives and chooses one phrase per question. A new phrase is a pattern and a handler here (the
two range handlers are in ``timeranges``) and a test in tests/test_timewindow.py. Patterns match
case-insensitively on word boundaries, an optional preposition in group ``prep``, the phrase in
group ``body``; vague counts are ranges ("a few days ago" is 2–5 days ago).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from agent.retrieve.timeranges import range_span, weekday_range_span
from agent.retrieve.timewords import (
    ANY_MONTH,
    DATE,
    DAYNUM,
    FULL_MONTH,
    MONTH_YEAR,
    MONTHS,
    NUM,
    ORDINALS,
    POINT,
    PREPOSITION,
    WEEKDAY,
    WEEKDAYS,
    YEAR,
    parse_point,
    read_count,
)
from agent.retrieve.windows import (
    RECENT_DAYS,
    ROLLING_WEEK_DAYS,
    AskingDay,
    DaySpan,
    add_months,
    day_span,
    month_span,
    part_of,
    recent_year,
    unit_span,
    week_of,
)

_Handler = Callable[[re.Match[str], AskingDay], "DaySpan | None"]


@dataclass(frozen=True)
class Rule:
    """A named pattern (``PREPOSITION`` + body) and the handler that turns its match into a span."""

    name: str
    pattern: re.Pattern[str]
    handler: _Handler
    needs_prep: bool = False  # the body alone is too ambiguous without a preposition


def _rule(name: str, body: str, handler: _Handler, *, needs_prep: bool = False) -> Rule:
    return Rule(name, re.compile(rf"\b{PREPOSITION}(?P<body>{body})(?![\w-])", re.I), handler, needs_prep)


def _h_dayword(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """today/tonight/this morning; yesterday; the day before yesterday; last night; tomorrow."""
    t = re.sub(r"\s+", " ", m.group("body").lower())
    today = ctx.today
    if t == "yesterday":
        return DaySpan(today - timedelta(days=1), today, "day")
    if t == "the day before yesterday":
        return DaySpan(today - timedelta(days=2), today - timedelta(days=1), "day")
    if t == "last night":  # straddles midnight: evening reports and the next morning's
        return DaySpan(today - timedelta(days=1), today + timedelta(days=1), "day")
    if t == "tomorrow":
        return DaySpan(today + timedelta(days=1), today + timedelta(days=2), "future")
    return DaySpan(today, today + timedelta(days=1), "day")


def _h_ago(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """N days/weeks/months/years ago: that calendar day/week/month/year (vague counts: a span)."""
    lo, hi = (2, 2) if m.group("fortnight") else read_count(m.group("n"))
    unit = "week" if m.group("fortnight") else m.group("unit").lower()
    today = ctx.today
    if unit == "day":
        return DaySpan(
            today - timedelta(days=hi), today - timedelta(days=lo - 1), "day" if lo == hi else "range"
        )
    if unit == "week":
        start = week_of(today - timedelta(days=7 * hi), ctx.week_start)
        end = week_of(today - timedelta(days=7 * lo), ctx.week_start) + timedelta(days=7)
        return DaySpan(start, end, "week")
    if unit == "month":
        first = today.replace(day=1)
        return DaySpan(add_months(first, -hi), add_months(first, -lo + 1), "month")
    return DaySpan(date(today.year - hi, 1, 1), date(today.year - lo + 1, 1, 1), "year")


def _h_period(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """this/last/next week|month|quarter|year, and the rolling "the past week" family.

    Weeks roll, as weekly roundups and news quizzes use them: "this week", "the past week"
    are days 0–6 back, "last week" days 7–13. Not 0–7 (a weekly series would have two reports
    in "this week", and a small model reads the older one), nor the calendar week (one day long
    on a Monday), which is for the phrases that say so ("so far this week", "since Monday").
    Months, quarters and years are calendar units; "the past month" rolls.
    """
    which = re.sub(r"\s+", " ", m.group("which").lower())
    unit = m.group("unit").lower()
    today = ctx.today
    if unit == "week":
        if which in ("this", "the past", "past", "the last", "this past"):
            return DaySpan(today - timedelta(days=ROLLING_WEEK_DAYS - 1), None, "rolling")
        if which in ("last", "previous", "the previous"):
            start = today - timedelta(days=2 * ROLLING_WEEK_DAYS - 1)
            return DaySpan(start, start + timedelta(days=ROLLING_WEEK_DAYS), "week")
    if which in ("the past", "past", "the last", "this past"):
        months = {"month": 1, "quarter": 3, "year": 12}[unit]
        return DaySpan(add_months(today, -months), None, "rolling")
    return unit_span(which, unit, ctx)


def _h_these_days(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """these days: the same rolling week as "this week" (days 0–6 back)."""
    return DaySpan(ctx.today - timedelta(days=ROLLING_WEEK_DAYS - 1), None, "rolling")


def _h_so_far(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """so far this week/month/year, this week so far: the calendar unit up to and including today."""
    unit = (m.group("sunit") or m.group("sunit2")).lower()
    win = unit_span("this", unit, ctx)
    return DaySpan(win.since, ctx.cap, unit)


def _h_rolling(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """the past/last N hours|days|weeks|months|years: rolling, from local midnight N units back."""
    lo, n = read_count(m.group("n"))  # vague counts take their upper end: "the past couple of days" = 3
    unit = m.group("unit").lower()
    today = ctx.today
    if unit == "day" and lo != n and n >= 5:
        # "the past few / several days" is how news readers say "this week": a missed article is
        # worse than a wider window for so vague a phrase, so it is the rolling week (days 0–6).
        return DaySpan(today - timedelta(days=max(n, ROLLING_WEEK_DAYS) - 1), None, "rolling")
    if unit == "hour":
        start = today - timedelta(days=max(1, -(-n // 24)))
    elif unit == "day":
        start = today - timedelta(days=n)
    elif unit == "week":
        start = today - timedelta(days=7 * n)
    elif unit == "month":
        start = add_months(today, -n)
    else:
        start = add_months(today, -12 * n)
    return DaySpan(start, None, "rolling")


def _h_recent(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """recently/lately/latest: the last RECENT_DAYS days (recent weeks: 4, months: 3)."""
    t = m.group("body").lower()
    days = 28 if "weeks" in t else 92 if "months" in t else RECENT_DAYS
    return DaySpan(ctx.today - timedelta(days=days), None, "recent")


def _h_earlier(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """earlier today/this week/month/year: the unit so far, before today when that is non-empty."""
    unit = m.group("eunit").lower()
    if unit == "today":
        return DaySpan(ctx.today, ctx.today + timedelta(days=1), "day")
    win = unit_span("this", unit, ctx)
    assert win.since is not None
    end = ctx.today if win.since < ctx.today else ctx.cap
    return DaySpan(win.since, end, unit)


def _target(text: str, ctx: AskingDay) -> tuple[DaySpan, str] | None:
    """The whole unit a start/end/early/late phrase refers to: a week, month or year."""
    t = re.sub(r"\s+", " ", text.lower())
    rel = re.fullmatch(r"(the|this|last|next) (week|month|year)", t)
    if rel:
        return unit_span(rel[1], rel[2], ctx), rel[2]
    p = parse_point(t)
    if p is None or p.day is not None:
        return None
    if p.month is not None:
        y = p.year if p.year is not None else recent_year(ctx.today, p.month)
        if y is None:
            return None
        s, e = month_span(y, p.month)
        return DaySpan(s, e, "month"), "month"
    assert p.year is not None
    return DaySpan(date(p.year, 1, 1), date(p.year + 1, 1, 1), "year"), "year"


def _h_part(m: re.Match[str], ctx: AskingDay) -> DaySpan | None:
    """Parts of a unit: "at the start of the week", "the end of last month", "early March"."""
    found = _target(m.group("ptarget"), ctx)
    if found is None:
        return None
    whole, unit = found
    return part_of(whole, m.group("ppart").lower(), unit)


def _h_week_of(m: re.Match[str], ctx: AskingDay) -> DaySpan | None:
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
        start = whole.since + timedelta(days=7 * (ORDINALS[word] - 1))
    return DaySpan(start, start + timedelta(days=7), "future" if whole.kind == "future" else "week")


def _h_weekday(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """on Monday / Monday: the most recent Monday up to and including today.

    "last Monday" is the most recent Monday *before* today (asked on a Monday it means a week
    ago); "next Monday" is future.
    """
    wd = WEEKDAYS[m.group("wd").lower()]
    which = re.sub(r"\s+", " ", (m.group("wwhich") or "").lower())
    today = ctx.today
    back = (today.weekday() - wd) % 7
    if which == "next":
        ahead = (wd - today.weekday()) % 7 or 7
        d = today + timedelta(days=ahead)
        return DaySpan(d, d + timedelta(days=1), "future")
    if which == "last" and back == 0:
        back = 7
    d = today - timedelta(days=back)
    return DaySpan(d, d + timedelta(days=1), "day")


def _h_weekend(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """over/this/the weekend: the most recent Saturday–Sunday (the current one on a weekend).

    "last weekend" asked on a Saturday or Sunday is the weekend before; "next weekend" is future.
    """
    which = re.sub(r"\s+", " ", m.group("wewhich").lower())
    today = ctx.today
    sat = today - timedelta(days=(today.weekday() - 5) % 7)
    if which == "next":
        nxt = sat + timedelta(days=7)
        return DaySpan(nxt, nxt + timedelta(days=2), "future")
    if which in ("last", "the last", "the previous", "previous") and today.weekday() >= 5:
        sat -= timedelta(days=7)
    return DaySpan(sat, sat + timedelta(days=2), "weekend")


def _h_month(m: re.Match[str], ctx: AskingDay) -> DaySpan | None:
    """in March [2025]: that month; without a year, the most recent March not after as_of.

    "last March" asked in March means the previous year's.
    """
    month = MONTHS[m.group("mon").lower()]
    if m.group("myr"):
        s, e = month_span(int(m.group("myr")), month)
        return DaySpan(s, e, "month")
    y = recent_year(ctx.today, month)
    if y is None:
        return None
    if (m.group("mwhich") or "").lower() == "last" and y == ctx.today.year and month == ctx.today.month:
        y -= 1
    s, e = month_span(y, month)
    return DaySpan(s, e, "month")


def _h_date(m: re.Match[str], ctx: AskingDay) -> DaySpan | None:
    """14 June [2024] / June 14, 2024 / 2024-06-14: that day; without a year, the most recent."""
    p = parse_point(m.group("body"))
    if p is None or p.month is None or p.day is None:
        return None
    y = p.year if p.year is not None else recent_year(ctx.today, p.month, p.day)
    if y is None:
        return None
    return day_span(y, p.month, p.day)


def _h_year(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    y = int(m.group("yr"))
    return DaySpan(date(y, 1, 1), date(y + 1, 1, 1), "year")


def _h_decade(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    y = int(m.group("dec"))
    return DaySpan(date(y, 1, 1), date(y + 10, 1, 1), "decade")


def _h_quarter(m: re.Match[str], ctx: AskingDay) -> DaySpan | None:
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
            n = ORDINALS[word[1]]
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
        y = recent_year(ctx.today, first_month)
    if y is None:
        return None
    start = date(y, first_month, 1)
    return DaySpan(start, add_months(start, months), "half" if half else "quarter")


RULES: list[Rule] = [
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
        rf"(?P<ptarget>(?:the|this|last|next)\s+(?:week|month|year)|{MONTH_YEAR}|{YEAR})",
        _h_part,
    ),
    _rule(
        "weekof",
        r"the\s+(?P<word>first|second|third|fourth|1st|2nd|3rd|4th|last|final)\s+week\s+of\s+"
        rf"(?P<wtarget>(?:this|last|next|the)\s+month|{MONTH_YEAR})",
        _h_week_of,
    ),
    _rule("weekday", rf"(?:(?P<wwhich>last|this\s+past|past|this|next)\s+)?(?P<wd>{WEEKDAY})", _h_weekday),
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
    _rule("date", rf"(?:{WEEKDAY},?\s+)?{DATE}", _h_date),  # "Friday, June 12" is one phrase
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
        rf"(?:between|from)\s+(?P<ra>{POINT})\s+(?:and|to|until|till|through|thru|[-–])\s+(?P<rb>{POINT})",
        range_span,
    ),
    _rule(
        "wdrange",
        rf"(?:between|from)\s+(?:(?P<w1which>last|this)\s+)?(?P<wd1>{WEEKDAY})\s+"
        rf"(?:and|to|until|till|through|thru|[-–])\s+(?:(?:last|this)\s+)?(?P<wd2>{WEEKDAY})",
        weekday_range_span,
    ),
    _rule(
        "dashrange",
        rf"(?P<ra>{ANY_MONTH}\s+{DAYNUM}|{DAYNUM})\s*[-–]\s*(?P<rb>{DAYNUM}\s+{ANY_MONTH}(?:,?\s+{YEAR})?"
        rf"|{DAYNUM}(?:,?\s+{YEAR})?)",
        range_span,
    ),
]
