"""HTML views: the span cutting (pure), the pages' escaping and marks, the CLI's --format html.

The pages are parsed with lxml.html (an HTML parser, as a browser reads them); the browser
itself is in tests/test_views_browser.py. Real Chroma and MiniLM where an index is used; the
chat model is a fake (these tests are about rendering, not answers).
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from langchain_core.messages import BaseMessage

from agent.errors import ArticleNotFoundError, InvalidArgumentError
from agent.safetext import http_url
from agent.types import Answer, Article, ArticleSummary, Briefing, Citation, KeyFigure, KeyPoint
from agent.views.html import anchor_of, render
from agent.views.spans import Run, Span, runs
from tests import newsroom
from tests.fakes import JsonChatModel, ReplyingChatModel
from tests.httpserver import serve
from tests.test_brief import writer_reply
from tests.test_summarize import fake

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"

# --- spans (pure) ---------------------------------------------------------------------------------


def test_runs_without_spans_is_the_text() -> None:
    assert runs("abc", []) == [Run("abc")]
    assert runs("", [Span(1, 0, 3)]) == []


def test_runs_cut_at_overlapping_spans_and_carry_every_number() -> None:
    text = "0123456789abcdefghij-rest"
    got = runs(text, [Span(1, 5, 15), Span(2, 10, 20)])
    assert got == [
        Run("01234"),
        Run("56789", (1,), (1,)),
        Run("abcde", (1, 2), (2,)),
        Run("fghij", (2,)),
        Run("-rest"),
    ]


def test_runs_identical_nested_and_adjacent_spans() -> None:
    text = "The council met. It approved the plan."
    a, b = (0, 16), (17, 38)
    got = runs(text, [Span(1, *a), Span(3, *a), Span(2, *b), Span(4, 21, 29)])
    assert got == [
        Run("The council met.", (1, 3), (1, 3)),
        Run(" "),
        Run("It a", (2,), (2,)),
        Run("pproved ", (2, 4), (4,)),
        Run("the plan.", (2,)),
    ]


def test_runs_ignore_empty_and_outside_spans_and_clip_the_end() -> None:
    text = "short text"
    got = runs(text, [Span(1, 3, 3), Span(2, 50, 60), Span(3, -2, 4), Span(4, 6, 99)])
    assert got == [Run("short "), Run("text", (4,), (4,))]


def test_runs_random_spans_keep_text_and_each_span_exactly() -> None:
    """For random overlapping spans: the runs rebuild the text, and each number's runs are
    contiguous, start at its span's start and spell exactly its span."""
    rng = random.Random(7)
    text = "".join(rng.choice("ab <>&\n") for _ in range(300))
    for _ in range(200):
        spans = []
        for n in range(1, rng.randint(1, 6) + 1):
            lo = rng.randrange(0, len(text) - 1)
            spans.append(Span(n, lo, rng.randint(lo + 1, min(len(text), lo + 80))))
        got = runs(text, spans)
        assert "".join(r.text for r in got) == text
        for s in spans:
            pos, covered, started = 0, [], None
            for r in got:
                if s.n in r.cites:
                    covered.append((pos, r.text))
                if s.n in r.starts:
                    started = pos
                pos += len(r.text)
            assert started == s.start
            assert "".join(t for _, t in covered) == text[s.start : s.end]
            assert covered[0][0] == s.start


# --- URLs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://valleycourier.example/a?b=1#c", True),
        ("HTTP://EXAMPLE.COM", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("JaVaScRiPt://example.com/%0aalert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
        ("/relative/path", False),
        ("http:///no-host", False),
        ("https://exa mple.com", False),
        ("https://example.com/\x1b]8;;x", False),
        ("http://[::1", False),
        (None, False),
    ],
)
def test_http_url_links_only_absolute_http_urls(url: str | None, link: bool) -> None:
    assert http_url(url) == (url if link else None)


# --- pages ----------------------------------------------------------------------------------------

HOSTILE_TITLE = 'Flood <img src=x onerror="window.pwned=1"> & <b>bold</b>'
HOSTILE_TEXT = (
    "Intro <script>window.pwned=2</script> paragraph.\n\n"
    "The council approved </mark><b>£2m</b> for <a href=\"javascript:alert(1)\">flood walls</a>. "
    "It rained 94 mm <svg onload=alert(3)>.\n\n"
    "{{ 7*7 }} {% raw %} and &amp; stay text."
)

