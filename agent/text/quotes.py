"""Finding a quote a model copied in the article's own text: ``find_quote``.

Forgiving about typography (``agent.text.fold``) and a dropped clause, never about words; the
span is into the original text, so the quote a reader sees is ``article.text[start:end]``, never
the model's copy. Used by the summary verifier; answers cite sentence ids instead.
"""

from __future__ import annotations

import re

from agent.text.fold import clean_quote, normalise

# A quote shorter than this (after trimming) can match almost anywhere, so it proves nothing.
MIN_QUOTE_WORDS = 3
MIN_QUOTE_CHARS = 12


def _meaningful(quote: str) -> bool:
    return len(quote.split()) >= MIN_QUOTE_WORDS and len(quote) >= MIN_QUOTE_CHARS


def find_quote(quote: str, passage_text: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``passage_text``, as a span of the ORIGINAL text, or None.

    Tries, in order: exact; typography/whitespace-folded; folded and case-insensitive; each
    first for the quote as given, then with decorative quote marks/ellipses stripped and then
    without a trailing period or comma the model may have added. Quotes too short to prove
    anything (fewer than 3 words or 12 characters) are rejected unless they are the whole passage.
    """
    raw = quote.strip()
    cleaned = clean_quote(raw)
    if not cleaned:
        return None
    candidates = [c for c in dict.fromkeys([raw, cleaned, cleaned.rstrip(".,;:")]) if c]

    whole, _, _ = normalise(passage_text.strip(), casefold=True)
    folded_q, _, _ = normalise(cleaned, casefold=True)
    if not _meaningful(cleaned) and folded_q.strip() != whole.strip():
        return None

    for cand in candidates:
        pos = passage_text.find(cand)
        if pos >= 0:
            return pos, pos + len(cand)
    for casefold, drop in ((False, False), (True, False), (True, True)):
        text_n, starts, ends = normalise(passage_text, casefold=casefold, drop_quotes=drop)
        for cand in candidates:
            cand_n = normalise(cand, casefold=casefold, drop_quotes=drop)[0].strip()
            if len(cand_n) < 2:
                continue
            pos = text_n.find(cand_n)
            if pos >= 0:
                return starts[pos], ends[pos + len(cand_n) - 1]
    return _find_pieces(cleaned, passage_text)


# Piecewise alignment, for quotes that skip words ("A ... B", or small models silently dropping
# a clause). The citation then shows the article's full text from the first piece to the last,
# so the reader sees exactly what was left out.
MIN_PIECE_WORDS = 3
MAX_PIECES = 3
MAX_SILENT_GAP = 60  # characters a quote may silently skip between two pieces
MAX_ELLIPSIS_GAP = 400  # characters an explicit "..." may stand for
# Words a model may *add* to a quote ("Jeff Sessions on Monday reversed" for the article's
# "Sessions on Monday reversed", "U. S." for "U.S."): never shown, since the citation is the
# article's own span; never a negation or a number, which would change what the quote says.
MAX_INSERTED_WORDS = 2
MIN_WORDS_WITH_INSERTS = 6  # with insertions, at least this many quote words must match
_DIGIT = re.compile(r"\d")
_NEGATION = re.compile(r"\b(?:not|no|never|nor|none|without|n't|cannot)\b|n't\b")


def _find_pieces(quote: str, passage_text: str) -> tuple[int, int] | None:
    """Match ``quote`` as at most 3 in-order runs of ≥3 words with short gaps between them.

    A gap may not contain a negation ("not", "never", "n't", ...): dropping one flips meaning.
    Up to ``MAX_INSERTED_WORDS`` words of the quote that are not in the passage may be passed
    over (never a negation or a number).
    """
    tn, starts, ends = normalise(passage_text, casefold=True, drop_quotes=True)
    qn = normalise(quote, casefold=True, drop_quotes=True)[0].strip()
    parts = [p.strip().split(" ") for p in re.split(r"\.{3,}", qn) if p.strip()]
    pieces: list[tuple[int, int]] = []
    inserted = matched = 0
    for part_no, words in enumerate(parts):
        i = 0
        while i < len(words):
            gap = MAX_ELLIPSIS_GAP if (part_no > 0 and i == 0) else MAX_SILENT_GAP
            cursor = pieces[-1][1] if pieces else 0
            found: tuple[int, int, int] | None = None
            j = i + 1
            while j <= len(words):
                needle = " ".join(words[i:j])
                limit = None if not pieces else cursor + gap + len(needle) + 1
                pos = tn.find(needle, cursor, limit)
                if pos < 0:
                    break
                found = (pos, pos + len(needle), j)
                j += 1
            if found is None or found[2] - i < MIN_PIECE_WORDS:
                word = words[i]
                if inserted < MAX_INSERTED_WORDS and not _NEGATION.search(word) and not _DIGIT.search(word):
                    inserted += 1
                    i += 1
                    continue
                return None
            if pieces and _NEGATION.search(tn[pieces[-1][1] : found[0]]):
                return None
            pieces.append((found[0], found[1]))
            matched += found[2] - i
            if len(pieces) > MAX_PIECES:
                return None
            i = found[2]
    if not pieces or (len(pieces) < 2 and not inserted) or (inserted and matched < MIN_WORDS_WITH_INSERTS):
        return None
    return starts[pieces[0][0]], ends[pieces[-1][1] - 1]
