"""Bytes → text: the file types we read, refusing binaries and PDFs, charsets, sniffing.

Files and fetched pages both go through these checks before any format is parsed.
"""

from __future__ import annotations

import re

from agent.ingest.failures import InputError

TEXT_EXTS = {".txt"}
MARKDOWN_EXTS = {".md", ".markdown"}
HTML_EXTS = {".html", ".htm"}
JSONL_EXTS = {".jsonl"}
FEED_EXTS = {".xml", ".rss", ".atom"}
SUPPORTED_EXTS = TEXT_EXTS | MARKDOWN_EXTS | HTML_EXTS | JSONL_EXTS | FEED_EXTS
SUPPORTED_HINT = "use .txt, .md, .html, .jsonl or an RSS/Atom feed"
#: Found in a folder, these are articles we cannot read yet: each is reported as failed with
#: the reason (other files, such as images, are not articles and are passed over).
REFUSED_EXTS = {".pdf"}


PDF_MAGIC = b"%PDF"
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13, 27}


def check_not_binary(data: bytes) -> None:
    """Refuse PDFs and binary files with a message that says what to do instead."""
    if data.lstrip()[:4] == PDF_MAGIC:
        raise InputError("PDF files are not supported yet", "convert to text or HTML first")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return  # a byte-order mark: text (UTF-16 has NUL bytes by design)
    head = data[:8192]
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head or (
        head and sum(b in _CONTROL for b in head) / len(head) > 0.05
    ):
        raise InputError("this is a binary file, not text", SUPPORTED_HINT)


def decode_bytes(data: bytes, declared: str | None = None, *, html: bool = False) -> str:
    """Bytes → str without a BOM: BOM, then declared charset, UTF-8, ``<meta charset>``, and
    finally Windows-1252 (the usual encoding of old news archives). Bytes that are valid UTF-8
    with non-ASCII characters overrule a declared single-byte charset: such text is practically
    never in one, and a server's wrong ``latin-1`` would store ``ZÃ¼rich``.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    if declared and _is_non_ascii_utf8(data):
        declared = "utf-8"
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


def _is_non_ascii_utf8(data: bytes) -> bool:
    """True when ``data`` holds non-ASCII bytes and all of it decodes as UTF-8."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
