"""Watched feeds: a real local HTTP server whose feeds change between "day 1" and "day 2", the real
MiniLM embedder, real Chroma (embedded, and a `chroma run` server), the real CLI and real kills."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent import Agent
from agent.cli import app
from agent.cli.watch import parse_every
from agent.errors import IndexNotFoundError, InvalidArgumentError, WatchBusyError, WatchError
from agent.ingest.fetch import Fetcher
from agent.settings import Settings
from agent.types import FeedCheck, WatchReport
from agent.watch import RunHooks
from tests.chroma_server import chroma_server  # noqa: F401  (fixture)
from tests.httpserver import FixtureServer, Route, serve
from tests.test_pipeline import orphan_free

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

# --- the fixture newsroom -----------------------------------------------------------------

STORIES = {
    "/valley/flood": ("Floods close the valley road",
                      "The River Ash burst its banks on Monday and the death toll rose to {toll}. "
                      "Rescue teams searched the lower town by boat while the rain kept falling."),
    "/valley/council": ("Council approves the school budget",
                        "The council approved a budget of 4.2 million for the new school on Tuesday. "
                        "Members argued for two hours about the cost of the sports hall."),
    "/valley/bridge": ("The old bridge reopens after repairs",
                       "The stone bridge over the Ash reopened to traffic on Wednesday morning. "
                       "Engineers replaced three arches that the winter frost had cracked."),
    "/herald/storm": ("Storm warning for the coast",
                      "Forecasters warned of gusts of 120 kilometres an hour along the coast. "
                      "Ferries between the islands were cancelled until the weekend."),
    "/herald/school": ("Pupils plant a forest",
                       "Four hundred pupils planted two thousand oak saplings on the hill above "
                       "the town. The project took three years of fundraising by parents."),
}


def page(path: str, toll: int = 12) -> str:
    title, lead = STORIES[path]
    lead = lead.format(toll=toll)
    paragraphs = "".join(
        f"<p>{lead} Paragraph {n} of the report adds what witnesses said about {title.lower()}, "
        "and what the local authorities plan to do next week.</p>" for n in range(6)
    )
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>")


def rss(base: str, title: str, items: list[tuple[str, str, str]]) -> str:
    """RSS 2.0 with (path, pubDate, description) items."""
    body = "".join(
        f"<item><title>{STORIES[p][0]}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
        f"<pubDate>{date}</pubDate><description>{desc}</description></item>"
        for p, date, desc in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


def atom(base: str, title: str, paths: list[str]) -> str:
    entries = "".join(
        f"<entry><title>{STORIES[p][0]}</title><link href=\"{base}{p}\"/><id>{base}{p}</id>"
        "<updated>2026-03-02T09:00:00Z</updated></entry>" for p in paths
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}</title><id>{base}/herald</id><updated>2026-03-02T09:00:00Z</updated>"
            f"{entries}</feed>")


RSS_TYPE = {"Content-Type": "application/rss+xml"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
MONDAY = "Mon, 02 Mar 2026 08:00:00 GMT"
TUESDAY = "Tue, 03 Mar 2026 08:00:00 GMT"
HERALD_DATE = "Mon, 02 Mar 2026 09:00:00 GMT"  # the Atom entries' <updated>


def day1(srv: FixtureServer) -> None:
    """Valley (RSS, ETag), Herald (Atom, Last-Modified only), Wire (RSS, ETag; the Herald's storm
    story under the same link: one article, two feeds)."""
    b = srv.base_url
    for p in STORIES:
        srv.routes[p] = (200, HTML_TYPE, page(p))
    srv.routes["/valley.xml"] = Route(200, {**RSS_TYPE, "ETag": '"valley-1"'}, rss(b, "Valley Courier", [
        ("/valley/flood", MONDAY, "The toll is 12."), ("/valley/council", MONDAY, "Budget approved.")]))
    srv.routes["/herald.xml"] = Route(200, {"Content-Type": "application/atom+xml",
                                            "Last-Modified": MONDAY},
                                      atom(b, "Riverside Herald", ["/herald/storm", "/herald/school"]))
    srv.routes["/wire.xml"] = Route(200, {**RSS_TYPE, "ETag": '"wire-1"'}, rss(b, "Wire", [
        ("/herald/storm", HERALD_DATE, "Storm warning.")]))


def day2(srv: FixtureServer) -> None:
    """The flood story changes (toll 19, new description), the bridge story is new; the Herald
    and the Wire are unchanged."""
    b = srv.base_url
    srv.routes["/valley/flood"] = (200, HTML_TYPE, page("/valley/flood", toll=19))
    srv.routes["/valley.xml"] = Route(200, {**RSS_TYPE, "ETag": '"valley-2"'}, rss(b, "Valley Courier", [
        ("/valley/bridge", TUESDAY, "The bridge reopens."), ("/valley/flood", TUESDAY, "The toll is 19."),
        ("/valley/council", MONDAY, "Budget approved.")]))


FEEDS = {"Valley": "/valley.xml", "Herald": "/herald.xml", "Wire": "/wire.xml"}


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    with serve() as srv:
        day1(srv)
        yield srv


def make_agent(index: Path, **settings: object) -> Agent:
    return Agent(index_path=index, fetch_timeout=settings.pop("fetch_timeout", 5), **settings)


@pytest.fixture
def agent(tmp_path: Path) -> Agent:
    return make_agent(tmp_path / "index")


def watch_all(agent: Agent, srv: FixtureServer, feeds: dict[str, str] = FEEDS) -> None:
    for name, path in feeds.items():
        agent.watch.add(srv.url(path), name=name, allow_private_fetch=True)  # entries on 127.0.0.1


def by_name(report: WatchReport) -> dict[str, FeedCheck]:
    return {f.name: f for f in report.feeds}


def since(srv: FixtureServer, n: int) -> list[tuple[str, dict[str, str]]]:
    return srv.requests[n:]


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- the list ---------------------------------------------------------------------------------


def test_add_list_remove_stored_with_the_index(tmp_path: Path, site: FixtureServer) -> None:
    agent = make_agent(tmp_path / "index")
    with pytest.raises(IndexNotFoundError):
        agent.watch.list()  # a listing never creates an index
    url = site.url("/valley.xml")
    first = agent.watch.add(url)
    assert first.name == "127.0.0.1"  # the host, when no name is given
    agent.watch.add(site.url("/herald.xml"), name="Riverside Herald")
    # Any spelling of a watched URL is the same feed; a taken name is refused.
    for again in (url.replace("http://", "HTTP://"), url + "?utm_source=rss", url + "#top"):
        with pytest.raises(WatchError, match="already watched as '127.0.0.1'"):
            agent.watch.add(again)
    with pytest.raises(InvalidArgumentError, match="already named 'Riverside Herald'"):
        agent.watch.add(site.url("/wire.xml"), name="riverside herald")

    # Another process (a new Agent) sees the same list: it lives in the index.
    other = make_agent(tmp_path / "index")
    assert [(f.name, f.url) for f in other.watch.list()] == [
        ("127.0.0.1", url), ("Riverside Herald", site.url("/herald.xml"))]
    assert other.watch.remove("riverside HERALD").url == site.url("/herald.xml")
    assert other.watch.remove(url + "?utm_medium=feed").name == "127.0.0.1"  # by URL, any spelling
    assert agent.watch.list() == []
    with pytest.raises(WatchError, match="no watched feed is named"):
        agent.watch.remove("Valley")


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/feed.xml", "is not an http(s) URL"),
    ("example.com/feed.xml", "is not an http(s) URL"),
    ("http:///feed.xml", "names no host"),
    ("http://example.com:99999/feed", "malformed"),
    ("https://exa mple.com/feed", "malformed"),
    ("https://user:s3cret@example.com/feed.xml", "user name or password"),
])
def test_add_refuses_urls_it_could_not_fetch_or_would_leak(agent: Agent, url: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        agent.watch.add(url)
    assert message in str(err.value) and "s3cret" not in str(err.value)


def test_cli_add_list_remove_and_usage_errors(tmp_path: Path, site: FixtureServer) -> None:
    index = str(tmp_path / "index")
    code, out, _ = cli("watch", "add", site.url("/valley.xml"), "--name", "Valley", "--index", index)
    assert code == 0 and "watching Valley" in out
    code, _, err = cli("--index", index, "watch", "add", site.url("/valley.xml"))
    assert code == 2 and "already watched as 'Valley'" in err and "Traceback" not in err
    code, _, err = cli("--index", index, "watch", "add", "ftp://example.com/x")
    assert code == 2 and "not an http(s) URL" in err
    code, out, _ = cli("--index", index, "watch", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["name"] for r in rows] == ["Valley"] and rows[0]["last_checked"] is None
    code, _, err = cli("--index", index, "watch", "remove", "Nope")
    assert code == 2 and "no watched feed is named" in err
    code, out, _ = cli("--index", index, "watch", "remove", "Valley")
    assert code == 0 and "stopped watching Valley" in out
    code, _, err = cli("--index", index, "watch", "run")
    assert code == 2 and "no feeds are watched" in err


# --- runs -------------------------------------------------------------------------------------


def test_the_fetcher_makes_conditional_requests_and_follows_only_real_redirects() -> None:
    headers = {"ETag": '"v7"', "Last-Modified": MONDAY, "Content-Type": "application/rss+xml"}
    with serve({"/f": Route(200, headers, "<rss/>"), "/odd": (300, {}, "choose")}) as srv, \
            Fetcher(Settings()) as fetcher:
        full = fetcher.get(srv.url("/f"), trusted=True)
        assert (full.status, full.etag, full.last_modified, full.body) == (200, '"v7"', MONDAY, b"<rss/>")
        same = fetcher.get(srv.url("/f"), trusted=True, headers={"If-None-Match": '"v7"'})
        assert (same.status, same.body, same.etag) == (304, b"", '"v7"')
        since = fetcher.get(srv.url("/f"), trusted=True, headers={"If-Modified-Since": MONDAY})
        assert since.status == 304
        assert fetcher.get(srv.url("/odd"), trusted=True).body == b"choose"  # a 3xx without Location
        assert srv.paths() == ["/f", "/f", "/f", "/odd"]




def test_day2_ingests_only_new_and_changed_entries_with_conditional_requests(
    agent: Agent, site: FixtureServer
) -> None:
    watch_all(agent, site)
    first = agent.watch.run()
    lines = by_name(first)
    assert (lines["Valley"].new, lines["Herald"].new) == (2, 2)
    assert (lines["Wire"].new, lines["Wire"].unchanged) == (0, 1)  # the same storm article
    assert first.ok and len(agent.list()) == 4
    ids_day1 = {a.id for a in agent.list()}

    day2(site)
    n = len(site.requests)
    second = agent.watch.run()
    lines = by_name(second)
    assert lines["Valley"].status == "checked"
    assert (lines["Valley"].new, lines["Valley"].updated, lines["Valley"].unchanged) == (1, 1, 1)
    assert lines["Herald"].status == lines["Wire"].status == "not_modified"
    seen = since(site, n)
    # The unchanged feeds cost one request each, answered 304; only the new and the changed
    # entries' pages were fetched.
    assert sorted(p for p, _ in seen) == ["/herald.xml", "/valley.xml", "/valley/bridge",
                                          "/valley/flood", "/wire.xml"]
    headers = {p: h for p, h in seen}
    assert headers["/valley.xml"]["If-None-Match"] == '"valley-1"'
    assert headers["/wire.xml"]["If-None-Match"] == '"wire-1"'
    assert headers["/herald.xml"]["If-Modified-Since"] == MONDAY

    articles = {a.title: a for a in agent.list()}
    assert len(articles) == 5 and ids_day1 < {a.id for a in articles.values()}
    assert "death toll rose to 19" in articles["Floods close the valley road"].text
    bridge = articles["The old bridge reopens after repairs"].id
    flood = articles["Floods close the valley road"].id
    assert [s.article_id for s in agent.watch.first_seen(second.started)] == [bridge]
    assert {s.article_id for s in agent.watch.changed(second.started)} == {bridge, flood}
    assert len(agent.watch.first_seen(first.started)) == 5
    assert [r.run for r in agent.watch.runs()] == [first.run, second.run]

    state = {f.name: f for f in agent.watch.list()}
    assert state["Valley"].etag == '"valley-2"' and state["Valley"].entries == 3
    assert state["Herald"].last_modified == MONDAY and state["Herald"].last_error is None

    third = agent.watch.run()  # nothing changed anywhere: three 304s, no page
    assert {f.status for f in third.feeds} == {"not_modified"}
    assert third.unchanged == 6 and third.new == third.updated == 0


def test_failing_feeds_are_one_line_each_and_lose_nothing(tmp_path: Path, site: FixtureServer) -> None:
    index = tmp_path / "index"
    agent = make_agent(index, fetch_timeout=10)
    with socket.socket() as s:  # a port nothing listens on: connection refused
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/feed.xml"
    watch_all(agent, site)
    agent.watch.add(dead, name="Dead")
    agent.watch.add("http://feeds.nonexistent.invalid/rss.xml", name="Gone")  # .invalid never resolves
    first = agent.watch.run()
    assert [f.name for f in first.failed_feeds] == ["Dead", "Gone"]
    kept = {a.id for a in agent.list()}
    assert len(kept) == 4

    site.routes["/valley.xml"] = (500, {}, "oops")
    site.routes["/herald.xml"] = (200, HTML_TYPE, "<html><body><h1>We moved!</h1></body></html>")
    site.routes["/wire.xml"] = Route(200, RSS_TYPE, "<rss/>", delay=3)  # over the 1 s timeout
    code, out, err = cli("--index", str(index), "--fetch-timeout", "1", "watch", "run", "--quiet")
    assert code == 1 and out == "" and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("failed:")]
    assert len(lines) == 5, err
    text = "\n".join(lines)
    assert "failed: Valley: HTTP 500" in text
    assert "failed: Herald: the feed URL returns an HTML page, not an RSS/Atom feed" in text
    assert "failed: Wire: timed out after 1s" in text
    assert "failed: Dead: could not connect" in text
    assert "failed: Gone: could not connect" in text
    assert {a.id for a in agent.list()} == kept  # nothing indexed was lost
    state = {f.name: f for f in agent.watch.list()}
    assert state["Valley"].last_error.startswith("HTTP 500")
    assert state["Valley"].etag == '"valley-1"'  # kept for when the feed is back
    assert state["Valley"].last_success is not None and state["Valley"].last_checked > state[
        "Valley"].last_success

    day1(site)  # the feeds are back: the ones with validators answer 304
    back = agent.watch.run(["Valley", "Herald", "Wire"])
    assert {f.status for f in back.feeds} == {"not_modified"} and back.ok


def test_entry_links_still_go_through_the_address_guard(agent: Agent, site: FixtureServer) -> None:
    agent.watch.add(site.url("/valley.xml"), name="Valley")  # no allow_private_fetch
    report = agent.watch.run()
    (line,) = report.feeds
    assert line.status == "checked" and line.failed == 2 and not report.ok  # the feed itself was read
    assert all("loopback" in (i.error or "") for i in line.items)
    assert not any(p.startswith("/valley/") for p in site.paths())
    assert agent.watch.list()[0].etag is None  # failed entries pending: read the feed in full again


def test_a_failed_entry_is_retried_then_left_alone(agent: Agent, site: FixtureServer) -> None:
    watch_all(agent, site, {"Valley": "/valley.xml"})
    site.routes["/valley/council"] = (503, {}, "busy")
    first = agent.watch.run()
    assert (first.new, first.failed) == (1, 1)
    for attempt in (2, 3):
        n = len(site.requests)
        again = agent.watch.run()
        seen = since(site, n)
        assert "If-None-Match" not in dict(seen)["/valley.xml"]  # validators not kept meanwhile
        assert [p for p, _ in seen] == ["/valley.xml", "/valley/council"], attempt
        assert (again.new, again.failed, again.unchanged) == (0, 1, 1)
    n = len(site.requests)
    given_up = agent.watch.run()  # three tries for this version of the entry: left alone
    assert [p for p, _ in since(site, n)] == ["/valley.xml"] and given_up.ok
    assert agent.watch.list()[0].etag == '"valley-1"'
    # A new version of the entry is tried again, and goes in once its page is back.
    site.routes["/valley/council"] = (200, HTML_TYPE, page("/valley/council"))
    site.routes["/valley.xml"] = Route(200, {**RSS_TYPE, "ETag": '"valley-1b"'}, rss(
        site.base_url, "Valley Courier",
        [("/valley/flood", MONDAY, "The toll is 12."), ("/valley/council", TUESDAY, "Budget passed.")]))
    assert agent.watch.run().new == 1 and len(agent.list()) == 2


def test_entries_linking_to_one_page_are_one_article_and_its_change_is_recorded(
        agent: Agent, site: FixtureServer) -> None:
    """Five entries (five guids) link to one page: it is fetched once and is one new article;
    when the page changes, the article's ``changed`` time moves (its repeats are duplicates,
    not outcomes of their own)."""
    def repeats(day: str) -> str:
        items = "".join(f"<item><title>Flood, update {n}</title><link>{site.base_url}/valley/flood"
                        f"</link><guid>flood-{day}-{n}</guid><pubDate>{day}</pubDate></item>"
                        for n in range(5))
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Repeats</title>{items}'
                "</channel></rss>")

    site.routes["/repeats.xml"] = Route(200, RSS_TYPE, repeats(MONDAY))
    watch_all(agent, site, {"Repeats": "/repeats.xml"})
    n = len(site.requests)
    first = by_name(agent.watch.run())["Repeats"]
    assert [p for p, _ in since(site, n)].count("/valley/flood") == 1
    assert (first.new, first.updated, first.failed) == (1, 0, 0) and len(agent.list()) == 1
    site.routes["/valley/flood"] = (200, HTML_TYPE, page("/valley/flood", toll=19))
    site.routes["/repeats.xml"] = Route(200, RSS_TYPE, repeats(TUESDAY))
    second = agent.watch.run()
    assert by_name(second)["Repeats"].updated == 1
    assert [s.article_id for s in agent.watch.changed(second.started)] == [agent.list()[0].id]


def test_report_escapes_what_feeds_and_servers_wrote() -> None:
    report = WatchReport(run="r", started=datetime.now(UTC), feeds=[
        FeedCheck(name="[x](javascript:alert(1))", url="http://e.example/f", status="failed",
                  error="HTTP 500 <script>\x1b]0;pwn\x07"),
    ])
    md = report.to_markdown()
    assert "\x1b" not in md and "\x07" not in md  # controls shown, never sent
    assert "\\[x\\](javascript" in md and "\\<script\\>" in md  # no link, no raw HTML


def test_parse_every() -> None:
    assert parse_every("2h") == timedelta(hours=2)
    assert parse_every("1h30m") == timedelta(minutes=90)
    assert parse_every("1d") == timedelta(days=1)
    for bad in ("", "2", "soon", "30s", "-1h"):
        with pytest.raises(InvalidArgumentError):
            parse_every(bad)


def test_serve_runs_on_schedule_and_stops(agent: Agent, site: FixtureServer) -> None:
    watch_all(agent, site)
    stop = threading.Event()
    reports: list[WatchReport] = []
    errors: list[Exception] = []

    def on_report(report: WatchReport) -> None:
        reports.append(report)
        if len(reports) == 1:
            try:  # a second serve on the same index refuses while this one runs
                agent.watch.serve(timedelta(hours=1), stop=threading.Event())
            except WatchBusyError as e:
                errors.append(e)
        else:
            stop.set()

    thread = threading.Thread(target=agent.watch.serve, args=(timedelta(seconds=0.3),),
                              kwargs={"stop": stop, "on_report": on_report})
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and len(reports) == 2
    assert reports[0].new == 4 and {f.status for f in reports[1].feeds} == {"not_modified"}
    assert len(errors) == 1 and "already runs the watched feeds" in str(errors[0])


# --- processes: the lock, SIGTERM, SIGKILL, a Chroma server -----------------------------------

RUN_SCRIPT = textwrap.dedent("""
    import sys
    from agent import Agent
    from agent.watch import RunHooks

    agent = Agent(index_path=sys.argv[1], embed_batch_size=1, fetch_timeout=30)
    hooks = RunHooks(on_item=lambda i: print("ITEM", i.status, i.article_id, flush=True),
                     on_feed=lambda c: print("FEED", c.name, flush=True))
    agent.watch.run(hooks=hooks)
    print("DONE", flush=True)
