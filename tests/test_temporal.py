"""Time-aware asking: "this week", "last week" and "yesterday" pick the right week's article.

The fixture corpus is the same story reported in different weeks with different figures (the
weekly petrol price, a flood's damaged-homes count), plus unrelated articles. Retrieval-level
checks run with the real index and embedder and no language model; the end-to-end checks ask
the real local model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent import Agent
from agent.temporal import prefer_recent
from agent.types import Passage
from tests.fakes import ForbiddenModel


@contextmanager
def model_forbidden(agent: Agent) -> Iterator[None]:
    """Any use of ``agent.chat_model`` inside the block fails the test, loaded model or not."""
    saved = agent.__dict__.get("chat_model", None)
    agent.__dict__["chat_model"] = ForbiddenModel()
    try:
        yield
    finally:
        if saved is None:
            del agent.__dict__["chat_model"]
        else:
            agent.__dict__["chat_model"] = saved


WEEKLY = [
    # (published, price per litre, weekly change)
    ("2026-05-05T09:00:00+00:00", "1.62", "up 3 cents"),
    ("2026-05-12T09:00:00+00:00", "1.71", "up 9 cents"),
    ("2026-05-19T09:00:00+00:00", "1.58", "down 13 cents"),
]


def _write_corpus(folder: Path) -> None:
    folder.mkdir()
    for i, (published, price, change) in enumerate(WEEKLY, 1):
        (folder / f"petrol_{i}.txt").write_text(
            f"Title: Weekly fuel watch: petrol averages ${price} a litre\n"
            f"Source: Riverside Herald\nDate: {published}\n\n"
            f"The average price of regular petrol in Riverside stood at ${price} a litre this week, "
            f"{change} on the week before, according to the motoring association's weekly survey "
            f"of 48 filling stations.\n\n"
            f"Diesel followed a similar path. The association said crude oil prices and the "
            f"exchange rate explained most of the movement, and advised drivers to compare prices "
            f"between stations before filling up.\n",
            encoding="utf-8",
        )
    (folder / "library.txt").write_text(
        "Title: Riverside library extends weekend opening hours\nSource: Riverside Herald\n"
        "Date: 2026-05-13T08:00:00+00:00\n\n"
        "The central library will open on Sundays from June, the council said, after a survey "
        "in which 1,200 residents asked for longer weekend hours.\n",
        encoding="utf-8",
    )
    (folder / "match.txt").write_text(
        "Title: Riverside United win the county cup\nSource: Valley Courier\n"
        "Date: 2026-05-18T20:00:00+00:00\n\n"
        "Riverside United beat Millbrook Town 2-1 in the county cup final on Sunday in front of "
        "a crowd of 6,400 at the Ash Road ground.\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    root = tmp_path_factory.mktemp("temporal")
    _write_corpus(root / "articles")
    a = Agent(index_path=root / "index")
    report = a.ingest([str(root / "articles")])
    assert report.failed == 0 and report.added == 5
    return a


def _dates(passages: list[Passage]) -> set[str]:
    return {p.published.date().isoformat() for p in passages if p.published}


def _petrol_dates(passages: list[Passage]) -> set[str]:
    return _dates([p for p in passages if "fuel watch" in p.title])


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "as_of", "expected_day"),
    [
        ("What is the average petrol price this week?", "2026-05-13", "2026-05-12"),
        ("What was the average petrol price last week?", "2026-05-13", "2026-05-05"),
        ("What was the average petrol price yesterday?", "2026-05-20", "2026-05-19"),
        ("What is the average petrol price this week?", "2026-05-06", "2026-05-05"),
    ],
)
def test_time_phrase_selects_that_weeks_article(
    agent: Agent, question: str, as_of: str, expected_day: str
) -> None:
    passages = agent.search(question, as_of=at(as_of))
    assert passages, "the right week's article must be found"
    assert _petrol_dates(passages) == {expected_day}


def test_todays_date_is_told_to_the_model_only_when_time_matters(agent: Agent) -> None:
    """A standing "Today's date" made the 1.5B turn "on Monday" in undated QuAIL articles into
    today's calendar date; the date goes into the prompt only with a time phrase or a replay."""
    from agent.temporal import retrieve_as_of

    plain = retrieve_as_of(agent.retriever, "How much does petrol cost?", k=3)
    assert "Today's date" not in plain.note
    phrased = retrieve_as_of(agent.retriever, "How much does petrol cost this week?", k=3)
    assert "Today's date" in phrased.note and '"this week" means' in phrased.note
    replay = retrieve_as_of(agent.retriever, "How much does petrol cost?", k=3, as_of=at("2026-05-13"))
    assert "Today's date: " in replay.note and "2026" in replay.note


