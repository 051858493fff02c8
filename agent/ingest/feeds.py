"""RSS/Atom feeds: every entry's linked page, fetched concurrently, with the entry's metadata.

A feed is the one input that fans out into many fetches (bounded by ``fetch_concurrency`` and
``fetch_per_host``; entries linking to one page fetch it once), and its entries fall back to
their own text.
"""

from __future__ import annotations

import calendar
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple
from xml.sax import SAXException

from agent.ingest.clean import clean_text
from agent.ingest.decode import (
    check_not_binary,
    decode_bytes,
    sniff,
)
from agent.ingest.extract import ExtractedPage, extract_html, html_fragment_to_text
from agent.ingest.failures import FetchFailed, InputError, Result, display, guard, one
from agent.ingest.fetch import BlockedFetch, Fetched, Fetcher, fetch_in_order
from agent.ingest.formats import http_url
from agent.ingest.metadata import article_id, build_article, canonical_url, domain_of, read_date
from agent.settings import Settings
from agent.types import Article, IngestItem

MIN_ENTRY_WORDS = 50  # a feed entry shorter than this is a teaser, not an article


class FeedEntry(NamedTuple):
    """One entry as the feed lists it, before its page is fetched."""

    n: int  # position in the feed, from 1
    entry: Any  # feedparser's entry
    key: str  # the entry's id, else its link, else its position
    link: str | None  # its http(s) link, if any


def is_feed(fetched: Fetched, text: str) -> bool:
    """Whether a fetched document is an RSS/Atom feed: by its content type, else its first bytes."""
    is_feed_type = any(t in fetched.content_type for t in ("rss", "atom", "rdf"))
    return is_feed_type or sniff(text) == "feed" or (
        fetched.content_type in ("application/xml", "text/xml") and sniff(text) != "html"
    )


def from_feed(data: bytes, origin_key: str, label: str, feed_url: str | None,
              settings: Settings, fetcher: Fetcher,
              keep: Callable[[FeedEntry], bool] | None = None) -> Iterator[Result]:
    """Every entry's linked page, with the entry's title/date/link/author as metadata.

    ``keep`` chooses the entries to fetch and yield (all by default): a watched feed skips the
    entries it has already ingested, so their pages are not fetched again.
    """
    import feedparser

    headers = {"content-type": "application/xml"}
    if feed_url:
        headers["content-location"] = feed_url
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        if not parsed.version or isinstance(problem, SAXException):
            reason = problem.getMessage() if isinstance(problem, SAXException) else (
                "no RSS/Atom root element")
            raise InputError(f"not a valid RSS/Atom feed ({reason})",
                             "check that it is an RSS or Atom feed")
        raise InputError("the feed has no entries", "check the feed URL or try again later")
    source = html_fragment_to_text(parsed.feed.get("title") or "") or None
    if not source and feed_url:
        source = domain_of(feed_url)
    entries = []
    repeats: deque[tuple[int, IngestItem]] = deque()  # entries linking to an earlier entry's page
    linked: set[str] = set()
    for n, entry in enumerate(parsed.entries, start=1):
        key = str(entry.get("id") or entry.get("link") or n)
        link = http_url(entry.get("link"))
        item = FeedEntry(n, entry, key, link)
        if keep is not None and not keep(item):
            continue
        if link and canonical_url(link) in linked:  # one article, fetched once
            repeats.append((n, IngestItem(
                input=display(link), status="duplicate",
                article_id=article_id(url=link, origin_key=origin_key, entry_key=key),
                title=html_fragment_to_text(entry.get("title") or "") or None)))
            continue
        if link:
            linked.add(canonical_url(link))
        entries.append(item)
    for (n, entry, key, link), page in _fetch_pages(entries, settings, fetcher):
        while repeats and repeats[0][0] < n:
            yield repeats.popleft()[1]
        entry_label = display(link) if link else f"{label}#{n}"
        yield from guard(entry_label, partial(one, _feed_article, entry, key, link, page,
                                              origin_key, label, source))
    yield from (item for _, item in repeats)


_EntryPage = Fetched | FetchFailed | InputError | None


def _fetch_one(link: str | None, fetcher: Fetcher) -> _EntryPage:
    """One entry's linked page, or the error that stopped it (never raises for a bad page)."""
    if not link:
        return None
    try:
        fetched = fetcher.get(link)  # from content: public addresses only
        check_not_binary(fetched.body)
        return fetched
    except (FetchFailed, InputError) as e:
        return e
    except Exception as e:  # noqa: BLE001 - one bad entry must never stop the feed
        return FetchFailed(f"unexpected {type(e).__name__}: {e}", "please report this as a bug")


def _fetch_pages(entries: list[FeedEntry], settings: Settings,
                 fetcher: Fetcher) -> Iterator[tuple[FeedEntry, _EntryPage]]:
    """``(entry, page)`` in feed order, the pages fetched concurrently (``fetch_in_order``)."""
    workers = max(1, settings.ingest.fetch_concurrency)
    if sum(1 for e in entries if e.link) <= 1:
        workers = 1
    yield from fetch_in_order(entries, lambda e: _fetch_one(e.link, fetcher), workers)


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_date(entry: Any) -> tuple[datetime | None, str | None]:
    """The entry's date as feedparser read it, else as we read its text; with a warning when
    a date was given but cannot be read or lies in the future (see ``read_date``)."""
    raw = entry.get("published") or entry.get("updated")
    parsed = _struct_to_dt(entry.get("published_parsed")) or _struct_to_dt(entry.get("updated_parsed"))
    if parsed is None:
        return read_date(raw)
    return read_date(parsed)


def _feed_article(entry: Any, key: str, link: str | None, fetched: _EntryPage,
                  origin_key: str, label: str, source: str | None) -> Article:
    title = html_fragment_to_text(entry.get("title") or "").replace("\n", " ") or None
    published, date_warning = _entry_date(entry)
    author = entry.get("author") or None
    contents = entry.get("content") or []
    raw_entry = (contents[0].get("value") if contents else "") or entry.get("summary") or ""
    entry_text = clean_text(html_fragment_to_text(raw_entry), title)

    page: ExtractedPage | None = None
    problem = "the entry has no link"
    fix = "check the link, or ingest the article page or its text directly"
    if isinstance(fetched, Fetched):
        page = extract_html(decode_bytes(fetched.body, fetched.charset, html=True),
                            url=fetched.url)
        if page is None:
            problem = "no article text found on the linked page"
    elif isinstance(fetched, FetchFailed | InputError):
        problem = f"could not fetch the linked page ({fetched.what})"
        if isinstance(fetched, BlockedFetch):
            fix = fetched.fix
    if page is not None:
        text = page.text
        title = title or page.title
        published = published or page.published
        author = author or page.author
    elif len(entry_text.split()) >= MIN_ENTRY_WORDS:
        text = entry_text
    else:
        raise InputError(f"{problem}, and the feed entry has no full text", fix)
    title = title or text.split("\n", 1)[0][:100]
    return build_article(
        id=article_id(url=link, origin_key=origin_key, entry_key=key),
        title=title,
        text=clean_text(text, title),
        origin=link or f"{label}#{key}",
        source=source or (page.sitename if page else None) or (domain_of(link) if link else None),
        url=link,
        published=published,
        author=author,
        warnings=[date_warning] if date_warning else None,
    )
