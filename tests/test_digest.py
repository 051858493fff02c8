"""The daily digest: a real local newsroom (tests/newsroom.py: feeds that change between "day 1" and
"day 2"), real watch runs, real Chroma and MiniLM, the real CLI and real kills; the model is the
scripted one (registered by name) where a test is about logic, the embedded 1.5B where it is about
the result. Pure parts (copies, told sentences, continuity, figure changes, ranking, the window,
the footer, the kept files) are tested on their own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import numpy as np
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from agent import Agent
from agent.brief.grouping import ArticleKeys
from agent.cli import app
from agent.digest.changes import find_changes, words_before
from agent.digest.continuity import Continuity
from agent.digest.copies import containment, copy_groups, shingles
from agent.digest.footer import make_footer
from agent.digest.memory import DigestMemory, KeptDigest, StorylineMemory
from agent.digest.store import DigestStore
from agent.digest.storylines import Item, Storyline, ranked
from agent.digest.told import Told, fingerprint
from agent.digest.window import FIRST_WINDOW, resolve_since
from agent.errors import InvalidArgumentError
from agent.settings import Settings
from agent.types import (
    Article,
    BriefingArticle,
    BriefingSentence,
    Citation,
    ContinuedFrom,
    Digest,
    DigestStoryline,
    FeedCheck,
    FeedFailure,
    FigureChange,
    FigureReading,
    KeyFigure,
    SeenArticle,
    WatchReport,
)
from tests import newsroom
from tests.fakes import ForbiddenModel, JsonChatModel
from tests.httpserver import FixtureServer, Route, serve
from tests.newsroom import ids_by_path, watch_all

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
T0 = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


# --- wire copy ------------------------------------------------------------------------------------

STORY = newsroom.WIRE


def test_a_republished_copy_is_contained_in_the_original_whatever_was_cut_or_added() -> None:
    original = shingles(" ".join(["LONDON (Newswire) -", *STORY]))
    trimmed = shingles(" ".join(["LONDON, March 5 (Newswire) -", *STORY[:4],
                                 "Sign up for our newsletter to get the business news first."]))
    other = shingles("The council approved a budget of 4.2 million euros for the new secondary school. "
                     "Members argued for two hours about the sports hall, which the interest of the "
                     "central bank in prices did not change.")
    assert containment(original, trimmed) > 0.8  # cut at the end, a new dateline and boilerplate
    assert containment(original, other) < 0.05
    assert containment(original, shingles("too short to say")) == 0.0


def test_copy_groups_merge_copies_transitively_and_nothing_else() -> None:
    a = " ".join(STORY)
    head_cut = " ".join(STORY[2:])  # shares the middle with both others
    tail_cut = " ".join(STORY[:4])
    flood = " ".join(newsroom.FLOOD_BACKGROUND) + " The River Ash burst its banks in Millbrook."
    bridge = " ".join(newsroom.STORIES["/valley/bridge"][1][0] * 2)
    assert copy_groups([flood, a, bridge, head_cut, tail_cut]) == [[0], [1, 3, 4], [2]]


def test_an_outlets_footer_or_a_template_does_not_make_two_stories_copies() -> None:
    footer = ("Sign up for the Coast Times morning newsletter to get the day's business news first. "
              "Copyright Coast Times, all rights reserved; this article may not be republished, "
              "broadcast or rewritten without the written permission of the publisher.")
    harbour = newsroom.STORIES["/coast/harbour"][1][0][0] + " " + footer  # one sentence + the footer
    storm = newsroom.STORIES["/herald/storm"][1][0][0] + " " + footer
    assert copy_groups([harbour, storm]) == [[0, 1]]  # the footer alone makes them look alike
    assert copy_groups([harbour, storm], ["Coast Times", "Coast Times"]) == [[0], [1]]
    wire = " ".join(STORY)
    # The same outlet running one wire story twice and another outlet once: still one story.
    assert copy_groups([wire + " " + footer, wire, " ".join(STORY[:4]) + " " + footer],
                       ["Coast Times", "Valley", "Coast Times"]) == [[0, 1, 2]]
    notice = ("Unifirst Corp said it set a quarterly dividend of 2.5 cts per share, payable April 1 to "
              "holders of record March 15.")
    other = ("Beverly Enterprises said it set a quarterly dividend of 5 cts per share, payable April 1 "
             "to holders of record March 15.")
    assert copy_groups([notice, other]) == [[0], [1]]  # a template: short texts must match whole
    assert copy_groups([notice, notice + " " + footer]) == [[0, 1]]


# --- what was told ------------------------------------------------------------------------------


def test_a_told_sentence_is_not_new_but_a_moved_number_or_an_added_clause_is() -> None:
    told = Told([fingerprint("The flood has killed 12 people, the regional government said.")])
    assert told.repeats("The flood has killed 12 people, the regional government said")
    assert told.repeats("“The flood has killed 12 people,” the Regional Government said.")
    assert not told.repeats("The flood has killed 19 people, the regional government said.")
    assert not told.repeats("The flood has killed 12 people and destroyed the old mill, the regional "
                            "government said after the army flew over the valley.")
    assert not told.repeats("")
    assert fingerprint("It was 1,750 dollars, it was.") == "1750 dollars"


# --- continuity ----------------------------------------------------------------------------------


def _kept(did: str, until: datetime, storylines: list[StorylineMemory]) -> KeptDigest:
    digest = Digest(id=did, title="Digest", since=until - timedelta(days=1), until=until)
    return KeptDigest(digest=digest, memory=DigestMemory(storylines=storylines))


def _unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_continuity_by_shared_article_by_vector_or_by_repeated_background() -> None:
    flood = StorylineMemory(heading="Flood", article_ids=["f1"], vector=list(_unit(1, 0, 0)),
                            told=[fingerprint(s) for s in newsroom.FLOOD_BACKGROUND])
    rates = StorylineMemory(heading="Rates", article_ids=["r1"], vector=list(_unit(0, 1, 0)))
    older = _kept("d1", T0 - timedelta(days=2), [flood.model_copy(update={"heading": "Old flood"})])
    newer = _kept("d2", T0 - timedelta(days=1), [flood, rates])
    c = Continuity([newer, older])
    assert c.match(_unit(0.9, 0.1, 0.1), ["x"], []).memory.heading == "Flood"  # the newest digest wins
    assert c.match(_unit(0, 0, 1), ["r1"], []).memory.heading == "Rates"  # an article seen again
    background = [fingerprint(s) for s in newsroom.FLOOD_BACKGROUND[:2]]
    assert c.match(_unit(0.5, 0, 0.85), ["x"], background).memory.heading == "Flood"
    assert c.match(_unit(0.5, 0, 0.85), ["x"], background[:1]) is None  # one shared sentence is not enough
    assert c.match(_unit(0, 0, 1), ["x"], background) is None  # nothing alike: not even background
    assert Continuity([]).match(_unit(1, 0, 0), ["f1"], []) is None


# --- figure changes ------------------------------------------------------------------------------


def _cite(aid: str, quote: str, day: int) -> Citation:
    return Citation(n=1, article_id=aid, title=aid, quote=quote, start=0, end=len(quote), chunk_id=f"{aid}:0",
                    published=datetime(2026, 3, day, tzinfo=UTC))


def _fig(aid: str, value: str, quote: str, day: int, unit: str = "people") -> KeyFigure:
    return KeyFigure(value=value, unit=unit, what=quote, citations=[_cite(aid, quote, day)])


class TableEmbedder:
    """Vectors by the first key word found in the text, so the test states which figures measure
    the same thing."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray([next(v for k, v in self.table.items() if k in t) for t in texts], dtype=np.float32)


