"""Issue 17 items 2 and 9: URLs from content stay off internal addresses; feed entries are
fetched concurrently, politely.

Real HTTP servers on 127.0.0.1 (tests/httpserver.py). The rule under test: a URL the user
typed may reach any address (it is their machine); a feed entry's link, and a redirect to
another origin, may reach only public addresses, checked on every resolved address of every
hop, unless ``allow_private_fetch`` is set. A redirect that stays on the origin the user typed
keeps the user's trust (that server could serve the page at the typed URL anyway).
"""

from __future__ import annotations

import ipaddress

import httpcore
import httpx
import pytest

from agent.ingest.fetch import Fetcher
from agent.ingest.load import iter_articles
from agent.ingest.netguard import BlockedAddressError, GuardedBackend, address_kind
from agent.settings import Settings
from agent.types import Article, IngestItem
from tests.httpserver import Route, redirect, serve
from tests.test_load import BODY, LONG_SUMMARY, page, rss


def run(inputs: list[str], **overrides: object) -> list[Article | IngestItem]:
    return list(iter_articles(inputs, Settings(**overrides)))  # type: ignore[arg-type]


def errors(results: list[Article | IngestItem]) -> list[str]:
    return [r.error or "" for r in results if isinstance(r, IngestItem)]


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.20", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("169.254.169.254", "cloud metadata"), ("169.254.10.1", "link-local"),
    ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-public"),
    ("224.0.0.1", "multicast"), ("8.8.8.8", None), ("2606:4700:4700::1111", None),
])
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_the_check_is_on_the_resolved_address_not_the_name() -> None:
    with pytest.raises(BlockedAddressError) as info:
        GuardedBackend().connect_tcp("localhost", 9)  # a name, resolving to loopback
    assert info.value.host == "localhost" and info.value.kind == "loopback"
    with pytest.raises(httpcore.ConnectError):
        GuardedBackend().connect_tcp("no-such-host.invalid", 80)


@pytest.mark.slow
def test_feed_typed_by_the_user_may_be_local_but_its_entry_links_may_not() -> None:
    with serve() as srv:
        b = srv.base_url
        port = b.rsplit(":", 1)[1]
        srv.routes["/internal"] = (200, {"Content-Type": "text/html"}, page("Admin console"))
        srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(b, [
            {"title": "Teaser", "link": f"{b}/internal", "guid": "1", "description": "Short."},
            {"title": "By name", "link": f"http://localhost:{port}/internal", "guid": "2",
             "description": "Short."},
            {"title": "Full text", "link": f"{b}/internal?x=3", "guid": "3",
             "description": LONG_SUMMARY},
            {"title": "Local file", "link": "file:///etc/passwd", "guid": "4",
             "description": "Short."},
        ]))
        results = run([srv.url("/feed")])
        assert srv.paths() == ["/feed"], "an internal page was requested"
    teaser, by_name, full, local_file = results
    assert isinstance(teaser, IngestItem) and teaser.error is not None
    assert teaser.error.startswith(
        f"{b}/internal: could not fetch the linked page (refused: a link from a feed leads to "
        "127.0.0.1 (127.0.0.1, a loopback address); links and redirects that come from content "
        "may only reach public addresses), and the feed entry has no full text; ")
    assert "allow_private_fetch" in teaser.error and "--allow-private-fetch" in teaser.error
    assert isinstance(by_name, IngestItem) and by_name.error is not None
    assert "leads to localhost (" in by_name.error and "loopback address" in by_name.error
    # An entry that carries its own full text is still ingested, from the feed's text only.
    assert isinstance(full, Article) and full.text.startswith("The summary is long enough")
    assert isinstance(local_file, IngestItem) and "the entry has no link" in (local_file.error or "")


@pytest.mark.slow
def test_allow_private_fetch_opens_entry_links_for_an_intranet_feed() -> None:
    with serve() as srv:
        b = srv.base_url
        srv.routes["/internal"] = (200, {"Content-Type": "text/html"}, page("Intranet news"))
        srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(b, [
            {"title": "Intranet", "link": f"{b}/internal", "guid": "1", "description": "Short."},
        ]))
        (a,) = run([srv.url("/feed")], allow_private_fetch=True)
        assert isinstance(a, Article), a
        assert a.text == BODY and srv.paths() == ["/feed", "/internal"]


