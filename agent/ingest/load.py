"""Expand user inputs (files, folders, URLs, feeds, JSONL) into cleaned Articles.

``iter_articles`` is the only public entry point. It never raises for one bad input:
each input (or folder file, feed entry, JSONL line) that cannot become an article is
yielded as ``IngestItem(status="failed")`` with a one-line error that names the input
and says how to fix it, so a batch of a thousand files survives one broken PDF.

Reading and fetching live here; what counts as article text lives in ``extract.py``.
"""

from __future__ import annotations

import calendar
import errno
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.sax import SAXException

import httpx

from agent.errors import FetchError, IngestError
from agent.ingest.clean import clean_text, normalize_whitespace
from agent.ingest.documents import parse_text_document
from agent.ingest.extract import ExtractedPage, extract_html, html_fragment_to_text
from agent.ingest.metadata import article_id, build_article, canonical_url, domain_of, read_date
from agent.ingest.netguard import BlockedAddressError, guard_transport
from agent.settings import Settings
from agent.types import Article, IngestItem

TEXT_EXTS = {".txt"}
MARKDOWN_EXTS = {".md", ".markdown"}
HTML_EXTS = {".html", ".htm"}
JSONL_EXTS = {".jsonl"}
FEED_EXTS = {".xml", ".rss", ".atom"}
SUPPORTED_EXTS = TEXT_EXTS | MARKDOWN_EXTS | HTML_EXTS | JSONL_EXTS | FEED_EXTS
SUPPORTED_HINT = "use .txt, .md, .html, .jsonl or an RSS/Atom feed"
#: Found in a folder, these are articles we cannot read yet: each is reported as failed with
#: the reason (other files, such as images, are not articles and are passed over).
_REFUSED_EXTS = {".pdf"}

MAX_REDIRECTS = 5
MIN_ENTRY_WORDS = 50  # a feed entry shorter than this is a teaser, not an article

Result = Article | IngestItem


class InputError(IngestError):
    """One input is unusable: ``what`` went wrong and the ``fix``."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what}; {fix}")
        self.what = what
        self.fix = fix


class FetchFailed(FetchError):
    """A URL could not be fetched: ``what`` went wrong and the ``fix``."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what}; {fix}")
        self.what = what
        self.fix = fix


# --------------------------------------------------------------------------------------
# public API


def iter_articles(inputs: Sequence[str], settings: Settings) -> Iterator[Article | IngestItem]:
    """Yield one cleaned Article per article found, or a failed IngestItem per bad input."""
    with Fetcher(settings) as fetcher:
        for raw in inputs:
            label = display(str(raw))
            yield from _guard(label, partial(_iter_input, str(raw), settings, fetcher))


# --------------------------------------------------------------------------------------
# error handling


def display(value: str) -> str:
    """An input as shown in messages: URLs lose any ``user:password@`` part."""
    if is_url(value):
        parts = urlsplit(value)
        if parts.username or parts.password:
            host = parts.hostname or ""
            netloc = f"{host}:{parts.port}" if parts.port else host
            return urlunsplit(parts._replace(netloc=netloc))
    return value


def _failed(label: str, message: str) -> IngestItem:
    one_line = " ".join(f"{label}: {message}".split())
    return IngestItem(input=label, status="failed", error=one_line)


def _guard(label: str, make: Callable[[], Iterable[Result]]) -> Iterator[Result]:
    """Run one input's generator; turn any exception into a failed item for ``label``.

    Items already yielded before the failure stay yielded (a feed that breaks at its
    tenth entry still delivers nine articles).
    """
    try:
        yield from make()
    except IngestError as e:
        yield _failed(label, str(e))
    except Exception as e:  # noqa: BLE001 - one bad input must never stop the batch
        yield _failed(label, f"unexpected {type(e).__name__}: {e}; please report this as a bug")


def _one(make: Callable[..., Article], *args: Any) -> list[Result]:
    """Adapt a function returning one Article to ``_guard``'s iterable interface."""
    return [make(*args)]


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


# --------------------------------------------------------------------------------------
# bytes → text


_PDF_MAGIC = b"%PDF"
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13, 27}


def check_not_binary(data: bytes) -> None:
    """Refuse PDFs and binary files with a message that says what to do instead."""
    if data.lstrip()[:4] == _PDF_MAGIC:
        raise InputError("PDF files are not supported yet", "convert to text or HTML first")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return  # a byte-order mark: text (UTF-16 has NUL bytes by design)
    head = data[:8192]
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head or (
        head and sum(b in _CONTROL for b in head) / len(head) > 0.05
    ):
        raise InputError("this is a binary file, not text", SUPPORTED_HINT)


