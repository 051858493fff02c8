"""Time-aware asking: "this week", "last week" and "yesterday" pick the right week's article.

The fixture corpus is the same story reported in different weeks with different figures (the
weekly petrol price, a flood's damaged-homes count), plus unrelated articles. Retrieval-level
checks run with the real index and embedder and no language model; the end-to-end checks ask
the real local model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent import Agent
from agent.retrieve.as_of import prefer_recent
from agent.types import Passage
from tests.fakes import ForbiddenModel, JsonChatModel, cite_first_sentence


@contextmanager
def using_model(agent: Agent, model: object) -> Iterator[None]:
    """``agent.chat_model`` is ``model`` inside the block (the agent's own, loaded or not, after)."""
    saved = agent.__dict__.get("chat_model", None)
    agent.__dict__["chat_model"] = model
    try:
        yield
    finally:
        if saved is None:
            del agent.__dict__["chat_model"]
        else:
            agent.__dict__["chat_model"] = saved


def model_forbidden(agent: Agent) -> AbstractContextManager[None]:
    """Any use of ``agent.chat_model`` inside the block fails the test, loaded model or not."""
    return using_model(agent, ForbiddenModel())


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
    from agent.retrieve.as_of import retrieve_as_of

    plain = retrieve_as_of(agent.retriever, "How much does petrol cost?", k=3)
    assert "Today's date" not in plain.note
    phrased = retrieve_as_of(agent.retriever, "How much does petrol cost this week?", k=3)
    assert "Today's date" in phrased.note and '"this week" means' in phrased.note
    replay = retrieve_as_of(agent.retriever, "How much does petrol cost?", k=3, as_of=at("2026-05-13"))
    assert "Today's date: " in replay.note and "2026" in replay.note


def test_replaying_a_past_day_never_uses_later_articles(agent: Agent) -> None:
    passages = agent.search("How much does petrol cost?", as_of=at("2026-05-06"))
    assert passages and max(_dates(passages)) <= "2026-05-06"


def test_week_without_coverage_nearby_is_not_in_sources_without_a_model(agent: Agent) -> None:
    """Asked 15 June, "this week" (9-15 June) is empty and so is the week either side of it:
    the refusal stays, naming where the nearest coverage is (19 May)."""
    with model_forbidden(agent):
        answer = agent.ask("What is the average petrol price this week?", as_of=at("2026-06-15"))
    assert answer.status == "not_in_sources" and not answer.citations
    assert "nearest coverage" in answer.text and "2026-05-19" in answer.text
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest_only"
    assert answer.retrieval.time_phrase == "this week"


def test_empty_week_next_to_coverage_answers_from_it_labelled(agent: Agent) -> None:
    """Asked 29 May, "this week" (23-29 May) is empty; 19 May lies within a week of it, so the
    passages come from that day only and the lead sentence says so."""
    found = agent._retrieve("What is the average petrol price this week?", as_of=at("2026-05-29"))
    assert found.info.fallback == "nearest"
    assert found.passages and _dates(found.passages) == {"2026-05-19"}
    assert found.lead == (
        "Nothing from 23 May 2026 – 29 May 2026; the closest coverage, from 19 May 2026, says:"
    )
    assert "closest coverage, published 19 May 2026" in found.note


def test_nearest_coverage_is_never_published_after_the_as_of_moment(agent: Agent) -> None:
    """At 08:00 on 12 May the 12 May report (09:00) is not out yet: "yesterday" (11 May) is empty,
    and the only coverage within a day of it is in the future of the question, so no answer."""
    as_of = datetime(2026, 5, 12, 8, 0, tzinfo=UTC)
    with model_forbidden(agent):
        answer = agent.ask("What was the average petrol price yesterday?", as_of=as_of)
    assert answer.status == "not_in_sources" and not answer.citations
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest_only"
    assert "2026-05-12" not in answer.text and "2026-05-05" in answer.text


def test_nearest_coverage_message_does_not_place_an_undated_article() -> None:
    from agent.answer.from_retrieval import nothing_in_window_text

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

    equal = [p("2026-05-05", 0.60), p("2026-05-19", 0.60), p("2026-05-12", 0.60)]
    assert [x.article_id for x in prefer_recent(equal)] == ["2026-05-19", "2026-05-12", "2026-05-05"]
    # a clearly better older passage keeps its place: a preference, not a cut
    clear = [p("2026-05-05", 0.75), p("2026-05-19", 0.60)]
    assert [x.article_id for x in prefer_recent(clear)] == ["2026-05-05", "2026-05-19"]
    near_tie = [p("2026-05-05", 0.65), p("2026-05-19", 0.60)]  # within the bonus: newer first
    assert [x.article_id for x in prefer_recent(near_tie)] == ["2026-05-19", "2026-05-05"]


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
    from agent.errors import NoArticlesError

    with model_forbidden(agent), pytest.raises(NoArticlesError):
        agent.brief(since="last", until=datetime(2026, 5, 14, 23, 0, tzinfo=UTC))


# --------------------------------------------------------------------------- nearest coverage
# The quiz case, names changed: a bill agreed on Sunday 12 June 2022 (a date-only
# article), a follow-up on 20 June that names "the June 12 agreement", an older call for the
# same cleanup (2 May, a different figure), and unrelated news on the same days.
RIVER = [
    ("river_bill.txt", "Senators agree on Harlow River cleanup bill", "2022-06-12",
     "Senators from both parties announced an agreement on Sunday on a bill to clean up the Harlow "
     "River. The bill would spend $3.2 billion over five years on sewage works and wetland "
     "restoration, its sponsors said.\n\nThe agreement still needs votes in both chambers."),
    ("river_followup.txt", "Harlow River cleanup bill clears Senate committee", "2022-06-20T14:00:00+00:00",
     "The Senate environment committee approved the Harlow River cleanup bill on Monday, eight days "
     "after the June 12 agreement between the parties. The committee left the bill's spending "
     "unchanged and sent it to the full Senate."),
    ("river_mayors.txt", "Mayors call for Harlow River cleanup", "2022-05-02T10:00:00+00:00",
     "The mayors of eleven towns along the Harlow River asked Congress for $900 million to clean up "
     "the river, saying sewage overflows had closed beaches for a third summer."),
    ("awards.txt", "Stage awards honour The Long Road", "2022-06-12T23:30:00+00:00",
     "The Long Road won best play at the national stage awards on Sunday night, and its lead actor "
     "took the prize for best performance."),
    ("bikes.txt", "Council approves new bike lanes", "2022-06-14T09:00:00+00:00",
     "The city council approved 12 miles of protected bike lanes on Tuesday after a two-hour debate."),
]  # fmt: skip


@pytest.fixture(scope="module")
def river(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    root = tmp_path_factory.mktemp("river")
    folder = root / "articles"
    folder.mkdir()
    for name, title, day, text in RIVER:
        header = f"Title: {title}\nSource: Valley Courier\nDate: {day}\n\n"
        (folder / name).write_text(f"{header}{text}\n", "utf-8")
    a = Agent(index_path=root / "index", model="qwen2.5-0.5b")
    report = a.ingest([str(folder)])
    assert report.failed == 0 and report.added == len(RIVER)
    return a


def _titles(passages: list[Passage]) -> set[str]:
    return {p.title for p in passages}


WEEK_EMPTY_LEAD = "Nothing from 13 June 2022 – 16 June 2022; the closest coverage, from 12 June 2022,"
BILL_Q = "Senators announced an agreement on a river cleanup bill {when}: how much would it spend?"


def test_this_week_asked_on_thursday_finds_sundays_article(river: Agent) -> None:
    """Calendar "this week" on Thursday 16 June was 13-16 June and refused; rolling, it holds 12 June."""
    found = river._retrieve(BILL_Q.format(when="this week"), as_of=datetime(2022, 6, 16, 12, tzinfo=UTC))
    assert found.info.fallback == "none" and not found.lead
    assert "Senators agree on Harlow River cleanup bill" in _titles(found.passages)


def test_empty_calendar_week_answers_from_nearest_day_only(river: Agent) -> None:
    thursday = datetime(2022, 6, 16, 12, tzinfo=UTC)
    found = river._retrieve(BILL_Q.format(when="so far this week"), as_of=thursday)
    assert found.info.fallback == "nearest"
    assert "Senators agree on Harlow River cleanup bill" in _titles(found.passages)
    assert _dates(found.passages) == {"2022-06-12"}  # the one date the lead sentence names
    assert found.lead.startswith(WEEK_EMPTY_LEAD)


def test_an_answer_from_the_nearest_coverage_streams_its_lead_first(river: Agent) -> None:
    """Through ``Agent.ask`` with a scripted model: the empty calendar week is answered from the
    12 June article, the lead sentence streams before the answer and opens it, status partial."""
    model = JsonChatModel(respond=cite_first_sentence, calls=[])
    streamed: list[str] = []
    thursday = datetime(2022, 6, 16, 12, tzinfo=UTC)
    with using_model(river, model):
        answer = river.ask(BILL_Q.format(when="so far this week"), as_of=thursday, on_text=streamed.append)
    assert "".join(streamed).startswith(WEEK_EMPTY_LEAD + " says: ")
    assert answer.status == "partial" and answer.text.startswith(WEEK_EMPTY_LEAD + " says: ")
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest"
    days = {c.published.date().isoformat() for c in answer.citations if c.published}
    assert answer.citations and days == {"2022-06-12"}
    assert "closest coverage, published 12 June 2022" in str(model.calls[0][-1].content)


def test_nothing_near_the_window_keeps_the_refusal(river: Agent) -> None:
    with model_forbidden(river):
        answer = river.ask(BILL_Q.format(when="so far this week"), as_of=datetime(2022, 7, 20, tzinfo=UTC))
    assert answer.status == "not_in_sources" and not answer.citations
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest_only"
    assert answer.text.startswith("The indexed articles have nothing on this from 18 July 2022 – 20 July")
    assert "nearest coverage" in answer.text


def test_event_date_searches_coverage_from_that_day_on(river: Agent) -> None:
    """"agreed on June 12" names the event: the follow-up of 20 June (which mentions the date) is
    found and ranked first; the May article, before the event, is not used."""
    found = river._retrieve("What has happened to the river cleanup bill agreed on June 12?",
                            as_of=datetime(2022, 7, 20, 12, tzinfo=UTC))
    assert found.info.time_reading == "event"
    assert found.passages and found.passages[0].title == "Harlow River cleanup bill clears Senate committee"
    assert min(_dates(found.passages)) >= "2022-06-12"
    assert "date of the event" in found.note
    assert found.info.query == "What has happened to the river cleanup bill agreed on June 12?"


@pytest.mark.parametrize(
    ("question", "as_of"),
    [
        # 21:00 on 12 June in New York is already 13 June in UTC: "today" is the local 12 June
        ("What did senators agree about the river cleanup today?", "2022-06-12T21:00:00-04:00"),
        # "yesterday" in New York is 12 June 04:00 UTC .. 13 June 04:00 UTC; the article dated
        # 12 June (stored as midnight UTC, 20:00 on the 11th there) belongs to that whole day
        ("What did senators agree about the river cleanup yesterday?", "2022-06-13T09:00:00-04:00"),
    ],
)
def test_date_only_article_belongs_to_its_whole_day_in_the_as_of_zone(
    river: Agent, question: str, as_of: str
) -> None:
    moment = datetime.fromisoformat(as_of).astimezone(ZoneInfo("America/New_York"))
    found = river._retrieve(question, as_of=moment)
    assert found.info.fallback == "none"
    assert "Senators agree on Harlow River cleanup bill" in _titles(found.passages)
    assert found.info.window_since is not None and found.info.window_since.date().isoformat() == "2022-06-12"


def test_an_answer_from_the_nearest_coverage_is_labelled_or_falls_back_to_refusal() -> None:
    from agent.answer.from_retrieval import labelled
    from agent.retrieve.as_of import TemporalRetrieval
    from agent.types import Answer, Citation, RetrievalInfo

    near = Passage(chunk_id="c", article_id="a", title="Bill agreed", text="x", start=0, end=1,
                   published=datetime(2022, 6, 12, tzinfo=UTC))  # fmt: skip
    info = RetrievalInfo(as_of=datetime(2022, 6, 16, tzinfo=UTC), fallback="nearest")
    found = TemporalRetrieval(passages=[near], info=info, nearest=[near], lead="Nothing from X; the closest "
                              "coverage, from 12 June 2022, says:", window_text="X")  # fmt: skip
    cited = Answer(question="q", text="It would spend $3.2 billion [1].", status="answered",
                   citations=[Citation(n=1, article_id="a", title="Bill agreed", quote="x", start=0, end=1,
                                       chunk_id="c")])  # fmt: skip
    out = labelled(cited, found)
    assert out.status == "partial" and out.retrieval is not None and out.retrieval.fallback == "nearest"
    assert out.text == found.lead + " It would spend $3.2 billion [1]."
    refusal = Answer(question="q", text="The articles do not say.", status="not_in_sources")
    refused = labelled(refusal, found)
    assert refused.text.startswith("The indexed articles have nothing on this from X.")
    assert "(2022-06-12), outside that period" in refused.text
    assert refused.retrieval is not None and refused.retrieval.fallback == "nearest_only"
    # an answer already marked as not confirmed is shown, labelled, not hidden behind the refusal
    unsure = Answer(question="q", text="The sources do not say; the model's estimate, not confirmed by "
                    "them: Probably two weeks.", status="unverified")  # fmt: skip
    expected = f"{found.lead} {unsure.text}"
    shown = labelled(unsure, found)
    assert shown.status == "unverified" and shown.text == expected


@pytest.mark.slow
def test_real_model_answers_from_nearest_coverage_and_says_so(river: Agent) -> None:
    """End to end (real Chroma, real 0.5B model): the empty calendar week is answered from the
    12 June article, labelled in the first sentence, status partial, citations verbatim."""
    answer = river.ask(BILL_Q.format(when="so far this week"), as_of=datetime(2022, 6, 16, 12, tzinfo=UTC))
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest", answer
    assert answer.status == "partial"
    assert answer.text.startswith(WEEK_EMPTY_LEAD + " says:")
    assert "3.2 billion" in answer.text
    assert answer.citations
    for c in answer.citations:
        assert c.published is not None and c.published.date().isoformat() == "2022-06-12"
        assert river.get(c.article_id).text[c.start : c.end] == c.quote


def test_seed_article_last_year_answers_from_its_may_2024_coverage(
    seed_article: Path, tmp_path: Path
) -> None:
    """The issue's seed case: asked in June 2026, "last year" (2025) is empty and the May 2024
    summit article, within a year of it, is the labelled closest coverage (real Chroma). The seed
    file carries no date line, so the test writes a dated copy to its temporary folder."""
    folder = tmp_path / "articles"
    folder.mkdir()
    body = seed_article.read_text(encoding="utf-8")
    (folder / "seed.txt").write_text(f"Title: Putin and Xi hold summit\nDate: 2024-05-16\n\n{body}", "utf-8")
    a = Agent(index_path=tmp_path / "index")
    assert a.ingest([str(folder)]).added == 1
    found = a._retrieve("What was the trade volume between Russia and China last year?",
                        as_of=datetime(2026, 6, 1, 12, tzinfo=UTC))
    assert found.info.fallback == "nearest"
    assert found.lead == (
        "Nothing from 1 January 2025 – 31 December 2025; the closest coverage, from 16 May 2024, says:"
    )
    assert _dates(found.passages) == {"2024-05-16"}
    assert any("240" in p.text for p in found.passages)


# --- undated articles: the best match can be neither placed in a window nor ruled out ----------


@pytest.fixture(scope="module")
def undated_agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    """One undated article (a plain text file, as many users have) and one dated, unrelated one."""
    folder = tmp_path_factory.mktemp("undated")
    (folder / "council.txt").write_text(
        "Council approves new bridge over the Wend\n\n"
        "The town council on Tuesday approved a new footbridge over the river Wend, at a cost of "
        "$4.2 million, after a two-hour debate. Work is due to start in the spring.\n",
        encoding="utf-8",
    )
    (folder / "weather.txt").write_text(
        "Title: Dry spell ends\nDate: 2026-05-05T09:00:00+00:00\n\n"
        "Heavy rain ended a month-long dry spell across the county, forecasters said.\n",
        encoding="utf-8",
    )
    agent = Agent(index_path=tmp_path_factory.mktemp("undated_index"))
    agent.ingest([str(folder)])
    return agent


def test_an_undated_best_match_answers_a_time_phrase_labelled(undated_agent: Agent) -> None:
    """"on Tuesday" asked of an undated article: its passages answer, the lead sentence says the
    article is undated, and the model is told that the passages' own time words count from
    their unknown date (and not what the window is, which would turn it from them)."""
    found = undated_agent._retrieve("What did the council approve on Tuesday?")
    assert found.info.fallback == "undated"
    assert found.passages and all(p.published is None for p in found.passages)
    assert found.lead.startswith("Nothing from ") and "an undated article, says:" in found.lead
    assert "counts from that article's own date, which is unknown" in found.note
    assert "means" not in found.note


def test_a_replay_never_answers_from_an_undated_article(undated_agent: Agent) -> None:
    """With an explicit as-of day an undated article could postdate it: a replay searches only
    articles dated up to that day, so the refusal stays and no model is called."""
    with model_forbidden(undated_agent):
        answer = undated_agent.ask("What did the council approve on Tuesday?", as_of=at("2026-05-06"))
    assert answer.status == "not_in_sources" and not answer.citations
    assert answer.retrieval is not None and answer.retrieval.fallback == "none"


def test_a_dated_best_match_outside_the_window_is_not_replaced_by_undated_text(agent: Agent) -> None:
    """The undated rule is for an undated *best* match only: the petrol corpus is dated, so an
    empty window far from its coverage keeps the refusal naming the nearest dated coverage."""
    with model_forbidden(agent):
        answer = agent.ask("What is the average petrol price this week?", as_of=at("2026-06-15"))
    assert answer.retrieval is not None and answer.retrieval.fallback == "nearest_only"
