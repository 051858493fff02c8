"""Quote finding and citation verification: pure logic, no model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.cite import (
    NOT_ANSWERED_TEXT,
    find_quote,
    is_decline,
    strip_markers,
    verify_citations,
)
from agent.text.fold import clean_quote, normalise
from agent.types import Passage

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


# --- verify_citations --------------------------------------------------------------------------

PUB = datetime(2024, 5, 16, tzinfo=UTC)


def make_passages() -> list[Passage]:
    paras = ARTICLE.split("\n\n")
    out = []
    pos = 0
    for i, p in enumerate(paras[1:], start=1):
        start = ARTICLE.index(p, pos)
        pos = start + len(p)
        out.append(
            Passage(
                chunk_id=f"art1:{i}",
                article_id="art1",
                title="Summit in Beijing",
                text=p,
                start=start,
                end=start + len(p),
                source="example.com",
                url="https://example.com/summit",
                published=PUB,
            )
        )
    # a second article with a distinct passage
    other = "Xi said the two countries were good neighbors, good friends and good partners."
    out.append(
        Passage(
            chunk_id="art2:0", article_id="art2", title="Other", text=other, start=100, end=100 + 79
        )
    )
    return out


P = make_passages()  # 1: trade, 2: food, 3: nuclear, 4: other article


def test_verified_citation_has_article_span_and_verbatim_quote() -> None:
    out = {
        "answer": "Trade reached a record $240 billion last year [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "new record of $240 billion."}],
    }
    ans = verify_citations("q", out, P, model="m")
    assert ans.status == "answered"
    assert ans.text == "Trade reached a record $240 billion last year [1]."
    (c,) = ans.citations
    assert c.n == 1 and c.article_id == "art1" and c.chunk_id == "art1:1"
    assert ARTICLE[c.start : c.end] == c.quote == "new record of $240 billion."
    assert c.url == "https://example.com/summit" and c.published == PUB
    assert ans.passages_considered == 4 and ans.model == "m"


def test_renumbered_in_order_of_first_appearance() -> None:
    out = {
        "answer": "Plants are in Tianwan and Xudabao [3]. Trade hit $240 billion [1]. Tianwan again [3].",
        "status": "answered",
        "citations": [
            {"passage": 1, "quote": "the volume of exchanges set a new record of $240 billion"},
            {"passage": 3, "quote": "nuclear power plants in Tianwan"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == (
        "Plants are in Tianwan and Xudabao [1]. Trade hit $240 billion [2]. Tianwan again [1]."
    )
    assert [(c.n, c.chunk_id) for c in ans.citations] == [(1, "art1:3"), (2, "art1:1")]


def test_quote_from_another_passage_is_dropped() -> None:
    # the quote exists in passage 1 but the model attributes it to passage 2
    out = {
        "answer": "Food exports rose 1.5 times [2]. Trade was $240 billion [1].",
        "status": "answered",
        "citations": [
            {"passage": 2, "quote": "new record of $240 billion"},
            {"passage": 1, "quote": "new record of $240 billion"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.status == "partial"
    assert ans.text == "Food exports rose 1.5 times. Trade was $240 billion [1]."
    assert ans.unsupported == ["Food exports rose 1.5 times"]
    assert [c.chunk_id for c in ans.citations] == ["art1:1"]


def test_adjacent_and_grouped_markers() -> None:
    out = {
        "answer": "Trade partner and food exports [2][1]. Trade partner and Xudabao [1, 3]. Xudabao [3][3].",
        "status": "answered",
        "citations": [
            {"passage": 1, "quote": "main partner in international trade"},
            {"passage": 2, "quote": "Russian food exports"},
            {"passage": 3, "quote": "Xudabao (Liaoning, northeast)"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == (
        "Trade partner and food exports [1][2]. Trade partner and Xudabao [2][3]. Xudabao [3]."
    )
    assert [c.chunk_id for c in ans.citations] == ["art1:2", "art1:1", "art1:3"]
    assert ans.status == "answered" and ans.unsupported == []


def test_group_with_one_bad_member_keeps_the_good_one() -> None:
    out = {
        "answer": "Trade was $240 billion [1, 2].",
        "status": "answered",
        "citations": [
            {"passage": 1, "quote": "new record of $240 billion"},
            {"passage": 2, "quote": "this text is not in passage two at all"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == "Trade was $240 billion [1]."
    assert ans.status == "answered" and ans.unsupported == []


def test_marker_for_unknown_passage_is_removed() -> None:
    out = {
        "answer": "Trade was $240 billion [1]. Something else [9].",
        "status": "answered",
        "citations": [
            {"passage": 1, "quote": "new record of $240 billion"},
            {"passage": 9, "quote": "new record of $240 billion"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == "Trade was $240 billion [1]. Something else."
    assert ans.unsupported == ["Something else"]
    assert ans.status == "partial"


def test_marker_after_period_attributes_the_preceding_sentence() -> None:
    out = {
        "answer": "First claim here. Second claim here. [2] Trade record [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "new record of $240 billion"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.unsupported == ["Second claim here."]
    assert ans.text == "First claim here. Second claim here. Trade record [1]."


def test_nothing_verified_becomes_not_in_sources_with_claims_listed() -> None:
    out = {
        "answer": "The summit was cancelled [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "the summit was cancelled by both"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.status == "not_in_sources"
    assert ans.citations == []
    assert "The summit was cancelled" in ans.unsupported
    assert "[1]" not in ans.text


def test_model_not_in_sources_is_kept_without_citations() -> None:
    out = {
        "answer": "The articles don't say what the capital of Peru is [1].",
        "status": "not_in_sources",
        "citations": [{"passage": 1, "quote": "new record of $240 billion"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.status == "not_in_sources" and ans.citations == []
    assert ans.text == "The articles don't say what the capital of Peru is."


def test_model_not_in_sources_with_a_bare_answer_never_shows_it_uncited() -> None:
    """Seen on QuAIL: status not_in_sources, answer "about 10 days", nothing to back it."""
    for said in ("about 10 days", "The record was set on 12 March 2021."):
        out = {"answer": said, "status": "not_in_sources", "citations": []}
        ans = verify_citations("q", out, P)
        assert ans.status == "not_in_sources" and ans.citations == []
        assert ans.text == NOT_ANSWERED_TEXT
        assert ans.unsupported == [said]
    echoed = {"answer": "not_in_sources", "status": "not_in_sources", "citations": []}
    ans = verify_citations("q", echoed, P)
    assert ans.text == NOT_ANSWERED_TEXT and ans.unsupported == []


def test_model_not_in_sources_whose_claim_verifies_is_kept_as_partial() -> None:
    """Seen on QuAIL: status not_in_sources with a right, quotable answer ("DACA")."""
    out = {
        "answer": "Trade set a new record of $240 billion [1].",
        "status": "not_in_sources",
        "citations": [{"passage": 1, "quote": "new record of $240 billion"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.status == "partial"  # the model itself was unsure
    assert ans.text == "Trade set a new record of $240 billion [1]." and len(ans.citations) == 1
    assert ans.citations[0].quote == "new record of $240 billion"


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


def test_unmarked_answer_with_verified_quotes_gets_markers_appended() -> None:
    out = {
        "answer": "Trade reached $240 billion.",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "new record of $240 billion"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == "Trade reached $240 billion. [1]"
    assert len(ans.citations) == 1


def test_malformed_citation_entries_are_ignored() -> None:
    out = {
        "answer": "Trade was $240 billion [1].",
        "status": "answered",
        "citations": [
            "junk",
            {"passage": "x", "quote": "new record"},
            {"passage": 1},
            {"passage": 1, "quote": "new record of $240 billion"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert [c.n for c in ans.citations] == [1]


def test_passage_markers_variants() -> None:
    out = {
        "answer": "Trade was $240 billion [Passage 1]. Exports and Tianwan [2-3].",
        "status": "answered",
        "citations": [
            {"passage": 1, "quote": "new record of $240 billion"},
            {"passage": 2, "quote": "Russian food exports"},
            {"passage": 3, "quote": "nuclear power plants in Tianwan"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == "Trade was $240 billion [1]. Exports and Tianwan [2][3]."


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


def test_wrong_quote_but_claim_copied_from_cited_passage_is_verified() -> None:
    out = {
        "answer": "Units are being built at the plants in Tianwan (Jiangsu province, east) and "
                  "Xudabao (Liaoning, northeast) [3].",
        "status": "answered",
        "citations": [{"passage": 3, "quote": "Putin referred to collaboration in research"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.status == "answered"
    (c,) = ans.citations
    assert c.quote == "plants in Tianwan (Jiangsu province, east) and Xudabao (Liaoning, northeast)"
    assert ARTICLE[c.start : c.end] == c.quote


def test_unmarked_sentences_are_attributed_by_copied_wording() -> None:
    out = {
        "answer": "The volume of exchanges set a new record of $240 billion. "
                  "It was a good year.",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "exports rose 5% in March"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == ("The volume of exchanges set a new record of $240 billion [1]. "
                        "It was a good year.")
    assert ans.citations[0].quote == "the volume of exchanges set a \u201cnew record of $240 billion"


def test_verbatim_but_unrelated_quotes_are_not_citations() -> None:
    """Measured with the 1.5B model: it cited every passage it was given, each with a verbatim
    quote, for a one-number answer. Only quotes that carry the claim's number (or, for claims
    without numbers, share a content word) stay citations."""
    out = {
        "answer": "Trade reached $240 billion [1][2][3].",
        "status": "answered",
        "citations": [
            {"passage": 1, "quote": "new record of $240 billion"},
            {"passage": 2, "quote": "have increased 1.5 times and reached $7.6 billion"},
            {"passage": 3, "quote": "nuclear power plants in Tianwan"},
        ],
    }
    ans = verify_citations("q", out, P)
    assert ans.text == "Trade reached $240 billion [1]."
    assert [c.quote for c in ans.citations] == ["new record of $240 billion"]
    assert ans.status == "answered"


def test_supports_rules() -> None:
    from agent.cite import supports

    assert supports("It rained 94 millimetres [1].", "after 94 millimetres of rain fell")
    assert not supports("It rained 94 millimetres.", "a $412.6 million operating budget")
    assert supports("The plants are Tianwan and Xudabao.", "plants in Tianwan (Jiangsu province)")
    assert not supports("The plants are Tianwan and Xudabao.", "Xi said the two countries were")
    assert supports("1,500 people left.", "about 1500 people were evacuated")


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


def test_a_quote_filed_under_the_wrong_passage_is_repointed_to_its_own() -> None:
    """The quote is verbatim in passage 3 but the model numbered it 2: the claim is cited to 3."""
    out = {
        "answer": "The plants are in Tianwan and Xudabao [2].",
        "status": "answered",
        "citations": [{"passage": 2, "quote": "Chinese nuclear power plants in Tianwan"}],
    }
    ans = verify_citations("q", out, P)
    assert ans.status == "answered" and ans.text == "The plants are in Tianwan and Xudabao [1]."
    (c,) = ans.citations
    assert c.chunk_id == "art1:3" and ARTICLE[c.start : c.end] == c.quote


FLOOD = (
    "Damage from the Millbrook flood was put at $18.4 million on Thursday, county officials said. "
    "Some 82 homes remain empty while inspectors check their foundations. "
    "The river peaked at 6.2 metres on Monday."
)


def flood_passage() -> list[Passage]:
    return [Passage(chunk_id="fl:0", article_id="fl", title="Millbrook flood", text=FLOOD,
                    start=0, end=len(FLOOD))]


def test_quote_missing_the_claims_number_is_repaired_with_the_sentence_that_states_it() -> None:
    """Measured with the 1.5B: right answer, right passage, but the quote was the next sentence
    (about 82 homes); the answer used to end unverified."""
    out = {
        "answer": "The Millbrook flood damage cost $18.4 million [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "Some 82 homes remain empty while inspectors check"}],
    }
    ans = verify_citations("What did the Millbrook flood damage cost?", out, flood_passage())
    assert ans.status == "answered"
    (c,) = ans.citations
    assert "$18.4 million" in c.quote and FLOOD[c.start : c.end] == c.quote
    assert c.quote.startswith("Damage from the Millbrook flood")  # quote + number sentence, joined


def test_number_repair_needs_the_number_and_a_shared_word_in_one_sentence() -> None:
    wrong_number = {
        "answer": "The Millbrook flood damage cost $19 million [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "Some 82 homes remain empty while inspectors check"}],
    }
    assert verify_citations("q", wrong_number, flood_passage()).status == "not_in_sources"
    unrelated = {  # 6.2 is in the passage, but its sentence is about the river, not the homes
        "answer": "Inspectors found 6.2 homes unsafe [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "Damage from the Millbrook flood was put at"}],
    }
    assert verify_citations("q", unrelated, flood_passage()).status == "not_in_sources"


CAKESHOP = (
    "In 2012, Charlie Craig and David Mullins went to Masterpiece Cakeshop in Lakewood, Colorado, "
    "to order a custom cake for their wedding. Phillips, a devout Christian, declined, saying "
    "doing so would amount to participating in a religious ceremony antithetical to his beliefs."
)


def cake_passage() -> list[Passage]:
    return [Passage(chunk_id="c:0", article_id="c", title="Cake", text=CAKESHOP, start=0, end=len(CAKESHOP))]


def test_a_claim_copied_from_the_passage_is_cited_when_the_quote_is_about_something_else() -> None:
    """Seen on QuAIL (n165_q2): the answer copied 20 words of the passage, the quote was the
    next sentence — verbatim, but about the refusal, not the order."""
    out = {
        "answer": "Charlie Craig and David Mullins went to Masterpiece Cakeshop to order a custom cake "
        "for their wedding [1].",
        "status": "answered",
        "citations": [{"passage": 1, "quote": "Phillips, a devout Christian, declined"}],
    }
    ans = verify_citations("q", out, cake_passage())
    assert ans.status == "answered" and len(ans.citations) == 1
    assert ans.citations[0].quote == "Charlie Craig and David Mullins went to Masterpiece Cakeshop"
    assert CAKESHOP[ans.citations[0].start : ans.citations[0].end] == ans.citations[0].quote


def test_a_quote_that_supports_one_claim_is_not_replaced_and_an_invented_date_stays_out() -> None:
    refusal = {"passage": 1, "quote": "Phillips, a devout Christian, declined"}
    out = {
        "answer": "Phillips declined [1]. The couple went to Masterpiece Cakeshop in Lakewood, "
        "Colorado on 13 November 2026 [1].",
        "status": "answered",
        "citations": [refusal],
    }
    ans = verify_citations("q", out, cake_passage())
    assert [c.quote for c in ans.citations] == ["Phillips, a devout Christian, declined"]
    assert any("13 November 2026" in u for u in ans.unsupported)
    # the same invented date with an unrelated quote: the copied words do not carry the date
    out = {"answer": out["answer"].split(". ", 1)[1], "status": "answered", "citations": [refusal]}
    ans = verify_citations("q", out, cake_passage())
    assert ans.citations == [] and ans.status == "not_in_sources"