def test_find_changes_pairs_one_measure_with_another_number_each_figure_once() -> None:
    emb = TableEmbedder({"killed": [1, 0, 0], "homes": [0, 1, 0], "rain": [0, 0, 1]})
    before = [_fig("d1", "12 people", "The flood has killed 12 people.", 4),
              _fig("d1", "300 homes", "About 300 homes were evacuated.", 4, "homes"),
              _fig("d1", "94 millimetres", "94 millimetres of rain fell.", 4, "mm")]
    after = [_fig("d2", "19 people", "The flood has now killed 19 people.", 5),
             _fig("d2", "300 homes", "About 300 homes were evacuated overnight.", 5, "homes"),
             _fig("d2", "14 people", "Another 14 people were killed in the next town.", 5),
             _fig("d2", "5%", "Rain fell 5% above the killed-crops estimate.", 5, "%")]
    pairs = find_changes(before, after, emb)
    assert [(a.value, b.value) for a, b in pairs] == [("12 people", "19 people")]  # once, best first
    assert find_changes(before, [], emb) == []
    flagged = after[0].model_copy(update={"flagged": True})
    assert find_changes(before[:1], [flagged], emb) == []
    assert words_before(after[0]) == "flood has now killed"  # the four words before it


def test_a_change_reads_with_both_readings_cited() -> None:
    change = FigureChange(
        what="the death toll",
        before=FigureReading(value="12 people", on=datetime(2026, 3, 4).date(),
                             citations=[_cite("d1", "x", 4).model_copy(update={"n": 3})]),
        after=FigureReading(value="19 people", on=datetime(2026, 3, 5).date(),
                            citations=[_cite("d2", "y", 5).model_copy(update={"n": 7})]),
    )
    assert change.text() == "the death toll, 12 people on 4 March 2026 [3], is 19 people on 5 March 2026 [7]"


