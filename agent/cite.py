"""Citation verification: the step that makes "every claim cited to a verbatim passage" true.

The model returns answer text with ``[n]`` markers (n = the passage numbers it was shown) and,
separately, a claimed quote per cited passage. Nothing the model says is trusted: a citation
survives only if its quote is found in the passage it names. Models copy text imperfectly
(curly vs straight quotes, collapsed whitespace, a decorative "..."), so matching is forgiving
about *typography* but never about words; the quote we report is always the article's own text,
``article.text[start:end]``, not the model's copy.

Everything here is pure and fast so it can be tested exhaustively without a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from agent.text.fold import clean_quote, normalise
from agent.text.numbers import plain_number
from agent.text.sentences import sentence_spans, sentence_texts
from agent.types import Answer, AnswerStatus, Citation, Passage

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


def shared_span(claim: str, passage_text: str, min_words: int = 5) -> tuple[int, int] | None:
    """The longest run of ≥ ``min_words`` consecutive words of ``claim`` found verbatim
    (typography-folded, case-insensitive) in ``passage_text``, as an original-text span.

    Used when the model's own quote fails: if the claim's wording is itself copied from the
    cited passage, that copied run is real evidence and becomes the quote.
    """
    tn, starts, ends = normalise(passage_text, casefold=True, drop_quotes=True)
    folded = normalise(strip_markers(claim), casefold=True, drop_quotes=True)[0]
    words = [w for w in folded.split(" ") if w]
    best: tuple[int, int] | None = None
    best_len = 0
    for i in range(len(words)):
        j = i + max(min_words, best_len + 1)
        while j <= len(words):
            needle = " ".join(words[i:j])
            pos = tn.find(needle)
            if pos < 0:
                break
            best, best_len = (pos, pos + len(needle)), j - i
            j += 1
    if best is None:
        return None
    a, b = best
    text = passage_text[starts[a] : ends[b - 1]]
    trimmed = text.rstrip(",;: ")
    return starts[a], starts[a] + len(trimmed)


# ---------------------------------------------------------------------------------------------
# Support: a verbatim quote must also be *about* the claim it is attached to
# ---------------------------------------------------------------------------------------------

STOPWORDS = frozenset(
    (
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from",
        "with", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do",
        "does", "did", "not", "no", "it", "its", "this", "that", "these", "those", "there", "their",
        "they", "them", "he", "she", "his", "her", "him", "we", "our", "you", "your", "i", "me", "my",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "than", "then", "so",
        "such", "also", "very", "more", "most", "less", "least", "over", "under", "about", "into",
        "after", "before", "during", "while", "said", "says", "say", "will", "would", "could",
        "should", "can", "may", "might", "must", "just", "only", "other", "some", "any", "each", "all",
        "both", "one",
    )
)
_TERM = re.compile(r"\d[\d.,]*\d|\d|[a-z][a-z'\-]+")


def key_terms(text: str) -> set[str]:
    """Numbers (commas dropped) and content-word stems (first 5 letters) of ``text``."""
    folded = normalise(text, casefold=True)[0]
    terms: set[str] = set()
    for w in _TERM.findall(folded):
        if w[0].isdigit():
            terms.add(plain_number(w))
        elif w not in STOPWORDS and len(w) > 2:
            terms.add(w[:5])
    return terms


def supports(claim: str, quote: str) -> bool:
    """Does ``quote`` plausibly support ``claim``? A cheap lexical check, not entailment.

    Measured failure it prevents: the 1.5B model attached a verbatim but unrelated quote from
    every passage it was given ("94 millimetres [1][2][3][4][5][6]", [5] quoting a budget line).
    A claim that states numbers needs one of them in the quote; any other claim needs at least
    one content word in common. A claim with no key terms at all is given the benefit of doubt.
    """
    claim_terms = key_terms(strip_markers(claim))
    if not claim_terms:
        return True
    quote_terms = key_terms(quote)
    numbers = {t for t in claim_terms if t[0].isdigit()}
    if numbers:
        return bool(numbers & quote_terms)
    return bool(claim_terms & quote_terms)


# Stems of words that only say "how much" ("$18.4 million", "40 percent"): sharing one of these
# with a sentence does not make the sentence about the same thing.
_QUANTITY_STEMS = frozenset(("milli", "billi", "trill", "thous", "hundr", "perce", "dolla", "pound", "euros"))
# A repaired quote (the model's quote joined with the sentence holding the claim's number) stays
# short enough to read at a glance; beyond this the number's sentence alone becomes the quote.
MAX_REPAIRED_QUOTE_CHARS = 400


def number_sentence(claim: str, passage_text: str) -> tuple[int, int] | None:
    """The span of the passage sentence that states every number of ``claim`` and shares a
    content word with it, or None (also when the claim states no number).

    Why: measured with the 1.5B on "What did the Millbrook flood damage cost?" — it answered
    "$18.4 million" from the right passage but quoted the *next* sentence (about 82 homes), so
    the true answer was dropped as unverified. The number sentence is the article's own text,
    checked the same way ``supports`` checks a quote, so nothing unstated becomes a citation.
    """
    terms = key_terms(strip_markers(claim))
    numbers = {t for t in terms if t[0].isdigit()}
    if not numbers:
        return None
    words = terms - numbers - _QUANTITY_STEMS
    best: tuple[int, int] | None = None
    best_overlap = 0
    for a, b in sentence_spans(passage_text):
        found = key_terms(passage_text[a:b])
        overlap = len(words & (found - _QUANTITY_STEMS))
        if numbers <= found and (overlap or not words) and (best is None or overlap > best_overlap):
            best, best_overlap = (a, b), overlap
    return best


def _repair_number_quotes(
    text: str, passages: Sequence[Passage], verified: dict[int, tuple[int, int]]
) -> None:
    """For each cited claim with numbers whose passage quote lacks them, extend (or, if the two
    are far apart, replace) the passage's quote with the sentence that states them."""
    claims_of: dict[int, list[str]] = {}
    for m in _MARKER.finditer(text):
        claim = _claim_before(text, m.start())
        for n in _marker_numbers(m.group("nums")):
            claims_of.setdefault(n, []).append(claim)
    for n, claims in claims_of.items():
        if not 1 <= n <= len(passages):
            continue
        ptext = passages[n - 1].text
        for claim in claims:
            old = verified.get(n)
            if old is not None and supports(claim, ptext[old[0] : old[1]]):
                continue
            span = number_sentence(claim, ptext)
            if span is None:
                continue
            if old is None:
                verified[n] = span
                continue
            lo, hi = min(old[0], span[0]), max(old[1], span[1])
            if hi - lo <= MAX_REPAIRED_QUOTE_CHARS:
                verified[n] = (lo, hi)
            elif not any(supports(c, ptext[old[0] : old[1]]) for c in claims if c != claim):
                verified[n] = span


