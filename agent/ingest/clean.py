"""Text cleaning every format goes through: whitespace normalisation, then boilerplate removal.

Pure string rules, no knowledge of formats. Extractors (and pages saved as .txt) leave share
buttons, cookie banners, a second headline and "Similar Posts / Leave a Reply" blocks, which
would be retrieved and quoted as if they were news.
"""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------------------
# whitespace


_SOFT_HYPHEN = {0xAD: None}
_HSPACE = re.compile(r"[^\S\n]+")  # any whitespace except newline (tabs, NBSP, thin space…)
_BLANKS = re.compile(r"\n\s*\n")


def normalize_whitespace(text: str) -> str:
    """NFC, no soft hyphens, single spaces, one blank line between paragraphs.

    Lines inside a paragraph keep their single newlines (a hard-wrapped .txt stays
    readable); quotes and dashes are left exactly as written. Zero-width and bidi characters
    are left for ``agent.safetext.strip_controls``, which decides per character and counts them.
    """
    text = unicodedata.normalize("NFC", text).translate(_SOFT_HYPHEN)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs = _BLANKS.split("\n".join(lines))
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def paragraphs(text: str) -> list[str]:
    """The blank-line separated paragraphs of an already normalised text."""
    return [p for p in text.split("\n\n") if p]

# --------------------------------------------------------------------------------------
# boilerplate

# Stand-alone lines that are never article content, wherever they appear.
_JUNK_LINES = [
    r"share( this( (article|story|post))?)?:?",
    r"share (on|via) (facebook|twitter|x|linkedin|whatsapp|email|reddit)",
    r"(click|tap) to (share|email|print)\b.*",
    r"(tweet|print|email|pin it|whatsapp)",
    r"your email address will not be published\.?( required fields are marked \*?)?",
    r"required fields are marked \*?",
    r"(we|this (web)?site|our (web)?site) uses? cookies\b.*",
    r"by (continuing|using) (to (use|browse) )?(this|our) (web)?site.*cookies.*",
    r"(accept|reject|allow|manage) (all )?cookies",
    r"cookie (settings|preferences|policy)",
    r"(subscribe|sign up) (to|for) (our|the) (free )?(daily |weekly )?newsletter.*",
    r"(sign up|subscribe)( now| today)?!?",
    r"advertisement|sponsored( content)?",
    r"skip to (main )?content",
    r"(read|see) more( stories| news)?:?",
    r"continue reading\.*",
    r"(all rights reserved\.?|©.{0,80}|copyright ©?.{0,80}all rights reserved\.?)",
    r"follow us( on)?( (facebook|twitter|x|instagram|social media))*:?",
    r"(post )?comments? \(\d+\)|\d+ comments?|no comments( yet)?\.?",
    r"(previous|next) (post|article|story)",
]


# Headings that start a trailing block of non-article material: the marker and
# everything after it go, when the marker is in the second half of the text.
_TERMINAL_MARKERS = [
    r"similar posts",
    r"related (posts|articles|stories|news|content|coverage|reading)",
    r"(you )?(may|might) also (like|enjoy|be interested in)",
    r"more (stories|news|articles) (from|like this|on this)?.*",
    r"recommended( for you| stories| articles)?",
    r"leave a (reply|comment)",
    r"(post a |add a |join the )?comments?",
    r"(about|more from) the author",
    r"trending( now)?|most (read|popular)( stories)?",
    r"tags?:.*",
]


_MAX_JUNK_LEN = 200  # only short stand-alone lines are candidates for removal
_JUNK_RE = re.compile(r"^(?:" + "|".join(_JUNK_LINES) + r")$", re.IGNORECASE)
_TERMINAL_RE = re.compile(r"^(?:" + "|".join(_TERMINAL_MARKERS) + r")[.:…]*$", re.IGNORECASE)


def headline_key(line: str) -> str:
    """Comparison key for headlines: case, spacing and end punctuation don't matter."""
    return re.sub(r"\W+", " ", line.casefold()).strip()


def is_junk_line(line: str) -> bool:
    """True for a short stand-alone line such as "Share this:" or a cookie banner."""
    line = line.strip()
    return bool(line) and len(line) <= _MAX_JUNK_LEN and bool(_JUNK_RE.match(line))


def is_terminal_marker(line: str) -> bool:
    """True for a heading like "Similar Posts" that starts a page's trailing block."""
    line = line.strip()
    return bool(line) and len(line) <= 80 and bool(_TERMINAL_RE.match(line))


def strip_boilerplate(text: str, title: str | None = None) -> str:
    """Remove repeated headlines, junk lines and a trailing related/comments block.

    ``text`` is normalised (:func:`normalize_whitespace`). A terminal marker ("Comments") cuts
    the rest only in the text's second half; earlier, only its own line goes.
    """
    title_key = headline_key(title) if title else ""
    lines = text.split("\n")
    total = max(1, len(text))
    kept: list[str] = []
    pos = 0
    for line in lines:
        here, pos = pos, pos + len(line) + 1
        if not line:
            kept.append(line)
            continue
        if title_key and headline_key(line) == title_key:
            continue
        if is_terminal_marker(line):
            if here >= total / 2:
                break
            continue
        if is_junk_line(line):
            continue
        kept.append(line)
    return normalize_whitespace("\n".join(kept))


def clean_text(text: str, title: str | None = None) -> str:
    """The full cleaning every format goes through: whitespace, then boilerplate."""
    return strip_boilerplate(normalize_whitespace(text), title)
