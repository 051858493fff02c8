"""Pure functions that turn raw page/file text into clean article text and metadata.

Nothing here touches the network or the file system, so every rule can be unit-tested
on strings. ``load.py`` decides *where* bytes come from; this module decides what the
article *is*: its title, date, source and a body text with scraped-page debris removed.

Why the boilerplate rules exist: extractors (and people saving pages as .txt) leave
behind share buttons, cookie banners, a second copy of the headline and trailing
"Similar Posts / Leave a Reply" blocks. Those lines would be chunked, embedded and
retrieved as if they were news, and a citation could quote them, so they go.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dateutil import parser as date_parser

from agent.text.dates import as_utc
from agent.text.hashing import content_hash, short_hash
from agent.types import Article

# --------------------------------------------------------------------------------------
# whitespace


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_HSPACE = re.compile(r"[^\S\n]+")  # any whitespace except newline (tabs, NBSP, thin space…)
_BLANKS = re.compile(r"\n\s*\n")


def normalize_whitespace(text: str) -> str:
    """NFC, no BOM/zero-width characters, single spaces, one blank line between paragraphs.

    Lines inside a paragraph keep their single newlines (a hard-wrapped .txt stays
    readable); quotes and dashes are left exactly as written.
    """
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs = _BLANKS.split("\n".join(lines))
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def paragraphs(text: str) -> list[str]:
    """The blank-line separated paragraphs of an already normalised text."""
    return [p for p in text.split("\n\n") if p]


# --------------------------------------------------------------------------------------
# boilerplate

# Stand-alone lines that are never article content, wherever they appear.
_JUNK_LINES = [
    r"share( this( (article|story|post))?)?:?",
    r"share (on|via) (facebook|twitter|x|linkedin|whatsapp|email|reddit)",
    r"(click|tap) to (share|email|print)\b.*",
    r"(tweet|print|email|pin it|whatsapp)",
    r"your email address will not be published\.?( required fields are marked \*?)?",
    r"required fields are marked \*?",
    r"(we|this (web)?site|our (web)?site) uses? cookies\b.*",
    r"by (continuing|using) (to (use|browse) )?(this|our) (web)?site.*cookies.*",
    r"(accept|reject|allow|manage) (all )?cookies",
    r"cookie (settings|preferences|policy)",
    r"(subscribe|sign up) (to|for) (our|the) (free )?(daily |weekly )?newsletter.*",
    r"(sign up|subscribe)( now| today)?!?",
    r"advertisement|sponsored( content)?",
    r"skip to (main )?content",
    r"(read|see) more( stories| news)?:?",
    r"continue reading\.*",
    r"(all rights reserved\.?|©.{0,80}|copyright ©?.{0,80}all rights reserved\.?)",
    r"follow us( on)?( (facebook|twitter|x|instagram|social media))*:?",
    r"(post )?comments? \(\d+\)|\d+ comments?|no comments( yet)?\.?",
    r"(previous|next) (post|article|story)",
]

# Headings that start a trailing block of non-article material: the marker and
# everything after it go, when the marker is in the second half of the text.
_TERMINAL_MARKERS = [
    r"similar posts",
    r"related (posts|articles|stories|news|content|coverage|reading)",
    r"(you )?(may|might) also (like|enjoy|be interested in)",
    r"more (stories|news|articles) (from|like this|on this)?.*",
    r"recommended( for you| stories| articles)?",
    r"leave a (reply|comment)",
    r"(post a |add a |join the )?comments?",
    r"(about|more from) the author",
    r"trending( now)?|most (read|popular)( stories)?",
    r"tags?:.*",
]

_MAX_JUNK_LEN = 200  # only short stand-alone lines are candidates for removal
_JUNK_RE = re.compile(r"^(?:" + "|".join(_JUNK_LINES) + r")$", re.IGNORECASE)
_TERMINAL_RE = re.compile(r"^(?:" + "|".join(_TERMINAL_MARKERS) + r")[.:…]*$", re.IGNORECASE)


def _key(line: str) -> str:
    """Comparison key for headlines: case, spacing and end punctuation don't matter."""
    return re.sub(r"\W+", " ", line.casefold()).strip()


def is_junk_line(line: str) -> bool:
    """True for a short stand-alone line such as "Share this:" or a cookie banner."""
    line = line.strip()
    return bool(line) and len(line) <= _MAX_JUNK_LEN and bool(_JUNK_RE.match(line))


def is_terminal_marker(line: str) -> bool:
    """True for a heading like "Similar Posts" that starts a page's trailing block."""
    line = line.strip()
    return bool(line) and len(line) <= 80 and bool(_TERMINAL_RE.match(line))


