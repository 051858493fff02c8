"""agent.answer.support.judge: a claim is supported by its cited sentence read in context.

The first three tests are the issue's three measured patterns (names invented): the answer is a
name the article gives once — in the sentence before, in the headline, or a few sentences
earlier — and the cited sentence then says "the series", "there", "the bloc".
"""

from __future__ import annotations

import pytest

from agent.answer.support import judge, names, negated, numbers, terms
from agent.text.sentences import segment

SERIES = (
    "“Lanternfall” is officially coming back. VistaStream announced Sunday that the hugely "
    "popular Icelandic series is renewed for a second season. Filming starts in May."
)
SERIES_Q = "Which hugely popular series was just renewed for another season?"


def check(claim: str, question: str, text: str, cited: int, title: str = ""):  # type: ignore[no-untyped-def]
    return judge(claim, question, cited, segment(text), text, title)


def quote(text: str, span: tuple[int, int]) -> str:
    s = segment(text)
    return text[s[span[0]].start : s[span[1]].end]


def test_a_name_from_the_sentence_before_supports_the_answer_and_the_quote_spans_both() -> None:
    j = check("Lanternfall [2].", SERIES_Q, SERIES, 1)
    assert j.supported, j.reason
    assert j.span is not None
    assert quote(SERIES, j.span) == SERIES[: SERIES.index(" Filming")]


def test_a_place_named_in_the_headline_supports_the_answer_about_what_happened_there() -> None:
    text = "The river burst its banks overnight, flooding 80 homes. Crews worked until dawn."
    q = "Where did the river flood homes overnight?"
    j = check("The flooding was in Marrowby.", q, text, 0, title="Floods hit Marrowby as river bursts banks")
    assert j.supported, j.reason
    assert j.span == (0, 0)  # the title is shown with every citation; the quote stays one sentence
    assert not check("The flooding was in Marrowby.", q, text, 0, title="Storm season begins").supported


def test_an_organisation_named_once_then_called_the_bloc_supports_the_answer() -> None:
    text = (
        "Ministers of the Coastal Trade Alliance met in Lisvik on Monday. Talks ran late. "
        "The bloc agreed to lift tariffs on fish."
    )
    q = "Which organisation agreed to lift tariffs on fish?"
    j = check("The Coastal Trade Alliance agreed to lift the tariffs.", q, text, 2)
    assert j.supported, j.reason
    assert j.span == (0, 2)  # the quote reaches back to where the name is written
    # ... but not from another paragraph: neighbours are the cited sentence's own paragraph.
    split = text.replace("Talks ran late. ", "Talks ran late.\n\n")
    assert not check("The Coastal Trade Alliance agreed to lift the tariffs.", q, split, 2).supported


def test_a_wrong_name_is_not_supported_even_when_the_sentence_fits_the_question() -> None:
    j = check("Stormgate [2].", SERIES_Q, SERIES, 1)
    assert not j.supported and j.reason
    j = check("The series is Stormgate [2].", SERIES_Q, SERIES, 1)  # mid-sentence: a name to find
    assert not j.supported and "storm" in j.reason


def test_a_name_in_the_question_needs_no_evidence_in_the_text() -> None:
    text = "The company said it would close two plants. About 400 jobs will go."
    assert check("Brightwater will close two plants.", "What will Brightwater do?", text, 0).supported


def test_a_number_must_be_in_the_shown_text_not_only_in_the_title_or_question() -> None:
    text = "The council approved the budget on Tuesday. It totals $412.6 million."
    q = "How big is the budget the council approved?"
    j = check("The budget is $412.6 million.", q, text, 0)
    assert j.supported and j.span == (0, 1)  # the number's sentence joins the quote
    assert not check("The budget is $500 million.", q, text, 0).supported
    title = "Budget passes 7 to 2"
    assert not check("It passed 7 to 2.", "Did it pass 7 to 2?", text, 0, title=title).supported


def test_a_number_word_is_a_number() -> None:
    """"lasted two hours" is not supported by a sentence where something else lasted nine days;
    "two" and "2" are the same number."""
    text = "The strike had lasted nine days before the meeting. The talks ended with a deal."
    q = "How long did the meeting last?"
    j = check("The meeting lasted two hours.", q, text, 0)
    assert not j.supported and "2" in j.reason
    assert check("The strike had lasted 9 days.", "How long had the strike lasted?", text, 0).supported