def test_replaying_a_past_day_never_uses_later_articles(agent: Agent) -> None:
    passages = agent.search("How much does petrol cost?", as_of=at("2026-05-06"))
    assert passages and max(_dates(passages)) <= "2026-05-06"


def test_week_without_coverage_is_not_in_sources_without_a_model(agent: Agent) -> None:
    with model_forbidden(agent):
        answer = agent.ask("What is the average petrol price this week?", as_of=at("2026-05-29"))
    assert answer.status == "not_in_sources" and not answer.citations
    assert "nearest coverage" in answer.text and "2026-05-19" in answer.text
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest_only"
    assert answer.retrieval.time_phrase == "this week"


def test_nearest_coverage_message_does_not_place_an_undated_article() -> None:
    from agent.temporal import nothing_in_window_text

    def p(published: datetime | None) -> Passage:
        return Passage(
            chunk_id="c", article_id="a", title="Senate debate", text="x", start=0, end=1, published=published
        )

    label = "26 November 2026"
    assert (
        nothing_in_window_text(label, None)
        == "The indexed articles have nothing on this from 26 November 2026."
    )
    dated = nothing_in_window_text(label, p(datetime(2026, 5, 19, tzinfo=UTC)))
    assert '"Senate debate" (2026-05-19), outside that period' in dated
    undated = nothing_in_window_text(label, p(None))
    assert "no publication date" in undated and "outside that period" not in undated
    assert "without the time phrase" in undated


def test_no_time_phrase_prefers_recent_among_equals() -> None:
    def p(day: str, score: float) -> Passage:
        return Passage(
            chunk_id=day,
            article_id=day,
            title=day,
            text="x",
            start=0,
            end=1,
            score=score,
            published=datetime.fromisoformat(day).replace(tzinfo=UTC),
        )

    equal = [p("2026-05-05", 0.0160), p("2026-05-19", 0.0160), p("2026-05-12", 0.0160)]
    assert [x.article_id for x in prefer_recent(equal)] == ["2026-05-19", "2026-05-12", "2026-05-05"]
    # a clearly better older passage keeps its place: a preference, not a cut
    clear = [p("2026-05-05", 0.0164), p("2026-05-19", 0.0150)]
    assert [x.article_id for x in prefer_recent(clear)] == ["2026-05-05", "2026-05-19"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("as_of", "question", "price", "day"),
    [
        ("2026-05-13", "What is the average petrol price this week?", "1.71", "2026-05-12"),
        ("2026-05-13", "What was the average petrol price last week?", "1.62", "2026-05-05"),
    ],
)
def test_real_model_answers_with_that_weeks_figure(
    agent: Agent, as_of: str, question: str, price: str, day: str
) -> None:
    answer = agent.ask(question, as_of=at(as_of))
    assert answer.status in ("answered", "partial"), answer
    assert price in answer.text
    assert answer.citations and {c.published.date().isoformat() for c in answer.citations if c.published} == {
        day
    }
    for c in answer.citations:
        assert agent.get(c.article_id).text[c.start : c.end] == c.quote


def test_since_last_briefing_is_remembered_per_index(agent: Agent) -> None:
    from agent.errors import ConfigError

    with pytest.raises(ConfigError, match="no briefing has been made"):
        agent.brief(since="last")
    when = datetime(2026, 5, 14, 7, 30, tzinfo=UTC)
    agent.store.set_marker("last_briefing", when)
    assert agent.store.get_marker("last_briefing") == when
    # nothing was published after the marker that matches this topic window's end
    from agent.brief import NoArticlesError

    with model_forbidden(agent), pytest.raises(NoArticlesError):
        agent.brief(since="last", until=datetime(2026, 5, 14, 23, 0, tzinfo=UTC))
