"""Handlers of the two range phrases: "between 3 and 10 March" (dates, months or years) and
"from Monday to Wednesday" (weekdays).

The longest handlers (a range borrows a missing month or year from its other end and decides
which year an undated range lies in), kept apart so ``timerules`` reads as the list of rules.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from agent.retrieve.timewords import WEEKDAYS, parse_point
from agent.retrieve.windows import AskingDay, DaySpan, add_months, recent_year


def range_span(m: re.Match[str], ctx: AskingDay) -> DaySpan | None:
    """between 3 and 10 March / from March 3 to March 10 / March 3–10 / between 2020 and 2023.

    Both ends are inclusive as read (until = the day, month or year after the end). A missing
    month or year is taken from the other end; with no year at all the start is the most recent
    such date not after as_of and the end follows it (December 20 – January 5 crosses the new
    year). Bare numbers with no month or year anywhere ("from 5 to 10 people") are not dates.
    """
    a, b = parse_point(m.group("ra")), parse_point(m.group("rb"))
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
        ay = recent_year(ctx.today, a_month, a.day or 1)
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
        until = add_months(end, 1)
    else:
        until = date(end.year + 1, 1, 1)
    return DaySpan(start, until, "range")


def weekday_range_span(m: re.Match[str], ctx: AskingDay) -> DaySpan:
    """from Monday to Wednesday / between Tuesday and Friday: the most recent such span that
    has ended by today ("from Monday to Wednesday" asked on a Tuesday is last week's);
    "from last Monday to Wednesday" starts at last Monday. Both days inclusive."""
    wd1, wd2 = WEEKDAYS[m.group("wd1").lower()], WEEKDAYS[m.group("wd2").lower()]
    span = (wd2 - wd1) % 7
    today = ctx.today
    if (m.group("w1which") or "").lower() == "last":
        start = today - timedelta(days=(today.weekday() - wd1) % 7 or 7)
        end = start + timedelta(days=span)
    else:
        end = today - timedelta(days=(today.weekday() - wd2) % 7)
        start = end - timedelta(days=span)
    return DaySpan(start, end + timedelta(days=1), "range")
