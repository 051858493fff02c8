"""The HTML views in a real browser: the distribution's Chromium, driven by Playwright.

Playwright for Python drives ``/usr/bin/chromium`` (installed by scripts/setup.sh from the
distribution's packages; never a browser Playwright downloads). Each test writes a screenshot
of the pages it opened to ``$NEWSAGENT_TEST_ARTIFACTS`` (default ``test-artifacts/``) for a
person to look at. Real Chroma and MiniLM throughout; the briefing and the hostile pages are
written by fake models (they test rendering), the streamed answer of ``agent serve`` by the
real embedded model (marked slow).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agent.types import Answer, Article, Citation
from agent.views.html import anchor_of
from tests import newsroom
from tests.fakes import JsonChatModel, ReplyingChatModel
from tests.httpserver import serve as fixture_server
from tests.test_brief import writer_reply
from tests.test_summarize import fake
from tests.web_server import running_app

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
HOT = "rgb(255, 201, 77)"  # --hot in style.css: the followed citation's marks

#: For citation ``n``: where its anchor and marks lie in their article's text (DOM offsets, as
#: the reader sees the text), the marks' text, colours, and whether the first is on screen.
MARKED_JS = """(n) => {
  const anchor = document.getElementById('q-' + n);
  const box = anchor.parentElement;
  const offset = (node) => { const r = document.createRange(); r.setStart(box, 0); r.setEndBefore(node);
                             return r.toString().length; };
  const all = [...box.querySelectorAll('mark')];
  const mine = all.filter(m => m.dataset.c.split(' ').includes(String(n)));
  const rect = mine[0].getBoundingClientRect();
  return {
    anchor: offset(anchor), offsets: mine.map(offset), lengths: mine.map(m => m.textContent.length),
    text: mine.map(m => m.textContent).join(''), box: box.textContent, article: box.closest('article').id,
    colours: mine.map(m => getComputedStyle(m).backgroundColor),
    others: all.filter(m => !mine.includes(m)).map(m => getComputedStyle(m).backgroundColor),
    onScreen: rect.top >= 0 && rect.bottom <= window.innerHeight, hash: location.hash,
  };
}"""

#: What a hostile page may have let in: scripts, images, handlers, links that are not ours.
INERT_JS = """() => ({
  pwned: window.pwned === undefined ? null : window.pwned,
  scripts: document.querySelectorAll('script, img, svg, iframe, object, embed').length,
  handlers: [...document.querySelectorAll('*')]
    .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  hrefs: [...document.querySelectorAll('body [href]')].map(e => e.getAttribute('href')),
  bold: document.querySelectorAll('main b, main i').length,
})"""


def artifacts() -> Path:
    path = Path(os.environ.get("NEWSAGENT_TEST_ARTIFACTS") or REPO / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: `bash scripts/setup.sh` installs the "
                    "distribution's package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records dialogs, console errors and every request it makes."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    p = context.new_page()
    p.dialogs, p.errors, p.requested = [], [], []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
    p.on("request", lambda r: p.requested.append(r.url))
    yield p
    context.close()


@pytest.fixture(scope="module")
def examples_agent(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real index of the example articles; the chat model is test_brief's fake writer."""
    from agent import Agent

    root = tmp_path_factory.mktemp("browser")
    a = Agent(index_path=root / "index", cache_dir=root / "cache", provider="local")
    assert a.ingest([str(EXAMPLES)]).added == 5
    a.__dict__["chat_model"] = fake(writer_reply)
    return a


def check_followed(page: Any, c: Citation, article_text: str) -> dict[str, Any]:
    """Citation ``c`` was followed: its marks spell its quote exactly, lie at its span in the
    article's text, are contiguous, stand out, and are on screen."""
    got = page.evaluate(MARKED_JS, c.n)
    assert got["hash"] == f"#q-{c.n}"
    assert got["box"] == article_text
    assert got["text"] == c.quote == article_text[c.start : c.end]
    assert got["anchor"] == got["offsets"][0] == c.start
    for i in range(1, len(got["offsets"])):
        assert got["offsets"][i] == got["offsets"][i - 1] + got["lengths"][i - 1]
    assert set(got["colours"]) == {HOT}
    assert HOT not in got["others"]
    assert got["onScreen"]
    assert got["article"] == anchor_of(c.article_id)
    return got


# --- a briefing file -----------------------------------------------------------------------------


