"""agent.answer.evidence: numbered sentences shown to the model, and verification of sentence ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from agent.answer.declines import NOT_ANSWERED_TEXT
from agent.answer.evidence import UNVERIFIED_PREFIX, Evidence, answer_schema, verify
from agent.types import Passage

SERIES = (
    "“Lanternfall” is officially coming back. VistaStream announced Sunday that the hugely "
    "popular Icelandic series is renewed for a second season.\n\nFilming starts in May in Reykjavik."
)
BUDGET = "The council approved the budget on Tuesday. It totals $412.6 million. The vote was 7-2."
Q = "Which hugely popular series was just renewed for another season?"


def passage(n: int, text: str, start: int, title: str) -> Passage:
    return Passage(
        chunk_id=f"a{n}:0",
        article_id=f"a{n}",
        title=title,
        text=text,
        start=start,
        end=start + len(text),
        published=datetime(2026, 3, 1, tzinfo=UTC),
    )


EV = Evidence([passage(1, SERIES, 40, "Streaming news"), passage(2, BUDGET, 0, "Council budget")])


def out(answer: str, citations: list[int], status: str = "answered") -> dict[str, object]:
    return {"answer": answer, "status": status, "citations": citations}


def test_ids_run_across_passages_and_the_prompt_shows_paragraphs() -> None:
    assert EV.ids == [1, 2, 3, 4, 5, 6]
    shown = EV.format()
    assert "[1] “Lanternfall” is officially coming back.\n[2] VistaStream" in shown
    assert "season.\n\n[3] Filming starts" in shown  # a blank line between paragraphs
    assert "[4] The council approved" in shown and "[6] The vote was 7-2." in shown
    assert answer_schema(EV.ids)["properties"]["citations"]["items"]["enum"] == EV.ids


def test_the_grammar_stops_a_runaway_list_of_ids() -> None:
    """The embedded model's grammar allows at most MAX_CITED_SENTENCES ids, so a model counting
    on through the ids cannot run the reply into the token limit."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    from agent.answer.evidence import MAX_CITED_SENTENCES

    schema = answer_schema(list(range(1, 30)))
    gbnf = json_schema_to_gbnf(json.dumps(schema))
    rule = next(line for line in gbnf.splitlines() if line.startswith("citations ::="))
    assert rule.count("citations-item") == MAX_CITED_SENTENCES


def test_the_name_in_the_sentence_before_verifies_and_the_quote_spans_both_sentences() -> None:
    ans = verify(Q, out("Lanternfall [2].", [2]), EV)
    assert ans.status == "answered" and ans.text == "Lanternfall [1]."
    (c,) = ans.citations
    assert c.sentence_ids == [1, 2]
    assert c.quote == SERIES[: SERIES.index("\n\n")]
    assert (c.start, c.end) == (40, 40 + len(c.quote))  # article offsets: verbatim by construction


def test_an_unmarked_answer_uses_the_citations_list() -> None:
    ans = verify("How big is the budget?", out("The budget totals $412.6 million.", [5]), EV)
    assert ans.status == "answered" and ans.text == "The budget totals $412.6 million [1]."
    assert ans.citations[0].quote == "It totals $412.6 million."


def test_an_id_off_by_one_is_repointed_within_the_cited_passage() -> None:
    ans = verify("How big is the budget?", out("The budget totals $412.6 million [6].", [6]), EV)
    assert ans.status == "answered" and ans.citations[0].sentence_ids[-1] == 5


def test_two_claims_one_verified_one_not_is_partial() -> None:
    ans = verify(
        "What did the council do?",
        out("The council approved the budget [4]. The mayor resigned in protest [4].", [4]),
        EV,
    )
    assert ans.status == "partial" and ans.text == "The council approved the budget [1]."
    assert ans.unsupported == ["The mayor resigned in protest."]


def test_markers_inside_one_sentence_make_one_claim() -> None:
    ans = verify(
        "What did the council do?",
        out("The council approved the budget [4] and it totals $412.6 million [5].", [4, 5]),
        EV,
    )
    assert ans.status == "answered" and len(ans.citations) == 1
    assert ans.citations[0].sentence_ids == [4, 5]


def test_a_wrong_number_is_unverified_beside_the_closest_sentence_never_cited() -> None:
    ans = verify("How big is the budget?", out("The budget totals $500 million [5].", [5]), EV)
    assert ans.status == "unverified" and ans.citations == []
    assert ans.text == UNVERIFIED_PREFIX + "The budget totals $500 million."
    assert ans.closest is not None and ans.closest.sentence_ids == [5] and ans.closest.n == 0


def test_declines_and_guesses_without_a_sentence() -> None:
    declined = verify(Q, out("The articles do not say which series.", [], "not_in_sources"), EV)
    assert declined.status == "not_in_sources" and declined.text == "The articles do not say which series."
    guess = verify(Q, out("Stormgate", [], "not_in_sources"), EV)
    assert guess.status == "not_in_sources" and guess.text == NOT_ANSWERED_TEXT
    assert guess.unsupported == ["Stormgate"]
    nothing = verify("Who won the cup final?", out("Real Marlow won the final.", []), EV)
    assert nothing.status == "not_in_sources" and nothing.unsupported == ["Real Marlow won the final."]
    empty = verify(Q, out("", []), EV)
    assert empty.status == "not_in_sources" and empty.text == NOT_ANSWERED_TEXT


def test_unknown_or_malformed_ids_are_ignored() -> None:
    messy: list[object] = ["x", {"sentence": 5}, 99]
    ans = verify("How big is the budget?", out("It totals $412.6 million [99].", messy), EV)  # type: ignore[arg-type]
    assert ans.status == "answered" and ans.citations[0].sentence_ids == [5]


