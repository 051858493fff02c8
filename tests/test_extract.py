"""Cleaning and metadata rules of agent/ingest/extract.py (pure functions, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.ingest.clean import clean_text, is_junk_line, normalize_whitespace, strip_boilerplate
from agent.ingest.documents import parse_text_document, strip_markdown
from agent.ingest.extract import extract_html, html_fragment_to_text, meta_published
from agent.ingest.metadata import article_id, build_article, canonical_url, parse_date
from agent.text.hashing import content_hash

SEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed" / "putin_xi_summit_2024.txt"

# --------------------------------------------------------------------------- whitespace


def test_normalize_whitespace_paragraphs_and_spaces() -> None:
    raw = "First  line\u00a0 here.  \r\nsame para\t\tline\r\n\r\n\r\n\n  Second para.   \n\n\n"
    assert normalize_whitespace(raw) == "First line here.\nsame para line\n\nSecond para."


def test_normalize_whitespace_nfc_and_quotes_kept() -> None:
    raw = "Cafe\u0301 said \u201chello\u201d \u2014 it\u2019s fine\u00ad."
    out = normalize_whitespace(raw)
    assert out == "Caf\u00e9 said \u201chello\u201d \u2014 it\u2019s fine."
    assert "\u0301" not in out


def test_normalize_whitespace_leaves_invisible_characters_to_safetext() -> None:
    """Zero-width and bidi characters are removed (and counted) by ``strip_controls``, which
    keeps the joiners a script spells with; normalising must not drop those first."""
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert normalize_whitespace(f"{persian} fine\u200b.") == f"{persian} fine\u200b."


def test_normalize_whitespace_empty() -> None:
    assert normalize_whitespace(" \n\n\t \n") == ""


# --------------------------------------------------------------------------- boilerplate

SCRAPED_SHAPE = """Harbour bridge reopens after two-year repair

The Harbour bridge reopened to traffic on Friday after a repair that took two years.

Engineers replaced 140 steel cables and the entire road deck, the city said.

\u00a0\u201cIt is good to have it back,\u201d said commuter Lena Park.

Harbour bridge reopens after two-year repair

The project cost $52 million, $7 million more than first budgeted.

Tolls will stay at $2 for cars until at least 2027.

Similar Posts

Leave a Reply