@pytest.mark.slow
def test_redirects_are_content_unless_they_stay_on_the_typed_origin() -> None:
    with serve() as typed, serve() as other:
        other.routes["/internal"] = (200, {"Content-Type": "text/html"}, page("Metadata"))
        typed.routes["/story"] = (200, {"Content-Type": "text/html"}, page("Story"))
        typed.routes["/moved"] = redirect("/story")  # same origin: allowed
        typed.routes["/away"] = redirect(other.url("/internal"))  # another service: refused
        typed.routes["/tofile"] = redirect("file:///etc/passwd")
        # leaving the typed origin and coming back is not the user's choice either
        other.routes["/back"] = redirect(typed.url("/story"))
        typed.routes["/roundtrip"] = redirect(other.url("/back"))
        ok, away, tofile, local = run([typed.url("/moved"), typed.url("/away"),
                                       typed.url("/tofile"), "file:///etc/passwd"])
        assert isinstance(ok, Article) and ok.text == BODY and ok.url == typed.url("/story")
        assert other.paths() == [], "the redirect reached the other local service"
        assert isinstance(away, IngestItem) and away.error is not None
        assert away.error.startswith(
            f"{typed.url('/away')}: refused: a redirect leads to 127.0.0.1 (127.0.0.1, a loopback "
            "address); links and redirects that come from content may only reach public addresses;")
        assert isinstance(tofile, IngestItem)
        assert "redirected to a file: URL; only http and https pages are fetched" in (tofile.error or "")
        assert isinstance(local, IngestItem) and "no such file or folder" in (local.error or "")
        # Which rule each hop ran under (with the intranet setting, so every hop succeeds):
        # typed origin → other origin → back to the typed origin: only the first is trusted.
        kinds: list[str] = []
        with Fetcher(Settings(allow_private_fetch=True)) as fetcher:
            real = fetcher._client

            def spy(kind: str) -> httpx.Client:
                kinds.append(kind)
                return real(kind)

            fetcher._client = spy  # type: ignore[method-assign]
            fetched = fetcher.get(typed.url("/roundtrip"), trusted=True)
        assert fetched.url == typed.url("/story") and kinds == ["open", "guarded", "guarded"]
        # The intranet setting opens redirects too.
        (opened,) = run([typed.url("/away")], allow_private_fetch=True)
        assert isinstance(opened, Article) and other.paths() == ["/back", "/internal"]


# --------------------------------------------------------------------------- item 9


def slow_feed(srv: object, n: int, delay: float) -> None:
    b = srv.base_url  # type: ignore[attr-defined]
    items = []
    for i in range(1, n + 1):
        srv.routes[f"/p{i}"] = Route(200, {"Content-Type": "text/html"}, page(f"Page {i}"),  # type: ignore[attr-defined]
                                     delay=delay)
        items.append({"title": f"Entry {i}", "link": f"{b}/p{i}", "guid": str(i)})
    srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(b, items))  # type: ignore[attr-defined]


@pytest.mark.slow
def test_feed_entries_are_fetched_concurrently_in_feed_order() -> None:
    with serve() as srv:
        slow_feed(srv, 4, delay=1.0)
        results = run([srv.url("/feed")], allow_private_fetch=True)
        assert srv.peak_concurrent >= 2, "entries were fetched one after another"
        assert srv.peak_concurrent <= 4  # fetch_per_host
    assert [r.title for r in results if isinstance(r, Article)] == [f"Entry {i}" for i in range(1, 5)]


@pytest.mark.slow
def test_per_host_politeness_bounds_the_concurrency() -> None:
    with serve() as srv:
        slow_feed(srv, 6, delay=0.5)
        results = run([srv.url("/feed")], allow_private_fetch=True, fetch_per_host=2,
                      fetch_concurrency=8)
        assert srv.peak_concurrent == 2
        assert len([r for r in results if isinstance(r, Article)]) == 6
    with serve() as srv:
        slow_feed(srv, 3, delay=0.3)
        run([srv.url("/feed")], allow_private_fetch=True, fetch_concurrency=1)
        assert srv.peak_concurrent == 1  # concurrency 1: one after another, as before


@pytest.mark.slow
def test_a_slow_entry_times_out_alone() -> None:
    """N slow entries cost about one timeout: each fails on its own, the rest are ingested."""
    with serve() as srv:
        slow_feed(srv, 3, delay=0.0)
        srv.routes["/p2"] = Route(200, {"Content-Type": "text/html"}, page("Slow"), delay=3.0)
        results = run([srv.url("/feed")], allow_private_fetch=True, fetch_timeout=1.0)
    assert [type(r).__name__ for r in results] == ["Article", "IngestItem", "Article"]
    assert "timed out after 1s" in errors(results)[0]