def test_an_old_passage_without_stored_offsets_is_segmented_on_the_fly() -> None:
    p = passage(1, SERIES, 0, "t")
    assert p.sentences == ""
    assert len(Evidence([p]).ids) == 3
    stored = p.model_copy(update={"sentences": "0+40,41+96;139+33"})
    assert [Evidence([stored]).text_of(i) for i in (1, 3)] == [SERIES[:40], SERIES[139:172]]


def test_repointing_prefers_the_sentence_nearest_the_cited_id() -> None:
    text = (
        "Turnout was 61 percent in May. Officials praised it. Turnout was 61 percent again in "
        "June. Officials left."
    )
    ev = Evidence([passage(1, text, 0, "Election")])
    ans = verify("What was turnout?", out("Turnout was 61 percent [4].", [4]), ev)
    assert ans.status == "answered" and ans.citations[0].sentence_ids == [3]  # not the first one
    ans = verify("What was turnout?", out("Turnout was 61 percent [2].", [2]), ev)
    assert ans.citations[0].sentence_ids in ([1], [3])  # both one sentence away


def test_marker_spellings_a_model_may_use_for_sentence_ids() -> None:
    for marked in (
        "It totals $412.6 million [Sentence 5].",
        "It totals $412.6 million [5, 6].",
        "It totals $412.6 million [4-5].",
    ):
        ans = verify("How big is the budget?", out(marked, []), EV)
        assert ans.status == "answered" and 5 in ans.citations[0].sentence_ids, marked


def test_a_sentence_saying_what_is_missing_stays_uncited_beside_the_cited_answer() -> None:
    ans = verify(
        "When and by how much did the council pass the budget?",
        out("The council approved the budget on Tuesday [4]. The articles do not say the margin.", [4]),
        EV,
    )
    assert ans.status == "partial" and ans.unsupported == []
    assert ans.text == "The council approved the budget on Tuesday [1]. The articles do not say the margin."


def test_two_sentences_starting_alike_stay_two_claims() -> None:
    ans = verify(
        "What did the council do?",
        out(
            "The council approved the budget [4]. The council approved the budget of $412.6 million [5].",
            [4, 5],
        ),
        EV,
    )
    assert ans.status == "answered" and len(ans.citations) == 2
    assert ans.text.count("[") == 2 and ans.text.startswith("The council approved the budget [1]. ")


def test_property_every_quote_shown_is_the_article_text_at_its_span() -> None:
    """Whatever ids and claims a model returns, a citation (or closest sentence) is the
    article's own text at its span: over the example articles, random ids, claims made of
    words of random sentences."""
    import random
    from pathlib import Path

    from agent.ingest.chunk import chunk_text

    rng = random.Random(5)
    examples = Path(__file__).resolve().parents[1] / "examples" / "articles"
    for path in sorted(examples.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        chunks = chunk_text(path.stem, text, max_tokens=120)
        passages = [
            Passage(
                chunk_id=c.id,
                article_id=path.stem,
                title=path.stem,
                text=c.text,
                start=c.start,
                end=c.end,
                sentences=c.sentences,
            )
            for c in chunks
        ]
        ev = Evidence(passages)
        for _ in range(60):
            sid = rng.choice(ev.ids)
            words = ev.text_of(rng.choice(ev.ids)).split()
            claim = " ".join(rng.sample(words, min(len(words), rng.randint(1, 8))))
            ans = verify("What happened?", out(f"{claim} [{sid}].", [sid]), ev)
            for c in ans.citations + ([ans.closest] if ans.closest else []):
                assert text[c.start : c.end] == c.quote
                assert c.sentence_ids and all(i in ev.ids for i in c.sentence_ids)


def test_an_abbreviation_in_the_answer_does_not_cut_the_claim() -> None:
    """Seen on QuAIL n170_q1: "... through the U.S. Congress [1]." came back as
    "the U [1]. S [1]. Congress" when answers were split on every full stop."""
    text = "Sanctions should move quickly through the U.S. Congress, lawmakers said."
    ev = Evidence([passage(1, text, 0, "Sanctions")])
    ans = verify(
        "What did lawmakers say?",
        out("Sanctions should move quickly through the U.S. Congress [1].", [1]),
        ev,
    )
    assert ans.status == "answered"
    assert ans.text == "Sanctions should move quickly through the U.S. Congress [1]."


def test_a_marker_opening_the_next_sentence_belongs_to_the_one_before() -> None:
    ans = verify("How big is the budget?", out("The budget totals $412.6 million. [5] It passed.", []), EV)
    assert ans.citations and ans.citations[0].sentence_ids == [5]


def test_a_claim_citing_the_wrong_passage_is_moved_to_the_shown_sentence_that_states_it() -> None:
    """QuAIL n148_q9 (names changed): the answer was right and its sentence was shown, but the
    model cited a sentence of another passage."""
    ev = Evidence(
        [
            passage(1, "Speaker Hal Brenner met the president on Tuesday. Talks ran late.", 0, "Talks"),
            passage(2, "But Speaker Hal Brenner of Ohio said the fix should be considered alone.", 0, "Fix"),
        ]
    )
    q = "What state does Hal Brenner represent?"
    ans = verify(q, out("Ohio [1].", [1]), ev)
    assert ans.status == "answered" and ans.citations[0].article_id == "a2"
    # a claim with nothing of its own beyond the question is never moved
    ans = verify("Did Hal Brenner meet the president?", out("Yes [2].", [2]), ev)
    assert ans.status == "unverified" and not ans.citations