def decode_bytes(data: bytes, declared: str | None = None, *, html: bool = False) -> str:
    """Bytes → str without a BOM: BOM, then declared charset, UTF-8, ``<meta charset>``,
    and finally Windows-1252 (a superset of Latin-1's printable range, the usual
    encoding of old news archives), so a non-UTF-8 file still loads readably."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    candidates = [declared] if declared else []
    candidates.append("utf-8")
    if html and (m := _META_CHARSET.search(data[:4096])):
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for enc in candidates:
        try:
            return data.decode(enc or "utf-8").lstrip("\ufeff")
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_FEED_ROOT = re.compile(r"<(rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(r"<(!doctype html|html|head|body)[\s>]", re.IGNORECASE)


def sniff(text: str) -> str:
    """``"feed"``, ``"html"`` or ``"text"``, from the first bytes of a document."""
    head = text[:4096]
    html = _HTML_ROOT.search(head)
    feed = _FEED_ROOT.search(head)
    if feed and (not html or feed.start() < html.start()):
        return "feed"
    return "html" if html else "text"


# --------------------------------------------------------------------------------------
# HTTP


@dataclass
class Fetched:
    url: str  # after redirects
    content_type: str
    charset: str | None
    body: bytes


class Fetcher:
    """httpx clients with the tool's limits: timeout, size cap, 5 redirects, User-Agent,
    and the address rule (``agent.ingest.netguard``).

    Two clients, so a pooled connection opened for one rule is never reused under the other:
    ``open`` for a URL the user gave (it is their machine: any address), ``guarded`` for URLs
    that come from content (feed entry links, redirects to another origin), which may reach only
    public addresses unless ``allow_private_fetch`` is set. Redirects are followed here, one hop
    at a time, so each hop gets the rule of where it came from. Thread-safe: feed entries are
    fetched concurrently, at most ``fetch_per_host`` at a time from one host.
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
                limits = httpx.Limits(max_connections=max(10, self.settings.fetch_concurrency * 2))
                options: dict[str, Any] = {"limits": limits}
                if kind == "guarded" and not self.settings.allow_private_fetch:
                    # An explicit transport: connections go direct through the address check
                    # (an HTTP(S)_PROXY would resolve the name itself, out of our sight).
                    options = {"transport": guard_transport(httpx.HTTPTransport(limits=limits))}
                self._clients[kind] = httpx.Client(
                    follow_redirects=False,
                    timeout=httpx.Timeout(self.settings.fetch_timeout),
                    headers={"User-Agent": self.settings.user_agent},
                    **options,
                )
            return self._clients[kind]

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        """At most ``fetch_per_host`` requests to one host at a time."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._hosts.setdefault(
                host, threading.BoundedSemaphore(max(1, self.settings.fetch_per_host)))
        with slot:
            yield

    def _open(self, url: str, *, trusted: bool) -> httpx.Response:
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
            request = client.build_request("GET", current)
            try:
                resp = client.send(request, stream=True)
            except BlockedAddressError as e:
                raise _blocked(e, redirected=current != first) from None
            if not resp.is_redirect:
                return resp
            location = resp.headers.get("location", "")
            resp.close()
            try:
                current = current.join(location)
            except httpx.InvalidURL as e:
                raise FetchFailed(f"invalid redirect ({e})", "check the URL") from None
        raise httpx.TooManyRedirects("too many redirects")

    def get(self, url: str, *, trusted: bool = False) -> Fetched:
        """The body of ``url``, streamed under the size cap and an overall deadline.

        ``trusted``: the user typed this URL (any address allowed for it); otherwise it came
        from content and only public addresses are allowed. httpx's timeout is per network
        operation; the deadline also stops a server that trickles a byte every few seconds.
        """
        timeout = self.settings.fetch_timeout
        cap = self.settings.max_fetch_bytes
        too_slow = FetchFailed(f"timed out after {timeout:g}s",
                               "check the URL or raise --fetch-timeout")
        too_big = FetchFailed(f"response is larger than {_size(cap)}",
                              "raise --max-fetch-bytes if the page is really that big")
        deadline = time.monotonic() + timeout
        try:
            with self._host_slot(url):
                resp = self._open(url, trusted=trusted)
                try:
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


class BlockedFetch(FetchFailed):
    """A URL from content pointed at a non-public address (see ``agent.ingest.netguard``)."""


def _blocked(e: BlockedAddressError, *, redirected: bool) -> BlockedFetch:
    via = "a redirect" if redirected else "a link from a feed"
    return BlockedFetch(
        f"refused: {via} leads to {e.host} ({e.address}, a {e.kind} address); links and "
        "redirects that come from content may only reach public addresses",
        "ingest that URL yourself if you trust it, or set allow_private_fetch "
        "(--allow-private-fetch or NEWSAGENT_ALLOW_PRIVATE_FETCH=1) for feeds on your intranet",
    )


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


# --------------------------------------------------------------------------------------
# dispatch


def _iter_input(raw: str, settings: Settings, fetcher: Fetcher) -> Iterator[Result]:
    if is_url(raw):
        yield from _from_url(raw, settings, fetcher)
        return
    path = Path(raw).expanduser()
    if not path.exists():
        raise _missing(path)
    if path.is_dir():
        yield from _from_folder(path, raw, settings, fetcher)
    else:
        yield from _from_file(path, settings, fetcher, explicit=True)


def _missing(path: Path) -> InputError:
    """Why ``path`` does not exist: a symlink loop and a dangling symlink each say so."""
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python < 3.13 reports a loop this way
            return InputError("symlink loop (the link points back to itself)", "fix or remove the link")
        except OSError as e:
            if e.errno == errno.ELOOP:
                return InputError("symlink loop (the link points back to itself)", "fix or remove the link")
            return InputError(f"broken symlink to {os.readlink(path)}", "fix the link or give its target")
    return InputError("no such file or folder", "check the path")


# A folder's README/LICENSE describes the folder; it is not one of its articles.
_NOT_ARTICLES = re.compile(r"^(readme|license|licence|changelog)(\.[a-z]+)?$", re.IGNORECASE)


def _from_folder(folder: Path, label: str, settings: Settings,
                 fetcher: Fetcher) -> Iterator[Result]:
    """Supported files under ``folder``, recursively and in sorted order; hidden ones skipped."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):  # never follows directory symlinks
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        files.extend(
            Path(dirpath) / name for name in filenames
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_EXTS | _REFUSED_EXTS
            and not _NOT_ARTICLES.match(name)
        )
    # Sorted by path components, so "a.txt" < "b/z.txt" < "c.md" like `ls -R` sorted.
    for file in sorted(files, key=lambda f: f.relative_to(folder).parts):
        yield from _guard(str(file), partial(_from_file, file, settings, fetcher, explicit=False))
    if not files:
        raise InputError(f"folder has no supported files ({', '.join(sorted(SUPPORTED_EXTS))})",
                         "point at a folder of articles")