def test_markdown_shows_a_change_of_an_also_new_storyline_with_both_citations() -> None:
    """Every citation a Markdown digest lists under Sources is cited in its text, including the
    figure changes of a storyline shown in one line under "Also new"."""
    def reading(aid: str, value: str, day: int, n: int) -> FigureReading:
        return FigureReading(value=value, on=datetime(2026, 3, day).date(),
                             citations=[_cite(aid, "x", day).model_copy(update={"n": n})])

    change = FigureChange(what="the death toll", before=reading("d1", "12 people", 4, 1),
                          after=reading("d2", "19 people", 5, 2))
    line = DigestStoryline(heading="Flood", sentences=[], sources=["Courier"], changes=[change])
    digest = Digest(id="d", title="Digest", since=T0 - timedelta(days=1), until=T0, more=[line])
    md = digest.to_markdown()
    assert "Changed: the death toll, 12 people on 4 March 2026 [1], is 19 people on 5 March 2026 [2]" in md


# --- ranking -------------------------------------------------------------------------------------


def _keys(aid: str, source: str, day: int = 5) -> ArticleKeys:
    article = Article(id=aid, title=aid, text="Something happened.", source=source,
                      published=datetime(2026, 3, day, tzinfo=UTC))
    return ArticleKeys(article, [], [])


def _line(*items: list[ArticleKeys]) -> Storyline:
    return Storyline([Item(list(i)) for i in items], _unit(1, 0))


def test_rank_counts_republished_copy_once_then_outlets_then_recency() -> None:
    wire = _line([_keys("w1", "Valley"), _keys("w2", "Coast"), _keys("w3", "Herald")])
    two_reports = _line([_keys("a1", "Valley")], [_keys("a2", "Coast")])
    alone_old = _line([_keys("o1", "Valley", day=3)])
    alone_new = _line([_keys("n1", "Coast", day=4)])
    same_outlet_twice = _line([_keys("s1", "Valley")], [_keys("s2", "Valley", day=2)])
    assert (wire.independent_sources, wire.outlets, wire.copies) == (1, ["Valley", "Coast", "Herald"],
                                                                      [["w1", "w2", "w3"]])
    assert same_outlet_twice.independent_sources == 1
    order = ranked([alone_old, same_outlet_twice, wire, alone_new, two_reports])
    assert order == [two_reports, wire, same_outlet_twice, alone_new, alone_old]


# --- the window, the footer, the kept files ------------------------------------------------------


