"""An article's metadata: publication dates, canonical URLs, stable ids, and ``build_article``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dateutil import parser as date_parser

from agent.ingest.clean import normalize_whitespace
from agent.text.dates import as_utc
from agent.text.hashing import content_hash, short_hash
from agent.types import Article

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

    A date silently dropped ("2026-13-45") or one in 2099 hides a data problem: the article is
    kept without it, and the warning says which value was dropped and why.
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

    The same article reached via a feed (``?utm_source=rss``) and a pasted link gets one id.
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
