"""agent/text/numbers.py: one reader per way a caller compares numbers."""

from __future__ import annotations

import pytest

from agent.text.numbers import (
    COUNT_WORDS,
    NUMBER_WORDS,
    amount,
    canonical_number,
    digits_in,
    figure_candidates,
    figures,
    has_value,
    number_words_in,
    numbers_in,
    parse_amount,
    plain_number,
    stated_numbers,
    token_number,
    values_in,
)


def test_two_and_2_are_the_same_number() -> None:
    assert numbers_in("two hours") == numbers_in("2 hours") == {"2"}
    assert token_number("two") == token_number("2") == "2"


def test_dollar_1200_reads_as_1200_everywhere() -> None:
    assert digits_in("$1,200") == {"1200"}
    assert plain_number("1,200") == "1200"
    assert parse_amount("$1,200") == 1200.0
    assert values_in(["$1,200"]) == [1200.0]


@pytest.mark.parametrize(
    "token,canon", [("1,200", "1200"), ("1.50", "1.5"), ("07", "7"), ("2.0", "2"), ("0", "0")]
)
def test_canonical_number(token: str, canon: str) -> None:
    assert canonical_number(token) == canon


def test_summaries_compare_by_value_answers_as_written() -> None:
    """The one deliberate disagreement: a summary's "1.50" is "1.5"; an answer's stays "1.50"."""
    assert digits_in("1.50") == {"1.5"}
    assert token_number("1.50") == "1.50"


def test_count_words_leave_out_one_and_scale_words() -> None:
    assert "one" in NUMBER_WORDS and "one" not in COUNT_WORDS  # "one of the ministers"
    assert token_number("one") is None and token_number("thousand") is None
    assert COUNT_WORDS["twenty"] == "20" and COUNT_WORDS["ninety"] == "90"
    assert set(COUNT_WORDS) < set(NUMBER_WORDS)
    assert number_words_in("half a dozen") == {"0.5", "12"}


def test_scale_words_and_ordinals() -> None:
    assert amount("$240 billion") == (240.0, 2.4e11)
    assert parse_amount("240bn") == 2.4e11 and parse_amount("40%") == 40.0 and parse_amount("none") is None
    got = stated_numbers("In Q4, the 5th report said $18.4 million")
    assert [(s.token, s.raw, s.scaled, s.ordinal) for s in got] == [
        ("5th", 5.0, 5.0, True),
        ("18.4 million", 18.4, 1.84e7, False),
    ]  # "Q4" is a label, not a number
    assert has_value(values_in(["18.4 million", "two"]), 1.84e7)
    assert has_value(values_in(["two"]), 2.0)


def test_figures_and_candidates() -> None:
    s = "Trade reached $9.7 billion, up 26.3%, and 312 homes were evacuated."
    assert figures(s) == {"$9.7billion", "26.3%"}
    assert figure_candidates(s) == ["$9.7 billion", "26.3%", "312 homes"]
