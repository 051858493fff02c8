"""agent.answer.focus: the question's best sentences, with the one before each, within a budget."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.answer.evidence import Evidence, verify
from agent.answer.focus import focus
from agent.tokens import count_tokens
from agent.types import Passage

FLOOD = (
    "The River Ash overtopped its flood walls in central Millbrook on Thursday. "
    "Residents of 230 homes on the east bank were evacuated overnight. "
    "The regional water authority said 94 millimetres of rain fell in the 36 hours before the flood. "
    "That was the wettest 36-hour period recorded since 1961.\n\n"
    "The town's mayor thanked volunteers who filled sandbags through the night. "
    "Schools will stay closed until Monday."
)
COUNCIL = (
    "The council approved the budget on Tuesday. It totals $412.6 million. "
    "The vote was 7-2, with two councillors objecting to the road repairs line."
)


def passage(n: int, text: str, title: str, score: float) -> Passage:
    return Passage(
        chunk_id=f"a{n}:0", article_id=f"a{n}", title=title, text=text, start=0, end=len(text),
        published=datetime(2026, 3, 5, tzinfo=UTC), score=score,
    )


PASSAGES = [passage(1, FLOOD, "River Ash floods Millbrook", 0.9), passage(2, COUNCIL, "Budget approved", 0.4)]


def shown_text(evidence: Evidence) -> str:
    return " ".join(evidence.text_of(i) for i in evidence.ids)


def test_the_answering_sentence_is_shown_with_the_one_before_it_and_little_else() -> None:
    question = "How much rain fell before the River Ash flood?"
    keep = focus(question, PASSAGES, budget_tokens=60)
    evidence = Evidence(PASSAGES, keep=keep)
    text = shown_text(evidence)
    assert "94 millimetres of rain" in text
    assert "evacuated overnight" in text  # the sentence before it, for context
    assert "budget" not in text and "sandbags" not in text
    assert count_tokens(text) <= 60


def test_ids_number_only_the_shown_sentences_and_gaps_are_marked() -> None:
    keep = [[0, 2], [1]]
    evidence = Evidence(PASSAGES, keep=keep)
    assert evidence.ids == [1, 2, 3]
    prompt = evidence.format()
    assert "[1] The River Ash overtopped" in prompt and "\n…\n[2] The regional water authority" in prompt
    assert "[3] It totals $412.6 million." in prompt and "230 homes" not in prompt


def test_a_passage_with_nothing_shown_is_left_out_of_the_prompt() -> None:
    evidence = Evidence(PASSAGES, keep=[[2], []])
    assert "Budget approved" not in evidence.format() and evidence.ids == [1]


def test_the_quote_may_grow_into_an_unshown_neighbour_but_cites_only_shown_ids() -> None:
    evidence = Evidence(PASSAGES, keep=[[3], []])  # only "That was the wettest 36-hour period ..."
    said = {"answer": "It was the wettest 36-hour period since 1961 [1].", "status": "answered",
            "citations": [1]}
    answer = verify("Since when was it the wettest 36-hour period on record?", said, evidence)
    assert answer.status == "answered"
    assert answer.citations[0].sentence_ids == [1]


def test_the_best_sentence_is_kept_even_when_it_alone_exceeds_the_budget() -> None:
    keep = focus("How much rain fell before the flood?", PASSAGES, budget_tokens=5)
    assert sum(len(k) for k in keep) == 1
    assert "94 millimetres" in Evidence(PASSAGES, keep=keep).format()


def test_every_sentence_is_shown_when_no_budget_is_set() -> None:
    assert len(Evidence(PASSAGES).ids) == 9


def test_passages_of_one_article_share_one_fence_in_reading_order() -> None:
    second = FLOOD.index("The town's mayor")
    head = Passage(chunk_id="a1:0", article_id="a1", title="River Ash floods Millbrook", text=FLOOD[:second],
                   start=0, end=second, score=0.5)
    tail = Passage(chunk_id="a1:1", article_id="a1", title="River Ash floods Millbrook", text=FLOOD[second:],
                   start=second, end=len(FLOOD), score=0.9)
    prompt = Evidence([tail, head]).format()
    assert prompt.count("<passage ") == 1 and prompt.count("River Ash floods Millbrook") == 1
    assert prompt.index("overtopped") < prompt.index("mayor thanked")  # the article's order
    assert "…" not in prompt  # the two chunks are contiguous
    assert "…" in Evidence([tail, head], keep=[[1], [0]]).format()  # sentences between them are left out
