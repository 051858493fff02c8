"""HTML pages: the article text and metadata trafilatura finds, and text of HTML fragments.

No network or file system here. ``load`` decides where bytes come from; this module and its
siblings (``clean``, ``metadata``, ``documents``, ``hidden``) decide what the article is.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from agent.ingest.clean import clean_text, normalize_whitespace
from agent.ingest.metadata import parse_date

# --------------------------------------------------------------------------------------
# HTML


@dataclass
class ExtractedPage:
    """What trafilatura found in an HTML page."""

    title: str | None
    text: str
    author: str | None = None
    published: datetime | None = None
    sitename: str | None = None
    url: str | None = None


# Fewer words than this is a login wall, an index or an error page, not an article.
MIN_PAGE_WORDS = 20

_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True,
                "extensive_search": True}


def extract_html(html: str, url: str | None = None) -> ExtractedPage | None:
    """Main article text and metadata of a page, or None when it holds no article.

    CSS-hidden elements are removed first (``agent.ingest.hidden``); trafilatura favours
    precision, without comments (a missed sentence is cheaper than an indexed cookie banner).
    """
    import trafilatura  # heavy import (lxml, htmldate): only when HTML is seen

    from agent.ingest.hidden import visible_html
    from agent.quiet import quiet

    for noisy in ("trafilatura", "htmldate", "courlan"):  # "discarding data: None" and the like
        quiet(noisy)

    tree = visible_html(html)
    doc = trafilatura.bare_extraction(
        tree if tree is not None else html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        date_extraction_params=_DATE_PARAMS,
    )
    if doc is None:
        return None
    data: Mapping[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else doc
    raw = str(data.get("text") or "")
    title = (data.get("title") or "").strip() or None
    text = clean_text(raw.replace("\n", "\n\n"), title)
    if len(text.split()) < MIN_PAGE_WORDS:
        return None
    published = meta_published(html) or parse_date(data.get("date"))
    page_url = data.get("url") or None
    if page_url and urlsplit(page_url).scheme not in ("http", "https"):
        page_url = None
    return ExtractedPage(
        title=title,
        text=text,
        author=(data.get("author") or None),
        published=published,
        sitename=(data.get("sitename") or None),
        url=page_url,
    )


_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datepublished",
                   "publishdate", "pubdate", "parsely-pub-date", "sailthru.date",
                   "dc.date.issued", "dc.date", "date")
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


class _MetaTags(HTMLParser):
    """Collects ``<meta>`` name/property → content pairs from a page's markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        if key and a.get("content") and key not in self.meta:
            self.meta[key] = a["content"]


def meta_published(html: str) -> datetime | None:
    """The publication time a page declares in its metadata, with its time of day.

    Why not only trafilatura's date: htmldate returns the first date it trusts, often
    the day from the URL (``/2026/03/05/``), which drops the time and time zone.
    """
    head = html[: html.lower().find("</head>") + 7] if "</head>" in html.lower() else html[:65536]
    parser = _MetaTags()
    try:
        parser.feed(head)
    except Exception:  # noqa: BLE001 - malformed markup: fall back to trafilatura's date
        return None
    for key in _PUBLISHED_KEYS:
        if key in parser.meta and (dt := parse_date(parser.meta[key])):
            return dt
    m = _JSONLD_DATE.search(html)
    return parse_date(m.group(1)) if m else None


#: Markup that can hide part of a fragment (a cheap test before parsing it for styles).
_MAY_HIDE = re.compile(r"\b(?:style|hidden|aria-hidden)\b", re.IGNORECASE)


class _FragmentText(HTMLParser):
    """Text of a small HTML fragment (a feed entry's summary), blocks as paragraphs."""

    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "tr", "section", "article", "ul", "ol", "table", "pre", "hr"}
    _SKIP = {"script", "style", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data.replace("\n", " "))


def html_fragment_to_text(fragment: str) -> str:
    """Plain text of an HTML snippet, visible text only; plain text passes through (entities
    decoded)."""
    if "<" not in fragment:
        return normalize_whitespace(html_lib.unescape(fragment))
    if _MAY_HIDE.search(fragment):
        from agent.ingest.hidden import visible_fragment

        fragment = visible_fragment(fragment)
    parser = _FragmentText()
    parser.feed(fragment)
    parser.close()
    return normalize_whitespace("".join(parser.parts))
