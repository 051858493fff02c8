"""Model-free contradiction check over article sentences (agent.brief.sentence_pairs): pure logic."""

from __future__ import annotations

from agent.brief.claims import storyline_sentence_conflicts
from agent.brief.sentence_pairs import minimal_pair, sentence_pair_conflicts
from agent.settings import Settings
from agent.types import Article, Citation

TRUE_TEXT = (
    "Super Bowl 2021 location\n\n"
    "The game was played on February 7, 2021, at Raymond James Stadium in Tampa, Florida, the "
    "home stadium of the Buccaneers. The NFL voted in Chicago to move Super Bowl LV from Los "
    "Angeles to Tampa, Florida in 2016. Tickets sold out within an hour."
)
FAKE_TEXT = (
    "Where the Super Bowl was held\n\n"
    "Fans travelled from across the country. The game was played on February 7, 2021, at Raymond "
    "James Stadium in Glendale, Arizona, the home stadium of the Buccaneers. The NFL voted in "
    "Chicago to move Super Bowl LV from Los Angeles to Glendale, Arizona in 2016."
)


def art(aid: str, text: str) -> Article:
    return Article(id=aid, title=f"Title {aid}", text=text, source=f"src-{aid}")


def test_the_same_sentence_with_another_place_is_one_disagreement_with_verbatim_quotes() -> None:
    a, b = art("true", TRUE_TEXT), art("fake", FAKE_TEXT)
    [d] = storyline_sentence_conflicts([a, b], Settings(), {"true": "Sports Wire", "fake": "Other Desk"})
    assert d.what.startswith("Tampa, Florida or Glendale, Arizona: … ")
    ta, tb = (c.text for c in d.claims)
    assert "Tampa, Florida" in ta and ta.startswith("Sports Wire reports:")
    assert "Glendale, Arizona" in tb and tb.startswith("Other Desk reports:")
    texts = {"true": TRUE_TEXT, "fake": FAKE_TEXT}
    for claim in d.claims:
        [c] = claim.citations
        assert c.article_id == claim.article_id and texts[c.article_id][c.start : c.end] == c.quote
        assert c.chunk_id.startswith(f"{c.article_id}:")


def test_an_article_that_states_both_versions_is_a_revision_not_a_contradiction() -> None:
    revised = FAKE_TEXT + " The game had first been planned for Tampa, Florida."
    assert storyline_sentence_conflicts([art("t", TRUE_TEXT), art("r", revised)], Settings(), {}) == []


def test_one_article_alone_or_unrelated_articles_give_nothing() -> None:
    assert storyline_sentence_conflicts([art("t", TRUE_TEXT)], Settings(), {}) == []
    other = art("o", "Heavy rain closed the A38 bridge near Millbrook for a second day on Friday.")
    assert storyline_sentence_conflicts([art("t", TRUE_TEXT), other], Settings(), {}) == []


def test_minimal_pair_rules() -> None:
    # a name or a number in the same place: contradictions
    assert minimal_pair(
        "Norway set the record for most total medals at a single Winter Olympics.",
        "U.S. set the record for most total medals at a single Winter Olympics.",
    )
    assert minimal_pair(
        "The bridge will reopen to traffic on 14 March after repairs.",
        "The bridge will reopen to traffic on 21 March after repairs.",
    )
    # a lower-case word: a paraphrase
    assert (
        minimal_pair(
            "The council voted to approve the budget on Monday evening.",
            "The council voted to adopt the budget on Monday evening.",
        )
        is None
    )
    # when the report was filed, not what happened
    assert (
        minimal_pair(
            "The mayor said on Monday that the bridge would reopen soon.",
            "The mayor said on Tuesday that the bridge would reopen soon.",
        )
        is None
    )
    assert (
        minimal_pair(
            "Updated November 17, 2021 at 1:07 AM PST by the news desk.",
            "Updated November 17, 2021 at 2:09 AM EST by the news desk.",
        )
        is None
    )
    # two periods with two figures: a series, not a conflict
    assert (
        minimal_pair(
            "Exports to the region rose 1.2% in March, the ministry said.",
            "Exports to the region rose 0.8% in April, the ministry said.",
        )
        is None
    )
    # the sentence's own punctuation is not a difference
    assert (
        minimal_pair(
            "Xenoblade Chronicles X was released in Japan on April 29.",
            "Xenoblade Chronicles X was released in Japan on April 29",
        )
        is None
    )
    # an opening function word names nothing ("Who is" / "Meet")
    assert (
        minimal_pair(
            "Who is the new chief executive of Vanguard?", "What is the new chief executive of Vanguard?"
        )
        is None
    )


def test_a_change_repeated_in_several_sentences_is_reported_once_most_alike_first() -> None:
    calls: list[tuple[str, tuple[int, int]]] = []

    def cite(a: Article, span: tuple[int, int]) -> Citation:
        calls.append((a.id, span))
        return Citation(
            n=1,
            article_id=a.id,
            title=a.title,
            quote=a.text[span[0] : span[1]],
            start=span[0],
            end=span[1],
            chunk_id=f"{a.id}:0",
        )

    found = sentence_pair_conflicts([art("t", TRUE_TEXT), art("f", FAKE_TEXT)], cite, limit=3)
    assert len(found) == 1
    diff, ca, cb = found[0]
    assert ("Tampa", "Florida") in [x for x, _ in diff.replaced]
    assert ca.article_id == "t" and cb.article_id == "f"


def test_series_and_different_subjects_are_not_contradictions() -> None:
    """Measured on Reuters weekly series: before these rules, 65 of 1,770 money-supply article
    pairs were flagged; after, none (nor in cocoa, coffee or crude)."""
    # two places differ: two reports, not one fact told two ways
    assert (
        minimal_pair(
            "Loans at the 10 major New York banks fell 718 mln dlrs to 64.87 billion.",
            "Loans at the 10 major New York banks fell 222 mln dlrs to 64.05 billion.",
        )
        is None
    )
    assert (
        minimal_pair(
            "Marathon said it reduced the contract price for all grades of crude oil.",
            "Citgo said it raised the contract price for all grades of crude oil.",
        )
        is None
    )
    # only a number changed, articles from different days: a weekly figure or an update
    from datetime import UTC, datetime

    def dated(aid: str, text: str, day: int) -> Article:
        return Article(id=aid, title=aid, text=text, published=datetime(1987, 3, day, 15, tzinfo=UTC))

    week1 = dated("w1", "Intro.\n\nThe average forecast called for a 2.3 billion dlr increase in M-1.", 5)
    week2 = dated("w2", "Intro.\n\nThe average forecast called for a 1.8 billion dlr increase in M-1.", 12)
    assert storyline_sentence_conflicts([week1, week2], Settings(), {}) == []
    same_day = week2.model_copy(update={"published": week1.published})
    assert len(storyline_sentence_conflicts([week1, same_day], Settings(), {})) == 1
    # headlines are not compared
    h1 = Article(
        id="h1",
        title="API SAYS DISTILLATE, GAS STOCKS OFF IN WEEK",
        text="API SAYS DISTILLATE, GAS STOCKS OFF IN WEEK\n\nBody one.",
    )
    h2 = Article(
        id="h2",
        title="EIA SAYS DISTILLATE, GAS STOCKS OFF IN WEEK",
        text="EIA SAYS DISTILLATE, GAS STOCKS OFF IN WEEK\n\nBody two.",
    )
    assert storyline_sentence_conflicts([h1, h2], Settings(), {}) == []
