"""agent/text/dates.py: the one parser for dates a user types, and its end-of-day rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent.chat import CommandError
from agent.cli.slash import parse_date
from agent.text.dates import as_utc, names_time_of_day, parse_user_date

NOW = datetime(2026, 6, 20, tzinfo=UTC)
LAST = (23, 59, 59, 999999)


def _clock(d: datetime) -> tuple[int, int, int, int]:
    return d.hour, d.minute, d.second, d.microsecond


@pytest.mark.parametrize("value", ["2026-03-12", "12 March 2026", "March 12, 2026", "2026/03/12"])
def test_a_bare_day_as_an_upper_bound_is_its_last_moment(value: str) -> None:
    end = parse_user_date(value, end_of_day=True, now=NOW)
    assert end.date().isoformat() == "2026-03-12" and _clock(end) == LAST and end.tzinfo is UTC
    start = parse_user_date(value, now=NOW)
    assert start == datetime(2026, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "value,clock",
    [
        ("2026-03-12T08:30", (8, 30, 0, 0)),
        ("2026-03-12 08:30", (8, 30, 0, 0)),
        ("2026-03-12T00", (0, 0, 0, 0)),  # an explicit midnight is kept (chat used to move it)
        ("2026-03-12 5pm", (17, 0, 0, 0)),  # the CLI used to make this 23:59:59
        ("2026-03-12 5 PM", (17, 0, 0, 0)),
        ("2026-03-12 12 AM", (0, 0, 0, 0)),
    ],
)
def test_a_day_with_a_time_of_day_is_kept_as_given(value: str, clock: tuple[int, int, int, int]) -> None:
    assert names_time_of_day(value)
    assert _clock(parse_user_date(value, end_of_day=True, now=NOW)) == clock


def test_missing_parts_come_from_january_first_of_this_year() -> None:
    assert parse_user_date("March 2026", now=NOW) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_user_date("14 March", now=NOW) == datetime(2026, 3, 14, tzinfo=UTC)
    assert parse_user_date("March 2026", end_of_day=True, now=NOW).date().isoformat() == "2026-03-01"


def test_a_given_zone_is_kept_and_naive_means_utc() -> None:
    got = parse_user_date("2026-03-12T08:30+01:00", now=NOW)
    assert got.utcoffset() == timedelta(hours=1)
    assert as_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
    aware = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5)))
    assert as_utc(aware) is aware


def test_not_a_date_is_a_value_error_and_a_command_error_in_chat() -> None:
    with pytest.raises(ValueError):
        parse_user_date("next blursday")
    with pytest.raises(CommandError, match=r"until 'next blursday' is not a date"):
        parse_date("next blursday", "until", end_of_day=True)


def test_cli_and_chat_read_until_the_same_way() -> None:
    from agent.cli.common import parse_date_option as _parse_date

    for value in ("2026-03-12", "2026-03-12 5pm", "2026-03-12T00", "12 March 2026 08:15"):
        assert _parse_date(value, "--until") == parse_date(value, "until", end_of_day=True)