""")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1")


def _run_killed(index: Path, after: int) -> int:
    """A run in a child process, killed with SIGKILL after ``after`` lines of progress."""
    proc = subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, str(index)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    assert proc.stdout is not None
    lines = 0
    for line in proc.stdout:
        assert not line.startswith("DONE"), "the run ended before the kill"
        lines += 1
        if lines >= after:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    return lines


def _snapshot(agent: Agent) -> dict[str, object]:
    """Everything a consistent index and watch state agree on."""
    store = agent.store
    assert store._journal.count() == 0
    chunks = orphan_free(store)
    articles = {a.id: a.content_hash for a in agent.list()}
    feeds = {f.name: (f.entries, f.etag, f.last_modified, f.last_error) for f in agent.watch.list()}
    seen = sorted(s.article_id for s in agent.watch.first_seen(datetime(2000, 1, 1, tzinfo=UTC)))
    return {"articles": articles, "chunks": chunks, "feeds": feeds, "seen": seen}


@pytest.mark.slow
def test_a_run_killed_anywhere_is_caught_up_by_the_next(tmp_path: Path, site: FixtureServer) -> None:
    reference = make_agent(tmp_path / "reference")
    watch_all(reference, site)
    reference.watch.run()
    expected = _snapshot(reference)

    killed = make_agent(tmp_path / "killed")
    watch_all(killed, site)
    # Mid-Valley (one article committed, the feed's record not yet written), then between or
    # inside later feeds.
    for after in (1, 3, 2):
        _run_killed(tmp_path / "killed", after)
    again = make_agent(tmp_path / "killed")  # a new process would open it like this
    report = again.watch.run()
    assert report.ok and report.new + report.updated <= 4
    assert _snapshot(again) == expected
    assert len(again.list()) == len({a.id for a in again.list()}) == 4  # no duplicates
    final = again.watch.run()
    assert {f.status for f in final.feeds} == {"not_modified"}  # the state caught up


@pytest.mark.slow
def test_the_lock_refuses_a_second_run_and_dies_with_its_holder(tmp_path: Path,
                                                                site: FixtureServer) -> None:
    index = tmp_path / "index"
    agent = make_agent(index)
    watch_all(agent, site)
    site.routes["/valley/council"] = Route(200, HTML_TYPE, page("/valley/council"), delay=60)
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "--index", str(index), "--fetch-timeout",
                             "90", "watch", "run", "--quiet"], env=_env(), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while "/valley/council" not in site.paths():
            assert time.monotonic() < deadline and proc.poll() is None, "the first run did not start"
            time.sleep(0.2)
        code, _, err = cli("--index", str(index), "watch", "run")
        assert code == 3 and f"pid {proc.pid}" in err and "did not start" in err
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    site.routes["/valley/council"] = (200, HTML_TYPE, page("/valley/council"))
    code, out, err = cli("--index", str(index), "watch", "run")
    assert code == 0, err
    assert "checked 3 feed(s)" in out


@pytest.mark.slow
def test_sigterm_finishes_the_current_feed_and_serve_stops_cleanly(tmp_path: Path,
                                                                  site: FixtureServer) -> None:
    index = tmp_path / "index"
    agent = make_agent(index)
    watch_all(agent, site)
    site.routes["/valley/council"] = Route(200, HTML_TYPE, page("/valley/council"), delay=3)
    base = [sys.executable, "-m", "agent.cli", "--index", str(index), "watch"]
    proc = subprocess.Popen([*base, "run"], env=_env(), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while "/valley/council" not in site.paths():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Valley: 2 new" in out and "not checked: Herald" in err and "not checked: Wire" in err
    state = {f.name: f for f in agent.watch.list()}
    assert state["Valley"].etag == '"valley-1"' and state["Herald"].last_checked is None

    server = subprocess.Popen([*base, "serve", "--every", "1h"], env=_env(), cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        waited = ""
        for line in server.stderr:  # not a terminal: plain lines
            waited += line
            if "next run at" in line:
                break
        assert "next run at" in waited
        second = subprocess.run([*base, "serve", "--every", "1h"], env=_env(), cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 3 and "already runs the watched feeds" in second.stderr
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
        assert server.returncode == 0 and "stopped" in err
        assert "Herald: 2 new" in out
    finally:
        if server.poll() is None:
            server.kill()


@pytest.mark.slow
def test_a_chroma_server_shares_the_watched_feeds(chroma_server: str, tmp_path: Path,  # noqa: F811
                                                  site: FixtureServer) -> None:
    collection = f"w{uuid.uuid4().hex[:10]}"
    one = Agent(chroma_url=chroma_server, collection=collection, cache_dir=tmp_path / "cache")
    watch_all(one, site)
    code, out, err = cli("--chroma-url", chroma_server, "--set", f"index.collection={collection}",
                         "watch", "run")
    assert code == 0, err
    other = Agent(chroma_url=chroma_server, collection=collection, cache_dir=tmp_path / "cache")
    feeds = {f.name: f for f in other.watch.list()}
    assert set(feeds) == set(FEEDS) and feeds["Valley"].etag == '"valley-1"'
    assert len(other.watch.first_seen(datetime(2000, 1, 1, tzinfo=UTC))) == 4
    day2(site)
    report = other.watch.run(hooks=RunHooks())
    assert by_name(report)["Valley"].new == 1 and by_name(report)["Herald"].status == "not_modified"
    assert [r.run for r in one.watch.runs()][-1] == report.run
