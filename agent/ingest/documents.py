"""Plain-text and Markdown documents: header/front-matter metadata, the title, and the body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.ingest.clean import headline_key, normalize_whitespace

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
            if not title or headline_key(title) == headline_key(heading_text):
                title = title or heading_text
                text = after
        text = normalize_whitespace(strip_markdown(text))
    if not title and text:
        title, text = _title_from_first_line(text)
    return ParsedDocument(meta=meta, title=title or None, body=text)
