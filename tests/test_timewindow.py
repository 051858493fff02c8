"""Relative-time resolution: every expected window below was worked out by hand on a calendar.

Calendar facts used: 2026-06-15 is a Monday (so 2026-06-14 is a Sunday, 2026-06-17 a Wednesday),
2024 is a leap year, 2024-03-15 is a Friday, 2026-03-08 is the day US clocks go forward.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agent.errors import ConfigError
from agent.timewindow import TimeWindow, resolve_time, strip_time_phrase

WED = "2026-06-17T15:00:00+00:00"  # a Wednesday afternoon, UTC
MON = "2026-06-15T09:00:00+00:00"
SUN = "2026-06-14T20:00:00+00:00"
NY_LATE = "2026-06-15T01:30:00+00:00"  # still Sunday 14 June, 21:30, in New York
JUL31_LATE = "2025-07-31T23:00:00+00:00"  # already 1 August, 01:00, in Berlin


def _d(s: str) -> date:
    return date.fromisoformat(s)


# (question, as_of, tz, week_start, expected since, expected until) — dates are local midnights.
ROWS: list[tuple[str, str, str, int, str | None, str]] = [
    # weeks, and where they start
    ("Which head of state announced his resignation this week?", WED, "UTC", 0, "2026-06-15", "2026-06-18"),
    ("What happened this week?", MON, "UTC", 0, "2026-06-15", "2026-06-16"),
    ("What happened this week?", SUN, "UTC", 0, "2026-06-08", "2026-06-15"),
    ("What happened this week?", SUN, "UTC", 6, "2026-06-14", "2026-06-15"),
    ("Who won last week?", MON, "UTC", 0, "2026-06-08", "2026-06-15"),
    ("Who won last week?", SUN, "UTC", 0, "2026-06-01", "2026-06-08"),
    ("Who won last week?", WED, "UTC", 6, "2026-06-07", "2026-06-14"),
    ("What happened in the past week?", WED, "UTC", 0, "2026-06-10", "2026-06-18"),
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
    ("What happened on 29 February?", WED, "UTC", 0, "2024-02-29", "2024-03-01"),
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
    # month names: the most recent one not after as_of, or the named year
    ("What happened in March?", WED, "UTC", 0, "2026-03-01", "2026-04-01"),
    ("What happened in July?", WED, "UTC", 0, "2025-07-01", "2025-08-01"),
    ("What happened in June?", WED, "UTC", 0, "2026-06-01", "2026-06-18"),
    ("What happened in March 2025?", WED, "UTC", 0, "2025-03-01", "2025-04-01"),
    ("What did the court rule in early March?", WED, "UTC", 0, "2026-03-01", "2026-03-11"),
    ("What happened in the last week of May?", WED, "UTC", 0, "2026-05-25", "2026-06-01"),
    # explicit dates and ranges
    ("What happened on 14 June?", "2026-06-10T12:00:00+00:00", "UTC", 0, "2025-06-14", "2025-06-15"),
    ("What happened on June 14, 2024?", WED, "UTC", 0, "2024-06-14", "2024-06-15"),
    ("How did stocks close on Friday, June 12?", WED, "UTC", 0, "2026-06-12", "2026-06-13"),
    ("What happened on 2024-06-14?", WED, "UTC", 0, "2024-06-14", "2024-06-15"),
    ("What was announced on 14.06.2024?", WED, "UTC", 0, "2024-06-14", "2024-06-15"),
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


def test_ago_and_past_week_are_different_windows() -> None:
    """Calendar "last week" and rolling "the past week" are different windows."""
    as_of = datetime.fromisoformat(WED)
    cal = resolve_time("What happened last week?", as_of)
    rolling = resolve_time("What happened in the past week?", as_of)
    assert cal is not None and rolling is not None
    assert (cal.kind, rolling.kind) == ("week", "rolling")
    assert cal.since != rolling.since


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
