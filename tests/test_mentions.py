"""Dates and figure context read from article text without a model (agent/text/mentions.py)."""

from __future__ import annotations

import pytest

from agent.summary.sentence_summary import unit_of
from agent.text.mentions import date_mentions, quoted_span, speaker_of, words_around


def spans_text(text: str) -> list[str]:
    return [text[a:b] for a, b in date_mentions(text)]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Putin and Xi met in Beijing on May 16, 2024.", ["May 16, 2024"]),
        ("The vote on 5 March 2026 was delayed until Friday.", ["5 March 2026", "until Friday"]),
        ("Talks resume on Tuesday morning and end next Friday.", ["on Tuesday morning", "next Friday"]),
        ("Prices peaked in March 2020 and fell by 2021-01-06.", ["March 2020", "2021-01-06"]),
        ("He said may be later; Sunday papers agreed.", []),  # "may" and a bare weekday are not dates
    ],
)
def test_date_mentions(text: str, want: list[str]) -> None:
    assert spans_text(text) == want


def test_dates_do_not_overlap() -> None:
    text = "It happened on March 5, 2026 in March 2026 terms."
    found = list(date_mentions(text))
    assert all(b <= c for (_, b), (c, _) in zip(found, found[1:], strict=False))
    assert spans_text(text)[0] == "March 5, 2026"


def test_words_around_is_verbatim_and_marks_cuts() -> None:
    text = ("After a long night of talks in the capital, ministers agreed that the fund would grow "
            "to $9.7 billion by 2030, officials said on the record and off it too.")
    at = text.index("$9.7 billion")
    around = words_around(text, at, at + len("$9.7 billion"), words=5)
    assert around == "… the fund would grow to $9.7 billion by 2030, officials said on …"
    short = "Trade hit $240 billion."
    at = short.index("$240")
    assert words_around(short, at, at + 12) == "Trade hit $240 billion."


def test_words_around_stops_at_a_clause_break() -> None:
    text = "Results: revenue rose 12% to a record; costs fell."
    at = text.index("12%")
    assert words_around(text, at, at + 3) == "… revenue rose 12% to a record …"


@pytest.mark.parametrize(
    ("value", "unit"),
    [("$240 billion", "USD"), ("£3m", "GBP"), ("€12", "EUR"), ("7.5%", "percent"),
     ("40 per cent", "percent"), ("300 people", "")],
)
def test_unit_of(value: str, unit: str) -> None:
    assert unit_of(value) == unit


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ('"We will not back down," said Foreign Minister Wang Yi on Monday.', "Foreign Minister Wang Yi"),
        ('Putin said: "China is our main partner in trade."', "Putin"),
        ('According to Jim Mann, "he has conducted himself superbly".', "Jim Mann"),
        ('"It was a great night for the club," he said.', ""),  # a pronoun: no guess
        ('"Trade set a new record this year," the Russian president assured.', "the Russian president"),
        ('"We will respond," Ursula Lind\u2019s aide told reporters.', "Ursula Lind\u2019s aide"),
        ('"No comment on that matter," said Putin\u2019s spokesman.', ""),
    ],
)
def test_speaker_of_reads_the_attribution(sentence: str, speaker: str) -> None:
    q = quoted_span(sentence)
    assert q is not None
    assert speaker_of(sentence, *q) == speaker


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("\u201cChina is Russia\u2019s main partner,\u201d he said.", "China is Russia\u2019s main partner,"),
        ('He called it "a very good deal for us" and left.', "a very good deal for us"),
        ("She said \u2018we are not done yet\u2019 and smiled.", "we are not done yet"),
        ("The club\u2019s \u201cfan\u201d zone and Putin\u2019s visit.", None),  # too short; apostrophes
    ],
)
def test_quoted_span_keeps_apostrophes_inside(sentence: str, quoted: str | None) -> None:
    q = quoted_span(sentence)
    assert (sentence[q[0] : q[1]] if q else None) == quoted


def test_a_weekday_beside_its_date_is_one_mention() -> None:
    assert spans_text("The summit was held this Thursday, May 16, 2024, in Beijing.") == ["May 16, 2024"]
