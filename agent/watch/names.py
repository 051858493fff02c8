"""What a watched feed may be called and where it may point: checks for ``watch add``.

A feed URL is one the user typed, so (as for ``agent ingest URL``) it may name any address; the
links *inside* the feed go through the fetcher's address guard on every run. What is refused
here is what would break later or leak: a scheme other than http(s), no host, and a user name
or password (it would be stored in the index in plain text). A name must not look like a URL,
so ``watch remove NAME|URL`` is never ambiguous.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit, urlunsplit

from agent.errors import InvalidArgumentError
from agent.ingest.failures import is_url
from agent.ingest.metadata import canonical_url, domain_of
from agent.safetext import count_controls
from agent.text.hashing import short_hash

MAX_NAME = 80
MAX_URL = 2000


def check_feed_url(url: str) -> str:
    """``url`` as stored (trimmed, without a #fragment), or ``InvalidArgumentError`` saying why not."""
    url = url.strip()
    if not is_url(url):
        raise InvalidArgumentError(
            f"{url[:100]!r} is not an http(s) URL; give the feed's address, "
            "e.g. agent watch add https://example.com/feed.xml"
        )
    if len(url) > MAX_URL or count_controls(url) or any(c.isspace() for c in url):
        raise InvalidArgumentError(
            f"the feed URL is malformed (spaces, control characters or over {MAX_URL} characters); "
            "copy the feed's address again"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as e:
        raise InvalidArgumentError(
            f"the feed URL is malformed ({e}); copy the feed's address again"
        ) from None
    if not parts.hostname:
        raise InvalidArgumentError(f"{url[:100]!r} names no host; give the feed's full address")
    if parts.username or parts.password:
        raise InvalidArgumentError(
            "the feed URL carries a user name or password, which would be stored in the index in "
            "plain text; watch a feed that needs no credentials in its URL"
        )
    return urlunsplit(parts._replace(fragment=""))


def feed_id(url: str) -> str:
    """A feed's record id: the same for every spelling of one URL (case, tracking parameters)."""
    return short_hash(canonical_url(url))


def check_name(name: str, taken: Collection[str]) -> str:
    """``name`` trimmed, or ``InvalidArgumentError``: empty, too long, controls, a URL, or taken
    (``taken`` holds the other feeds' names, compared without case)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or count_controls(name):
        raise InvalidArgumentError(
            f"a feed name is 1 to {MAX_NAME} printable characters; choose another --name"
        )
    if is_url(name):
        raise InvalidArgumentError("a feed name must not be a URL; choose another --name")
    same = next((t for t in taken if t.casefold() == name.casefold()), None)
    if same is not None:
        raise InvalidArgumentError(f"a watched feed is already named {same!r}; choose another --name")
    return name


def default_name(url: str, taken: Collection[str]) -> str:
    """The feed's host ("example.com"), or host and path when that name is taken, or numbered."""
    host = domain_of(url)
    path = urlsplit(url).path.rstrip("/")
    lower = {t.casefold() for t in taken}
    for candidate in (host, f"{host}{path}"[:MAX_NAME]):
        if candidate and candidate.casefold() not in lower:
            return candidate
    n = 2
    while f"{host} ({n})".casefold() in lower:
        n += 1
    return f"{host} ({n})"