def test_resolve_since() -> None:
    assert resolve_since("last", T0, None) == T0 - FIRST_WINDOW  # the first digest covers a day
    assert resolve_since("last", T0, T0 - timedelta(hours=3)) == T0 - timedelta(hours=3)
    yesterday = resolve_since("yesterday", T0, None).astimezone()
    assert (yesterday.date(), yesterday.hour) == (T0.astimezone().date() - timedelta(days=1), 0)
    assert resolve_since(datetime(2026, 3, 1), T0, None) == datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(InvalidArgumentError, match="give an earlier --since"):
        resolve_since(T0 + timedelta(days=1), T0, None)


def test_footer_counts_the_window_and_the_latest_check_of_each_feed() -> None:
    def check(name: str, status: str, error: str | None = None, failed: int = 0) -> FeedCheck:
        return FeedCheck(name=name, url=f"http://x/{name}", status=status, error=error, failed=failed)

    runs = [
        WatchReport(run="r0", started=T0 - timedelta(days=3), feeds=[check("Old", "failed", "gone")]),
        WatchReport(run="r1", started=T0 - timedelta(hours=5),
                    feeds=[check("Valley", "failed", "HTTP 500"), check("Coast", "checked", failed=1)]),
        WatchReport(run="r2", started=T0 - timedelta(hours=1),
                    feeds=[check("Valley", "checked"), check("Herald", "failed", "timed out after 15s")]),
    ]
    firsts = (("new", T0 - timedelta(hours=1)), ("upd", T0 - timedelta(days=9)), ("other", T0))
    seen = [SeenArticle(article_id=a, feed_url="u", first_seen=first, first_run="r", changed=T0,
                        changed_run="r") for a, first in firsts]
    footer = make_footer(runs, seen, ["new", "upd"], T0 - timedelta(days=1), T0)
    assert (footer.runs, footer.feeds_checked, footer.new_articles, footer.updated_articles) == (2, 3, 1, 1)
    assert [(f.name, f.error) for f in footer.failures] == [("Herald", "timed out after 15s")]
    assert footer.failed_entries == 1
    assert "failed: Herald: timed out after 15s" in footer.line()


def test_kept_digests_list_and_compare_only_with_windows_that_ended_before(tmp_path: Path) -> None:
    store = DigestStore(Settings(index_path=tmp_path / "index", cache_dir=tmp_path / "cache"))
    assert store.records() == [] and store.last(None) is None
    for name, days in (("a", 2), ("b", 1), ("c", 0)):
        store.save(_kept(name, T0 - timedelta(days=days), []))
    store.save(KeptDigest(digest=Digest(id="t", title="x", topic="flood", since=T0 - timedelta(days=1),
                                        until=T0 + timedelta(hours=1))))
    (store.folder / "broken.json").write_text("{not json", encoding="utf-8")
    assert [r.id for r in store.records()] == ["a", "b", "c", "t"]
    assert store.records()[0].path == str(store.folder / "a.json")
    assert store.last(None).digest.id == "c" and store.last("flood").digest.id == "t"
    assert [k.digest.id for k in store.earlier(T0 - timedelta(days=1))] == ["b", "a"]
    assert [k.digest.id for k in store.earlier(T0 + timedelta(days=30))] == []  # beyond the lookback
    chroma = DigestStore(Settings(chroma_url="http://127.0.0.1:8000", cache_dir=tmp_path / "cache"))
    assert chroma.folder.parent == tmp_path / "cache" / "digests"