def test_briefing_file_citation_2_opens_the_quote_highlighted_at_its_span(
    examples_agent: Any, page: Any, tmp_path: Path
) -> None:
    b = examples_agent.brief("flood")
    by_n = {c.n: c for c in b.citations()}
    assert 2 in by_n, b.to_markdown()
    path = tmp_path / "briefing.html"
    path.write_text(b.to_html(examples_agent.get), encoding="utf-8")
    page.goto(path.as_uri())
    page.screenshot(path=artifacts() / "briefing.png", full_page=True)

    link = page.locator("main a.cite[data-n='2']").first
    tip = link.locator(".tip")
    assert tip.bounding_box()["width"] <= 1  # hidden until asked for
    link.hover()
    assert tip.bounding_box()["width"] > 100
    text = tip.inner_text()
    assert " ".join(by_n[2].quote.split()) in " ".join(text.split())
    assert (by_n[2].source or by_n[2].title) in text and by_n[2].published.date().isoformat() in text
    page.screenshot(path=artifacts() / "briefing-tooltip.png")
    page.mouse.move(0, 0)

    # keyboard: Tab to the link; the tooltip shows on focus too
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches(\"a.cite[data-n='2']\")"):
            break
    else:
        pytest.fail("citation [2] is not reachable with Tab")
    focused = page.locator(":focus .tip")
    assert focused.bounding_box()["width"] > 100

    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#q-2'")
    check_followed(page, by_n[2], examples_agent.get(by_n[2].article_id).text)
    page.screenshot(path=artifacts() / "briefing-citation-2.png")
    # follow another citation by clicking: the highlight moves with it
    other = next(n for n in by_n if n != 2)
    page.locator(f"main a.cite[data-n='{other}']").first.click()
    check_followed(page, by_n[other], examples_agent.get(by_n[other].article_id).text)
    # one file, nothing fetched, nothing blocked, no script
    assert page.requested == [path.as_uri()]
    assert page.errors == [] and page.dialogs == []


# --- hostile articles ------------------------------------------------------------------------------

HOSTILE = Article(
    id="hostile0001",
    title='Flood <img src=x onerror="window.pwned=1;alert(1)"><b>bold</b>',
    text=(
        "Residents woke to water <script>window.pwned=2;alert(2)</script> in the streets.\n\n"
        "The council approved </mark><b>£2m</b> for <a href=\"javascript:alert(3)\">flood walls</a> "
        "<img src=x onerror=\"window.pwned=4\">.\n\n"
        "It rained 94 mm <svg onload=\"window.pwned=5\"></svg> in a day; {{ 7*7 }}."
    ),
    source='<i>Valley</i> "Courier"',
    url="javascript:alert(document.domain)",
    published=datetime(2026, 3, 12, tzinfo=UTC),
)
COUNCIL = "The council approved </mark><b>£2m</b> for <a href=\"javascript:alert(3)\">flood walls</a> " \
          "<img src=x onerror=\"window.pwned=4\">."
RAIN = "It rained 94 mm <svg onload=\"window.pwned=5\"></svg> in a day; {{ 7*7 }}."


def hostile_cite(n: int, quote: str) -> Citation:
    start = HOSTILE.text.index(quote)
    return Citation(n=n, article_id=HOSTILE.id, title=HOSTILE.title, url=HOSTILE.url, source=HOSTILE.source,
                    published=HOSTILE.published, quote=quote, start=start, end=start + len(quote),
                    chunk_id=f"{HOSTILE.id}:0")


def assert_inert(page: Any, marks: int | None = None) -> None:
    got = page.evaluate(INERT_JS)
    assert got["pwned"] is None and page.dialogs == []
    assert got["scripts"] == 0 and got["handlers"] == 0 and got["bold"] == 0
    for href in got["hrefs"]:
        assert href.startswith(("#", "/", "https://", "http://")) and "javascript" not in href, href
    assert not [e for e in page.errors if "Content Security Policy" in e]  # escaped, not just blocked
    if marks is not None:
        assert page.locator("mark").count() == marks


