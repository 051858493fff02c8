"""Does an answer answer the question asked (agent/answer/fit.py)? Pure checks."""

from __future__ import annotations

import pytest

from agent.answer.fit import asked_kind, contradicts_relation, holds_kind, misfit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Where was the parade held?", "place"),
        ("In which city did the summit take place?", "place"),
        ("When did the bi-partisan deal fail?", "time"),
        ("What year was the bridge built?", "time"),
        ("How many homes were affected this week?", "quantity"),
        ("How much rain fell before the flood?", "quantity"),
        ("What percentage of voters turned out?", "quantity"),
        ("Who won the election?", None),
        ("What did the council approve?", None),
        ("Which drink is getting its first new bottle in 60 years?", None),
        ("Why did the talks fail?", None),
    ],
)
def test_the_kind_asked_for_comes_from_the_opening_words(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


def test_a_stated_claim_that_names_no_place_does_not_answer_where() -> None:
    assert misfit("Where was the parade held?", "The parade included floats and a brass band.") == (
        "it names no place"
    )


@pytest.mark.parametrize(
    "answer",
    [
        "The parade was held in the town centre.",
        "It was held downtown.",
        "In Millbrook.",
        "The parade went along Harbour Road.",
        "Millbrook",
    ],
)
def test_a_place_in_any_common_shape_answers_where(answer: str) -> None:
    assert misfit("Where was the parade held?", answer) is None


@pytest.mark.parametrize(
    "answer",
    [
        "On 12 March.",
        "The deal failed on Thursday.",
        "After the Senate voted down the possibility of debating a DACA fix.",
        "It collapsed two days ago.",
        "In 1961.",
        "The vote is at 3 p.m.",
    ],
)
def test_a_time_in_any_common_shape_answers_when(answer: str) -> None:
    assert misfit("When did the bi-partisan deal fail?", answer) is None


def test_a_claim_with_no_time_does_not_answer_when() -> None:
    said = "The deal failed because Republicans objected."
    assert misfit("When did the deal fail?", said) == "it gives no time"


@pytest.mark.parametrize(
    "answer", ["312 homes were affected.", "Three hundred homes.", "None were affected.", "Dozens of homes."]
)
def test_a_number_in_digits_or_words_answers_how_many(answer: str) -> None:
    assert misfit("How many homes were affected?", answer) is None


def test_a_claim_without_a_number_does_not_answer_how_many() -> None:
    said = "Homes on the east bank were affected."
    assert misfit("How many homes were affected?", said) == "it gives no number"


def test_what_the_question_already_says_is_no_answer_of_its_kind() -> None:
    """The year that dates a count, or the name the question asks about, answers nothing."""
    homeless = "How many people were homeless in 2009?"
    assert misfit(homeless, "There were sheltered and unsheltered homeless persons in January 2009.") == (
        "it gives no number"
    )
    assert misfit(homeless, "There were 643,067 sheltered and unsheltered homeless persons in 2009.") is None
    assert misfit("Where is Kuleli Military High School?", "Kuleli Military High School is a military "
                  "high school for boys.") == "it names no place"
    assert misfit("Where is Kuleli Military High School?", "Kuleli Military High School stands along "
                  "the Bosphorus in Çengelköy.") is None
    assert misfit("In what century did Russia and Prussia lead at sea?",
                  "In the eighteenth century, Russia and Prussia became the leading powers.") is None


def test_questions_of_unmarked_kind_are_never_refused() -> None:
    assert misfit("Who won the election?", "the incumbent") is None
    assert misfit("Which drink is getting its first new bottle in 60 years?", "Fizzwell") is None


def test_holds_kind_is_lenient_about_shape() -> None:
    assert holds_kind("the east bank of the river", "place")
    assert not holds_kind("floats and a brass band", "place")


def test_a_sentence_saying_an_item_is_included_does_not_answer_what_was_left_out() -> None:
    question = "Which measure did the deal leave out?"
    included = "The deal includes a fuel tax cut, free school meals and a rent cap."
    assert contradicts_relation(question, included)
    assert not contradicts_relation(
        question, "The deal includes a fuel tax cut but not the rent cap that unions had demanded."
    )
    assert not contradicts_relation(question, "The rent cap was left out of the final text.")
    assert not contradicts_relation("Which measures does the deal include?", "The deal includes a rent cap.")


def test_a_figure_the_text_places_earlier_is_not_the_figure_now() -> None:
    from agent.answer.fit import older_figure

    earlier = "A gallon cost $3.97 on average when the run of increases began in April."
    today = "Today the average is a record $4.62 a gallon, the motoring association said."
    question = "What does a gallon cost on average now?"
    assert older_figure(question, "A gallon costs $3.97 on average [1].", earlier, [today])
    assert not older_figure(question, "A gallon costs a record $4.62 [2].", today, [earlier])
    # no "now" in the question, or no other figure of that unit shown: nothing to prefer
    assert not older_figure("What did a gallon cost in April?", "$3.97 [1].", earlier, [today])
    assert not older_figure(question, "A gallon costs $3.97 on average [1].", earlier, ["It rained 4 mm."])


def test_a_figure_question_is_not_answered_by_another_measures_figure() -> None:
    from agent.answer.fit import measure_words, other_measure

    question = "What was the trade volume between Russia and China last year?"
    assert measure_words(question) == {"trade", "volum"}
    food = "Russian food exports have increased 1.5 times and reached $7.6 billion, Putin added."
    trade = "Last year the volume of exchanges set a new record of $240 billion."
    assert other_measure(question, "Food exports reached $7.6 billion [3].", food)
    assert not other_measure(question, "The volume set a record of $240 billion [2].", trade)
    assert not other_measure("How many people were killed?", "119 [3].", "119 passers-by were massacred.")