def strip_boilerplate(text: str, title: str | None = None) -> str:
    """Remove repeated headlines, junk lines and a trailing related/comments block.

    ``text`` should be normalised (see :func:`normalize_whitespace`). A terminal
    marker only cuts the rest of the text when it sits in the second half (by
    characters), so a real paragraph that happens to read "Comments" early in an
    article cannot wipe out the article; earlier, only the marker line itself goes.
    """
    title_key = _key(title) if title else ""
    lines = text.split("\n")
    total = max(1, len(text))
    kept: list[str] = []
    pos = 0
    for line in lines:
        here, pos = pos, pos + len(line) + 1
        if not line:
            kept.append(line)
            continue
        if title_key and _key(line) == title_key:
            continue
        if is_terminal_marker(line):
            if here >= total / 2:
                break
            continue
        if is_junk_line(line):
            continue
        kept.append(line)
    return normalize_whitespace("\n".join(kept))


def clean_text(text: str, title: str | None = None) -> str:
    """The full cleaning every format goes through: whitespace, then boilerplate."""
    return strip_boilerplate(normalize_whitespace(text), title)


# --------------------------------------------------------------------------------------
# dates, URLs, ids


#: A bare number of this many digits is a Unix time: seconds (9-10 digits) or milliseconds (13).
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
#: A date up to this far ahead of now is a time zone or clock difference, not a wrong date.
FUTURE_SLACK = timedelta(days=1)


def _from_epoch(seconds: float) -> datetime | None:
    if seconds >= 1e11:  # milliseconds, as JavaScript and many exporters write them
        seconds /= 1000
    if seconds < 1e8:  # before 1973: a count or a year, not a publication time
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_date(value: Any) -> datetime | None:
    """A timezone-aware datetime (UTC when none is given), or None if unparseable.

    Accepts datetimes, ISO-8601, Unix times (1700000000, "1700000000", milliseconds too) and
    the common human formats dateutil understands ("March 3, 2026", "03 Mar 2026 10:00 GMT",
    RFC 822 as used in RSS).
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float):
        return _from_epoch(float(value))
    elif isinstance(value, str) and _EPOCH.match(value.strip()):
        return _from_epoch(float(value.strip()))
    else:
        try:
            dt = date_parser.parse(str(value).strip())
        except (ValueError, OverflowError, TypeError):
            return None
    return as_utc(dt)


def read_date(value: Any, now: datetime | None = None) -> tuple[datetime | None, str | None]:
    """A given publication date and, when it cannot be used, a one-line warning.

    Why: a date that silently became ``null`` ("yesterday", "2026-13-45") or an article dated
    2099 (first in every listing, outside every "this week") hides a data problem. The article
    is kept either way, without the date; the warning says which value was dropped and why.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        shown = value.isoformat()
    else:
        text = repr(value.strip() if isinstance(value, str) else value)
        shown = text if len(text) <= 42 else f"{text[:40]}…"
    dt = parse_date(value)
    if dt is None:
        return None, (
            f"published date {shown} cannot be read (use e.g. 2026-03-14, an ISO date-time or Unix "
            "seconds); kept the article without a date"
        )
    if dt > (now or datetime.now(UTC)) + FUTURE_SLACK:
        return None, (
            f"published date {shown} lies in the future; kept the article without a date"
        )
    return dt, None


_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|ocid)$", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """A stable form of a URL: lower-case scheme/host, no fragment, no tracking params.

    Why: the same article reached via a feed (``?utm_source=rss``) and via a pasted
    link must get the same id, or a re-ingest would store it twice.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    return urlunsplit((scheme, netloc, path, query, ""))