def test_markdown_escapes_what_articles_and_feeds_wrote() -> None:
    evil = "[click](javascript:alert(1)) <script>\x1b]0;pwn\x07"
    cite = _cite("d1", evil, 4)
    change = FigureChange(what=evil, before=FigureReading(value=evil, citations=[cite]),
                          after=FigureReading(value="2", citations=[cite]))
    line = DigestStoryline(heading=evil, sentences=[BriefingSentence(text=evil, citations=[cite])],
                           sources=[evil], update=ContinuedFrom(digest_id="x", told_until=T0, heading=evil),
                           changes=[change])
    digest = Digest(
        id="d", title=f"Digest: {evil}", since=T0 - timedelta(days=1), until=T0, topic=evil,
        storylines=[line], more=[line.model_copy()],
        articles=[BriefingArticle(article_id="d1", title=evil, source=evil, url="javascript:alert(1)")],
    )
    digest.footer.runs = 1
    digest.footer.failures.append(FeedFailure(name=evil, url="http://x/feed", error=evil))
    md = digest.to_markdown()
    assert "\x1b" not in md and "\x07" not in md  # controls shown, never sent
    html = MarkdownIt().render(md)  # what a Markdown viewer makes of it: no tag, no link
    assert "<script" not in html and "<a " not in html and "\\x1b" in md
    assert "Update since 5 March 2026 12:00 UTC" in md


# --- the whole digest: real feeds, Chroma, MiniLM; the scripted model ------------------------


@pytest.fixture
def newsroom_site() -> Iterator[FixtureServer]:
    with serve() as srv:
        newsroom.day1(srv)
        yield srv


@pytest.fixture
def scripted(register_model: Callable[[str, Any], str]) -> JsonChatModel:
    model = JsonChatModel(respond=newsroom.digest_reply)
    model.calls = []
    register_model("fake-digest", model)
    return model


def make_agent(tmp: Path, model: str = "fake-digest", **kw: Any) -> Agent:
    return Agent(index_path=tmp / "index", cache_dir=tmp / "cache", model=model, fetch_timeout=10, **kw)


def sentences_of(digest: Digest) -> list[BriefingSentence]:
    return [s for sec in [*digest.storylines, *digest.more] for s in sec.sentences]


def storyline_with(digest: Digest, article_id: str) -> DigestStoryline:
    found = [sec for sec in [*digest.storylines, *digest.more] if article_id in sec.article_ids]
    assert len(found) == 1, f"{article_id} is in {len(found)} storylines"
    return found[0]


def check_day2(day1: Digest, day2: Digest, ids: dict[str, str], day1_text: list[str]) -> None:
    """What day 2 must show, whatever model wrote it (see tests/newsroom.py)."""
    # The new story.
    bridge = storyline_with(day2, ids["/valley/bridge"])
    assert bridge.update is None and bridge.sentences
    assert all(c.article_id == ids["/valley/bridge"] for s in bridge.sentences for c in s.citations)
    # The update: labelled with the day-1 digest; the moved figure cited on both days.
    flood = storyline_with(day2, ids["/valley/flood-2"])
    assert flood.update is not None and flood.update.digest_id == day1.id
    assert day2.label(flood).startswith("Update since ")
    (change,) = flood.changes
    assert (change.before.value, change.after.value) == ("12 people", "19 people")
    assert [c.article_id for c in change.before.citations] == [ids["/valley/flood-1"]]
    assert [c.article_id for c in change.after.citations] == [ids["/valley/flood-2"]]
    assert "12 people" in change.before.citations[0].quote and "19 people" in change.after.citations[0].quote
    assert ids["/valley/flood-1"] not in flood.article_ids  # the earlier article is cited, not re-covered
    # The wire story: one storyline, both outlets, one independent source.
    wire = storyline_with(day2, ids["/valley/rates"])
    assert ids["/coast/rates"] in wire.article_ids and wire.sources == ["Valley Courier", "Coast Times"]
    assert wire.copies == [[ids["/valley/rates"], ids["/coast/rates"]]] and wire.independent_sources == 1
    # The failing feed in the footer.
    assert [(f.name, f.error[:8]) for f in day2.footer.failures] == [("Herald", "HTTP 500")]
    assert (day2.footer.new_articles, day2.footer.feeds_checked) == (4, 3)
    # Nothing from day 1 repeated as new: day-1 articles are not covered again, and no sentence
    # cites a sentence day 1's articles already said.
    assert {a.article_id for a in day2.articles} == {ids[p] for p in ("/valley/flood-2", "/valley/bridge",
                                                                       "/valley/rates", "/coast/rates")}
    told = Told(fingerprint(t) for t in day1_text)
    for s in sentences_of(day2):
        assert all(c.article_id in {a.article_id for a in day2.articles} for c in s.citations)
        assert not any(told.repeats(c.quote) for c in s.citations), s
    assert day2.compared_with == [day1.id] and day2.repeated >= 1  # the flood background left out


