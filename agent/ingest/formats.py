"""Readers of one document format each: .txt/.md files, JSONL lines and extracted HTML pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.ingest.clean import clean_text, normalize_whitespace
from agent.ingest.documents import parse_text_document
from agent.ingest.extract import ExtractedPage, html_fragment_to_text
from agent.ingest.failures import InputError, Result, guard, is_url, one
from agent.ingest.metadata import article_id, build_article, domain_of, read_date
from agent.settings import Settings
from agent.types import Article


def no_article() -> InputError:
    return InputError("no article text found in the page",
                      "check that it is an article page, not an index, login or cookie page")


def http_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL, else None (a bare "n/a" is not a URL)."""
    if isinstance(value, str) and is_url(value.strip()) and urlsplit(value.strip()).hostname:
        return value.strip()
    return None


def from_text(text: str, path: Path, *, markdown: bool) -> Article:
    doc = parse_text_document(text, markdown=markdown)
    title = doc.title or path.stem
    body = clean_text(doc.body, title)
    if not body:
        raise InputError("no article text after the title", "add the article body below the title")
    url = http_url(doc.meta.get("url"))
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


def article_from_page(page: ExtractedPage, *, origin: str, fallback_url: str | None,
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


def from_jsonl(text: str, path: Path, settings: Settings) -> Iterator[Result]:
    """One article per line; a bad line is a failed item labelled ``file:line``.

    Lines end at ``\\n`` only: JSON allows a raw U+2028 or U+0085 inside a string, which
    ``str.splitlines`` would take for a line end (a valid line rejected, later numbers wrong).
    """
    origin_key = f"file:{path.resolve()}"
    any_line = False
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        any_line = True
        label = f"{path}:{lineno}"
        yield from guard(label, partial(one, _jsonl_article, line, lineno, label, path,
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
    url = http_url(obj.get("url"))
    key = str(obj["id"]) if obj.get("id") not in (None, "") else str(lineno)
    given = obj.get("published")
    published, date_warning = read_date(given if given not in (None, "") else obj.get("date"))
    return build_article(
        id=article_id(url=url, origin_key=origin_key, entry_key=key),
        title=title,
        text=body,
        origin=label,
        source=_str_field(obj, "source") or (domain_of(url) if url else path.resolve().parent.name),
        url=url,
        published=published,
        author=_str_field(obj, "author"),
        warnings=[date_warning] if date_warning else None,
    )


def _str_field(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value.strip() or None if isinstance(value, str) else None