def test_hostile_article_renders_inert_in_a_file(page: Any, tmp_path: Path) -> None:
    council, rain = hostile_cite(1, COUNCIL), hostile_cite(2, COUNCIL + "\n\n" + RAIN)
    answer = Answer(question="What did <b>they</b> approve? <script>alert(9)</script>",
                    text="They approved £2m [1] after heavy rain [2].", citations=[council, rain])
    path = tmp_path / "hostile.html"
    path.write_text(answer.to_html([HOSTILE]), encoding="utf-8")
    page.goto(path.as_uri())
    page.screenshot(path=artifacts() / "hostile-answer.png", full_page=True)
    assert_inert(page, marks=2)  # the overlap of [1] and [2], then the rest of [2]
    page.locator("main a.cite[data-n='1']").first.click()
    check_followed(page, council, HOSTILE.text)
    page.locator("main a.cite[data-n='2']").first.click()
    check_followed(page, rain, HOSTILE.text)
    assert page.locator("h1").inner_text() == answer.question
    assert page.locator("article h3").inner_text() == HOSTILE.title
    assert_inert(page)


class CouncilModel(ReplyingChatModel):
    """Answers by citing the shown sentence about the council's approval."""

    @property
    def _llm_type(self) -> str:
        return "fake-council"

    def reply(self, messages: list[BaseMessage]) -> str:
        user = str(messages[-1].content)
        n = next(int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", user, re.M)
                 if "council approved" in m.group(2))
        return json.dumps({"answer": f"The council approved £2m for flood walls [{n}].",
                           "status": "answered", "citations": [n]})


def test_hostile_article_renders_inert_in_agent_serve(page: Any, tmp_path: Path) -> None:
    from agent import Agent
    from agent.index.records import content_hash
    from agent.ingest.pipeline import ingest

    agent = Agent(index_path=tmp_path / "index", cache_dir=tmp_path / "cache", provider="local")
    article = HOSTILE.model_copy(update={"content_hash": content_hash(HOSTILE)})
    report = ingest([], agent.store, agent.embedder, agent.settings, articles=[article])
    assert report.added == 1
    agent.__dict__["chat_model"] = CouncilModel()
    with running_app(agent) as app:
        page.goto(app.url + "articles")
        assert_inert(page)
        page.locator("td a").first.click()
        page.wait_for_url(re.compile(r"/articles/hostile0001$"))
        assert page.locator("div.text").inner_text().strip() == HOSTILE.text.strip()
        assert_inert(page, marks=0)
        page.screenshot(path=artifacts() / "serve-hostile-article.png", full_page=True)
        page.goto(app.url)
        page.fill("input[name=q]", "How much did the council approve for flood walls?")
        page.click("button[type=submit]")
        page.wait_for_selector("section.result", timeout=60_000)
        page.locator("section.result a.cite").first.click()
        got = page.evaluate(MARKED_JS, 1)
        quote = got["text"]
        assert quote.startswith("The council approved </mark><b>£2m</b>") and got["box"] == HOSTILE.text
        assert HOSTILE.text[got["anchor"] : got["anchor"] + len(quote)] == quote
        assert_inert(page, marks=1)
        page.screenshot(path=artifacts() / "serve-hostile-answer.png", full_page=True)


# --- a streamed answer and the queue, in agent serve ------------------------------------------------

SHOWN = "(sel) => [...document.querySelectorAll(sel)].filter(e => getComputedStyle(e).display !== 'none')" \
        ".map(e => e.textContent.trim())"


def test_served_answer_streams_while_a_second_page_shows_it_is_waiting(browser: Any, tmp_path: Path) -> None:
    """While the model writes one answer, that page shows the draft (no stale status line) and
    a second question's page says it waits in line; both end with the verified answer only."""
    import threading

    from agent import Agent
    from tests.test_serve import QUESTION, GatedRainModel

    agent = Agent(index_path=tmp_path / "index", cache_dir=tmp_path / "cache", provider="local")
    assert agent.ingest([str(EXAMPLES)]).added == 5
    agent.__dict__["chat_model"] = GatedRainModel(calls=[], gate=threading.Event())
    context = browser.new_context(viewport={"width": 1100, "height": 700})
    first, second = context.new_page(), context.new_page()
    try:
        with running_app(agent) as app:
            first.goto(app.url + "ask?q=" + QUESTION, wait_until="commit")
            drafted = "() => (document.querySelector('.draft')?.textContent || '').includes('of rain')"
            first.wait_for_function(drafted)
            assert first.evaluate(SHOWN, ".job .status") == []
            assert first.locator("section.result").count() == 0
            first.screenshot(path=artifacts() / "serve-drafting.png")
            second.goto(app.url + "ask?q=" + QUESTION + "%20again", wait_until="commit")
            second.wait_for_selector(".status.queued", state="attached")
            waiting = "Waiting for the model: 1 request ahead of yours."
            assert second.evaluate(SHOWN, ".job .status") == [waiting]
            second.screenshot(path=artifacts() / "serve-waiting.png")
            home = context.new_page()
            home.goto(app.url)
            assert "busy, 2 requests in line (answering)" in home.locator("nav").inner_text()
            home.close()
            agent.chat_model.gate.set()
            for p in (first, second):
                p.wait_for_selector("section.result", timeout=60_000)
                assert p.evaluate(SHOWN, ".job .status, .job .draft") == []
                assert "94 millimetres" in p.locator(".answer-text").inner_text()
            second.screenshot(path=artifacts() / "serve-answered.png", full_page=True)
    finally:
        context.close()


