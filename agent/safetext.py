"""Article text is untrusted: no control or invisible formatting characters in what we store,
print or write.

A feed title can carry terminal escape sequences (renaming the window, clearing the screen,
hiding an OSC 8 hyperlink), bidi overrides (``repairs \\u202etxt.exe`` displays as
``repairs exe.txt``) or zero-width characters hidden inside words. Two layers:

* **At ingest** (``strip_controls``): the characters below leave every article field, and a
  recognisable escape sequence (CSI, OSC, DCS/APC/PM/SOS) goes whole, leaving no ``[2J`` debris;
  the count is the ingest report's ``controls_removed``.
* **At output** (``visible``, ``term``, ``md_inline``, ``md_text``): what an index already holds,
  or a model echoes, is shown (``\\x1b``, ``\\u202e``) instead of acting, and escaped for its
  format: rich markup for the terminal, Markdown/HTML for ``.md`` files.

Removed: C0 and C1 controls except newline and tab, and DEL (they drive terminals); bidi
embeddings, overrides, isolates and marks (they reorder or hide letters, and the bidi algorithm
lays out Arabic and Hebrew without them); ZWSP, word joiner and BOM (no script spells with them);
ZWNJ and ZWJ except right after a character of a script or emoji sequence that spells with them.
Hand-written: libraries such as ``strip-ansi`` strip colour codes only, not lone controls, C1 or
bidi characters.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from rich.markup import escape as _rich_escape

# C0 except TAB (9) and LF (10), DEL, and C1.
_CONTROL_CLASS = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_BIDI_CLASS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH_CLASS = "\u200b\u2060\ufeff"
# Characters after which ZWNJ/ZWJ belong to the spelling: Arabic, Syriac, Thaana, NKo and the
# Arabic extensions and presentation forms; Devanagari to Sinhala; Tibetan; Myanmar; Khmer;
# Mongolian; emoji (with variation selector 16 and skin tones).
_JOINING = (
    "\u0600-\u08ff\u0900-\u0dff\u0f00-\u0fff\u1000-\u109f\u1780-\u18af\ua8e0-\ua8ff"
    "\ufb50-\ufdff\ufe70-\ufefc\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff"
    "\ufe0f\U0001f000-\U0001faff"
)
_CONTROL = re.compile(
    f"[{_CONTROL_CLASS}{_BIDI_CLASS}{_ZERO_WIDTH_CLASS}]|(?<![{_JOINING}])[\u200c\u200d]"
)

# Whole escape sequences (ECMA-48), bounded so an unterminated one cannot eat a paragraph:
#   OSC / DCS / SOS / PM / APC … terminated by BEL or ST (ESC \ or 0x9c), on one line;
#   CSI parameters, intermediates, final byte;  two-byte ESC sequences.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]{0,512}(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]"
    r"|\x1b[ -/]{0,8}[0-~]"
)


def count_controls(text: str) -> int:
    """How many characters ``strip_controls`` removes from ``text`` (escape sequences aside)."""
    return len(_CONTROL.findall(text))


def strip_controls(text: str) -> str:
    """``text`` without escape sequences, control characters (newline and tab kept), bidi
    formatting and stray zero-width characters (see the module docstring).

    A carriage return becomes a newline first (``\\r\\n`` one newline), so old Mac line endings
    do not glue lines together.
    """
    if not _CONTROL.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def _show(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str | None) -> str:
    """``text`` for a terminal as plain (non-markup) text: each character ``strip_controls``
    removes is shown as ``\\x1b``, ``\\u202e`` etc. instead of being sent to the terminal."""
    return _CONTROL.sub(_show, text or "")


#: What a listing row (``list``, ``search``) shows of a title and a source at most.
TITLE_CHARS = 120
SOURCE_CHARS = 40


def clipped(text: str | None, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer: what a
    listing row shows of a title or a source (a title can be any length)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: max(1, limit - 1)].rstrip() + "…"


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