Your email address will not be published. Required fields are marked *
"""


def _real_paragraphs() -> list[str]:
    return [
        "The Harbour bridge reopened to traffic on Friday after a repair that took two years.",
        "Engineers replaced 140 steel cables and the entire road deck, the city said.",
        "\u201cIt is good to have it back,\u201d said commuter Lena Park.",
        "The project cost $52 million, $7 million more than first budgeted.",
        "Tolls will stay at $2 for cars until at least 2027.",
    ]


def test_scraped_shape_fixture_is_cleaned() -> None:
    doc = parse_text_document(SCRAPED_SHAPE)
    assert doc.title == "Harbour bridge reopens after two-year repair"
    text = clean_text(doc.body, doc.title)
    assert text.split("\n\n") == _real_paragraphs()


@pytest.mark.skipif(not SEED.is_file(), reason=f"seed article {SEED} not present (/work/shared)")
def test_seed_scraped_article_is_cleaned() -> None:
    raw = SEED.read_text(encoding="utf-8")
    doc = parse_text_document(raw)
    title = "The summit of Vladimir Putin and Xi Jinping: More allies than ever before"
    assert doc.title == title
    text = clean_text(doc.body, doc.title)
    assert title not in text  # the duplicated headline mid-body is gone
    for junk in ("Similar Posts", "Leave a Reply", "Your email address"):
        assert junk not in text
    # every real paragraph of the original survives, in order
    real = [
        normalize_whitespace(p)
        for p in normalize_whitespace(raw).split("\n\n")[1:]
        if p != title and p not in ("Similar Posts", "Leave a Reply")
        and not p.startswith("Your email address")
    ]
    assert len(real) >= 20
    assert text.split("\n\n") == real
    assert text.endswith("in the northeastern region of Kharkiv in his country.")


def test_junk_lines_removed_anywhere_but_long_lines_kept() -> None:
    text = normalize_whitespace(
        "Intro paragraph about a festival.\n\nShare this:\n\nWe use cookies to improve "
        "your experience.\n\nSubscribe to our newsletter\n\nThe bakery on Main Street said "
        "we use cookies from three local farms and our site sells them too, which is a "
        "real sentence of the article that happens to mention cookies at some length.\n\n"
        "Advertisement\n\nLast paragraph."
    )
    out = strip_boilerplate(text, "Festival")
    paras = out.split("\n\n")
    assert paras[0] == "Intro paragraph about a festival."
    assert paras[-1] == "Last paragraph."
    assert any("three local farms" in p for p in paras)
    assert not any(p in ("Share this:", "Subscribe to our newsletter", "Advertisement") for p in paras)
    assert "We use cookies to improve" not in out


def test_terminal_marker_early_only_drops_the_line() -> None:
    body = "Related articles\n\n" + "\n\n".join(f"Real paragraph number {i}." for i in range(6))
    out = strip_boilerplate(body, None)
    assert out == "\n\n".join(f"Real paragraph number {i}." for i in range(6))


def test_terminal_marker_late_cuts_the_rest() -> None:
    body = "\n\n".join(f"Real paragraph number {i}." for i in range(6))
    out = strip_boilerplate(body + "\n\nYou may also like\n\nSome other headline\n\nAnother one",
                            None)
    assert out == body


def test_title_duplicate_matches_loosely() -> None:
    out = strip_boilerplate("Body one.\n\nCOUNCIL PASSES BUDGET!\n\nBody two.", "Council passes budget")
    assert out == "Body one.\n\nBody two."


def test_is_junk_line_examples() -> None:
    assert is_junk_line("Your email address will not be published. Required fields are marked *")
    assert is_junk_line("© 2026 Valley Courier Media Ltd. All rights reserved.")
    assert not is_junk_line("The mayor said the council would share this year's surplus.")


# --------------------------------------------------------------------------- text documents


def test_header_block_sets_metadata() -> None:
    doc = parse_text_document(
        "Title: Big news\nSource: The Daily\nDate: 2026-03-01\nURL: https://d.example/a\n"
        "Author: A. Writer\n\nFirst paragraph.\n\nSecond."
    )
    assert doc.title == "Big news"
    assert doc.meta == {"title": "Big news", "source": "The Daily", "published": "2026-03-01",
                        "url": "https://d.example/a", "author": "A. Writer"}
    assert doc.body == "First paragraph.\n\nSecond."


def test_colon_in_first_line_is_not_a_header() -> None:
    doc = parse_text_document("Breaking: dam fails upstream\n\nWater is rising.")
    assert doc.title == "Breaking: dam fails upstream"
    assert doc.meta == {}
    assert doc.body.strip() == "Water is rising."


def test_first_line_is_title_without_header() -> None:
    doc = parse_text_document("Headline here\nBody starts on the next line.\n\nMore.")
    assert doc.title == "Headline here"
    assert normalize_whitespace(doc.body) == "Body starts on the next line.\n\nMore."


def test_long_first_line_is_kept_as_text() -> None:
    first = "word " * 80
    doc = parse_text_document(first + "\n\nSecond.")
    assert doc.title is not None and doc.title.endswith("…") and len(doc.title) <= 101
    assert doc.body.startswith("word word")


def test_markdown_front_matter_heading_and_markup() -> None:
    md = (
        "---\ntitle: \"Front title\"\ndate: 2026-02-03\nlayout: post\nsource: Blog\n---\n\n"
        "# Front title\n\nSome **bold** and *italic* text with a [link](https://x.example).\n\n"
        "> A quote line\n\n- item one\n- item two\n\n![pic](a.png)\n"
    )
    doc = parse_text_document(md, markdown=True)
    assert doc.title == "Front title"
    assert doc.meta["published"] == "2026-02-03"
    assert doc.meta["source"] == "Blog"
    assert doc.body.split("\n\n") == [
        "Some bold and italic text with a link.",
        "A quote line",
        "- item one\n- item two",
        "pic",
    ]


def test_markdown_heading_becomes_title() -> None:
    doc = parse_text_document("# The *real* title\n\nText with `code`.", markdown=True)
    assert doc.title == "The real title"
    assert doc.body == "Text with code."


def test_strip_markdown_keeps_underscores_in_words() -> None:
    assert strip_markdown("snake_case_name and a_b_c") == "snake_case_name and a_b_c"
    assert strip_markdown("a _stressed_ word") == "a stressed word"


# --------------------------------------------------------------------------- dates, ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T08:30:00-05:00", datetime(2026, 3, 2, 13, 30, tzinfo=UTC)),
        ("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC)),
        ("March 10, 2026 16:05 UTC", datetime(2026, 3, 10, 16, 5, tzinfo=UTC)),
        ("Tue, 10 Mar 2026 16:05:00 GMT", datetime(2026, 3, 10, 16, 5, tzinfo=UTC)),
        ("2026-03-12 09:15", datetime(2026, 3, 12, 9, 15, tzinfo=UTC)),
    ],
)
def test_parse_date_formats(value: str, expected: datetime) -> None:
    got = parse_date(value)
    assert got is not None and got.tzinfo is not None
    assert got == expected


def test_parse_date_keeps_offset_and_rejects_garbage() -> None:
    got = parse_date("2026-03-02T08:30:00+01:00")
    assert got is not None and got.utcoffset() == timedelta(hours=1)
    assert parse_date("not a date at all") is None
    assert parse_date("") is None
    naive = parse_date(datetime(2026, 1, 1, 12))
    assert naive is not None and naive.tzinfo == UTC


def test_canonical_url() -> None:
    assert canonical_url("HTTPS://News.Example:443/a/b?utm_source=rss&id=3#top") == (
        "https://news.example/a/b?id=3"
    )
    assert canonical_url("http://x.example:8080") == "http://x.example:8080/"


def test_article_id_rules() -> None:
    a = article_id(url="https://n.example/a?utm_medium=x")
    assert a == article_id(url="https://N.example/a#frag")
    assert len(a) == 16 and int(a, 16) >= 0
    f1 = article_id(origin_key="file:/tmp/x.jsonl", entry_key="1")
    f2 = article_id(origin_key="file:/tmp/x.jsonl", entry_key="2")
    assert f1 != f2
    assert article_id(origin_key="file:/tmp/a.txt") != article_id(origin_key="file:/tmp/b.txt")


def test_content_hash_changes_with_each_field() -> None:
    base = content_hash("T", "text", "https://u.example/", datetime(2026, 1, 1, tzinfo=UTC))
    assert base != content_hash("T2", "text", "https://u.example/", datetime(2026, 1, 1, tzinfo=UTC))
    assert base != content_hash("T", "text!", "https://u.example/", datetime(2026, 1, 1, tzinfo=UTC))
    assert base != content_hash("T", "text", None, datetime(2026, 1, 1, tzinfo=UTC))
    assert base != content_hash("T", "text", "https://u.example/", None)


def test_build_article_fills_hash_and_time() -> None:
    art = build_article(id="abc", title=" Title\n here ", text="Body.", origin="x.txt",
                        published=datetime(2026, 1, 1, tzinfo=UTC))
    assert art.title == "Title here"
    assert art.content_hash == content_hash("Title here", "Body.", None, art.published)
    assert art.ingested_at is not None and art.ingested_at.tzinfo is not None


# --------------------------------------------------------------------------- HTML

PAGE = """<!doctype html><html><head><title>Dam opens | Weekly</title>
<meta property="og:site_name" content="The Weekly">
<meta name="author" content="Sam Lee">
<meta property="article:published_time" content="2026-02-20T09:30:00+02:00">
<link rel="canonical" href="https://weekly.example/dam-opens"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<article><h1>Dam opens</h1>
<p>The new Stonebrook dam opened on Thursday after six years of construction and a final
bill of 212 million euros, officials said.</p>
<p>It will supply water to 90,000 households and generate 14 megawatts of electricity at
peak flow, according to the operator.</p>
<p>Environmental groups said the fish ladder built into the dam should be monitored for
at least five years.</p>
</article>
<aside><h2>Related articles</h2><ul><li><a href="/x">Another dam story from last year</a></li></ul></aside>
<footer><p>© 2026 The Weekly. All rights reserved.</p></footer></body></html>"""


def test_extract_html_article_and_metadata() -> None:
    page = extract_html(PAGE)
    assert page is not None
    assert page.title == "Dam opens"
    assert page.sitename == "The Weekly"
    assert page.author == "Sam Lee"
    assert page.url == "https://weekly.example/dam-opens"
    assert page.published == datetime(2026, 2, 20, 7, 30, tzinfo=UTC)
    paras = page.text.split("\n\n")
    assert len(paras) == 3
    assert paras[0].startswith("The new Stonebrook dam opened")
    for junk in ("Home", "cookies", "Related", "Another dam story", "©", "Dam opens"):
        assert junk not in page.text


def test_extract_html_without_article_is_none() -> None:
    html = "<html><body><nav><a href='/'>Home</a><a href='/b'>B</a></nav><p>Login</p></body></html>"
    assert extract_html(html) is None


def test_meta_published_jsonld_fallback() -> None:
    html = ('<html><head><script type="application/ld+json">{"@type":"NewsArticle",'
            '"datePublished":"2026-01-05T10:00:00Z"}</script></head><body></body></html>')
    assert meta_published(html) == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert meta_published("<html><head></head><body>x</body></html>") is None


def test_html_fragment_to_text() -> None:
    assert html_fragment_to_text("<p>One &amp; two</p><p>Three<br>four</p><script>x()</script>") == (
        "One & two\n\nThree\n\nfour"
    )
    assert html_fragment_to_text("plain &amp; simple") == "plain & simple"