def _read_file(path: Path, settings: Settings) -> bytes:
    if not path.is_file():
        raise InputError("not a regular file", "give a file or folder path")
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        raise InputError(f"file is {_size(size)}, over the {_size(settings.max_file_bytes)} limit",
                         "split it into smaller files or raise --max-file-bytes")
    if size == 0:
        raise InputError("file is empty", "nothing to ingest; remove it or add the article text")
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror})", "check its permissions") from None


def _from_file(path: Path, settings: Settings, fetcher: Fetcher,
               *, explicit: bool) -> Iterator[Result]:
    ext = path.suffix.lower()
    if ext == ".pdf":
        raise InputError("PDF files are not supported yet", "convert to text or HTML first")
    data = _read_file(path, settings)
    check_not_binary(data)
    text = decode_bytes(data, html=ext in HTML_EXTS)
    if not text.strip():
        raise InputError("file has only whitespace", "nothing to ingest; add the article text")
    origin_key = f"file:{path.resolve()}"
    kind = sniff(text)
    if ext in FEED_EXTS or (kind == "feed" and ext not in TEXT_EXTS | MARKDOWN_EXTS | JSONL_EXTS):
        yield from _from_feed(data, origin_key, str(path), None, settings, fetcher)
    elif ext in JSONL_EXTS:
        yield from _from_jsonl(text, path, settings)
    elif ext in HTML_EXTS or (ext not in SUPPORTED_EXTS and kind == "html"):
        page = extract_html(text)
        if page is None:
            raise _no_article()
        yield _article_from_page(page, origin=str(path), fallback_url=None,
                                 fallback_source=path.resolve().parent.name, origin_key=origin_key)
    elif ext in TEXT_EXTS | MARKDOWN_EXTS:
        yield _from_text(text, path, markdown=ext in MARKDOWN_EXTS)
    else:
        raise InputError(f"unsupported file type '{ext or path.name}'", SUPPORTED_HINT)


def _no_article() -> InputError:
    return InputError("no article text found in the page",
                      "check that it is an article page, not an index, login or cookie page")


# --------------------------------------------------------------------------------------
# formats