# --- a digest in agent serve ------------------------------------------------------------------------


def test_served_digest_figure_change_citation_opens_the_earlier_article_highlighted(
    page: Any, tmp_path: Path
) -> None:
    """Day 2's digest, made with the digests page's button (the scripted model, through the job
    worker), then opened from the list: following the figure change's citations opens day 1's and
    day 2's articles with the cited sentence highlighted at its span; the hostile title, article
    text and feed name stay inert."""
    from agent import Agent

    agent = Agent(index_path=tmp_path / "index", cache_dir=tmp_path / "cache", fetch_timeout=10,
                  provider="local")
    agent.__dict__["chat_model"] = JsonChatModel(respond=newsroom.digest_reply)
    with fixture_server() as site:
        newsroom.watch_day1(agent, site, hostile=True)
        day1 = agent.digest()
        newsroom.watch_day2(agent, site, hostile=True)
    with running_app(agent) as app:
        page.goto(app.url + "digests")
        page.click("button[type=submit]")
        page.wait_for_selector("section.result", timeout=60_000)
        assert "Update since" in page.locator("section.result").inner_text()
        page.goto(app.url + "digests")
        links = page.locator("tbody a")
        assert links.count() == 2
        links.first.click()
        page.wait_for_url(re.compile(r"/digests/\d{8}T\d{6}Z-\w+$"))
        digest = agent.kept_digest(page.url.rsplit("/", 1)[1])
        assert digest.id != day1.id and digest.compared_with == [day1.id]
        page.screenshot(path=artifacts() / "serve-digest.png", full_page=True)
        assert_inert(page)
        assert newsroom.HOSTILE_FEED in page.locator("ul.failures").inner_text()
        assert page.locator("article h3", has_text="The old bridge <script>").count() == 1

        (change,) = next(sec for sec in digest.storylines if sec.changes).changes
        before, after = change.before.citations[0], change.after.citations[0]
        link = page.locator("li.change a.cite").first
        assert link.get_attribute("data-n") == str(before.n)
        link.click()
        got = check_followed(page, before, agent.get(before.article_id).text)
        assert got["text"] == before.quote and "12 people" in got["text"]
        assert before.article_id not in {a.article_id for a in digest.articles}  # day 1's article
        page.screenshot(path=artifacts() / "serve-digest-change-before.png")
        page.locator("li.change a.cite").nth(1).click()
        got = check_followed(page, after, agent.get(after.article_id).text)
        assert got["text"] == after.quote and "19 people" in got["text"]
        page.screenshot(path=artifacts() / "serve-digest-change-after.png")
        assert_inert(page)
        assert page.errors == [] and page.dialogs == []


# --- requests from elsewhere ------------------------------------------------------------------------