COUNCIL = "The council approved </mark><b>£2m</b> for <a href=\"javascript:alert(1)\">flood walls</a>."


def hostile_article() -> Article:
    return Article(
        id="hostile-1",
        title=HOSTILE_TITLE,
        text=HOSTILE_TEXT,
        source='Valley "Courier" <i>',
        url="javascript:alert(document.domain)",
        published=datetime(2026, 3, 12, tzinfo=UTC),
    )


def cite(a: Article, n: int, quote: str, occurrence: int = 0) -> Citation:
    start = -1
    for _ in range(occurrence + 1):
        start = a.text.index(quote, start + 1)
    return Citation(
        n=n, article_id=a.id, title=a.title, url=a.url, source=a.source, published=a.published,
        quote=quote, start=start, end=start + len(quote), chunk_id=f"{a.id}:0",
    )


def parse(html: str) -> Any:
    return lxml.html.document_fromstring(html)


def marked(doc: Any, n: int) -> tuple[int, str]:
    """(offset in its article's text, text) of the marks of citation ``n``, read from the page."""
    anchor = doc.get_element_by_id(f"q-{n}")
    box = anchor.getparent()
    offset, pos, parts, start = 0, 0, [], None
    for node in box.iter():
        if node is box:
            pos += len(node.text or "")
            continue
        if node is anchor:
            start = pos
        if node.tag == "mark" and str(n) in (node.get("data-c") or "").split():
            parts.append((pos, node.text_content()))
        pos += len(node.text_content()) + len(node.tail or "")
    assert start is not None
    offset = parts[0][0]
    assert offset == start
    joined = "".join(t for _, t in parts)
    return offset, joined


def test_answer_page_marks_quotes_at_their_spans_and_escapes_everything() -> None:
    a = hostile_article()
    q1 = COUNCIL
    q2 = q1 + " It rained 94 mm <svg onload=alert(3)>."  # overlaps citation 1
    c1, c2 = cite(a, 1, q1), cite(a, 2, q2)
    answer = Answer(
        question="What did <b>they</b> approve?",
        text="They approved £2m [1] and it rained [2]; [9] is no citation <script>x</script>.",
        citations=[c1, c2],
        model="fake",
    )
    html = answer.to_html([a])
    doc = parse(html)
    # nothing but the page's own elements: no script, image, svg, handler or foreign link
    assert doc.xpath("//script | //img | //svg | //iframe | //object") == []
    assert not [e for e in doc.iter() if any(k.startswith("on") for k in e.attrib)]
    for el in doc.xpath("//a[@href]"):
        href = el.get("href")
        assert href.startswith("#") or href.startswith("https://"), href
    assert doc.xpath("//b") == []  # the <b> in title, question and text stayed text
    # the text shows the article's exact characters, the marks lie at the stored spans
    [box] = doc.xpath("//article[@id=$id]//div[@class='text']", id=anchor_of(a.id))
    assert box.text_content() == a.text
    for c in (c1, c2):
        assert marked(doc, c.n) == (c.start, c.quote)
        [link] = doc.xpath("//div[@class='answer-text']//a[@data-n=$n]", n=str(c.n))
        assert link.get("href") == f"#q-{c.n}"
        assert link.xpath(".//q")[0].text_content() == c.quote
        assert "Courier" in link.text_content() and "2026-03-12" in link.text_content()
    # the overlap is one run marked for both
    assert [m.get("data-c") for m in box.xpath(".//mark")] == ["1 2", "2"]
    # an unknown marker stays text; the CSP forbids scripts even if one slipped through
    assert "[9]" in doc.xpath("//div[@class='answer-text']")[0].text_content()
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "script-src" not in csp
    # the javascript: URL is shown as text, never as a link
    assert "javascript:alert(document.domain)" in doc.text_content()
    # template syntax in article text is not evaluated
    assert "{{ 7*7 }} {% raw %} and &amp; stay text." in box.text_content()


def test_answer_page_without_articles_shows_the_quotes_only() -> None:
    a = hostile_article()
    c = cite(a, 1, "It rained 94 mm <svg onload=alert(3)>.")
    doc = parse(Answer(question="q", text="Rain [1].", citations=[c]).to_html())
    assert doc.xpath("//article") == []
    [link] = doc.xpath("//a[@class='cite']")
    assert link.get("href") == "#src-1"
    assert doc.get_element_by_id("src-1").xpath(".//blockquote")[0].text_content() == c.quote


