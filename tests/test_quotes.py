"""Quote finding (agent.text.quotes), the [n] marker grammar and declines (agent.answer): pure logic."""

from __future__ import annotations

import pytest

from agent.answer.declines import is_decline
from agent.answer.markers import strip_markers
from agent.text.fold import clean_quote, normalise
from agent.text.quotes import find_quote

ARTICLE = (
    "Summit in Beijing\n\n"
    "\u201cChina is Russia\u2019s main partner in international trade,\u201d the Russian "
    "president assured, noting that last year the volume of exchanges set a \u201cnew record "
    "of $240 billion.\u201d\n\n"
    "Russian food exports \u201chave increased 1.5 times and reached $7.6 billion,\u201d "
    "Putin added.\n\n"
    "The president mentioned   projects at the Chinese nuclear power plants in Tianwan "
    "(Jiangsu province, east) and Xudabao (Liaoning, northeast) \u2014 both with Russian units."
)


def span_text(text: str, span: tuple[int, int] | None) -> str:
    assert span is not None
    return text[span[0] : span[1]]


# --- find_quote -------------------------------------------------------------------------------


def test_exact_match_returns_original_span() -> None:
    quote = "Russian food exports"
    span = find_quote(quote + " \u201chave increased", ARTICLE)
    assert span_text(ARTICLE, span) == "Russian food exports \u201chave increased"


def test_straight_quotes_match_curly_quotes_in_text() -> None:
    span = find_quote('"China is Russia\'s main partner in international trade,"', ARTICLE)
    # quote marks fold to the article's curly ones; the span is the article's own text
    assert span_text(ARTICLE, span) == (
        "\u201cChina is Russia\u2019s main partner in international trade,\u201d"
    )
    # a quote mark the article doesn't have around the passage is stripped, not required
    span = find_quote('"Russian president assured, noting"', ARTICLE)
    assert span_text(ARTICLE, span) == "Russian president assured, noting"


def test_whitespace_runs_and_newlines_fold() -> None:
    span = find_quote("The president mentioned projects at the\nChinese  nuclear", ARTICLE)
    assert span_text(ARTICLE, span) == "The president mentioned   projects at the Chinese nuclear"


def test_quote_spanning_a_paragraph_break() -> None:
    quote = 'new record of $240 billion." Russian food exports'
    got = span_text(ARTICLE, find_quote(quote, ARTICLE))
    assert got.startswith("new record of $240 billion.\u201d\n\nRussian food")


def test_dashes_fold() -> None:
    got = span_text(ARTICLE, find_quote("northeast) - both with Russian units", ARTICLE))
    assert got == "northeast) \u2014 both with Russian units"


def test_case_insensitive_is_last_resort() -> None:
    got = span_text(ARTICLE, find_quote("THE PRESIDENT MENTIONED projects", ARTICLE))
    assert got == "The president mentioned   projects"


def test_model_added_ellipses_and_quotes_are_stripped() -> None:
    got = span_text(ARTICLE, find_quote('"...new record of $240 billion..."', ARTICLE))
    assert got == "new record of $240 billion"
    got2 = span_text(ARTICLE, find_quote("\u2026 plants in Tianwan (Jiangsu province \u2026", ARTICLE))
    assert got2 == "plants in Tianwan (Jiangsu province"


def test_added_trailing_period_is_tolerated() -> None:
    # the model left out the article's quote mark before "have": still the same words
    got = span_text(ARTICLE, find_quote("Russian food exports have increased.", ARTICLE))
    assert got == "Russian food exports \u201chave increased"
    assert find_quote("Russian food exports have decreased.", ARTICLE) is None
    got = span_text(ARTICLE, find_quote("both with Russian units.", ARTICLE))
    assert got == "both with Russian units."
    got = span_text(ARTICLE, find_quote("Chinese nuclear power plants in Tianwan.", ARTICLE))
    assert got == "Chinese nuclear power plants in Tianwan"


def test_changed_words_do_not_match() -> None:
    assert find_quote("new record of $250 billion", ARTICLE) is None
    assert find_quote("the summit was cancelled by both leaders", ARTICLE) is None


@pytest.mark.parametrize("quote", ["Tianwan", "$240 billion", "in Tianwan", "", "   ", '"..."'])
def test_too_short_quotes_are_rejected(quote: str) -> None:
    assert find_quote(quote, ARTICLE) is None


def test_short_quote_accepted_when_it_is_the_whole_passage() -> None:
    assert find_quote("Tianwan.", "Tianwan.") == (0, 8)


def test_ellipsis_character_in_text_folds_to_dots() -> None:
    text = "He said the talks were long\u2026 and productive overall."
    got = span_text(text, find_quote("talks were long... and productive", text))
    assert got == "talks were long\u2026 and productive"


