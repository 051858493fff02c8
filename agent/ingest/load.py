"""Expand user inputs (files, folders, URLs, feeds, JSONL) into cleaned Articles.

``iter_articles`` never raises for one bad input: an input (folder file, feed entry, JSONL line)
that cannot become an article is an ``IngestItem(status="failed")`` whose one-line error names it
and the fix. Dispatch lives here: a URL, a folder or a file, then, once ``decode`` made it text,
the reader of its format (``formats``, ``feeds``).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

from agent.ingest.decode import (
    FEED_EXTS,
    HTML_EXTS,
    JSONL_EXTS,
    MARKDOWN_EXTS,
    PDF_MAGIC,
    REFUSED_EXTS,
    SUPPORTED_EXTS,
    SUPPORTED_HINT,
    TEXT_EXTS,
    check_not_binary,
    decode_bytes,
    sniff,
)
from agent.ingest.extract import extract_html
from agent.ingest.failures import InputError, Result, display, guard, human_size, is_url
from agent.ingest.feeds import from_feed, is_feed
from agent.ingest.fetch import Fetcher
from agent.ingest.formats import article_from_page, from_jsonl, from_text, no_article
from agent.ingest.metadata import canonical_url
from agent.settings import Settings
from agent.types import Article, IngestItem

# --------------------------------------------------------------------------------------
# public API


def iter_articles(inputs: Iterable[str], settings: Settings) -> Iterator[Article | IngestItem]:
    """Yield one cleaned Article per article found, or a failed IngestItem per bad input;
    ``inputs`` are taken one at a time, in order."""
    with Fetcher(settings) as fetcher:
        for raw in inputs:
            label = display(str(raw))
            yield from guard(label, partial(_iter_input, str(raw), settings, fetcher))


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
        yield from _from_file(path, settings, fetcher)


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
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_EXTS | REFUSED_EXTS
            and not _NOT_ARTICLES.match(name)
        )
    # Sorted by path components, so "a.txt" < "b/z.txt" < "c.md" like `ls -R` sorted.
    for file in sorted(files, key=lambda f: f.relative_to(folder).parts):
        yield from guard(str(file), partial(_from_file, file, settings, fetcher))
    if not files:
        raise InputError(f"folder has no supported files ({', '.join(sorted(SUPPORTED_EXTS))})",
                         "point at a folder of articles")


def _read_file(path: Path, settings: Settings) -> bytes:
    if not path.is_file():
        raise InputError("not a regular file", "give a file or folder path")
    size = path.stat().st_size
    if size > settings.ingest.max_file_bytes:
        limit = human_size(settings.ingest.max_file_bytes)
        raise InputError(f"file is {human_size(size)}, over the {limit} limit",
                         "split it into smaller files or raise --max-file-bytes")
    if size == 0:
        raise InputError("file is empty", "nothing to ingest; remove it or add the article text")
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror})", "check its permissions") from None


def _from_file(path: Path, settings: Settings, fetcher: Fetcher) -> Iterator[Result]:
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
        yield from from_feed(data, origin_key, str(path), None, settings, fetcher)
    elif ext in JSONL_EXTS:
        yield from from_jsonl(text, path, settings)
    elif ext in HTML_EXTS or (ext not in SUPPORTED_EXTS and kind == "html"):
        page = extract_html(text)
        if page is None:
            raise no_article()
        yield article_from_page(page, origin=str(path), fallback_url=None,
                                fallback_source=path.resolve().parent.name, origin_key=origin_key)
    elif ext in TEXT_EXTS | MARKDOWN_EXTS:
        yield from_text(text, path, markdown=ext in MARKDOWN_EXTS)
    else:
        raise InputError(f"unsupported file type '{ext or path.name}'", SUPPORTED_HINT)


# --------------------------------------------------------------------------------------
# URLs


def _from_url(url: str, settings: Settings, fetcher: Fetcher) -> Iterator[Result]:
    fetched = fetcher.get(url, trusted=True)  # the user typed it
    if fetched.content_type == "application/pdf" or fetched.body.lstrip()[:4] == PDF_MAGIC:
        raise InputError("PDF files are not supported yet", "convert to text or HTML first")
    if not fetched.body.strip():
        raise InputError("the page is empty", "check the URL")
    check_not_binary(fetched.body)
    text = decode_bytes(fetched.body, fetched.charset, html=True)
    if is_feed(fetched, text):
        yield from from_feed(fetched.body, f"url:{canonical_url(fetched.url)}", display(url),
                             fetched.url, settings, fetcher)
        return
    page = extract_html(text, url=fetched.url)
    if page is None:
        raise no_article()
    yield article_from_page(page, origin=display(url), fallback_url=fetched.url,
                            fallback_source=None, origin_key=f"url:{fetched.url}")