def test_a_changed_or_missing_article_is_not_marked() -> None:
    a = hostile_article()
    c = cite(a, 1, "It rained 94 mm <svg onload=alert(3)>.")
    changed = a.model_copy(update={"text": "New lead.\n\n" + a.text})
    doc = parse(Answer(question="q", text="Rain [1].", citations=[c]).to_html([changed]))
    assert doc.xpath("//mark") == [] and doc.xpath("//article")  # embedded, nothing marked
    assert doc.xpath("//a[@class='cite']/@href") == ["#src-1"]
    assert "not found at its stored position" in doc.get_element_by_id("src-1").text_content()

    def gone(article_id: str) -> Article:
        raise ArticleNotFoundError(f"no article {article_id!r}")

    doc = parse(Answer(question="q", text="Rain [1].", citations=[c]).to_html(gone))
    assert doc.xpath("//article") == [] and doc.xpath("//a[@class='cite']/@href") == ["#src-1"]


def test_unverified_answer_shows_the_closest_sentence_marked_apart() -> None:
    a = hostile_article()
    closest = cite(a, 0, "It rained 94 mm <svg onload=alert(3)>.")
    answer = Answer(question="q", text="The model's answer, not confirmed by the sources: lots.",
                    status="unverified", closest=closest)
    doc = parse(answer.to_html([a]))
    assert "Closest sentence" in doc.text_content()
    assert [m.get("data-c") for m in doc.xpath("//mark")] == ["0"]
    assert doc.xpath("//section[@class='sources']") == []  # no numbered sources


def test_other_objects_have_no_view() -> None:
    from agent.views.html import render as render_any

    with pytest.raises(InvalidArgumentError, match="no HTML view for Article"):
        render_any(hostile_article())


def test_summary_page_cites_every_item_into_the_article() -> None:
    a = hostile_article()
    c1 = cite(a, 1, COUNCIL)
    c2 = cite(a, 2, "It rained 94 mm <svg onload=alert(3)>.")
    s = ArticleSummary(
        article_id=a.id, title=a.title, source=a.source, url=a.url, published=a.published,
        headline="Council <i>approves</i> walls", summary="Walls approved. Rain fell.",
        key_points=[KeyPoint(text="Walls approved.", citations=[c1]),
                    KeyPoint(text="Rain fell.", citations=[c2])],
        key_figures=[KeyFigure(value="94 mm", unit="mm", what="rain", citations=[c2])],
        people=["<script>Eve</script>"], model="fake", prompt_version="p1", summary_points=2,
    )
    doc = parse(s.to_html([a]))
    assert doc.xpath("//script | //i") == []
    assert [e.get("href") for e in doc.xpath("//p[@class='paragraph']//a[@class='cite']")] == ["#q-1", "#q-2"]
    figure = doc.xpath("//h2[text()='Key figures']/following-sibling::ul[1]/li")[0].text_content()
    assert figure.startswith("94 mm: rain")  # the unit is not repeated
    for c in (c1, c2):
        assert marked(doc, c.n) == (c.start, c.quote)
    assert "<script>Eve</script>" in doc.text_content()


# --- a briefing over a real index (Chroma, MiniLM), written by a fake model -----------------------


