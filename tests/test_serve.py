"""``agent serve`` without a browser: the request guard, the model queue, the pages over HTTP.

The app runs on a real uvicorn server (tests/web_server.py) over a real index (Chroma, MiniLM)
of the example articles; the chat model is a fake that can be held mid-answer, so a test can
look at a page while its answer streams and while another request waits in line.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from agent.serve.guard import COOKIE, Guard
from agent.serve.jobs import JobStopped, ModelWorker
from tests import newsroom
from tests.fakes import JsonChatModel, ReplyingChatModel
from tests.httpserver import serve
from tests.web_server import running_app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"
RAIN = "94 millimetres of rain fell on the upper valley in the 36 hours before the flood"
QUESTION = "How much rain fell before the River Ash flood?"

# --- the guard (pure) -----------------------------------------------------------------------------


def test_loopback_guard_accepts_its_host_and_localhost_only() -> None:
    g = Guard.for_bind("127.0.0.1", 8123)
    assert g.token is None
    assert g.refusal({"host": "127.0.0.1:8123"}) is None
    assert g.refusal({"host": "localhost:8123"}) is None
    for host in ("evil.example:8123", "127.0.0.1:9999", "127.0.0.1", "", "attacker.localhost:8123"):
        refused = g.refusal({"host": host})
        assert refused is not None and refused[0] == 421, host


def test_guard_refuses_foreign_origins_and_cross_site_fetches() -> None:
    g = Guard.for_bind("127.0.0.1", 8123)
    ok = {"host": "127.0.0.1:8123"}
    assert g.refusal({**ok, "origin": "http://127.0.0.1:8123"}) is None
    assert g.refusal({**ok, "sec-fetch-site": "same-origin"}) is None
    assert g.refusal({**ok, "sec-fetch-site": "none"}) is None  # typed or bookmarked
    for extra in (
        {"origin": "http://evil.example"},
        {"origin": "http://127.0.0.1:3000"},  # another port is another origin
        {"origin": "null"},  # a sandboxed frame or a file
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ):
        refused = g.refusal({**ok, **extra})
        assert refused is not None and refused[0] == 403, extra


def test_non_loopback_bind_needs_a_token() -> None:
    g = Guard.for_bind("0.0.0.0", 8123)
    assert g.hosts is None and g.token and len(g.token) >= 20
    assert Guard.for_bind("0.0.0.0", 8123).token != g.token  # fresh each start
    assert g.refusal({"host": "myhost.lan:8123"}) is None
    assert g.token_ok({}, {}) is False
    assert g.token_ok({}, {"token": "wrong"}) is False
    assert g.token_ok({}, {"token": g.token}) is None  # good: set the cookie
    assert g.token_ok({"cookie": f"{COOKIE}={g.token}"}, {}) is True
    assert g.token_ok({"cookie": f"{COOKIE}=nope; other=1"}, {}) is False
    lan = Guard.for_bind("192.168.1.5", 8123)
    assert lan.hosts == frozenset({"192.168.1.5:8123"}) and lan.token
    assert Guard.for_bind("::1", 8123).hosts == frozenset({"[::1]:8123", "localhost:8123"})


# --- the model queue --------------------------------------------------------------------------------


def test_worker_runs_jobs_one_at_a_time_in_order_and_skips_abandoned_ones() -> None:
    async def scenario() -> None:
        worker = ModelWorker()
        gate = threading.Event()
        running: list[str] = []
        overlap: list[int] = []

        def work(name: str, block: bool = False) -> Any:
            def fn(emit: Any) -> str:
                running.append(name)
                overlap.append(len(running))
                emit("text", f"{name} writes")
                if block:
                    gate.wait(10)
                running.remove(name)
                return name.upper()
            return fn

        first = worker.submit("first", work("first", block=True))
        second = worker.submit("second", work("second"))
        gone = worker.submit("gone", work("gone"))

        def boom(emit: Any) -> str:
            raise ValueError("broken")

        third = worker.submit("third", boom)
        assert (first.ahead, second.ahead, gone.ahead, third.ahead) == (0, 1, 2, 3)
        assert worker.pending == 4
        gone.abandoned = True  # its page closed before its turn
        await asyncio.sleep(0.2)
        assert worker.current == "first" and not second.future.done()
        gate.set()
        events = [e async for e in first.stream()]
        assert events == [("started", "first"), ("text", "first writes")]
        assert await first.future == "FIRST" and await second.future == "SECOND"
        with pytest.raises(ValueError, match="broken"):
            await third.future
        assert not gone.future.done()
        await asyncio.sleep(0.1)
        assert worker.pending == 0 and worker.current is None
        assert overlap == [1, 1]  # never two at once; "gone" never ran
        worker.stop()

    asyncio.run(scenario())


def test_a_running_job_stops_at_its_next_emit_when_its_page_goes_or_the_server_stops() -> None:
    """llama.cpp cannot be interrupted from outside: the job's own emit (every streamed token)
    raises JobStopped once nobody waits, so the model is free for the next page."""

    async def scenario() -> None:
        worker = ModelWorker()
        tokens: dict[str, int] = {}

        def writer(name: str) -> Any:
            def fn(emit: Any) -> str:
                for i in range(500):
                    tokens[name] = i
                    emit("text", "tok ")
                    time.sleep(0.01)
                return "finished"
            return fn

        first = worker.submit("first", writer("first"))
        async for kind, _ in first.stream():
            if kind == "text":
                break
        first.abandoned = True  # the page closed mid-answer
        with pytest.raises(JobStopped):
            await first.future
        assert tokens["first"] < 50
        second = worker.submit("second", writer("second"))
        await asyncio.sleep(0.2)
        worker.stop()  # Ctrl-C
        with pytest.raises(JobStopped):
            await second.future
        assert tokens["second"] < 100

    asyncio.run(scenario())


# --- the app over HTTP ------------------------------------------------------------------------------


class GatedRainModel(ReplyingChatModel):
    """Answers the rain question citing the shown sentence with the rain figure; streaming, it
    writes the first words, then waits for ``gate`` before the rest."""

    gate: Any = None
    calls: list[str] = []

    @property
    def _llm_type(self) -> str:
        return "fake-gated"

    def reply(self, messages: list[BaseMessage]) -> str:
        user = str(messages[-1].content)
        self.calls.append(user)
        n = next(int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", user, re.M) if RAIN in m.group(2))
        return json.dumps({"answer": f"94 millimetres of rain fell in the 36 hours before it [{n}].",
                           "status": "answered", "citations": [n]})

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self.reply(messages)
        cut = text.index("rain") + 4
        yield ChatGenerationChunk(message=AIMessageChunk(content=text[:cut]))
        if self.gate is not None:
            self.gate.wait(30)
        yield ChatGenerationChunk(message=AIMessageChunk(content=text[cut:]))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from agent import Agent

    root = tmp_path_factory.mktemp("serve")
    agent = Agent(index_path=root / "index", cache_dir=root / "cache", provider="local")
    assert agent.ingest([str(EXAMPLES)]).added == 5
    agent.__dict__["chat_model"] = GatedRainModel(calls=[])
    with running_app(agent) as app:
        yield app


class Reader:
    """A streamed body read piece by piece: ``until(marker)`` reads on until it holds ``marker``."""

    def __init__(self, response: httpx.Response) -> None:
        self.chunks = response.iter_text()
        self.seen = ""

    def until(self, marker: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.seen:
            assert time.monotonic() < deadline, f"{marker!r} did not come"
            chunk = next(self.chunks, None)
            assert chunk is not None, f"the page ended without {marker!r}:\n{self.seen[-2000:]}"
            self.seen += chunk
        return self.seen


def test_answer_streams_and_a_second_question_waits_in_line(served: Any) -> None:
    model = served.server.agent.chat_model
    model.gate = threading.Event()
    try:
        with httpx.Client(timeout=60) as client:
            ask = served.url + "ask"
            with client.stream("GET", ask, params={"q": QUESTION}) as first:
                assert first.status_code == 200
                assert first.headers["content-security-policy"].startswith("default-src 'none'")
                one = Reader(first)
                page = one.until("94 millimetres of rain")
                assert '<div class="draft"' in page and 'class="result' not in page  # streaming
                with client.stream("GET", ask, params={"q": QUESTION + " "}) as second:
                    two = Reader(second)
                    head = two.until("ahead of yours")
                    assert "Waiting for the model: 1 request ahead of yours." in head
                    # other pages are served meanwhile, and say the model is busy
                    listing = client.get(served.url + "articles")
                    assert listing.status_code == 200 and "River Ash" in listing.text
                    assert "busy, 2 requests in line (answering)" in listing.text
                    model.gate.set()
                    page, page_two = one.until("</html>"), two.until("</html>")
    finally:
        model.gate = None
    for body in (page, page_two):
        doc = lxml.html.document_fromstring(body)
        [link] = doc.xpath("//section[contains(@class,'result')]//div[@class='answer-text']/a[@class='cite']")
        assert link.get("href") == "#q-1"
        anchor = doc.get_element_by_id("q-1")
        start, end = int(anchor.get("data-start")), int(anchor.get("data-end"))
        article = served.server.agent.get(doc.xpath("//article/@id")[0].removeprefix("a-"))
        marks = doc.xpath("//mark[contains(concat(' ', @data-c, ' '), ' 1 ')]")
        quote = "".join(m.text_content() for m in marks)
        assert RAIN in quote and article.text[start:end] == quote
        assert doc.xpath("//script") == []


def test_pages_refuse_foreign_hosts_origins_and_cross_site_fetches(served: Any) -> None:
    calls = len(served.server.agent.chat_model.calls)
    ask = served.url + "ask?q=" + QUESTION
    cases = [
        ({"Host": "evil.example"}, 421),  # DNS rebinding
        ({"Host": f"evil.example:{served.port}"}, 421),
        ({"Origin": "http://evil.example"}, 403),  # CSRF
        ({"Origin": f"http://localhost:{served.port + 1}"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
    ]
    with httpx.Client(timeout=30) as client:
        for headers, status in cases:
            r = client.get(ask, headers=headers)
            assert r.status_code == status, (headers, r.text)
            assert "<" not in r.text  # one plain line, nothing of the request echoed
        assert client.get(served.url, headers={"Host": f"localhost:{served.port}"}).status_code == 200
    assert len(served.server.agent.chat_model.calls) == calls  # the model never ran


def test_article_list_article_page_forms_and_placeholders(served: Any) -> None:
    agent = served.server.agent
    with httpx.Client(timeout=30, base_url=served.url) as client:
        listing = lxml.html.document_fromstring(client.get("/articles").text)
        rows = listing.xpath("//tbody/tr")
        assert len(rows) == 5
        href = rows[0].xpath(".//a/@href")[0]
        page = client.get(href)
        assert page.status_code == 200
        doc = lxml.html.document_fromstring(page.text)
        article = agent.get(href.rsplit("/", 1)[1])
        assert doc.xpath("//div[@class='text']")[0].text_content() == article.text
        assert doc.xpath("//a[text()='Summarise this article']/@href") == [href + "/summary"]
        assert client.get("/articles/nope").status_code == 404
        assert "No digests kept yet" in client.get("/digests").text
        assert client.get("/brief").status_code == 200
        bad = client.get("/brief/make", params={"since": "someday"})
        assert bad.status_code == 400 and "since &#39;someday&#39; is not a date" in bad.text
        assert client.get("/ask", follow_redirects=False).status_code == 303  # no question
        assert client.get("/nothing-here").status_code == 404


def test_digest_pages_list_and_show_the_kept_digests_without_the_model(tmp_path: Path) -> None:
    """``/digests`` lists the kept digests newest first; ``/digests/<id>`` is one, read from its
    file with its articles embedded (an update links to the digest it continues); an unknown id
    is 404; the guard applies; "make a digest now" with nothing new keeps nothing and calls no model."""
    from agent import Agent

    agent = Agent(index_path=tmp_path / "index", cache_dir=tmp_path / "cache", fetch_timeout=10,
                  provider="local")
    model = JsonChatModel(respond=newsroom.digest_reply)
    model.calls = []
    agent.__dict__["chat_model"] = model
    with serve() as site:
        day1, day2 = newsroom.two_digests(agent, site)
    calls = len(model.calls)
    with running_app(agent) as app, httpx.Client(timeout=60, base_url=app.url) as client:
        listing = lxml.html.document_fromstring(client.get("/digests").text)
        assert listing.xpath("//tbody/tr/td[1]/a/@href") == [f"/digests/{day2.id}", f"/digests/{day1.id}"]
        assert listing.xpath("//form[@action='/digests/make']//button")
        r = client.get(f"/digests/{day2.id}")
        assert r.status_code == 200 and r.headers["content-security-policy"].startswith("default-src 'none'")
        doc = lxml.html.document_fromstring(r.text)
        assert doc.xpath("//nav//a[@href='/digests']") and doc.xpath("//h1")[0].text_content() == day2.title
        assert doc.xpath("//span[@class='update']/a/@href") == [f"/digests/{day1.id}"]
        for c in day2.citations():
            anchor = doc.get_element_by_id(f"q-{c.n}")
            assert int(anchor.get("data-start")) == c.start and int(anchor.get("data-end")) == c.end
            assert doc.xpath("//section[contains(@class,'digest')]//a[@href=$h]", h=f"#q-{c.n}")
        for missing in ("/digests/20260101T000000Z-nothing", "/digests/%2E%2E"):
            gone = client.get(missing)
            assert gone.status_code == 404 and "agent digest --list" in gone.text, missing
        assert client.get("/digests/..%2F..%2Fchroma.sqlite3").status_code == 404
        assert client.get(f"/digests/{day2.id}", headers={"Origin": "http://evil.example"}).status_code == 403
        assert client.get(f"/digests/{day2.id}", headers={"Host": "evil.example"}).status_code == 421
        made = client.get("/digests/make")  # nothing new since day 2
        assert made.status_code == 200 and "Nothing new in this window." in made.text
    assert [r.id for r in agent.digests()] == [day1.id, day2.id] and len(model.calls) == calls


def test_token_flow_on_a_non_loopback_bind(tmp_path: Path) -> None:
    """A wildcard bind answers any Host but only with the token: ?token= once (a cookie and a
    redirect dropping it), the cookie after; without it, 401."""
    from agent import Agent

    agent = Agent(index_path=tmp_path / "index", cache_dir=tmp_path / "cache", provider="local")
    agent.ingest([str(EXAMPLES / "2026-03-10_lumora_q4_results.txt")])
    with running_app(agent, host="0.0.0.0") as app:
        token = app.guard.token
        assert token
        base = f"http://127.0.0.1:{app.port}"
        with httpx.Client(timeout=30, follow_redirects=False) as client:
            assert client.get(base + "/articles").status_code == 401
            assert client.get(base + "/articles?token=wrong").status_code == 401
            r = client.get(base + f"/articles?token={token}&x=1")
            assert r.status_code == 303 and r.headers["location"] == "/articles?x=1"
            assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
            assert client.get(base + "/articles").status_code == 200  # the cookie now
            assert client.get(f"http://localhost:{app.port}/?token={token}").status_code == 303  # any name
        with httpx.Client(timeout=30, follow_redirects=False) as fresh:  # no cookie yet
            hop = fresh.get(base + f"//evil.example?token={token}")
            assert hop.headers["location"] == "/evil.example"  # never an off-site redirect


def test_serve_command_says_when_the_port_is_taken(served: Any) -> None:
    """A port in use is one red line naming it and the fix, exit status 1, before any model loads."""
    from typer.testing import CliRunner

    from agent.cli.app import app

    index = str(served.server.agent.settings.index.index_path)
    res = CliRunner().invoke(app, ["--index", index, "serve", "--port", str(served.port)])
    assert res.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{served.port}" in res.output and "--port 0" in res.output
    assert "Traceback" not in res.output
