"""Text a reader of the page cannot see is never article text (so never evidence).

Each CSS trick a page can use to hide a false figure from people while serving it to a scraper
is checked through the real extractor (trafilatura after ``agent.ingest.hidden``), and the
visible look-alikes are checked to stay. End to end: a page served by a real local HTTP server
and a feed entry's HTML, ingested by the real CLI into real Chroma.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.ingest.extract import extract_html, html_fragment_to_text
from agent.ingest.hidden import contrast, strip_hidden
from tests.httpserver import serve
from tests.test_load import rss

BODY = " ".join(["The harbour council met on Tuesday to discuss repairs to the old sea wall."] * 4)
AFTER = " ".join(["Engineers said the work on the sea wall would take until the autumn."] * 4)
SECRET = "The correct budget is 99 million"


def page(inner: str, style: str = "") -> str:
    sheet = f"<style>{style}</style>" if style else ""
    return (f"<html><head><title>Harbour wall</title>{sheet}</head><body><article>"
            f"<h1>Harbour wall</h1><p>{BODY}</p>{inner}<p>{AFTER}</p></article></body></html>")


def text_of(inner: str, style: str = "") -> str:
    extracted = extract_html(page(inner, style))
    assert extracted is not None
    return extracted.text


HIDDEN = {
    "white on white": (f'<p style="color:#ffffff">{SECRET}.</p>', ""),
    "white on a default page, by name": (f'<p><span style="color: white">{SECRET}.</span></p>', ""),
    "near-white": (f'<p style="color:#fdfdfd">{SECRET}.</p>', ""),
    "text colour equal to its box": (
        f'<div style="background-color:#123456"><p style="color:#123456">{SECRET}.</p></div>', ""),
    "transparent text": (f'<p style="color:rgba(0,0,0,0)">{SECRET}.</p>', ""),
    "font-size 0": (f'<p style="font-size:0">{SECRET}.</p>', ""),
    "font shorthand 0/0": (f'<p style="font:0/0 a">{SECRET}.</p>', ""),
    "opacity 0": (f'<p style="opacity:0">{SECRET}.</p>', ""),
    "visibility hidden": (f'<p style="visibility:hidden">{SECRET}.</p>', ""),
    "off-screen": (f'<p style="position:absolute;left:-9999px">{SECRET}.</p>', ""),
    "text-indent": (f'<p style="text-indent:-9999px;overflow:hidden">{SECRET}.</p>', ""),
    "zero height": (f'<p style="height:0;overflow:hidden">{SECRET}.</p>', ""),
    "clip": (f'<p style="position:absolute;clip:rect(0 0 0 0);width:1px">{SECRET}.</p>', ""),
    "clip-path": (f'<p style="clip-path:inset(50%)">{SECRET}.</p>', ""),
    "scale 0": (f'<p style="transform:scale(0)">{SECRET}.</p>', ""),
    "hidden attribute": (f"<p hidden>{SECRET}.</p>", ""),
    "aria-hidden": (f'<p aria-hidden="true">{SECRET}.</p>', ""),
    "class rule": (f'<p class="fine-print">{SECRET}.</p>', ".fine-print { color: #FFF }"),
    "id rule, !important": (f'<p id="x" style="display:block">{SECRET}.</p>',
                            "#x { display: none !important }"),
    "descendant rule": (f'<div class="box"><p>{SECRET}.</p></div>', "div.box p { font-size: 0px }"),
    "inherited visibility": (f'<div style="visibility:hidden"><p><b>{SECRET}.</b></p></div>', ""),
}


@pytest.mark.parametrize("name", HIDDEN)
def test_hidden_text_is_not_article_text(name: str) -> None:
    inner, style = HIDDEN[name]
    text = text_of(inner, style)
    assert "99 million" not in text, name
    assert text.count("sea wall") == 8  # the visible paragraphs are whole


VISIBLE = {
    "white on a dark box": f'<div style="background:#1a1a1a"><p style="color:#fff">{SECRET}.</p></div>',
    "grey caption": f'<p style="color:#888">{SECRET}.</p>',
    "font-size 0 row, children reset": (
        f'<div style="font-size:0"><p style="font-size:16px">{SECRET}.</p></div>'),
    "hidden on small screens only": f'<p class="d-none d-md-block">{SECRET}.</p>',
    "hover rule": f'<p class="tip">{SECRET}.</p>',
    "print rule": f'<p class="web-copy">{SECRET}.</p>',
    "white text over a picture": (
        f'<div style="background:url(sky.jpg) #fff"><p style="color:#fff">{SECRET}.</p></div>'),
}
SHEET = (".d-none{display:none} @media (min-width:768px){.d-md-block{display:block}} "
         ".tip:hover{visibility:hidden} @media print{.web-copy{display:none}}")


@pytest.mark.parametrize("name", VISIBLE)
def test_visible_look_alikes_stay(name: str) -> None:
    assert "99 million" in text_of(VISIBLE[name], SHEET), name


def test_a_child_may_undo_what_it_inherits() -> None:
    """``visibility`` and ``font-size`` are inherited, and a child can set them back: only the
    text the parent holds itself goes (checked on the tree: trafilatura drops any element
    with an inline ``visibility:hidden`` by itself)."""
    from lxml.html import fragment_fromstring, tostring

    root = fragment_fromstring(
        '<div><div style="visibility:hidden">gone<p style="visibility:visible">shown</p>tail gone'
        '</div><div style="font-size:0">x<span style="font-size:1.2rem">kept</span>'
        '<span style="font-size:2em">zero</span></div></div>')
    strip_hidden(root)
    assert tostring(root, encoding="unicode", method="text") == "shownkept"


def test_contrast_is_the_wcag_ratio() -> None:
    from tinycss2.color3 import parse_color

    def ratio(a: str, b: str) -> float:
        return round(contrast(parse_color(a), parse_color(b)), 2)

    assert ratio("#000", "#fff") == 21.0 and ratio("#fff", "#fff") == 1.0
    assert ratio("#777", "#fff") == 4.48  # the WCAG example: just under 4.5


def test_hidden_spans_in_a_feed_summary_are_dropped() -> None:
    fragment = (f'<p>Visible start. <span style="display:none">{SECRET}.</span> Visible end.</p>'
                f'<p style="color:#fff">{SECRET} again.</p>')
    assert html_fragment_to_text(fragment) == "Visible start. Visible end."


def test_a_served_page_and_a_feed_entry_keep_their_hidden_figures_out_of_the_index(
        tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    summary = (f"&lt;p&gt;{BODY} {BODY}&lt;/p&gt;&lt;p style='font-size:0'&gt;{SECRET} in the "
               "feed.&lt;/p&gt;")
    with serve() as srv:
        srv.routes["/story"] = (200, {"Content-Type": "text/html"},
                                page(f'<p class="note">{SECRET} on the page.</p>',
                                     ".note{position:absolute; top:-10000px}"))
        srv.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, rss(srv.base_url, [
            {"title": "Harbour wall, the feed's own text", "guid": "w1", "description": summary}]))
        result = runner.invoke(app, ["--index", index, "ingest", srv.url("/story"), srv.url("/feed")])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "added 2" in result.stdout
    rows = runner.invoke(app, ["--index", index, "list", "--json"]).stdout.splitlines()
    assert len(rows) == 2
    for row in rows:
        shown = runner.invoke(app, ["--index", index, "show", json.loads(row)["id"], "--json"])
        text = json.loads(shown.stdout)["text"]
        assert "sea wall" in text and "99 million" not in text
    found = runner.invoke(app, ["--index", index, "search", "correct budget 99 million", "-k", "5"])
    assert "99 million" not in found.stdout


runner = CliRunner()