def _http_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL, else None (a bare "n/a" is not a URL)."""
    if isinstance(value, str) and is_url(value.strip()) and urlsplit(value.strip()).hostname:
        return value.strip()
    return None


def _from_text(text: str, path: Path, *, markdown: bool) -> Article:
    doc = parse_text_document(text, markdown=markdown)
    title = doc.title or path.stem
    body = clean_text(doc.body, title)
    if not body:
        raise InputError("no article text after the title", "add the article body below the title")
    url = _http_url(doc.meta.get("url"))
    published, date_warning = read_date(doc.meta.get("published"))
    return build_article(
        id=article_id(url=url, origin_key=f"file:{path.resolve()}"),
        title=title,
        text=body,
        origin=str(path),
        source=doc.meta.get("source") or (domain_of(url) if url else path.resolve().parent.name),
        url=url,
        published=published,
        author=doc.meta.get("author"),
        warnings=[date_warning] if date_warning else None,
    )


def _article_from_page(page: ExtractedPage, *, origin: str, fallback_url: str | None,
                       fallback_source: str | None, origin_key: str) -> Article:
    url = page.url or fallback_url
    title = page.title or page.text.split("\n", 1)[0][:100]
    return build_article(
        id=article_id(url=url, origin_key=origin_key),
        title=title,
        text=page.text,
        origin=origin,
        source=page.sitename or (domain_of(url) if url else None) or fallback_source,
        url=url,
        published=page.published,
        author=page.author,
    )


def _from_jsonl(text: str, path: Path, settings: Settings) -> Iterator[Result]:
    """One article per line; a bad line is a failed item labelled ``file:line``."""
    origin_key = f"file:{path.resolve()}"
    any_line = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        any_line = True
        label = f"{path}:{lineno}"
        yield from _guard(label, partial(_one, _jsonl_article, line, lineno, label, path,
                                         origin_key))
    if not any_line:
        raise InputError("file has no JSON lines", "put one article object per line")


def _jsonl_article(line: str, lineno: int, label: str, path: Path, origin_key: str) -> Article:
    fix = 'each line must be a JSON object with "title" and "text"'
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(f"invalid JSON ({e.msg} at column {e.colno})", fix) from None
    if not isinstance(obj, dict):
        raise InputError("line is not a JSON object", fix)
    missing = [k for k in ("title", "text") if not isinstance(obj.get(k), str) or not obj[k].strip()]
    if missing:
        raise InputError(f"missing {' and '.join(repr(k) for k in missing)}", fix)
    title = normalize_whitespace(obj["title"]).replace("\n", " ")
    raw_text = obj["text"]
    if re.search(r"<(p|div|br|span|a|h[1-6])[\s>/]", raw_text, re.IGNORECASE):
        raw_text = html_fragment_to_text(raw_text)
    body = clean_text(raw_text, title)
    if not body:
        raise InputError('"text" has no article text', fix)
    url = _http_url(obj.get("url"))
    key = str(obj["id"]) if obj.get("id") not in (None, "") else str(lineno)
    given = obj.get("published")
    published, date_warning = read_date(given if given not in (None, "") else obj.get("date"))
    return build_article(
        id=article_id(url=url, origin_key=origin_key, entry_key=key),
        title=title,
        text=body,
        origin=f"{path}#{key}",
        source=_str_field(obj, "source") or (domain_of(url) if url else path.resolve().parent.name),
        url=url,
        published=published,
        author=_str_field(obj, "author"),
        warnings=[date_warning] if date_warning else None,
    )


def _str_field(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _from_url(url: str, settings: Settings, fetcher: Fetcher) -> Iterator[Result]:
    fetched = fetcher.get(url, trusted=True)  # the user typed it
    if fetched.content_type == "application/pdf" or fetched.body.lstrip()[:4] == _PDF_MAGIC:
        raise InputError("PDF files are not supported yet", "convert to text or HTML first")
    if not fetched.body.strip():
        raise InputError("the page is empty", "check the URL")
    check_not_binary(fetched.body)
    text = decode_bytes(fetched.body, fetched.charset, html=True)
    is_feed_type = any(t in fetched.content_type for t in ("rss", "atom", "rdf"))
    if is_feed_type or sniff(text) == "feed" or (
        fetched.content_type in ("application/xml", "text/xml") and sniff(text) != "html"
    ):
        yield from _from_feed(fetched.body, f"url:{canonical_url(fetched.url)}", display(url),
                              fetched.url, settings, fetcher)
        return
    page = extract_html(text, url=fetched.url)
    if page is None:
        raise _no_article()
    yield _article_from_page(page, origin=display(url), fallback_url=fetched.url,
                             fallback_source=None, origin_key=f"url:{fetched.url}")


# --------------------------------------------------------------------------------------
# feeds


def _from_feed(data: bytes, origin_key: str, label: str, feed_url: str | None,
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
        link = _http_url(entry.get("link"))
        entries.append((n, entry, key, link))
    for (n, entry, key, link), page in _fetch_pages(entries, settings, fetcher):
        entry_label = display(link) if link else f"{label}#{n}"
        yield from _guard(entry_label, partial(_one, _feed_article, entry, key, link, page,
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
    workers = max(1, settings.fetch_concurrency)
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
