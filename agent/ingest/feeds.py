"""RSS/Atom feeds: every entry's linked page, fetched concurrently, with the entry's metadata.

Split from ``load``: a feed is the one input that fans out into many fetches (bounded by
``fetch_concurrency`` and ``fetch_per_host``), and its entries fall back to their own text.
"""

from __future__ import annotations

import calendar
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any
from xml.sax import SAXException

from agent.ingest.clean import clean_text
from agent.ingest.decode import (
    check_not_binary,
    decode_bytes,
)
from agent.ingest.extract import ExtractedPage, extract_html, html_fragment_to_text
from agent.ingest.failures import FetchFailed, InputError, Result, display, guard, one
from agent.ingest.fetch import BlockedFetch, Fetched, Fetcher
from agent.ingest.formats import http_url
from agent.ingest.metadata import article_id, build_article, domain_of, read_date
from agent.settings import Settings
from agent.types import Article

MIN_ENTRY_WORDS = 50  # a feed entry shorter than this is a teaser, not an article


def from_feed(data: bytes, origin_key: str, label: str, feed_url: str | None,
              settings: Settings, fetcher: Fetcher) -> Iterator[Result]:
    """Every entry's linked page, with the entry's title/date/link/author as metadata."""
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
    for n, entry in enumerate(parsed.entries, start=1):
        key = str(entry.get("id") or entry.get("link") or n)
        link = http_url(entry.get("link"))
        entries.append((n, entry, key, link))
    for (n, entry, key, link), page in _fetch_pages(entries, settings, fetcher):
        entry_label = display(link) if link else f"{label}#{n}"
        yield from guard(entry_label, partial(one, _feed_article, entry, key, link, page,
                                              origin_key, label, source))


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


def _fetch_pages(entries: list[Any], settings: Settings,
                 fetcher: Fetcher) -> Iterator[tuple[Any, _EntryPage]]:
    """``(entry, page)`` in feed order, the pages fetched concurrently.

    Why: entries one after another cost the sum of their delays; a feed of twenty slow pages
    took twenty timeouts. Bounded: ``fetch_concurrency`` workers (``fetch_per_host`` per host,
    enforced by the Fetcher) and at most twice that many pages fetched ahead of the consumer,
    so memory stays a few pages, not the feed. Only the network runs in threads; extraction
    stays on the caller's thread.
    """
    workers = max(1, settings.ingest.fetch_concurrency)
    if workers == 1 or sum(1 for e in entries if e[3]) <= 1:
        for e in entries:
            yield e, _fetch_one(e[3], fetcher)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsagent-fetch")
    ahead: deque[tuple[Any, Future[_EntryPage]]] = deque()
    todo = iter(entries)
    try:
        for e in todo:
            ahead.append((e, pool.submit(_fetch_one, e[3], fetcher)))
            if len(ahead) >= workers * 2:
                break
        while ahead:
            e, future = ahead.popleft()
            nxt = next(todo, None)
            if nxt is not None:
                ahead.append((nxt, pool.submit(_fetch_one, nxt[3], fetcher)))
            yield e, future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


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
