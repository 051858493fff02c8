"""Relative-time resolution: every expected window below was worked out by hand on a calendar.

Calendar facts used: 2026-06-15 is a Monday (so 2026-06-14 is a Sunday, 2026-06-17 a Wednesday),
2024 is a leap year, 2024-03-15 is a Friday, 2026-03-08 is the day US clocks go forward.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.errors import ConfigError
from agent.retrieve.timephrase import resolve_time, strip_time_phrase
from agent.retrieve.windows import TimeWindow

WED = "2026-06-17T15:00:00+00:00"  # a Wednesday afternoon, UTC
MON = "2026-06-15T09:00:00+00:00"
SUN = "2026-06-14T20:00:00+00:00"
NY_LATE = "2026-06-15T01:30:00+00:00"  # still Sunday 14 June, 21:30, in New York
JUL31_LATE = "2025-07-31T23:00:00+00:00"  # already 1 August, 01:00, in Berlin


def _d(s: str) -> date:
    return date.fromisoformat(s)


# (question, as_of, tz, week_start, expected since, expected until) — dates are local midnights.
ROWS: list[tuple[str, str, str, int, str | None, str]] = [
    # weeks roll: "this week" = days 0-6 back, "last week" = days 7-13 back (week_start unused)
    ("Which head of state announced his resignation this week?", WED, "UTC", 0, "2026-06-11", "2026-06-18"),
    ("What happened this week?", MON, "UTC", 0, "2026-06-09", "2026-06-16"),
    ("What happened this week?", SUN, "UTC", 0, "2026-06-08", "2026-06-15"),
    ("What happened this week?", SUN, "UTC", 6, "2026-06-08", "2026-06-15"),
    ("Who won last week?", MON, "UTC", 0, "2026-06-02", "2026-06-09"),
    ("Who won last week?", SUN, "UTC", 0, "2026-06-01", "2026-06-08"),
    ("Who won last week?", WED, "UTC", 6, "2026-06-04", "2026-06-11"),
    ("What happened in the past week?", WED, "UTC", 0, "2026-06-11", "2026-06-18"),
    ("What changed over the past 3 days?", WED, "UTC", 0, "2026-06-14", "2026-06-18"),
    ("What happened in the last two weeks?", WED, "UTC", 0, "2026-06-03", "2026-06-18"),
    ("What was decided 2 weeks ago?", WED, "UTC", 0, "2026-06-01", "2026-06-08"),
    ("At the start of the week, what did the bank say?", WED, "UTC", 0, "2026-06-15", "2026-06-17"),
    # days
    ("What happened today?", WED, "UTC", 0, "2026-06-17", "2026-06-18"),
    ("What did the minister say yesterday?", WED, "UTC", 0, "2026-06-16", "2026-06-17"),
    ("Who spoke the day before yesterday?", WED, "UTC", 0, "2026-06-15", "2026-06-16"),
    ("What happened three days ago?", WED, "UTC", 0, "2026-06-14", "2026-06-15"),
    ("What happened 10 days ago?", WED, "UTC", 0, "2026-06-07", "2026-06-08"),
    ("What did he say on Monday?", WED, "UTC", 0, "2026-06-15", "2026-06-16"),
    ("What did he say on Monday?", MON, "UTC", 0, "2026-06-15", "2026-06-16"),
    ("What did he say last Monday?", MON, "UTC", 0, "2026-06-08", "2026-06-09"),
    ("What has she done since Monday?", WED, "UTC", 0, "2026-06-15", "2026-06-18"),
    ("What happened over the weekend?", WED, "UTC", 0, "2026-06-13", "2026-06-15"),
    ("What happened this weekend?", SUN, "UTC", 0, "2026-06-13", "2026-06-15"),
    ("What happened last weekend?", SUN, "UTC", 0, "2026-06-06", "2026-06-08"),
    # leap days and month ends
    ("What happened yesterday?", "2024-03-01T12:00:00+00:00", "UTC", 0, "2024-02-29", "2024-03-01"),
    ("Who won the day before yesterday?", "2024-03-01T12:00:00+00:00", "UTC", 0, "2024-02-28", "2024-02-29"),
    ("What happened last month?", "2024-03-15T12:00:00+00:00", "UTC", 0, "2024-02-01", "2024-03-01"),
    ("What happened last month?", "2025-07-31T12:00:00+00:00", "UTC", 0, "2025-06-01", "2025-07-01"),
    ("What happened last month?", "2026-01-10T12:00:00+00:00", "UTC", 0, "2025-12-01", "2026-01-01"),
    ("What happened this month?", JUL31_LATE, "UTC", 0, "2025-07-01", "2025-08-01"),
    ("What happened in the past month?", "2025-03-31T12:00:00+00:00", "UTC", 0, "2025-02-28", "2025-04-01"),
    ("What happened on 29 February?", WED, "UTC", 0, "2024-02-29", "2026-06-18"),
    ("What happened earlier this month?", WED, "UTC", 0, "2026-06-01", "2026-06-17"),
    # years and year boundaries
    ("What happened last year?", "2026-01-01T00:30:00+00:00", "UTC", 0, "2025-01-01", "2026-01-01"),
    ("What happened this year?", WED, "UTC", 0, "2026-01-01", "2026-06-18"),
    ("Who won the election in 2023?", WED, "UTC", 0, "2023-01-01", "2024-01-01"),
    ("What happened in the 1990s?", WED, "UTC", 0, "1990-01-01", "2000-01-01"),
    # time zones: boundaries are local midnights
    ("What happened today?", NY_LATE, "America/New_York", 0, "2026-06-14", "2026-06-15"),
    ("What happened yesterday?", NY_LATE, "America/New_York", 0, "2026-06-13", "2026-06-14"),
    ("What happened this week?", NY_LATE, "America/New_York", 0, "2026-06-08", "2026-06-15"),
    ("What happened this month?", JUL31_LATE, "Europe/Berlin", 0, "2025-08-01", "2025-08-02"),
    ("What happened this year?", "2025-12-31T23:30:00+00:00", "Asia/Tokyo", 0, "2026-01-01", "2026-01-02"),
    # month names (event reading): from the most recent such month, or the named year's, to as_of
    ("What happened in March?", WED, "UTC", 0, "2026-03-01", "2026-06-18"),
    ("What happened in July?", WED, "UTC", 0, "2025-07-01", "2026-06-18"),
    ("What happened in June?", WED, "UTC", 0, "2026-06-01", "2026-06-18"),
    ("What happened in March 2025?", WED, "UTC", 0, "2025-03-01", "2026-06-18"),
    ("What did the court rule in early March?", WED, "UTC", 0, "2026-03-01", "2026-03-11"),
    ("What happened in the last week of May?", WED, "UTC", 0, "2026-05-25", "2026-06-01"),
    # explicit dates (event reading: coverage from that day to as_of) and ranges (publication)
    ("What happened on 14 June?", "2026-06-10T12:00:00+00:00", "UTC", 0, "2025-06-14", "2026-06-11"),
    ("What happened on June 14, 2024?", WED, "UTC", 0, "2024-06-14", "2026-06-18"),
    ("How did stocks close on Friday, June 12?", WED, "UTC", 0, "2026-06-12", "2026-06-18"),
    ("What happened on 2024-06-14?", WED, "UTC", 0, "2024-06-14", "2026-06-18"),
    ("What was announced on 14.06.2024?", WED, "UTC", 0, "2024-06-14", "2026-06-18"),
    ("What has happened since 1 March?", WED, "UTC", 0, "2026-03-01", "2026-06-18"),
    ("What happened after 3 March?", WED, "UTC", 0, "2026-03-04", "2026-06-18"),
    ("What happened between 3 and 10 March?", WED, "UTC", 0, "2026-03-03", "2026-03-11"),
    ("What happened from March 3 to March 10?", WED, "UTC", 0, "2026-03-03", "2026-03-11"),
    ("What happened March 3-10, 2025?", WED, "UTC", 0, "2025-03-03", "2025-03-11"),
    ("What happened from December 20 to January 5?", WED, "UTC", 0, "2025-12-20", "2026-01-06"),
    ("What happened between 2020 and 2023?", WED, "UTC", 0, "2020-01-01", "2024-01-01"),
    ("What happened before 2020?", WED, "UTC", 0, None, "2020-01-01"),
    # quarters and halves
    ("What did GDP do in the first quarter?", WED, "UTC", 0, "2026-01-01", "2026-04-01"),
    ("What did GDP do in the third quarter?", WED, "UTC", 0, "2025-07-01", "2025-10-01"),
    ("How did Apple do in Q1 2025?", WED, "UTC", 0, "2025-01-01", "2025-04-01"),
    ("How did sales go in the second half of 2025?", WED, "UTC", 0, "2025-07-01", "2026-01-01"),
    # weekday ranges: the most recent span that has ended; "last" fixes the start
    ("What happened from Monday to Wednesday?", WED, "UTC", 0, "2026-06-15", "2026-06-18"),
    ("What happened between Thursday and Saturday?", WED, "UTC", 0, "2026-06-11", "2026-06-14"),
    ("What did they agree from Friday through Monday?", WED, "UTC", 0, "2026-06-12", "2026-06-16"),
    ("What happened from last Monday to Wednesday?", MON, "UTC", 0, "2026-06-08", "2026-06-11"),
    # soft recency
    ("What did the central bank say recently?", WED, "UTC", 0, "2026-06-03", "2026-06-18"),
    ("What is the latest on the ceasefire?", WED, "UTC", 0, "2026-06-03", "2026-06-18"),
]


@pytest.mark.parametrize(("question", "as_of", "tz", "week_start", "since", "until"), ROWS)
def test_resolves_to_hand_computed_window(
    question: str, as_of: str, tz: str, week_start: int, since: str | None, until: str
) -> None:
    zone = ZoneInfo(tz)
    w = resolve_time(question, datetime.fromisoformat(as_of), tz=tz, week_start=week_start)
    assert w is not None, question
    expected_since = datetime.combine(_d(since), datetime.min.time(), tzinfo=zone) if since else None
    assert w.since == expected_since
    assert w.until == datetime.combine(_d(until), datetime.min.time(), tzinfo=zone)
    # the returned datetimes are in the asked zone, so .date() is the local calendar date
    assert w.until.date() == _d(until)
    if w.since is not None:
        assert w.since.date() == _d(since or "")
        assert w.since < w.until
    assert w.phrase and w.phrase.lower() in question.lower()


def test_last_week_and_past_week_are_different_windows() -> None:
    """"last week" (days 7-13 back) and "the past week" (days 0-6 back) do not overlap."""
    as_of = datetime.fromisoformat(WED)
    cal = resolve_time("What happened last week?", as_of)
    rolling = resolve_time("What happened in the past week?", as_of)
    assert cal is not None and rolling is not None
    assert (cal.kind, rolling.kind) == ("week", "rolling")
    assert cal.until == rolling.since


NO_TIME = [
    "Who may resign?",
    "How this may affect prices?",
    "What did Mr. Sun say?",
    "What was the March on Washington about?",
    "Why did power fail in 2000 homes?",
    "Who scored in the first half?",
    "What did the second ballot show?",
    "What did the Sunday Times report?",
    "Was Black Friday busy for retailers?",
    "Did seats rise from 5 to 10 in the vote?",
    "What did the president say on 03/04/2024?",  # 3 April or March 4: refused, not guessed
    "Who leads the opposition?",
    "",
]


@pytest.mark.parametrize("question", NO_TIME)
def test_no_time_expression_gives_none(question: str) -> None:
    assert resolve_time(question, datetime.fromisoformat(WED)) is None


def test_future_phrase_is_marked_and_widens_to_recent() -> None:
    w = resolve_time("Who plays next week?", datetime.fromisoformat(WED))
    assert w is not None and w.kind == "future"
    utc = ZoneInfo("UTC")
    assert (w.since, w.until) == (datetime(2026, 6, 22, tzinfo=utc), datetime(2026, 6, 29, tzinfo=utc))
    wider = w.widened()
    assert wider is not None and wider.kind == "recent"
    assert (wider.since, wider.until) == (datetime(2026, 6, 3, tzinfo=utc), datetime(2026, 6, 18, tzinfo=utc))


def _chain(w: TimeWindow | None) -> list[tuple[date | None, date | None, str]]:
    out = []
    while w is not None:
        out.append((w.since.date() if w.since else None, w.until.date() if w.until else None, w.kind))
        w = w.widened()
    return out


def test_widening_a_day_ends_in_none() -> None:
    w = resolve_time("What happened yesterday?", datetime.fromisoformat(WED))
    assert _chain(w) == [
        (_d("2026-06-16"), _d("2026-06-17"), "day"),
        (_d("2026-06-13"), _d("2026-06-18"), "week"),  # 3 days either side, capped at as_of's day
        (_d("2026-05-30"), _d("2026-06-18"), "weeks"),
        (_d("2026-03-01"), _d("2026-06-18"), "quarter"),
        (_d("2025-06-01"), _d("2026-06-18"), "year"),
    ]


def test_widening_a_month_goes_to_quarter_then_year_then_none() -> None:
    w = resolve_time("What happened last month?", datetime.fromisoformat("2024-03-15T12:00:00+00:00"))
    assert _chain(w) == [
        (_d("2024-02-01"), _d("2024-03-01"), "month"),
        (_d("2023-12-01"), _d("2024-03-01"), "quarter"),
        (_d("2023-03-01"), _d("2024-03-01"), "year"),
    ]


@pytest.mark.parametrize("question", ["What happened in 2023?", "What happened before 2020?"])
def test_year_and_open_windows_cannot_widen(question: str) -> None:
    w = resolve_time(question, datetime.fromisoformat(WED))
    assert w is not None and w.widened() is None


def test_boundaries_are_local_midnights_across_dst() -> None:
    """The US clocks go forward on 2026-03-08: that local day lasts 23 hours."""
    w = resolve_time("What happened today?", datetime.fromisoformat("2026-03-08T18:00:00+00:00"),
                     tz="America/New_York")  # fmt: skip
    assert w is not None and w.since is not None and w.until is not None
    assert w.since.utcoffset() == timedelta(hours=-5) and w.until.utcoffset() == timedelta(hours=-4)
    # (aware datetimes sharing a tzinfo subtract as wall time, so compare in UTC)
    assert w.until.astimezone(UTC) - w.since.astimezone(UTC) == timedelta(hours=23)
    assert w.since.astimezone(UTC) == datetime(2026, 3, 8, 5, tzinfo=UTC)


def test_tzinfo_object_and_naive_as_of_are_local() -> None:
    plus9 = timezone(timedelta(hours=9))
    # 20:00 UTC on the 14th is 05:00 on the 15th at UTC+9
    w = resolve_time("today?", datetime(2026, 6, 14, 20, tzinfo=UTC), tz=plus9)
    assert w is not None and w.since == datetime(2026, 6, 15, tzinfo=plus9)
    naive = resolve_time("yesterday?", datetime(2026, 6, 15, 0, 30), tz="Asia/Tokyo")
    assert naive is not None and naive.since == datetime(2026, 6, 14, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_bad_settings_give_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        resolve_time("today", datetime.fromisoformat(WED), tz="Mars/Olympus")
    with pytest.raises(ConfigError, match="week_start=7"):
        resolve_time("today", datetime.fromisoformat(WED), week_start=7)


def test_longest_phrase_wins() -> None:
    w = resolve_time("Between 3 and 10 March, what happened?", datetime.fromisoformat(WED))
    assert w is not None and w.kind == "range" and w.phrase == "Between 3 and 10 March"
    w = resolve_time("What did she say on Monday, 1 June?", datetime.fromisoformat(WED))
    assert w is not None and w.phrase == "on Monday, 1 June" and w.since is not None
    assert w.since.date() == date(2026, 6, 1)


# A comparison's baseline ("up from a year ago") is not the period asked about: found by the
# Reuters bench, where "up from a year earlier this week" was resolved to the comparison year
# (or to "earlier this week", before the day of the report).
@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("By how much was U.S. oil demand up from a year ago in this week's figures?", "in this week"),
        ("By what percentage was electric output up from a year earlier this week?", "this week"),
        ("What was M-1 this week, compared with a year ago?", "this week"),
        ("Was output higher than last month this week?", "this week"),
        ("Sales rose 5% from last year; what about this month?", "this month"),
        ("How did prices change this week versus 2025?", "this week"),
        ("What happened between 3 and 10 March, against last year?", "between 3 and 10 March"),
        ("What happened from 3 March to 10 March?", "from 3 March to 10 March"),
        ("What did he say earlier this week?", "earlier this week"),
    ],
)  # fmt: skip
def test_comparison_baseline_is_not_the_window(question: str, phrase: str) -> None:
    w = resolve_time(question, datetime.fromisoformat(WED))
    assert w is not None and w.phrase == phrase
    assert w.since is not None and w.since.date() >= date(2026, 3, 1)


@pytest.mark.parametrize(
    "question",
    ["Is oil demand higher than a year ago?", "How much did inflation rise from last year?",
     "What is the price compared with last week?"],
)  # fmt: skip
def test_a_comparison_alone_gives_no_window(question: str) -> None:
    assert resolve_time(question, datetime.fromisoformat(WED)) is None


def test_a_year_ago_on_its_own_is_still_a_window() -> None:
    w = resolve_time("What did the minister promise a year ago?", datetime.fromisoformat(WED))
    assert w is not None and w.since is not None and w.since.year == 2025


@pytest.mark.parametrize(
    ("question", "stripped"),
    [
        ("Which head of state announced his resignation this week?",
         "Which head of state announced his resignation?"),
        ("What was last week's big story?", "What was big story?"),
        ("Since 1 March, who has resigned?", "who has resigned?"),
        ("What is the latest on the ceasefire?", "What is on the ceasefire?"),
        ("What did the PM say over the weekend about taxes?", "What did the PM say about taxes?"),
    ],
)  # fmt: skip
def test_strip_time_phrase(question: str, stripped: str) -> None:
    w = resolve_time(question, datetime.fromisoformat(WED))
    assert w is not None
    assert strip_time_phrase(question, w) == stripped


def test_strip_leaves_question_alone_when_phrase_absent() -> None:
    w = TimeWindow(None, None, "next year", "future")
    assert strip_time_phrase("Who won?", w) == "Who won?"


# --------------------------------------------------------------------------- the phrase table
# Every phrase of the README's table, asked at 10:00 UTC on each day of the week of Monday
# 15 June 2026 .. Sunday 21 June 2026. Each row lists the expected [since, until) local dates
# for Mon, Tue, Wed, Thu, Fri, Sat, Sun, worked out by hand on a calendar ("MM-DD..MM-DD",
# 2026 unless a year is given). For event phrases the dates are the coverage window.
WEEK_OF = [f"2026-06-{d}T10:00:00+00:00" for d in range(15, 22)]
WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
ROLLING_WEEK = ["06-09..06-16", "06-10..06-17", "06-11..06-18", "06-12..06-19", "06-13..06-20",
                "06-14..06-21", "06-15..06-22"]  # fmt: skip
LAST_WEEK = ["06-02..06-09", "06-03..06-10", "06-04..06-11", "06-05..06-12", "06-06..06-13",
             "06-07..06-14", "06-08..06-15"]  # fmt: skip
WEEK_TO_DATE = ["06-15..06-16", "06-15..06-17", "06-15..06-18", "06-15..06-19", "06-15..06-20",
                "06-15..06-21", "06-15..06-22"]  # fmt: skip
MONTH_TO_DATE = ["06-01..06-16", "06-01..06-17", "06-01..06-18", "06-01..06-19", "06-01..06-20",
                 "06-01..06-21", "06-01..06-22"]  # fmt: skip
PHRASE_TABLE: list[tuple[str, str, list[str]]] = [
    # (question, kind, expected per weekday)
    ("What happened this week?", "rolling", ROLLING_WEEK),
    ("What happened this past week?", "rolling", ROLLING_WEEK),
    ("What happened in the past week?", "rolling", ROLLING_WEEK),
    ("What happened over the last week?", "rolling", ROLLING_WEEK),
    ("Who is in the news these days?", "rolling", ROLLING_WEEK),
    ("What happened in the past few days?", "rolling", ROLLING_WEEK),
    ("What happened over the past several days?", "rolling", ROLLING_WEEK),
    ("What happened in the past couple of days?", "rolling",
     ["06-12..06-16", "06-13..06-17", "06-14..06-18", "06-15..06-19", "06-16..06-20",
      "06-17..06-21", "06-18..06-22"]),
    ("Who won last week?", "week", LAST_WEEK),
    ("Who won the previous week?", "week", LAST_WEEK),
    ("What has happened so far this week?", "week", WEEK_TO_DATE),
    ("What has happened this week so far?", "week", WEEK_TO_DATE),
    ("What has she done since Monday?", "since", WEEK_TO_DATE),
    ("What did he say earlier this week?", "week",
     ["06-15..06-16", "06-15..06-16", "06-15..06-17", "06-15..06-18", "06-15..06-19",
      "06-15..06-20", "06-15..06-21"]),
    ("What happened this weekend?", "weekend",
     ["06-13..06-15", "06-13..06-15", "06-13..06-15", "06-13..06-15", "06-13..06-15",
      "06-20..06-21", "06-20..06-22"]),
    ("What happened over the weekend?", "weekend",
     ["06-13..06-15", "06-13..06-15", "06-13..06-15", "06-13..06-15", "06-13..06-15",
      "06-20..06-21", "06-20..06-22"]),
    ("What happened last weekend?", "weekend", ["06-13..06-15"] * 7),
    ("What happened today?", "day",
     ["06-15..06-16", "06-16..06-17", "06-17..06-18", "06-18..06-19", "06-19..06-20",
      "06-20..06-21", "06-21..06-22"]),
    ("What happened yesterday?", "day",
     ["06-14..06-15", "06-15..06-16", "06-16..06-17", "06-17..06-18", "06-18..06-19",
      "06-19..06-20", "06-20..06-21"]),
    ("What happened the day before yesterday?", "day",
     ["06-13..06-14", "06-14..06-15", "06-15..06-16", "06-16..06-17", "06-17..06-18",
      "06-18..06-19", "06-19..06-20"]),
    ("What did he say on Monday?", "day", ["06-15..06-16"] * 7),
    ("What did he say last Monday?", "day", ["06-08..06-09"] + ["06-15..06-16"] * 6),
    ("What did he say on Friday?", "day", ["06-12..06-13"] * 4 + ["06-19..06-20"] * 3),
    ("What changed over the past 3 days?", "rolling",
     ["06-12..06-16", "06-13..06-17", "06-14..06-18", "06-15..06-19", "06-16..06-20",
      "06-17..06-21", "06-18..06-22"]),
    ("What was decided two weeks ago?", "week", ["06-01..06-08"] * 7),
    ("What did the bank say recently?", "recent",
     ["06-01..06-16", "06-02..06-17", "06-03..06-18", "06-04..06-19", "06-05..06-20",
      "06-06..06-21", "06-07..06-22"]),
    ("What happened this month?", "month", MONTH_TO_DATE),
    ("What has happened so far this month?", "month", MONTH_TO_DATE),
    ("What happened last month?", "month", ["05-01..06-01"] * 7),
    ("What happened in the past month?", "rolling",
     ["05-15..06-16", "05-16..06-17", "05-17..06-18", "05-18..06-19", "05-19..06-20",
      "05-20..06-21", "05-21..06-22"]),
    ("What happened this year?", "year",
     ["01-01..06-16", "01-01..06-17", "01-01..06-18", "01-01..06-19", "01-01..06-20",
      "01-01..06-21", "01-01..06-22"]),
    ("What happened last year?", "year", ["2025-01-01..2026-01-01"] * 7),
    ("What has happened since 1 June?", "since", MONTH_TO_DATE),
    ("What was said about the June 12 vote?", "event",
     ["06-12..06-16", "06-12..06-17", "06-12..06-18", "06-12..06-19", "06-12..06-20",
      "06-12..06-21", "06-12..06-22"]),
    ("What did the hearings find about the March 2020 lockdown?", "event",
     ["2020-03-01..2026-06-16", "2020-03-01..2026-06-17", "2020-03-01..2026-06-18",
      "2020-03-01..2026-06-19", "2020-03-01..2026-06-20", "2020-03-01..2026-06-21",
      "2020-03-01..2026-06-22"]),
]  # fmt: skip


def _span(text: str) -> tuple[date, date]:
    a, b = text.split("..")
    return (_d(a if len(a) == 10 else f"2026-{a}"), _d(b if len(b) == 10 else f"2026-{b}"))


@pytest.mark.parametrize("weekday", range(7), ids=WEEKDAY_NAMES)
@pytest.mark.parametrize(("question", "kind", "expected"), PHRASE_TABLE, ids=[r[0] for r in PHRASE_TABLE])
def test_phrase_table_on_every_weekday(question: str, kind: str, expected: list[str], weekday: int) -> None:
    as_of = datetime.fromisoformat(WEEK_OF[weekday])
    assert as_of.weekday() == weekday  # the calendar fact the table relies on
    w = resolve_time(question, as_of)
    assert w is not None and w.since is not None and w.until is not None, question
    assert (w.since.date(), w.until.date()) == _span(expected[weekday])
    assert w.kind == kind
    # never past the asking day, and every window contains something up to it
    assert w.until.date() <= as_of.date() + timedelta(days=1) and w.since < w.until


def test_this_week_holds_last_sundays_article_when_asked_on_thursday() -> None:
    """The issue's quiz case: asked Thursday 16 June 2022, the article is from Sunday 12 June."""
    w = resolve_time("Senators agreed on a river cleanup bill this week: how much would it spend?",
                     datetime(2022, 6, 16, 12, tzinfo=UTC))  # fmt: skip
    assert w is not None and w.since is not None and w.until is not None
    assert w.since.date() <= date(2022, 6, 12) < w.until.date()