def day1_sentences(agent: Agent) -> list[str]:
    from agent.text.sentences import segment

    return [a.text[s.start:s.end] for a in agent.list() for s in segment(a.text)]


def test_day2_digest_says_what_is_new_and_what_changed(
    tmp_path: Path, newsroom_site: FixtureServer, scripted: JsonChatModel,
    register_model: Callable[[str, Any], str],
) -> None:
    agent = make_agent(tmp_path)
    watch_all(agent, newsroom_site)
    assert agent.watch.run().ok
    day1 = agent.digest()
    assert len(day1.storylines) == 4 and day1.kept_at and Path(day1.kept_at).is_file()
    assert day1.footer.new_articles == 4 and not day1.footer.failures and day1.model == "fake-model"
    text1 = day1_sentences(agent)

    newsroom.day2(newsroom_site)
    report = agent.watch.run()
    assert [f.name for f in report.failed_feeds] == ["Herald"]
    day2 = agent.digest()
    ids = ids_by_path(agent, newsroom_site)
    check_day2(day1, day2, ids, text1)
    assert [sec.heading for sec in day2.storylines][0].startswith("LONDON")  # two outlets rank first
    md = day2.to_markdown()
    assert "**Changed:** the death toll, 12 people on 4 March 2026 [" in md
    assert "Valley Courier, Coast Times (one wire story republished)" in md
    assert "failed: Herald: HTTP 500" in md
    numbers = [c.n for c in day2.citations()]
    assert numbers == list(range(1, len(numbers) + 1))

    # The same digest again (same window, same earlier digests) comes from the cache: no model.
    calls = len(scripted.calls)
    register_model("fake-digest", ForbiddenModel())  # type: ignore[arg-type]  # the same name: same cache keys
    again = make_agent(tmp_path)
    repeat = again.digest(since=day2.since, until=day2.until)
    assert len(scripted.calls) == calls and repeat.usage is not None and repeat.usage.calls == 0
    assert repeat.model_dump(exclude={"generated_at", "usage", "model"}) == day2.model_dump(
        exclude={"generated_at", "usage", "model"})
    assert repeat.model == "fake-digest (local)"  # the configured model's label (it wrote the replies)

    # Nothing new since: no article, no model, nothing kept.
    empty = again.digest()
    assert (empty.storylines, empty.articles, empty.kept_at) == ([], [], None)
    assert "Nothing new in this window." in empty.to_markdown()
    assert [r.id for r in agent.digests()] == [day1.id, day2.id]


def test_a_topic_digest_keeps_the_storylines_about_it(tmp_path: Path, newsroom_site: FixtureServer,
                                                      scripted: JsonChatModel) -> None:
    agent = make_agent(tmp_path)
    watch_all(agent, newsroom_site)
    agent.watch.run()
    d = agent.digest(topic="flood in Millbrook", keep=False)
    assert [a.title for a in d.articles] == [newsroom.title_of("/valley/flood-1")]
    assert d.title.startswith("Digest: flood in Millbrook") and d.kept_at is None
    assert agent.digests() == []


