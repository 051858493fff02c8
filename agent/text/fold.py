"""Typography folding: the one way text is compared "as a reader would", with an offset map.

Models copy article text imperfectly (curly quotes, en dashes, collapsed whitespace, a
decorative "..."); finding a quote, matching a claim's words and the support check all fold
typography here, the same way. Only typography and whitespace are forgiven, never words;
``normalise`` returns an offset map, so a match is reported as the article's own characters.
"""

from __future__ import annotations

import re
import unicodedata

# Typographic variants folded to one ASCII form before comparing.
_CHAR_FOLD: dict[str, str] = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
# Invisible characters that pasted or scraped text often carries; they never matter for matching.
_DROP = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")

# Decorations a model puts *around* a quote: quote marks, ellipses, whitespace.
_EDGE_JUNK = " \t\r\n\"'\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00ab\u00bb\u2026"
_EDGE_ELLIPSIS = re.compile(r"^(?:\s*(?:\.{2,}|\u2026)\s*)+|(?:\s*(?:\.{2,}|\u2026)\s*)+$")


def _fold_char(ch: str, casefold: bool, drop_quotes: bool = False) -> str:
    if ch in _DROP:
        return ""
    if ch.isspace():
        return " "
    out = _CHAR_FOLD.get(ch)
    if out is None:
        out = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        if out != ch:  # NFKC may itself produce foldable characters (e.g. full-width quotes)
            out = "".join(_CHAR_FOLD.get(c, c) for c in out)
    if drop_quotes:
        out = out.replace('"', "")
    return out.casefold() if casefold else out


def normalise(
    text: str, *, casefold: bool = False, drop_quotes: bool = False
) -> tuple[str, list[int], list[int]]:
    """Fold typography and whitespace runs; return the folded text and an offset map.

    ``starts[i]``/``ends[i]`` give the original character span that produced folded character
    ``i``, so a match ``folded[a:b]`` is ``text[starts[a]:ends[b - 1]]`` in the original.
    ``drop_quotes`` removes double quote marks (models often leave out the article's quotes).
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        out = _fold_char(ch, casefold, drop_quotes)
        if not out:
            continue
        if out == " " and chars and chars[-1] == " ":  # extend the current whitespace run
            ends[-1] = i + 1
            continue
        for o in out:
            chars.append(o)
            starts.append(i)
            ends.append(i + 1)
    return "".join(chars), starts, ends


def clean_quote(quote: str) -> str:
    """Strip what models wrap around quotes: quote marks, leading/trailing ellipses, spaces."""
    prev = None
    q = quote
    while q != prev:
        prev = q
        q = _EDGE_ELLIPSIS.sub("", q).strip(_EDGE_JUNK)
    return q