def test_foreign_pages_and_rebound_names_are_refused(browser: Any, examples_agent: Any) -> None:
    """A page on another origin (another port of 127.0.0.1) cannot make the server work: its
    image, no-cors fetch and form submission are refused; a name rebound to 127.0.0.1
    (Chromium's host resolver rule) gets 421. The model is never called."""
    model = fake(writer_reply)
    examples_agent.__dict__["chat_model"] = model
    with running_app(examples_agent) as app:
        target = f"{app.url}ask?q=attack"
        attack = (
            f'<html><body><img src="{target}-img">'
            f'<form id="f" action="{app.url}ask" method="get"><input name="q" value="attack-form"></form>'
            f'<script>fetch("{target}-fetch", {{mode: "no-cors"}}).finally(() => document.title = "sent")'
            "</script></body></html>"
        )
        with fixture_server({"/attack": (200, {"Content-Type": "text/html"}, attack)}) as evil:
            context = browser.new_context()
            p = context.new_page()
            responses: list[tuple[str, int]] = []
            p.on("response", lambda r: responses.append((r.url, r.status)))
            p.goto(evil.url("/attack"))
            p.wait_for_function("() => document.title === 'sent'")
            p.screenshot(path=artifacts() / "refused-attack-page.png")
            with p.expect_navigation():
                p.evaluate("document.getElementById('f').submit()")
            body = p.locator("body").inner_text()
            assert "cross-site request refused" in body
            p.screenshot(path=artifacts() / "refused-cross-site.png")
            context.close()
        ours = [(u, s) for u, s in responses if u.startswith(app.url)]
        assert ours and all(s == 403 for _, s in ours), ours
        assert app.server.worker.pending == 0

        rebound = browser.browser_type.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebound.example 127.0.0.1"],
        )
        try:
            p = rebound.new_page()
            r = p.goto(f"http://rebound.example:{app.port}/ask?q=attack-rebind")
            assert r is not None and r.status == 421
            assert "wrong Host" in p.locator("body").inner_text()
            p.screenshot(path=artifacts() / "refused-rebound-host.png")
        finally:
            rebound.close()
    assert model.calls == []


# --- agent serve with the real model -----------------------------------------------------------------


@pytest.mark.slow
def test_served_answer_streams_from_the_real_model_and_its_citation_opens_highlighted(
    page: Any, tmp_path: Path
) -> None:
    """``agent serve --port 0`` in a subprocess on a real index with the embedded default model:
    the answer's first words appear before the answer is done, and its citation opens the
    article with the quote highlighted at its span."""
    from agent import Agent
    from agent.errors import ModelFileError
    from agent.models.registry import ensure_model
    from agent.settings import Settings
    from tests.llama_server import model_cache_dir

    try:
        ensure_model(Settings(cache_dir=model_cache_dir()))
    except ModelFileError as exc:
        pytest.skip(f"the default local model is not installed: {exc}")
    index = tmp_path / "index"
    agent = Agent(index_path=index, cache_dir=model_cache_dir(), provider="local")
    assert agent.ingest([str(EXAMPLES)]).added == 5
    texts = {a.id: a.text for a in agent.list()}
    del agent
    env = {**os.environ, "NEWSAGENT_CACHE_DIR": str(model_cache_dir()), "NEWSAGENT_MODELS__PROVIDER": "local"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "--index", str(index), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        if m is None:
            proc.kill()
            pytest.fail(f"no start line: {line!r}; stderr: {proc.stderr.read() if proc.stderr else ''}")
        url = m.group(1)
        asked = time.monotonic()
        page.goto(url + "ask?q=" + "How much rain fell before the River Ash flood?", wait_until="commit")
        drafted = "() => (document.querySelector('.draft')?.textContent || '').trim()"
        page.wait_for_function(drafted, timeout=600_000)
        first_words = time.monotonic() - asked
        assert page.locator("section.result").count() == 0  # still streaming
        page.screenshot(path=artifacts() / "serve-streaming.png")
        page.wait_for_selector("section.result", timeout=600_000)
        done = time.monotonic() - asked
        print(f"first words after {first_words:.1f}s, answer after {done:.1f}s")
        page.screenshot(path=artifacts() / "serve-answer.png", full_page=True)
        link = page.locator("section.result .answer-text a.cite").first
        n = int(link.get_attribute("data-n") or 0)
        link.click()
        got = page.evaluate(MARKED_JS, n)
        quote = page.locator(f"#src-{n} blockquote").inner_text()
        article_id = got["article"].removeprefix("a-")
        start = int(page.locator(f"#q-{n}").get_attribute("data-start") or -1)
        assert got["box"] == texts[article_id]
        assert got["text"] == texts[article_id][start : start + len(got["text"])]
        assert " ".join(got["text"].split()) == " ".join(quote.split())
        assert got["anchor"] == start and set(got["colours"]) == {HOT} and got["onScreen"]
        assert "94" in got["text"]
        page.screenshot(path=artifacts() / "serve-answer-citation.png")
        assert page.errors == [] and page.dialogs == []
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