# --- the command line --------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_digest_list_formats_and_usage_errors(tmp_path: Path, newsroom_site: FixtureServer,
                                                  scripted: JsonChatModel) -> None:
    index = str(tmp_path / "index")
    base = ["--index", index, "--model", "fake-digest", "--set", f"cache_dir={tmp_path / 'cache'}"]
    watch_all(make_agent(tmp_path), newsroom_site)
    code, out, err = cli(*base, "watch", "run", "--digest", "--quiet", "-o", str(tmp_path / "d1.md"))
    assert (code, out) == (0, ""), err  # --quiet: nothing printed on success
    assert (tmp_path / "d1.md").read_text(encoding="utf-8").startswith("# Digest: ")
    newsroom.day2(newsroom_site)
    run_page = tmp_path / "run2.html"  # -o FILE's suffix picks the format
    code, out, err = cli(*base, "watch", "run", "--digest", "--json", "-o", str(run_page))
    assert code == 1 and "failed: Herald: HTTP 500" in err  # the digest was made all the same
    assert lxml.html.document_fromstring(run_page.read_text(encoding="utf-8")).xpath(
        "//article[@class='source-article']"
    )
    body = json.loads(out)
    assert body["report"]["feeds"][1]["status"] == "failed" and body["digest"]["footer"]["failures"]
    code, out, _ = cli(*base, "digest", "--list", "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["storylines"] for r in rows] == [4, 3] and Path(rows[1]["path"]).is_file()
    code, out, _ = cli(*base, "digest", "--list")
    assert code == 0 and "2 digest(s) kept" in out
    code, out, _ = cli(*base, "digest", "--list", "--format", "md")
    table = out.splitlines()
    assert code == 0 and table[0].startswith("| made |") and len(table) == 4
    assert [row.split(" | ")[3] for row in table[2:]] == ["4", "3"]
    code, out, err = cli(*base, "digest", "--list", "--format", "html")
    assert (code, out) == (2, "") and "/digests in `agent serve`" in err
    code, out, err = cli(*base, "digest", "--since", rows[1]["since"], "--until", rows[1]["until"],
                         "--format", "md")
    assert code == 0 and "## Update since " in out and "Nothing new" not in out
    code, _, err = cli(*base, "digest", "--since", "soon")
    assert code == 2 and "--since 'soon' is not a date" in err
    page = tmp_path / "day2.html"  # the kept day-2 digest again, as a page: its articles embedded
    code, _, err = cli(*base, "digest", "--since", rows[1]["since"], "--until", rows[1]["until"],
                       "--format", "html", "-o", str(page))
    assert code == 0, err
    doc = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
    assert doc.xpath("//h2/span[@class='update']") and doc.xpath("//li[@class='change']//a[@class='cite']")
    assert len(doc.xpath("//article[@class='source-article']")) >= 5  # today's four and yesterday's flood
    for link in doc.xpath("//section[contains(@class, 'digest')]/ul[@class='cited']//a[@class='cite']"):
        n = link.get("data-n")
        assert link.get("href") == f"#q-{n}" and doc.xpath("//mark[contains(concat(' ', @data-c, ' '), $n)]",
                                                           n=f" {n} ")
    code, _, err = cli(*base, "watch", "run", "-o", str(tmp_path / "x.md"))
    assert code == 2 and "add --digest" in err
    code, _, err = cli("--index", str(tmp_path / "nothing"), "digest")
    assert code == 1 and "no index at" in err and "Traceback" not in err


# --- the real model ------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_day2_digest(tmp_path: Path, newsroom_site: FixtureServer) -> None:
    agent = Agent(index_path=tmp_path / "index", cache_dir=tmp_path / "cache", fetch_timeout=10)
    watch_all(agent, newsroom_site)
    agent.watch.run()
    day1 = agent.digest()
    assert len(day1.storylines) == 4 and all(sec.sentences for sec in day1.storylines)
    text1 = day1_sentences(agent)
    newsroom.day2(newsroom_site)
    agent.watch.run()
    day2 = agent.digest()
    check_day2(day1, day2, ids_by_path(agent, newsroom_site), text1)
    assert day2.model.startswith("qwen2.5") and day2.usage is not None and day2.usage.calls >= 3
    for s in sentences_of(day2):  # every written sentence cites verbatim quotes at their spans
        for c in s.citations:
            assert agent.get(c.article_id).text[c.start:c.end] == c.quote


# --- a run killed mid-way ----------------------------------------------------------------------

RUN_WITH_DIGEST = textwrap.dedent("""
    import os, sys, time
    from agent.models.registry import ModelSpec, register
    from tests.fakes import JsonChatModel
    from tests.newsroom import digest_reply

    def reply(messages):
        print("MODEL", flush=True, file=sys.stderr)
        time.sleep(float(os.environ.get("MODEL_DELAY", "0")))
        return digest_reply(messages)

    register(ModelSpec(name="fake-digest", description="", package_pattern="", part_count=0, version="",
                       sha256="", size=0, make=lambda _s: JsonChatModel(respond=reply)))
    from agent.cli import app
    app(sys.argv[1:])
""")


def _env(**more: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", **more)


def _run_digest(tmp: Path, **env: str) -> subprocess.Popen[str]:
    args = ["--index", str(tmp / "index"), "--model", "fake-digest", "--set", f"cache_dir={tmp / 'cache'}",
            "watch", "run", "--digest", "--quiet"]
    return subprocess.Popen([sys.executable, "-c", RUN_WITH_DIGEST, *args], cwd=ROOT, env=_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def comparable(d: Digest) -> dict[str, Any]:
    """A digest without what differs between runs: its id and times, its file, the run count."""
    dump = d.model_dump(mode="json", exclude={"id", "generated_at", "kept_at", "usage", "until", "since"})
    dump["footer"].pop("runs")
    return dump


@pytest.mark.slow
def test_watch_run_digest_killed_mid_way_then_rerun_gives_the_same_digest(tmp_path: Path) -> None:
    with serve() as srv:
        newsroom.day1(srv)
        reference = make_agent(tmp_path / "reference")
        watch_all(reference, srv)
        proc = _run_digest(tmp_path / "reference")
        assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
        (expected,) = reference.digests()

        killed = make_agent(tmp_path / "killed")
        watch_all(killed, srv)
        # 1. Killed during the run: the Valley feed's second page is slow; kill while it is fetched.
        srv.routes["/valley/council"] = Route(200, newsroom.HTML_TYPE, newsroom.page("/valley/council"),
                                              delay=30)
        proc = _run_digest(tmp_path / "killed")
        deadline = time.monotonic() + 120
        while "/valley/council" not in srv.paths():
            assert time.monotonic() < deadline and proc.poll() is None, "the run did not start"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        srv.routes["/valley/council"] = (200, newsroom.HTML_TYPE, newsroom.page("/valley/council"))
        # 2. Killed during the digest: the run ends, then the model's first reply hangs.
        proc = _run_digest(tmp_path / "killed", MODEL_DELAY="60")
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("MODEL"):
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert killed.digests() == []  # no half-written digest
        # 3. Run again, to the end.
        proc = _run_digest(tmp_path / "killed")
        assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""

    again = make_agent(tmp_path / "killed")
    assert len(again.list()) == len({a.id for a in again.list()}) == 4  # no duplicate articles
    (record,) = again.digests()
    got = KeptDigest.model_validate_json(Path(record.path).read_bytes()).digest
    want = KeptDigest.model_validate_json(Path(expected.path).read_bytes()).digest
    assert comparable(got) == comparable(want)
    assert len(got.storylines) == 4 and got.footer.new_articles == 4


@pytest.mark.slow
def test_watch_serve_digest_makes_a_digest_after_each_run_and_stops_cleanly(tmp_path: Path) -> None:
    with serve() as srv:
        newsroom.day1(srv)
        watch_all(make_agent(tmp_path), srv)
        args = ["--index", str(tmp_path / "index"), "--model", "fake-digest", "--set",
                f"cache_dir={tmp_path / 'cache'}", "watch", "serve", "--every", "1h", "--digest",
                "-o", str(tmp_path / "latest.md")]
        proc = subprocess.Popen([sys.executable, "-c", RUN_WITH_DIGEST, *args], cwd=ROOT, env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None
            waited = ""
            for line in proc.stderr:  # the digest is made before the wait for the next run
                waited += line
                if "next run at" in line:
                    break
            assert "kept as" in waited, waited
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    (kept,) = make_agent(tmp_path).digests()
    assert kept.storylines == 4
    assert (tmp_path / "latest.md").read_text(encoding="utf-8").startswith("# Digest: ")
