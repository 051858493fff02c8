"""Article text is untrusted: no control characters in what we store, print or write.

A feed title such as ``T &#27;]0;OWNED&#7; &#27;[2J`` decodes to terminal escape sequences: printed
raw, it renames the terminal window and clears the screen; others recolour output or hide an
OSC 8 hyperlink behind innocent text. Two layers stop that:

* **At ingest** (``strip_controls``): C0 and C1 control characters other than newline and tab
  are removed from every article field, and a recognisable escape sequence (CSI ``ESC [ … m``,
  OSC ``ESC ] … BEL``, DCS/APC/PM/SOS ``… ESC \\``) goes whole, so no ``[2J`` debris is left.
  The number removed is counted in the ingest report. News text never needs them.
* **At output** (``visible``, ``term``, ``md_inline``, ``md_text``): anything that was indexed
  before this rule, or that a model echoes, is made visible (``\\x1b``) instead of executed, and
  escaped for the format it goes into: rich markup for the terminal (``[link=…]`` in a title
  would otherwise become a hidden hyperlink), Markdown/HTML for ``.md`` files.

Hand-written rather than a library: the job is two regular expressions, and the candidates
(e.g. ``strip-ansi``) strip only colour codes, not lone controls or C1 characters.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from rich.markup import escape as _rich_escape

# C0 except TAB (9) and LF (10), DEL, and C1.
_CONTROL_CLASS = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CONTROL_CLASS}]")

# Whole escape sequences (ECMA-48), bounded so an unterminated one cannot eat a paragraph:
#   OSC / DCS / SOS / PM / APC … terminated by BEL or ST (ESC \ or 0x9c), on one line;
#   CSI parameters, intermediates, final byte;  two-byte ESC sequences.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]{0,512}(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]"
    r"|\x1b[ -/]{0,8}[0-~]"
)


def count_controls(text: str) -> int:
    """How many control characters (other than newline and tab) ``text`` holds."""
    return len(_CONTROL.findall(text))


def strip_controls(text: str) -> str:
    """``text`` without escape sequences and control characters (newline and tab kept).

    A carriage return becomes a newline first (``\\r\\n`` one newline), so old Mac line endings
    do not glue lines together.
    """
    if not _CONTROL.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def _show(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group()):02x}"


def visible(text: str | None) -> str:
    """``text`` for a terminal as plain (non-markup) text: each control character shown as
    ``\\x1b`` etc. instead of being sent to the terminal."""
    return _CONTROL.sub(_show, text or "")


def term(text: str | None) -> str:
    """``text`` for a rich *markup* string or a table cell: controls visible, markup escaped.

    The one function every article-derived string goes through on its way into markup.
    """
    return _rich_escape(visible(text))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def md_inline(text: str | None) -> str:
    """``text`` as one line of literal Markdown (titles, sources, quotes, names): controls
    visible, newlines as spaces, and Markdown/HTML syntax characters backslash-escaped, so a
    title cannot open a link, an image, raw HTML or emphasis in the rendered document."""
    flat = " ".join(visible(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_text(text: str | None) -> str:
    """Model-written prose for Markdown (it carries ``[n]`` markers, so brackets stay): controls
    visible, ``<``/``>`` as entities so it cannot become raw HTML, and ``](`` broken so it cannot
    become a link or an image."""
    return visible(text).replace("<", "&lt;").replace(">", "&gt;").replace("](", "]\\(")


def md_url(url: str) -> str:
    """A URL inside ``<…>`` autolink brackets: nothing that could close the bracket."""
    return visible(url).replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def http_url(url: str | None) -> str | None:
    """``url`` when it may become a link in an HTML page: an absolute http(s) URL with a host and
    no whitespace or control characters; None otherwise (``javascript:``, ``data:``, ``file:``,
    relative paths), so the page shows it as text instead."""
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" in the host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