@pytest.fixture(scope="module")
def examples_agent(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from agent import Agent

    root = tmp_path_factory.mktemp("views")
    a = Agent(index_path=root / "index", cache_dir=root / "cache", provider="local")
    report = a.ingest([str(EXAMPLES)])
    assert report.failed == 0 and report.added == 5
    a.__dict__["chat_model"] = fake(writer_reply)
    return a


def test_briefing_page_from_a_real_index_marks_every_citation(examples_agent: Any) -> None:
    b = examples_agent.brief("flood")
    cites = b.citations()
    assert len(cites) >= 2
    doc = parse(b.to_html(examples_agent.get))
    for c in cites:
        text = examples_agent.get(c.article_id).text
        assert text[c.start : c.end] == c.quote
        assert marked(doc, c.n) == (c.start, c.quote)
    embedded = {e.get("id") for e in doc.xpath("//article")}
    assert {anchor_of(a.article_id) for a in b.articles} <= embedded
    # each "Articles used" entry leads to its text in the page
    used = doc.xpath("//h2[text()='Articles used']/following-sibling::ul[1]/li/a/@href")
    assert sorted(used) == sorted(f"#{anchor_of(a.article_id)}" for a in b.articles)


def test_cli_ask_summarize_and_brief_write_html(examples_agent: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``--format html -o FILE`` on the three commands writes a page with the articles embedded."""
    from typer.testing import CliRunner

    import agent.cli.ask as ask_cli
    import agent.cli.summaries as summaries_cli
    from agent.cli.app import app

    monkeypatch.setattr(ask_cli, "make_agent", lambda ctx, **more: examples_agent)
    monkeypatch.setattr(summaries_cli, "make_agent", lambda ctx, **more: examples_agent)
    runner = CliRunner()
    out = tmp_path / "brief.html"
    res = runner.invoke(app, ["brief", "flood", "--format", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = parse(out.read_text(encoding="utf-8"))
    assert doc.xpath("//article//mark") and doc.xpath("//a[@class='cite']")

    article_id = examples_agent.list()[0].id
    examples_agent.__dict__["chat_model"] = ReplyingSummary()
    try:
        res = runner.invoke(app, ["summarize", article_id[:8], "-f", "html"])
    finally:
        examples_agent.__dict__["chat_model"] = fake(writer_reply)
    assert res.exit_code == 0, res.output
    assert res.output.startswith("<!doctype html>")
    assert parse(res.output).xpath(f"//article[@id='{anchor_of(article_id)}']//mark")

    res = runner.invoke(app, ["ask", "Who won the 1998 Tour de France?", "-f", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = parse(out.read_text(encoding="utf-8"))
    assert "not in the sources" in doc.text_content() and doc.xpath("//article") == []


class ReplyingSummary(ReplyingChatModel):
    """A key-sentence summary citing the first three shown sentences."""

    @property
    def _llm_type(self) -> str:
        return "fake-summary"

    def reply(self, messages: list[BaseMessage]) -> str:
        shown = re.findall(r"(?m)^\[(\d+)\] (.*)$", str(messages[-1].content))
        return json.dumps({
            "headline": shown[0][1][:60],
            "points": [{"text": t, "sources": [int(i)]} for i, t in shown[:3]],
            "people": [], "organisations": [], "places": [],
        })


def test_render_of_a_briefing_without_articles_is_small_and_quotes_only() -> None:
    a = hostile_article()
    c = cite(a, 1, "It rained 94 mm <svg onload=alert(3)>.")
    from agent.types import BriefingArticle, BriefingSection, BriefingSentence

    b = Briefing(title="Week <b>1</b>", sections=[BriefingSection(
        heading="Rain", sentences=[BriefingSentence(text="It rained.", citations=[c])], article_ids=[a.id])],
        articles=[BriefingArticle.of(a)])
    html = render(b)
    doc = parse(html)
    assert doc.xpath("//article") == [] and doc.xpath("//a[@class='cite']/@href") == ["#src-1"]
    # the article's javascript: URL is text in the list of articles used
    assert doc.xpath("//a[starts-with(@href, 'javascript')]") == []
    assert len(html.encode()) < 20_000


# --- a digest made by the real make_digest (real feeds, Chroma, MiniLM; the scripted model) -------


@pytest.fixture(scope="module")
def newsroom_days(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(agent, day-1 digest, day-2 digest, article ids by path) of tests/newsroom.py, its day-2
    bridge page and failing feed hostile."""
    from agent import Agent

    root = tmp_path_factory.mktemp("digest-views")
    agent = Agent(index_path=root / "index", cache_dir=root / "cache", fetch_timeout=10, provider="local")
    agent.__dict__["chat_model"] = JsonChatModel(respond=newsroom.digest_reply)
    with serve() as srv:
        day1, day2 = newsroom.two_digests(agent, srv, hostile=True)
        ids = newsroom.ids_by_path(agent, srv)
    return agent, day1, day2, ids


def test_digest_page_links_every_citation_to_its_marked_quote(newsroom_days: Any) -> None:
    agent, _, day2, ids = newsroom_days
    cites = day2.citations()
    assert len(cites) >= 7
    doc = parse(day2.to_html(agent.get))
    body = doc.xpath("//section[contains(@class,'digest')]")[0]
    for c in cites:
        assert agent.get(c.article_id).text[c.start : c.end] == c.quote
        links = [a for a in body.xpath(".//a[@class='cite'][@data-n=$n]", n=str(c.n))
                 if not a.xpath("ancestor::section[@class='sources']")]
        assert links, f"[{c.n}] is not in the digest's text"
        assert {a.get("href") for a in links} == {f"#q-{c.n}"}
        assert marked(doc, c.n) == (c.start, c.quote)
    # every article the digest covers leads to its embedded text; the wire copies are named
    used = doc.xpath("//h2[text()='Articles']/following-sibling::ul[1]/li/a/@href")
    assert sorted(used) == sorted(f"#{anchor_of(a.article_id)}" for a in day2.articles)
    wire = next(sec for sec in day2.storylines if ids["/coast/rates"] in sec.article_ids)
    heading = doc.xpath("//h2[contains(., $h)]", h=wire.heading)[0]
    copies = heading.xpath("following-sibling::p[@class='meta copies'][1]")[0]
    assert copies.xpath("a/@href") == [f"#{anchor_of(ids[p])}" for p in ("/valley/rates", "/coast/rates")]
    assert "(Valley Courier)" in copies.text_content() and "(Coast Times)" in copies.text_content()


def test_digest_page_labels_the_update_and_cites_a_moved_figure_on_both_days(newsroom_days: Any) -> None:
    agent, day1, day2, ids = newsroom_days
    flood = next(sec for sec in day2.storylines if ids["/valley/flood-2"] in sec.article_ids)
    (change,) = flood.changes
    doc = parse(day2.to_html(agent.get))
    [heading] = doc.xpath("//h2[span[@class='update']]")
    label = heading.xpath("span")[0].text_content()
    assert label == day2.update_since(flood) + ":" and label.startswith("Update since ")
    assert heading.text_content() == f"{label} {flood.heading}"
    assert "Update since" not in "".join(h.text_content() for h in doc.xpath("//h2") if h is not heading)
    [item] = heading.xpath("following-sibling::ul[1]/li[@class='change']")
    text = " ".join(item.text_content().split())
    assert "Changed: the death toll, 12 people on 4 March 2026 [" in text
    assert "is 19 people on 5 March 2026 [" in text
    before, after = item.xpath(".//a[@class='cite']")
    assert [int(before.get("data-n")), int(after.get("data-n"))] == [change.before.citations[0].n,
                                                                    change.after.citations[0].n]
    # the earlier reading leads into day 1's article, embedded though the digest does not cover it
    for reading, path in ((change.before, "/valley/flood-1"), (change.after, "/valley/flood-2")):
        c = reading.citations[0]
        assert c.article_id == ids[path]
        anchor = doc.get_element_by_id(f"q-{c.n}")
        assert anchor.xpath("ancestor::article/@id") == [anchor_of(ids[path])]
        assert marked(doc, c.n) == (c.start, c.quote)
    assert ids["/valley/flood-1"] not in {a.article_id for a in day2.articles}
    # day 1 had nothing to update
    assert doc.xpath("//span[@class='update']") and not parse(day1.to_html(agent.get)).xpath(
        "//span[@class='update']")


def test_digest_page_escapes_article_text_and_feed_names(newsroom_days: Any) -> None:
    agent, _, day2, ids = newsroom_days
    bridge = agent.get(ids["/valley/bridge"])
    assert bridge.title == newsroom.HOSTILE_TITLE and newsroom.HOSTILE_LEAD in bridge.text
    html = day2.to_html(agent.get)
    doc = parse(html)
    assert doc.xpath("//script | //img | //b | //iframe") == []
    assert not [e for e in doc.iter() if any(k.startswith("on") for k in e.attrib)]
    # the title is text wherever it is shown: its heading, the list of articles, its embedded text
    assert doc.xpath("//article[@id=$id]//h3", id=anchor_of(bridge.id))[0].text_content() == bridge.title
    used = doc.xpath("//h2[text()='Articles']/following-sibling::ul[1]/li/a")
    assert bridge.title in [a.text_content() for a in used]
    # the cited lead with its </mark> is marked whole, at its span, and the article's text is intact
    lead = next(c for c in day2.citations() if c.article_id == bridge.id and "</mark>" in c.quote)
    assert marked(doc, lead.n) == (lead.start, lead.quote)
    [box] = doc.xpath("//article[@id=$id]//div[@class='text']", id=anchor_of(bridge.id))
    assert box.text_content() == bridge.text
    # the failing feed's name is text in the footer
    [failure] = doc.xpath("//ul[@class='failures']/li")
    assert failure.xpath("strong")[0].text_content() == newsroom.HOSTILE_FEED
    assert "HTTP 500" in failure.text_content()
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
