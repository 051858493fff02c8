"""agent.answer.estimates: duration questions may get a labelled best guess, never a cited one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from langchain_core.messages import BaseMessage

from agent.answer.ask import answer_question
from agent.answer.declines import NOT_ANSWERED_TEXT
from agent.answer.estimates import ESTIMATE_NOTE, ESTIMATE_PREFIX, asks_for_estimate
from agent.answer.evidence import Evidence, verify
from agent.settings import Settings
from agent.types import Passage
from tests.fakes import ReplyingChatModel

TALKS = (
    "Harbour workers and the port authority met on Thursday at the Brelin town hall. "
    "The talks ended with a deal on night-shift pay.\n\n"
    "The strike had lasted nine days before the meeting."
)
Q_TALKS = "How long did the meeting between the workers and the port authority probably last?"
Q_STRIKE = "How long had the strike lasted?"


def _evidence() -> Evidence:
    p = Passage(
        chunk_id="a1:0",
        article_id="a1",
        title="Brelin port deal",
        text=TALKS,
        start=0,
        end=len(TALKS),
        published=datetime(2026, 5, 2, tzinfo=UTC),
    )
    return Evidence([p])


def out(answer: str, citations: list[int], status: str = "partial") -> dict[str, object]:
    return {"answer": answer, "status": status, "citations": citations}


@pytest.mark.parametrize(
    "question",
    [
        "How long did the meeting probably last?",
        "For how long has the senator been in politics?",
        "The government shutdown probably lasted:",
        "The investigation will probably last",
        "The brutality towards civilians probably lasted",
        "Trump's tweet probably took to write:",
        "The whole complaint and court cases took:",
        "The separation of the families probably lasted...",
    ],
)
def test_duration_questions_ask_for_an_estimate(question: str) -> None:
    assert asks_for_estimate(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who exercised poor judgement in informing congress of steps he would take?",
        "What did the council approve on Tuesday?",
        "Why did the talks probably fail?",
        "Which series was renewed for another season?",
        "What will the last vote decide?",
    ],
)
def test_other_questions_do_not(question: str) -> None:
    assert not asks_for_estimate(question)


def test_an_estimate_no_sentence_confirms_is_shown_labelled_never_cited() -> None:
    reply = out("The meeting probably lasted about two hours [1].", [1])
    ans = verify(Q_TALKS, reply, _evidence(), estimate=True)
    assert ans.status == "unverified"
    assert ans.citations == []
    assert ans.text == ESTIMATE_PREFIX + "The meeting probably lasted about two hours."
    assert ans.closest is not None
    assert ans.closest.quote.startswith("Harbour workers and the port authority met")
    assert ans.unsupported == ["The meeting probably lasted about two hours."]


def test_without_estimate_mode_the_same_guess_is_only_unverified() -> None:
    ans = verify(Q_TALKS, out("The meeting probably lasted about two hours [1].", [1]), _evidence())
    assert ans.status == "unverified" and ESTIMATE_PREFIX not in ans.text


def test_a_decline_beside_the_guess_does_not_hide_it() -> None:
    reply = out("The articles do not say how long the meeting lasted. Probably about an hour [1].", [1])
    ans = verify(Q_TALKS, reply, _evidence(), estimate=True)
    assert ans.status == "unverified"
    assert ans.text == ESTIMATE_PREFIX + "Probably about an hour."


def test_a_stated_duration_is_answered_and_cited_as_usual() -> None:
    reply = out("The strike had lasted nine days [3].", [3], "answered")
    ans = verify(Q_STRIKE, reply, _evidence(), estimate=True)
    assert ans.status == "answered"
    assert ans.text == "The strike had lasted nine days [1]."
    assert ans.citations[0].quote == "The strike had lasted nine days before the meeting."
    assert ESTIMATE_PREFIX not in ans.text


def test_a_cited_fact_keeps_its_citation_and_the_guess_beside_it_stays_labelled() -> None:
    reply = out("The talks ended with a deal on night-shift pay [2]. Probably they lasted three hours.", [])
    ans = verify(Q_TALKS, reply, _evidence(), estimate=True)
    assert ans.status == "partial"
    assert ans.text == (
        "The talks ended with a deal on night-shift pay [1]. "
        + ESTIMATE_PREFIX
        + "Probably they lasted three hours."
    )
    assert [c.quote for c in ans.citations] == ["The talks ended with a deal on night-shift pay."]


def test_a_plain_decline_stays_a_decline() -> None:
    reply = out("The articles do not say how long the meeting lasted.", [], "not_in_sources")
    ans = verify(Q_TALKS, reply, _evidence(), estimate=True)
    assert ans.status == "not_in_sources" and ESTIMATE_PREFIX not in ans.text
    ans = verify(Q_TALKS, out("", [], "not_in_sources"), _evidence(), estimate=True)
    assert ans.status == "not_in_sources" and ans.text == NOT_ANSWERED_TEXT


class _Recording(ReplyingChatModel):
    """Answers "A deal [2]." and keeps the user messages it was sent."""

    sent: list[str] = []

    def reply(self, messages: list[BaseMessage]) -> str:
        self.sent.append(str(messages[-1].content))
        return '{"answer": "The talks ended with a deal [2].", "status": "answered", "citations": [2]}'


def test_the_note_reaches_the_model_only_for_duration_questions() -> None:
    passage = _evidence().passages[0]
    for question, expected in ((Q_TALKS, True), ("What did the talks end with?", False)):
        model = _Recording(sent=[])
        ans = answer_question(question, [passage], lambda m=model: m, Settings())
        assert ans.status == "answered"
        assert (ESTIMATE_NOTE.strip() in model.sent[0]) is expected