def domain_of(url: str) -> str:
    """The host name without a leading ``www.``, used as a fallback source name."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def article_id(*, url: str | None = None, origin_key: str | None = None,
               entry_key: str | None = None) -> str:
    """The stable article id: from the canonical URL when known, else from where it came.

    ``origin_key`` is e.g. ``"file:/abs/path.jsonl"``; ``entry_key`` the JSONL line key
    or feed entry id, appended as ``#key`` so each line/entry gets its own id.
    """
    if url:
        return short_hash(canonical_url(url))
    base = origin_key or ""
    if entry_key:
        base = f"{base}#{entry_key}"
    return short_hash(base)


def build_article(
    *,
    title: str,
    text: str,
    origin: str,
    id: str,
    source: str | None = None,
    url: str | None = None,
    published: datetime | None = None,
    author: str | None = None,
    warnings: list[str] | None = None,
) -> Article:
    """Assemble an Article with its content hash and ingestion time filled in."""
    title = normalize_whitespace(title).replace("\n", " ")
    return Article(
        warnings=[w for w in warnings or [] if w],
        id=id,
        title=title,
        text=text,
        source=(source or "").strip() or None,
        url=url,
        published=published,
        author=(author or "").strip() or None,
        content_hash=content_hash(title, text, url, published),
        ingested_at=datetime.now(UTC),
        origin=origin,
    )


# --------------------------------------------------------------------------------------
# plain text and Markdown documents

HEADER_KEYS = {
    "title": "title",
    "headline": "title",
    "source": "source",
    "publisher": "source",
    "site": "source",
    "date": "published",
    "published": "published",
    "publication date": "published",
    "url": "url",
    "link": "url",
    "author": "author",
    "by": "author",
    "byline": "author",
}
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ]{0,20}?)\s*:\s*(.*?)\s*$")
_TITLE_MAX = 200


@dataclass
class ParsedDocument:
    """A text document split into metadata (from a header/front matter) and body."""

    meta: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    body: str = ""


def _parse_header_lines(lines: list[str]) -> dict[str, str] | None:
    """``Key: value`` lines → metadata, or None if any line isn't a known key."""
    meta: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        m = _HEADER_LINE.match(line)
        if not m or m.group(1).strip().lower() not in HEADER_KEYS:
            return None
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[HEADER_KEYS[m.group(1).strip().lower()]] = value
    return meta or None


_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^[ \t]*```.*$", re.MULTILINE), ""),  # code fence lines
    (re.compile(r"^[ \t]{0,3}(?:[-*_]\s*){3,}$", re.MULTILINE), ""),  # horizontal rules
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links → link text
    (re.compile(r"^[ \t]{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^[ \t]{0,3}>\s?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),  # _italic_
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
]


def strip_markdown(text: str) -> str:
    """Minimal Markdown → readable text: markup goes, list bullets and words stay."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


def _title_from_first_line(body: str) -> tuple[str, str]:
    """(title, remaining body). A very long first line is a paragraph, not a headline."""
    first, _, rest = body.partition("\n")
    first = first.strip()
    if len(first) <= _TITLE_MAX:
        return first, rest
    cut = first[:100].rsplit(" ", 1)[0]
    return cut + "…", body


def parse_text_document(text: str, *, markdown: bool = False) -> ParsedDocument:
    """Split a .txt/.md document into header metadata, a title and the body.

    Supported, in order: a ``---`` front-matter block (Markdown), a leading block of
    ``Key: value`` lines ended by a blank line, a leading ``# Title`` heading
    (Markdown); otherwise the first line is the title.
    """
    text = normalize_whitespace(text)
    meta: dict[str, str] = {}
    lines = text.split("\n")
    if markdown and lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
        except StopIteration:
            end = -1
        if end > 0:
            fm = _parse_header_lines([ln for ln in lines[1:end] if ln.strip()])
            # Unknown front-matter keys (tags, layout…) are fine: keep the ones we know.
            if fm is None:
                fm = {}
                for ln in lines[1:end]:
                    m = _HEADER_LINE.match(ln)
                    if m and m.group(1).strip().lower() in HEADER_KEYS:
                        fm.update(_parse_header_lines([ln]) or {})
            meta.update(fm)
            text = normalize_whitespace("\n".join(lines[end + 1 :]))
    head, sep, rest = text.partition("\n\n")
    header = _parse_header_lines(head.split("\n"))
    if header is not None:
        meta.update(header)
        text = rest
    title = meta.get("title")
    if markdown:
        first, _, after = text.partition("\n")
        heading = re.match(r"^#{1,2}\s+(.+?)\s*#*$", first.strip())
        if heading:
            heading_text = strip_markdown(heading.group(1)).strip()
            if not title or _key(title) == _key(heading_text):
                title = title or heading_text
                text = after
        text = normalize_whitespace(strip_markdown(text))
    if not title and text:
        title, text = _title_from_first_line(text)
    return ParsedDocument(meta=meta, title=title or None, body=text)


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

    trafilatura is run favouring precision and without comments: a missed
    sentence is cheaper than indexing a cookie banner. Its one-newline-per-block
    output is turned into blank-line separated paragraphs.
    """
    import trafilatura  # heavy import (lxml, htmldate): only when HTML is seen

    from agent.quiet import quiet

    for noisy in ("trafilatura", "htmldate", "courlan"):  # "discarding data: None" and the like
        quiet(noisy)

    doc = trafilatura.bare_extraction(
        html,
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
    """Plain text of an HTML snippet; plain text passes through (entities decoded)."""
    if "<" not in fragment:
        return normalize_whitespace(html_lib.unescape(fragment))
    parser = _FragmentText()
    parser.feed(fragment)
    parser.close()
    return normalize_whitespace("".join(parser.parts))
