"""HTTP: the ``Fetcher`` (size cap, deadline, redirects one hop at a time, per-host limit).

How bytes are fetched, and which addresses a URL from content may reach
(``agent.ingest.netguard``); what the bytes are is the readers' job.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from agent.ingest.failures import FetchFailed, human_size
from agent.ingest.netguard import BlockedAddressError, guard_transport
from agent.settings import Settings

MAX_REDIRECTS = 5

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Fetched:
    url: str  # after redirects
    content_type: str
    charset: str | None
    body: bytes
    #: 304 when a conditional request found the resource unchanged (the body is then empty).
    status: int = 200
    #: The validators a later conditional request sends back (``ETag``, ``Last-Modified``).
    etag: str | None = None
    last_modified: str | None = None


class Fetcher:
    """httpx clients with the tool's limits: timeout, size cap, 5 redirects, User-Agent,
    and the address rule (``agent.ingest.netguard``).

    Two clients, so no pooled connection crosses rules: ``open`` for a URL the user gave,
    ``guarded`` for URLs from content (feed links, redirects to another origin: public addresses
    only unless ``allow_private_fetch``). Redirects are followed one hop at a time, each with the
    rule of where it came from. Thread-safe, at most ``fetch_per_host`` fetches per host at once.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def _client(self, kind: str) -> httpx.Client:
        with self._lock:
            if kind not in self._clients:
                limits = httpx.Limits(max_connections=max(10, self.settings.ingest.fetch_concurrency * 2))
                options: dict[str, Any] = {"limits": limits}
                if kind == "guarded" and not self.settings.ingest.allow_private_fetch:
                    # An explicit transport: connections go direct through the address check
                    # (an HTTP(S)_PROXY would resolve the name itself, out of our sight).
                    options = {"transport": guard_transport(httpx.HTTPTransport(limits=limits))}
                self._clients[kind] = httpx.Client(
                    follow_redirects=False,
                    timeout=httpx.Timeout(self.settings.ingest.fetch_timeout),
                    headers={"User-Agent": self.settings.ingest.user_agent},
                    **options,
                )
            return self._clients[kind]

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        """At most ``fetch_per_host`` requests to one host at a time."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._hosts.setdefault(
                host, threading.BoundedSemaphore(max(1, self.settings.ingest.fetch_per_host)))
        with slot:
            yield

    def _open(self, url: str, *, trusted: bool, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """The streaming response at the end of ``url``'s redirects (caller closes it).

        A redirect is content: it keeps the user's trust only while it stays on the origin
        the user typed (that server could have served the page at the typed URL anyway);
        a hop to any other origin goes through the guarded client.
        """
        first = httpx.URL(url)
        current = first
        left_origin = False  # once a redirect leaves the typed origin, no hop after is trusted
        for _hop in range(MAX_REDIRECTS + 1):
            if current.scheme not in ("http", "https"):
                raise FetchFailed(f"redirected to a {current.scheme}: URL",
                                  "only http and https pages are fetched")
            left_origin = left_origin or (current.scheme, current.host, current.port) != (
                first.scheme, first.host, first.port)
            client = self._client("open" if trusted and not left_origin else "guarded")
            request = client.build_request("GET", current, headers=headers)
            try:
                resp = client.send(request, stream=True)
            except BlockedAddressError as e:
                raise _blocked(e, redirected=current != first) from None
            if not resp.has_redirect_location:  # a 304 is a 3xx, not a redirect
                return resp
            location = resp.headers.get("location", "")
            resp.close()
            try:
                current = current.join(location)
            except httpx.InvalidURL as e:
                raise FetchFailed(f"invalid redirect ({e})", "check the URL") from None
        raise httpx.TooManyRedirects("too many redirects")

    def get(self, url: str, *, trusted: bool = False,
            headers: Mapping[str, str] | None = None) -> Fetched:
        """The body of ``url``, streamed under the size cap and an overall deadline.

        ``trusted``: the user typed this URL (any address allowed for it); otherwise it came
        from content and only public addresses are allowed. httpx's timeout is per network
        operation; the deadline also stops a server that trickles a byte every few seconds.
        ``headers`` are sent on every hop: ``If-None-Match``/``If-Modified-Since`` make it a
        conditional request, whose "not modified" answer is a ``Fetched`` with status 304.
        """
        timeout = self.settings.ingest.fetch_timeout
        cap = self.settings.ingest.max_fetch_bytes
        too_slow = FetchFailed(f"timed out after {timeout:g}s",
                               "check the URL or raise --fetch-timeout")
        too_big = FetchFailed(f"response is larger than {human_size(cap)}",
                              "raise --max-fetch-bytes if the page is really that big")
        deadline = time.monotonic() + timeout
        try:
            with self._host_slot(url):
                resp = self._open(url, trusted=trusted, headers=headers)
                try:
                    validators = {"etag": resp.headers.get("etag"),
                                  "last_modified": resp.headers.get("last-modified")}
                    if resp.status_code == 304:
                        return Fetched(url=str(resp.url), content_type="", charset=None, body=b"",
                                       status=304, **validators)
                    if resp.status_code >= 400:
                        raise FetchFailed(f"HTTP {resp.status_code} {resp.reason_phrase}".strip(),
                                          "check the URL")
                    length = resp.headers.get("content-length", "")
                    if length.isdigit() and int(length) > cap:
                        raise too_big
                    body = bytearray()
                    for piece in resp.iter_bytes():
                        body += piece
                        if len(body) > cap:
                            raise too_big
                        if time.monotonic() > deadline:
                            raise too_slow
                    ctype = resp.headers.get("content-type", "")
                    return Fetched(
                        url=str(resp.url),
                        content_type=ctype.split(";")[0].strip().lower(),
                        charset=resp.charset_encoding,
                        body=bytes(body),
                        status=resp.status_code,
                        **validators,
                    )
                finally:
                    resp.close()
        except httpx.TimeoutException:
            raise too_slow from None
        except httpx.TooManyRedirects:
            raise FetchFailed(f"more than {MAX_REDIRECTS} redirects",
                              "check the URL (it may redirect in a loop)") from None
        except httpx.ConnectError as e:
            raise FetchFailed(f"could not connect ({e})",
                              "check the URL and that the site is reachable") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as e:
            raise FetchFailed(f"invalid URL ({e})", "check the URL") from None
        except httpx.HTTPError as e:
            raise FetchFailed(f"fetch failed ({type(e).__name__}: {e})",
                              "check the URL or try again") from None


def fetch_in_order(items: Iterable[T], fetch: Callable[[T], R], workers: int) -> Generator[tuple[T, R]]:
    """``(item, fetch(item))`` in the items' order, ``workers`` fetches running at once.

    At most twice ``workers`` results are held ahead of the consumer. Only ``fetch`` (which must
    not raise) runs in threads; ``workers`` 1: no threads.
    """
    todo = iter(items)
    if workers <= 1:
        for item in todo:
            yield item, fetch(item)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsagent-fetch")
    ahead: deque[tuple[T, Future[R]]] = deque()
    try:
        for item in todo:
            ahead.append((item, pool.submit(fetch, item)))
            if len(ahead) >= workers * 2:
                break
        while ahead:
            item, future = ahead.popleft()
            nxt = next(todo, None)
            if nxt is not None:
                ahead.append((nxt, pool.submit(fetch, nxt)))
            yield item, future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class BlockedFetch(FetchFailed):
    """A URL from content pointed at a non-public address (see ``agent.ingest.netguard``)."""


def _blocked(e: BlockedAddressError, *, redirected: bool) -> BlockedFetch:
    via = "a redirect" if redirected else "a link from a feed"
    return BlockedFetch(
        f"refused: {via} leads to {e.host} ({e.address}, a {e.kind} address); links and "
        "redirects that come from content may only reach public addresses",
        "ingest that URL yourself if you trust it, or set allow_private_fetch "
        "(--allow-private-fetch or NEWSAGENT_INGEST__ALLOW_PRIVATE_FETCH=1) for feeds on your intranet",
    )