def test_a_date_must_be_in_the_shown_text() -> None:
    text = "The mayor resigned on Thursday. Her deputy takes over."
    assert check("The mayor resigned on Thursday.", "When did the mayor resign?", text, 0).supported
    j = check("The mayor resigned on 12 March 2024.", "When did the mayor resign?", text, 0)
    assert not j.supported and "12" in j.reason


def test_a_dropped_negation_is_not_supported() -> None:
    text = "The board did not approve the merger. Shareholders were told on Friday."
    q = "What did the board decide about the merger?"
    assert not check("The board approved the merger.", q, text, 0).supported
    assert check("The board did not approve the merger.", q, text, 0).supported
    assert check("The board didn't approve the merger.", q, text, 0).supported


def test_an_added_negation_is_not_supported() -> None:
    text = "The board approved the merger on Friday."
    assert not check("The board never approved the merger.", "Did the board approve it?", text, 0).supported


def test_a_negation_elsewhere_in_the_sentence_does_not_count_against_the_claim() -> None:
    text = "A fire broke out at the warehouse early Sunday, and no one was hurt."
    assert check("A fire broke out early Sunday.", "When did the fire break out?", text, 0).supported


def test_an_unrelated_sentence_supports_nothing_even_if_its_neighbour_would() -> None:
    text = "The hospital opened a new wing. Separately, the weather stayed mild all week."
    j = check("The hospital opened a new wing.", "What did the hospital open?", text, 1)
    assert not j.supported
    assert "something else" in j.reason


def test_a_bare_yes_is_judged_by_the_question() -> None:
    text = "The bridge reopened to traffic on Monday."
    assert check("Yes.", "Has the bridge reopened to traffic?", text, 0).supported
    assert not check("Yes.", "Did the striker sign a new contract?", text, 0).supported


def test_a_claim_adding_nothing_from_the_text_is_not_supported() -> None:
    text = "The minister spoke to reporters. She left for Brussels on Friday."
    j = check("The minister resigned over corruption charges.", "What did the minister do?", text, 0)
    assert not j.supported


def test_an_out_of_range_sentence_is_not_supported() -> None:
    assert not check("Lanternfall.", SERIES_Q, SERIES, 7).supported
    assert not check("Lanternfall.", SERIES_Q, SERIES, -1).supported


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It rose 3.5% to $1,200.", {"3.5", "1200"}),
        ("No figures.", set()),
        ("On 12/03 at 10:30.", {"12/03", "10:30"}),
        ("Two ministers and forty aides, one of them new.", {"2", "40"}),  # "one" is a pronoun too
    ],
)
def test_numbers(text: str, expected: set[str]) -> None:
    assert numbers(text) == expected


def test_names_terms_and_negation_helpers() -> None:
    assert names("The Coastal Trade Alliance met VistaStream [2].") == {"coast", "trade", "allia", "vista"}
    assert "lante" in terms("“Lanternfall” is back") and "is" not in terms("it is")
    assert negated("The board did not approve the merger", {"appro"})
    assert negated("The board didn’t approve it", {"appro"})
    assert not negated("The board approved; no one objected loudly to the plan at all", {"appro"})


def test_a_capital_that_only_starts_the_sentence_is_not_a_name_to_find() -> None:
    text = "Residents fled the town on Monday as the river rose."
    q = "What did people in the town do?"
    assert check("Many residents fled the town.", q, text, 0).supported
    assert check("Authorities said residents fled.", q, text, 0).supported
    # a sentence-initial name the passage does hold is still a name: it must be found
    other = "Okafor won the vote. Turnout was high."
    assert check("Okafor won.", "Who won the vote?", other, 0).supported
    assert not check("Lindqvist won.", "Who won the vote?", other, 0).supported


def test_names_with_known_context() -> None:
    assert names("Many residents fled.", known=set()) == set()
    assert names("Many residents met Okafor.", known=set()) == {"okafo"}
    assert names("Lanternfall is back.", known={"lante"}) == {"lante"}