# ---------------------------------------------------------------------------------------------
# Markers: [1], [1][2], [1, 2], [1-3], [Passage 1], [Sentence 4]
# ---------------------------------------------------------------------------------------------

_MARKER = re.compile(
    r"(?P<ws>[ \t]*)\[\s*(?:(?:passages?|sentences?|ids?)\s*)?"
    r"(?P<nums>\d+(?:\s*(?:,|;|-|\u2013|and)\s*\d+)*)\s*\]",
    re.IGNORECASE,
)
_TRAILING_MARKERS = re.compile(r"(?:\s*\[[^\[\]]{1,30}\])+\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+")


def _marker_numbers(nums: str) -> list[int]:
    """``"1, 2"`` → [1, 2]; ``"1-3"`` → [1, 2, 3] (ranges capped so "1-999" can't explode)."""
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", nums):
        bounds = re.split(r"\s*[-\u2013]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            if lo <= hi <= lo + 20:
                out.extend(range(lo, hi + 1))
                continue
        out.extend(int(b) for b in bounds if b.isdigit())
    return out


def _claim_before(text: str, pos: int) -> str:
    """The sentence a marker at ``pos`` supports: the one that ends right before it."""
    prefix = _TRAILING_MARKERS.sub("", text[:pos]).rstrip()
    start = 0
    for m in _SENTENCE_END.finditer(prefix):
        if m.end() < len(prefix):
            start = m.end()
    return _MARKER.sub("", prefix[start:]).strip()


def strip_markers(text: str) -> str:
    """The text with every citation marker removed (for answers that end up uncited)."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", _MARKER.sub("", text)).strip()


def _attribute_unmarked(
    text: str, passages: Sequence[Passage], verified: dict[int, tuple[int, int]]
) -> str:
    """Add markers to an answer the model wrote without any: each sentence gets the passage it
    copies ≥5 words from; if none does, verified quotes are attached at the end."""
    sentences = sentence_texts(text.strip())
    out: list[str] = []
    marked = False
    for sent in sentences:
        best_n, best_len = 0, 0
        for n, p in enumerate(passages, start=1):
            span = shared_span(sent, p.text)
            if span is not None and span[1] - span[0] > best_len:
                best_n, best_len = n, span[1] - span[0]
        if best_n:
            m = re.match(r"(.*?)([.!?]*)$", sent, re.S)
            body, end = (m.group(1), m.group(2)) if m else (sent, "")
            sent = f"{body.rstrip()} [{best_n}]{end}"
            marked = True
        out.append(sent)
    if marked:
        return " ".join(out)
    if verified:
        return text.rstrip() + " " + "".join(f"[{n}]" for n in verified)
    return text


def _citation(n: int, passage: Passage, span: tuple[int, int]) -> Citation:
    start, end = span
    return Citation(
        n=n,
        article_id=passage.article_id,
        title=passage.title,
        url=passage.url,
        source=passage.source,
        published=passage.published,
        quote=passage.text[start:end],
        start=passage.start + start,
        end=passage.start + end,
        chunk_id=passage.chunk_id,
    )


UNVERIFIED_TEXT = (
    "The answer could not be verified: none of the model's quotes both appears in the passage "
    "it cited and supports its claim, so no answer is shown (its claims are listed as unsupported)."
)


NOT_ANSWERED_TEXT = "The passages found do not answer this question."
_STATUS_WORDS = frozenset({"answered", "partial", "not_in_sources"})  # echoed as the answer

_DECLINE_NEGATION = re.compile(
    r"\b(?:not|no|nothing|none|neither|nor|cannot|unclear|unknown)\b|n't\b", re.IGNORECASE
)
_ABOUT_SOURCES = re.compile(
    r"\b(?:passages?|articles?|sources?|texts?|information|details?|mention\w*|say\w*|said|"
    r"stat\w*|provid\w*|contain\w*|specif\w*|report\w*|indicat\w*)\b",
    re.IGNORECASE,
)


def is_decline(text: str) -> bool:
    """Whether ``text`` says the sources lack the answer ("The passages do not say …") rather
    than answering: a negation *and* a word about the sources. "No" or "None" alone is not one —
    as an answer to a yes/no or who question it is a claim."""
    return bool(text) and bool(_DECLINE_NEGATION.search(text)) and bool(_ABOUT_SOURCES.search(text))


def verify_citations(
    question: str,
    output: Mapping[str, Any],
    passages: Sequence[Passage],
    *,
    model: str = "",
) -> Answer:
    """Turn the model's structured output into a verified ``Answer``.

    ``output`` is ``{"answer": str, "status": ..., "citations": [{"passage": n, "quote": str}]}``
    with ``n`` in 1..len(passages). A passage counts as cited only when one of the quotes given
    for it is found in *that* passage (a quote that exists only in another passage is dropped).
    Markers are renumbered 1..m in order of first appearance and rewritten as ``[1][2]``; markers
    for unverified or unknown passages are removed and their sentences listed in ``unsupported``.
    Status: ``not_in_sources`` when nothing verified or the model said so (then its text is shown
    only if it is a decline, see ``is_decline``), ``partial`` when some cited claims lost all
    their citations (or the model said partial, or said not_in_sources yet its claims verified),
    else ``answered``.
    """
    text = str(output.get("answer") or "").strip()
    model_status = str(output.get("status") or "answered")
    claims = output.get("citations") or []

    def make(
        text: str,
        status: AnswerStatus,
        citations: list[Citation] | None = None,
        unsupported: list[str] | None = None,
    ) -> Answer:
        return Answer(
            question=question,
            text=text,
            status=status,
            citations=citations or [],
            unsupported=unsupported or [],
            passages_considered=len(passages),
            model=model,
        )

    if model_status == "not_in_sources":
        # Measured on QuAIL: the small model sometimes sets this status yet writes a bare answer
        # ("Wisconsin", "about 10 days", an invented date). Its words are never shown uncited:
        # claims its quotes verify are kept (status partial: it was unsure), a decline is shown
        # as written, and anything else is replaced by a plain decline and listed unsupported.
        checked = verify_citations(question, {**output, "status": "partial"}, passages, model=model)
        if checked.citations:
            return checked.model_copy(update={"status": "partial"})
        said = strip_markers(text)
        if is_decline(said):
            return make(said, "not_in_sources")
        claims_made = [
            s.strip() for s in _SENTENCE_END.split(said) if s.strip() and s.strip() not in _STATUS_WORDS
        ]
        return make(NOT_ANSWERED_TEXT, "not_in_sources", unsupported=claims_made)

    # The first verified quote per passage number.
    verified: dict[int, tuple[int, int]] = {}
    # A quote the model attached to the wrong passage number but copied from another passage it
    # was given (seen on QuAIL): its markers are re-pointed to the passage that holds the quote.
    moved: dict[int, int] = {}
    for claim in claims:
        if not isinstance(claim, Mapping):
            continue
        try:
            n = int(claim.get("passage", 0))
        except (TypeError, ValueError):
            continue
        quote = claim.get("quote")
        if n in verified or not (1 <= n <= len(passages)) or not isinstance(quote, str):
            continue
        span = find_quote(quote, passages[n - 1].text)
        if span is not None:
            verified[n] = span
            continue
        for m_no, other in enumerate(passages, start=1):
            if m_no != n and m_no not in verified and n not in moved:
                other_span = find_quote(quote, other.text)
                if other_span is not None:
                    verified[m_no], moved[n] = other_span, m_no
                    break
    if moved:

        def repoint(m: re.Match[str]) -> str:
            nums = _marker_numbers(m.group("nums"))
            return m.group("ws") + "".join(f"[{k if k in verified else moved.get(k, k)}]" for k in nums)

        text = _MARKER.sub(repoint, text)

    if not _MARKER.search(text) and text:
        text = _attribute_unmarked(text, passages, verified)

    # A cited passage whose quote failed: its claim's own wording may be copied from it.
    citing: dict[int, list[str]] = {}
    for m in _MARKER.finditer(text):
        for n in _marker_numbers(m.group("nums")):
            if 1 <= n <= len(passages):
                citing.setdefault(n, []).append(_claim_before(text, m.start()))
    # Also when the quote is verbatim but about none of the claims citing it (seen on QuAIL: the
    # answer copied 20 words of the passage, the quote was another sentence of it): a claim
    # copied from the passage is its own evidence. A quote that supports some claim stays.
    for n, claims_citing in citing.items():
        ptext = passages[n - 1].text
        replacing = n in verified
        if replacing and any(supports(c, ptext[verified[n][0] : verified[n][1]]) for c in claims_citing):
            continue
        for claim_text in claims_citing:
            span = shared_span(claim_text, ptext)
            if span is not None and (not replacing or supports(claim_text, ptext[span[0] : span[1]])):
                verified[n] = span
                break

    # A claim whose number is in the cited passage but not in the model's quote.
    _repair_number_quotes(text, passages, verified)

    def kept_numbers(m: re.Match[str]) -> list[int]:
        """The marker's passages whose verified quote supports the sentence it follows."""
        claim = _claim_before(text, m.start())
        out = []
        for n in dict.fromkeys(_marker_numbers(m.group("nums"))):
            if n in verified:
                a, b = verified[n]
                if supports(claim, passages[n - 1].text[a:b]):
                    out.append(n)
        return out

    renumber: dict[int, int] = {}
    for m in _MARKER.finditer(text):
        for n in kept_numbers(m):
            if n not in renumber:
                renumber[n] = len(renumber) + 1

    unsupported: list[str] = []

    def rewrite(m: re.Match[str]) -> str:
        kept = [renumber[n] for n in kept_numbers(m)]
        if kept:
            return m.group("ws") + "".join(f"[{k}]" for k in kept)
        claim = _claim_before(text, m.start())
        if claim and claim not in unsupported:
            unsupported.append(claim)
        return ""

    new_text = _MARKER.sub(rewrite, text)
    new_text = re.sub(r"\[(\d+)\](?:\s*\[\1\])+", r"[\1]", new_text)  # [1][1] → [1]
    new_text = re.sub(r"[ \t]+([.,;:!?])", r"\1", new_text).strip()

    # A sentence listed as unsupported may still carry another, verified marker: then it is cited.
    cited_sentences = {_claim_before(new_text, m.start()) for m in _MARKER.finditer(new_text)}
    unsupported = [u for u in unsupported if strip_markers(u) not in cited_sentences]

    citations = [_citation(k, passages[n - 1], verified[n]) for n, k in renumber.items()]
    if not citations:
        if text:
            sentences = [s.strip() for s in _SENTENCE_END.split(strip_markers(text)) if s.strip()]
            unsupported = list(dict.fromkeys(unsupported + sentences))
        return make(UNVERIFIED_TEXT, "not_in_sources", unsupported=unsupported)

    status: AnswerStatus = "partial" if unsupported or model_status == "partial" else "answered"
    return make(new_text, status, citations, unsupported)
