"""iter_articles: files, folders, JSONL, URLs and feeds, and every kind of bad input.

HTTP tests use a real server on 127.0.0.1 (tests/httpserver.py) serving pages and
feeds written here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.ingest.load import iter_articles
from agent.ingest.metadata import article_id
from agent.settings import Settings
from agent.types import Article, IngestItem
from tests.httpserver import Route, RouteSpec, chunks, redirect, serve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"

BODY = (
    "The Eastfield water board approved a new treatment plant on Tuesday at a cost of "
    "$38 million, the largest investment in the town's water system since 1987.\n\n"
    "Board chair Hanna Ruiz said construction would start in May and finish by 2028. "
    "Residents will see their water bills rise by about 4 percent a year for three years."
)


def run(inputs: list[str], **overrides: object) -> list[Article | IngestItem]:
    return list(iter_articles(inputs, Settings(**overrides)))  # type: ignore[arg-type]


def articles(results: list[Article | IngestItem]) -> list[Article]:
    return [r for r in results if isinstance(r, Article)]


def only_failure(results: list[Article | IngestItem]) -> str:
    assert len(results) == 1, results
    item = results[0]
    assert isinstance(item, IngestItem), item
    assert item.status == "failed"
    assert item.error is not None and "\n" not in item.error
    return item.error


def page(title: str, body: str = BODY, extra_head: str = "") -> str:
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        f"<!doctype html><html><head><title>{title} | Town Post</title>"
        f'<meta property="og:site_name" content="Town Post">{extra_head}</head><body>'
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<article><h1>{title}</h1>{paras}</article>"
        "<footer>© 2026 Town Post. All rights reserved.</footer></body></html>"
    )


# --------------------------------------------------------------------------- examples


def test_examples_load_cleanly_with_metadata() -> None:
    results = run([str(EXAMPLES)])
    arts = articles(results)
    assert len(results) == len(arts) == 5  # README.md is not an article
    by_title = {a.title: a for a in arts}
    budget = by_title["Riverside council passes $412.6 million budget after late-night vote"]
    assert budget.source == "Riverside Herald"
    assert budget.author == "Dana Whitfield"
    assert budget.published == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert budget.url == "https://riversideherald.example/news/2026/03/02/council-passes-budget"
    assert budget.id == article_id(url=budget.url)
    assert "$412.6 million" in budget.text and "7–2" in budget.text

    flood = by_title["River Ash bursts its banks in Millbrook after 94 mm of rain"]
    assert flood.source == "Valley Courier"
    assert flood.published == datetime(2026, 3, 5, 17, 45, tzinfo=UTC)
    assert flood.url == "https://valleycourier.example/local/2026/03/05/river-ash-floods-millbrook"
    assert "230 homes" in flood.text and "4.71 metres" in flood.text
    library = by_title["Riverside libraries to open on Sundays from April"]
    for html_article in (flood, library):
        for junk in ("cookies", "Related", "Subscribe", "©", "Home", "Share", "Privacy"):
            assert junk not in html_article.text, (junk, html_article.title)
        assert html_article.title not in html_article.text

    followup = by_title["Millbrook flood damage put at $18.4 million as 312 homes confirmed affected"]
    assert followup.published is not None and flood.published is not None
    assert timedelta(days=6) < followup.published - flood.published < timedelta(days=8)
    lumora = by_title["Lumora Systems beats forecasts as fourth-quarter revenue rises 22%"]
    assert lumora.source == "Northgate Business Journal"
    assert lumora.url is None
    assert lumora.published == datetime(2026, 3, 10, 16, 5, tzinfo=UTC)

    assert {a.source for a in arts} == {"Riverside Herald", "Valley Courier",
                                        "Northgate Business Journal"}
    assert len({a.id for a in arts}) == 5
    for a in arts:
        assert not a.text.startswith(("Title:", "Source:"))
        assert "\n\n\n" not in a.text and a.text == a.text.strip()
        assert len(a.content_hash) == 64 and a.ingested_at is not None
        assert a.origin.startswith(str(EXAMPLES))


# --------------------------------------------------------------------------- local files


def test_txt_without_header_uses_first_line_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "citydesk"
    folder.mkdir()
    f = folder / "story.txt"
    f.write_text("Water plant approved\n\n" + BODY + "\n", encoding="utf-8")
    (a,) = run([str(f)])
    assert isinstance(a, Article)
    assert a.title == "Water plant approved"
    assert a.text == BODY
    assert a.source == "citydesk"
    assert a.url is None and a.published is None
    assert a.id == article_id(origin_key=f"file:{f.resolve()}")
    assert a.origin == str(f)


def test_ids_and_hashes_are_stable_across_runs(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Title: T\nDate: 2026-01-02\n\n" + BODY, encoding="utf-8")
    (a,) = run([str(f)])
    (b,) = run([str(f)])
    assert isinstance(a, Article) and isinstance(b, Article)
    assert (a.id, a.content_hash) == (b.id, b.content_hash)
    f.write_text("Title: T\nDate: 2026-01-03\n\n" + BODY, encoding="utf-8")
    (c,) = run([str(f)])
    assert isinstance(c, Article)
    assert c.id == a.id and c.content_hash != a.content_hash


def test_markdown_file(tmp_path: Path) -> None:
    f = tmp_path / "note.md"
    f.write_text("---\ntitle: Plant approved\nauthor: Kim\ndate: 2026-02-01T10:00:00Z\n---\n"
                 "# Plant approved\n\nThe **board** voted [yes](https://x.example).\n",
                 encoding="utf-8")
    (a,) = run([str(f)])
    assert isinstance(a, Article)
    assert (a.title, a.author, a.text) == ("Plant approved", "Kim", "The board voted yes.")
    assert a.published == datetime(2026, 2, 1, 10, tzinfo=UTC)


def test_folder_recursive_sorted_skips_hidden_and_unknown(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "z.txt").write_text("Zed\n\n" + BODY, encoding="utf-8")
    (tmp_path / "a.txt").write_text("Ay\n\n" + BODY, encoding="utf-8")
    (tmp_path / "c.md").write_text("# See\n\n" + BODY, encoding="utf-8")
    (tmp_path / ".secret.txt").write_text("Hidden\n\n" + BODY, encoding="utf-8")
    (tmp_path / ".hidden" / "h.txt").write_text("Hidden too\n\n" + BODY, encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 whatever")
    results = run([str(tmp_path)])
    assert [r.title for r in articles(results)] == ["Ay", "Zed", "See"]  # a.txt, b/z.txt, c.md
    # The PDF is an article we cannot read: counted as failed, with the reason; the PNG is no
    # article at all and is passed over.
    failed = [r for r in results if isinstance(r, IngestItem)]
    assert [(f.input, f.status) for f in failed] == [(str(tmp_path / "doc.pdf"), "failed")]
    assert "PDF files are not supported yet" in (failed[0].error or "")


def test_empty_folder_is_a_failure(tmp_path: Path) -> None:
    err = only_failure(run([str(tmp_path)]))
    assert err.startswith(f"{tmp_path}: folder has no supported files")


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbfTitle: With BOM\n\n" + BODY.encode("utf-8"))
    (a,) = run([str(f)])
    assert isinstance(a, Article)
    assert a.title == "With BOM"
    assert "\ufeff" not in a.title + a.text


def test_latin1_file_is_decoded(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("Café Müller reopens\n\nThe café on Straße 5 reopened for 120 guests.".encode(
        "latin-1"))
    (a,) = run([str(f)])
    assert isinstance(a, Article)
    assert a.title == "Café Müller reopens"
    assert a.text == "The café on Straße 5 reopened for 120 guests."


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty.txt: file is empty;"),
        ("blank.txt", b"  \n\n \t", "blank.txt: file has only whitespace;"),
        ("report.pdf", b"%PDF-1.7\n%binary", "report.pdf: PDF files are not supported yet; "
         "convert to text or HTML first"),
        ("disguised.txt", b"%PDF-1.4\n", "disguised.txt: PDF files are not supported yet;"),
        ("blob.bin", bytes(range(256)) * 4, "blob.bin: this is a binary file, not text;"),
        ("blob.txt", b"ab\x00\x01\x02cd" * 50, "blob.txt: this is a binary file, not text;"),
        ("notes.docx", b"PK\x03\x04rest", "notes.docx: this is a binary file, not text;"),
        ("data.csv", b"a,b\n1,2\n", "data.csv: unsupported file type '.csv'; use .txt, .md"),
        ("title_only.txt", b"Just a headline\n", "title_only.txt: no article text after the"),
        ("nav.html", b"<html><body><nav><a href='/'>Home</a></nav><p>Sign in</p></body></html>",
         "nav.html: no article text found in the page;"),
        ("bad.xml", b"<rss><channel><title>x</title", "bad.xml: not a valid RSS/Atom feed"),
        ("lines.jsonl", b"\n\n  \n", "lines.jsonl: file has only whitespace"),
    ],
)
def test_bad_files_fail_with_one_line(tmp_path: Path, name: str, content: bytes,
                                      expected: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    err = only_failure(run([str(f)]))
    assert err.startswith(str(tmp_path / expected))
    assert "; " in err  # what went wrong; how to fix it


def test_missing_path_and_oversized_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert only_failure(run([str(missing)])) == f"{missing}: no such file or folder; check the path"
    big = tmp_path / "big.txt"
    big.write_text("Big\n\n" + BODY, encoding="utf-8")
    err = only_failure(run([str(big)], max_file_bytes=100))
    assert err.startswith(f"{big}: file is ")
    assert "over the 100 bytes limit" in err and "--max-file-bytes" in err
    assert isinstance(run([str(big)], max_file_bytes=10_000)[0], Article)


def test_bad_input_does_not_stop_the_batch(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Good one\n\n" + BODY, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    results = run([str(tmp_path / "missing.txt"), str(tmp_path), str(good)])
    kinds = [(type(r).__name__, getattr(r, "title", None)) for r in results]
    assert kinds == [("IngestItem", None), ("IngestItem", None), ("Article", "Good one"),
                     ("Article", "Good one")]


def test_jsonl(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"title": "One", "text": BODY, "url": "https://n.example/one?utm_source=x",
                    "published": "2026-03-01T12:00:00+00:00", "source": "N News",
                    "author": "Ann"}),
        "{not json",
        json.dumps({"title": "Two", "text": "<p>Second story body.</p><p>More.</p>", "id": "k2"}),
        json.dumps({"title": "Three"}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"title": "Four", "text": "Plain body four."}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = run([str(f)])
    assert [type(r).__name__ for r in results] == [
        "Article", "IngestItem", "Article", "IngestItem", "IngestItem", "Article"]
    one, bad_json, two, no_text, not_obj, four = results
    assert isinstance(one, Article) and isinstance(two, Article) and isinstance(four, Article)
    assert one.id == article_id(url="https://n.example/one")
    assert (one.source, one.author) == ("N News", "Ann")
    assert one.published == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert two.text == "Second story body.\n\nMore."
    assert two.id == article_id(origin_key=f"file:{f.resolve()}", entry_key="k2")
    assert four.id == article_id(origin_key=f"file:{f.resolve()}", entry_key="7")
    assert two.source == tmp_path.name
    assert isinstance(bad_json, IngestItem) and bad_json.error is not None
    assert bad_json.error.startswith(f"{f}:2: invalid JSON")
    assert isinstance(no_text, IngestItem) and no_text.error is not None
    assert no_text.error.startswith(f"{f}:4: missing 'text'")
    assert isinstance(not_obj, IngestItem) and not_obj.error is not None
    assert "not a JSON object" in not_obj.error


# --------------------------------------------------------------------------- HTTP

@pytest.mark.slow
def test_url_article_page_redirect_and_user_agent() -> None:
    with serve() as srv:
        srv.routes["/story"] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                page("Water plant approved"))
        srv.routes["/old"] = redirect("/story", 301)
        results = run([srv.url("/old?utm_source=x")], user_agent="test-agent/9")
        (a,) = results
        assert isinstance(a, Article), results
        assert a.title == "Water plant approved"
        assert a.source == "Town Post"
        assert a.url == srv.url("/story")
        assert a.id == article_id(url=srv.url("/story"))
        assert a.origin == srv.url("/old?utm_source=x")
        assert a.text == BODY
        assert srv.requests[0][1].get("User-Agent") == "test-agent/9"


@pytest.mark.slow
def test_url_failures() -> None:
    huge = "<html><body><article>" + "<p>" + "word " * 200 + "</p>" * 1 + "</article></body></html>"
    routes: dict[str, RouteSpec] = {
        "/missing": (404, {"Content-Type": "text/html"}, "nope"),
        "/loop": redirect("/loop"),
        "/slow": Route(200, {"Content-Type": "text/html"}, page("Slow"), delay=3.0),
        "/trickle": Route(200, {"Content-Type": "text/html"}, chunks(b"<p>word</p>", 50),
                          chunk_delay=0.05),
        "/big": Route(200, {"Content-Type": "text/html"}, chunks(b"<p>" + b"x" * 4093 + b"</p>",
                                                                  20)),
        "/big-declared": (200, {"Content-Type": "text/html", "Content-Length": "999999"}, huge),
        "/doc.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.5 ..."),
        "/image": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(64)),
        "/empty": (200, {"Content-Type": "text/html"}, ""),
        "/nav": (200, {"Content-Type": "text/html"},
                 "<html><body><nav><a href='/'>Home</a></nav><p>Log in</p></body></html>"),
    }
    with serve(routes) as srv:
        def err(path: str, **kw: object) -> str:
            return only_failure(run([srv.url(path)], **kw))

        assert err("/missing") == f"{srv.url('/missing')}: HTTP 404 Not Found; check the URL"
        assert err("/loop").startswith(f"{srv.url('/loop')}: more than 5 redirects;")
        assert err("/slow", fetch_timeout=0.5) == (
            f"{srv.url('/slow')}: timed out after 0.5s; check the URL or raise --fetch-timeout")
        assert "timed out after 1s" in err("/trickle", fetch_timeout=1.0)
        assert err("/big", max_fetch_bytes=40_000).startswith(
            f"{srv.url('/big')}: response is larger than 40,000 bytes;")
        assert "response is larger than" in err("/big-declared", max_fetch_bytes=50_000)
        assert "PDF files are not supported yet" in err("/doc.pdf")
        assert "binary file" in err("/image")
        assert "page is empty" in err("/empty")
        assert "no article text found in the page" in err("/nav")
    assert isinstance(run([srv.url("/x")], fetch_timeout=2.0)[0], IngestItem)  # server gone


def test_credentials_in_urls_are_not_echoed() -> None:
    results = run(["http://user:s3cret@127.0.0.1:9/x"], fetch_timeout=1.0)
    err = only_failure(results)
    assert isinstance(results[0], IngestItem)
    assert "s3cret" not in err and "s3cret" not in results[0].input
    assert err.startswith("http://127.0.0.1:9/x: ")


# --------------------------------------------------------------------------- feeds


def rss(base: str, items: list[dict[str, str]], title: str = "Town Post Feed") -> str:
    out = [f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}'
           f"</title><link>{base}/</link><description>d</description>"]
    for it in items:
        out.append("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in it.items()) + "</item>")
    out.append("</channel></rss>")
    return "".join(out)


LONG_SUMMARY = ("&lt;p&gt;" + " ".join(["The summary is long enough to stand in for the article."]
                                       * 8) + "&lt;/p&gt;")


@pytest.mark.slow
def test_rss_feed_url_fetches_linked_pages() -> None:
    with serve() as srv:
        b = srv.base_url
        srv.routes["/a"] = (200, {"Content-Type": "text/html"}, page("Page title A"))
        srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(b, [
            {"title": "Entry A", "link": f"{b}/a", "guid": "a-1", "author": "x@y.example (Bo)",
             "pubDate": "Tue, 10 Mar 2026 08:00:00 +0200"},
            {"title": "Entry B", "link": f"{b}/gone", "guid": "b-1", "description": LONG_SUMMARY,
             "pubDate": "Wed, 11 Mar 2026 09:00:00 GMT"},
            {"title": "Entry C", "link": f"{b}/gone2", "guid": "c-1",
             "description": "Short teaser."},
        ]))
        results = run([srv.url("/feed")], allow_private_fetch=True)  # entry links are local too
    a, b_art, c = results
    assert isinstance(a, Article) and isinstance(b_art, Article)
    assert a.title == "Entry A"  # the entry's title is the metadata
    assert a.text == BODY
    assert a.source == "Town Post Feed"
    assert a.published == datetime(2026, 3, 10, 6, tzinfo=UTC)
    assert a.url == f"{srv.base_url}/a" and a.id == article_id(url=a.url)
    assert a.author and "Bo" in a.author
    assert b_art.title == "Entry B"
    assert b_art.text.startswith("The summary is long enough")
    assert b_art.published == datetime(2026, 3, 11, 9, tzinfo=UTC)
    assert isinstance(c, IngestItem) and c.error is not None
    assert c.error.startswith(f"{srv.base_url}/gone2: could not fetch the linked page (HTTP 404")
    assert "no full text" in c.error


@pytest.mark.slow
def test_local_atom_feed_and_feed_detected_by_content(tmp_path: Path) -> None:
    with serve() as srv:
        b = srv.base_url
        srv.routes["/p1"] = (200, {"Content-Type": "text/html"}, page("P1"))
        atom = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom Desk</title><id>urn:desk</id><updated>2026-03-01T00:00:00Z</updated>"
            f'<entry><title>Atom one</title><link href="{b}/p1"/><id>urn:1</id>'
            "<updated>2026-03-04T05:06:07Z</updated><author><name>Ada</name></author></entry>"
            "</feed>"
        )
        f = tmp_path / "desk.atom"
        f.write_text(atom, encoding="utf-8")
        g = tmp_path / "feed-without-extension"
        g.write_text(atom, encoding="utf-8")
        srv.routes["/plain"] = (200, {"Content-Type": "text/plain"}, atom)
        for source in (str(f), str(g), srv.url("/plain")):
            (a,) = run([source], allow_private_fetch=True)  # entry links are on 127.0.0.1
            assert isinstance(a, Article), (source, a)
            assert (a.title, a.source, a.author) == ("Atom one", "Atom Desk", "Ada")
            assert a.published == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
            assert a.text == BODY


@pytest.mark.slow
def test_malformed_and_empty_feeds() -> None:
    with serve() as srv:
        srv.routes["/bad"] = (200, {"Content-Type": "application/rss+xml"}, "<rss><chan")
        srv.routes["/none"] = (200, {"Content-Type": "application/rss+xml"}, rss(srv.base_url, []))
        assert only_failure(run([srv.url("/bad")])).startswith(
            f"{srv.url('/bad')}: not a valid RSS/Atom feed")
        assert only_failure(run([srv.url("/none")])) == (
            f"{srv.url('/none')}: the feed has no entries; check the feed URL or try again later")