def test_normalise_offset_map_round_trips() -> None:
    text = "A \u201cquote\u201d\n\n  with\u2014dash\u2026 end"
    folded, starts, ends = normalise(text)
    assert folded == 'A "quote" with-dash... end'
    i = folded.index("with")
    j = folded.index("end") + 3
    assert text[starts[i] : ends[j - 1]] == "with\u2014dash\u2026 end"


def test_clean_quote() -> None:
    assert clean_quote(' "\u2026 the talks ... " ') == "the talks"
    assert clean_quote("\u201cGood neighbors\u201d") == "Good neighbors"


# --- markers and declines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "declines"),
    [
        ("The passage does not provide information about when Trump met Abe.", True),
        ("The articles don't say.", True),
        ("Nothing in the sources mentions it.", True),
        ("No", False),  # an answer to a yes/no question
        ("None", False),
        ("Wisconsin", False),
        ("The vote was held on 12 March 2021.", False),
        ("", False),
    ],
)
def test_is_decline(text: str, declines: bool) -> None:
    assert is_decline(text) is declines


def test_strip_markers() -> None:
    assert strip_markers("A claim [1]. Another [2, 3].") == "A claim. Another."


# --- quotes that skip words, and evidence taken from the claim's own wording -------------------


def test_quote_silently_skipping_a_clause_spans_the_full_article_text() -> None:
    quote = (
        "China is Russia's main partner in international trade, noting that last year the "
        "volume of exchanges set a \u201cnew record of $240 billion.\u201d"
    )
    got = span_text(ARTICLE, find_quote(quote, ARTICLE))
    assert got.startswith("China is Russia\u2019s main partner")
    assert "the Russian president assured" in got  # the reader sees what the model skipped
    assert got.endswith("$240 billion.")


def test_internal_ellipsis_matches_pieces_in_order() -> None:
    got = span_text(ARTICLE, find_quote("main partner in international trade ... new record of "
                                        "$240 billion", ARTICLE))
    assert got.startswith("main partner in international trade")
    assert got.endswith("new record of $240 billion")
    # pieces out of order do not match
    assert find_quote("new record of $240 billion ... main partner in international trade",
                      ARTICLE) is None


def test_skipping_a_negation_is_not_a_match() -> None:
    text = "The minister said he would not sign the treaty this year, officials confirmed."
    assert find_quote("The minister said he would sign the treaty this year", text) is None
    assert find_quote("The minister said he would not sign the treaty", text) is not None


def test_pieces_too_short_or_too_far_apart_do_not_match() -> None:
    text = ("Alpha beta gamma delta. " + "filler words here " * 10 +
            "epsilon zeta eta theta.")
    assert find_quote("alpha beta gamma delta epsilon zeta eta theta", text) is None  # gap > 60
    assert find_quote("alpha beta gamma delta ... epsilon zeta eta theta", text) is not None
    assert find_quote("Alpha beta gamma zeta iota", "Alpha beta gamma x zeta eta "
                      "theta y iota") is None  # pieces of 1 word


SESSIONS = (
    "In a sweeping opinion, Sessions on Monday reversed a 2016 grant of asylum to the Salvadoran "
    "woman who had been abused by her husband, ruling that victims of domestic violence are not "
    "generally eligible for asylum under U.S. immigration law."
)


def test_a_word_or_two_the_model_added_to_a_quote_still_matches_the_article_span() -> None:
    """Seen on QuAIL: the 1.5B wrote "Jeff Sessions on Monday reversed …" (the article: "Sessions
    on Monday …") and "U. S." for "U.S."; the citation shows the article's own text."""
    quote = ("Jeff Sessions on Monday reversed a 2016 grant of asylum to the woman who had been "
             "abused by her husband")
    span = find_quote(quote, SESSIONS)
    assert span_text(SESSIONS, span) == (
        "Sessions on Monday reversed a 2016 grant of asylum to the Salvadoran woman who had been "
        "abused by her husband"
    )


@pytest.mark.parametrize(
    "quote",
    [
        "Sessions on Monday never reversed a 2016 grant of asylum to the Salvadoran woman",  # negation
        "Sessions on Monday reversed a 2017 grant of asylum to the Salvadoran woman",  # other number
        "Jeff Sessions on Monday reversed",  # too little left once the added word is passed over
        "Jeff Attorney General Sessions on Monday reversed a 2016 grant",  # three added words
    ],
)
def test_added_negations_numbers_or_too_many_words_do_not_match(quote: str) -> None:
    assert find_quote(quote, SESSIONS) is None