@pytest.mark.parametrize(
    ("question", "as_of", "event", "coverage_since"),
    [
        ("What did the hearings reveal about the January 6 attack?", "2022-07-14T12:00:00+00:00",
         ("2022-01-06", "2022-01-07"), "2022-01-06"),
        ("What did the hearings reveal about the January 6, 2021 attack?", "2022-07-14T12:00:00+00:00",
         ("2021-01-06", "2021-01-07"), "2021-01-06"),
        ("How did the March 2020 lockdown affect sales?", "2022-07-14T12:00:00+00:00",
         ("2020-03-01", "2020-04-01"), "2020-03-01"),
        ("What happened on 2024-06-14?", WED, ("2024-06-14", "2024-06-15"), "2024-06-14"),
    ],
)  # fmt: skip
def test_event_dates_are_not_publication_windows(
    question: str, as_of: str, event: tuple[str, str], coverage_since: str
) -> None:
    moment = datetime.fromisoformat(as_of)
    w = resolve_time(question, moment)
    assert w is not None and w.kind == "event"
    assert w.event_since is not None and w.event_until is not None and w.since is not None
    assert (w.event_since.date(), w.event_until.date()) == (_d(event[0]), _d(event[1]))
    assert w.since.date() == _d(coverage_since)
    assert w.until is not None and w.until.date() == moment.date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("question", "phrase", "kind"),
    [
        ("What was reported in the past week about the January 6 attack?", "in the past week", "rolling"),
        ("What did the papers say yesterday about the March 2020 lockdown?", "yesterday", "day"),
        ("What has been said since 1 March?", "since 1 March", "since"),
        ("What happened before 14 June?", "before 14 June", "before"),
    ],
)  # fmt: skip
def test_a_reporting_frame_beats_an_event_date(question: str, phrase: str, kind: str) -> None:
    w = resolve_time(question, datetime.fromisoformat(WED))
    assert w is not None and (w.phrase, w.kind) == (phrase, kind)
    assert w.event_since is None


def test_event_date_in_the_future_is_future() -> None:
    w = resolve_time("What will happen on 1 July 2026?", datetime.fromisoformat(WED))
    assert w is not None and w.kind == "future"
