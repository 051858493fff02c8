"""Is a claim supported by the sentence it cites — read in its context? A pure, lexical check.

Why in context: the verifier used to compare the claim with one quoted sentence, word by word.
Measured on news-quiz questions, 11 % of right answers were thrown away by it, always in the same
pattern: the answer is a name the article states once (in the headline or the sentence before)
and the cited sentence then says "the series", "the bloc", "there". A reader sees the sentence
with its neighbours and the headline, so the check does too:

* evidence = the cited sentence, the other sentences of its paragraph (the ones before it first:
  that is where a name is introduced), the article's title, and the question's own words
  ("Lanternfall" answering "which series was renewed?" needs only "Lanternfall" from the text);
* the cited sentence must be about the claim or the question (share a content word with one of
  them), so a name found in a neighbour cannot hang on an unrelated sentence;
* every name and every number of the claim must be found in the evidence; numbers (and dates)
  only in the article text that is shown, not in the question or the title;
* a negation must not be dropped or invented: a "not"/"no"/"never" next to a word the claim
  shares with the shown text must be in both or in neither;
* where a neighbour carries part of the claim, the shown span grows to include it, so the quote
  the reader sees holds everything the claim rests on.

It is not entailment: it catches the measured failures (an unrelated sentence, an invented
figure, a dropped "not") and keeps answers a reader would accept from the same text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.answer.markers import strip_markers
from agent.text.fold import normalise
from agent.text.numbers import plain_number, token_number
from agent.text.sentences import Sentence
from agent.text.stopwords import STOPWORDS

_WORD = re.compile(r"\d[\d.,:/]*\d|\d|[^\W\d_][\w'\-]*", re.UNICODE)
_NEGATION = frozenset(("not", "no", "never", "nor", "none", "neither", "nobody", "nothing", "without",
                       "cannot", "n't", "refused", "denied", "failed"))
# Words that quantify but name nothing; they never make a claim "about" a sentence.
_WEAK = frozenset(("year", "years", "month", "months", "week", "weeks", "day", "days", "people",
                   "percent", "per", "cent", "million", "billion", "thousand", "hundred", "time",
                   "first", "second", "new", "last", "next", "two", "three", "four", "five",
                   # plain answer words and the common nouns a claim starts with ("Yes.", "Police
                   # said ..."): capitalised at the start, yet no name the text must contain
                   "yes", "true", "false", "correct", "officials", "police", "experts",
                   "analysts", "residents", "critics", "according"))
NEGATION_WINDOW = 3  # words between a negation and the word it negates


@dataclass(frozen=True)
class Judgement:
    """The verdict on one claim: ``span`` is the sentence indexes (into the passage's
    sentences) the shown quote covers, from first to last; ``reason`` says why not."""

    supported: bool
    span: tuple[int, int] | None = None
    reason: str = ""


def _stem(word: str) -> str:
    return word[:5]


def _tokens(text: str) -> list[str]:
    """Case-folded words and numbers ("n't" split off as its own word), typography folded."""
    folded = normalise(text, casefold=True)[0].replace("n't", " n't")
    return _WORD.findall(folded)


def terms(text: str) -> set[str]:
    """Content-word stems and numbers of ``text`` (stop words and negations left out)."""
    out: set[str] = set()
    for t in _tokens(text):
        num = token_number(t)
        if num is not None:
            out.add(num)
        elif t not in STOPWORDS and t not in _NEGATION and len(t) > 2:
            out.add(_stem(t))
    return out


def numbers(text: str) -> set[str]:
    """The numbers of ``text``, digits or number words, each as digits."""
    return {n for n in map(token_number, _tokens(text)) if n is not None}


_CAPITAL = re.compile(r"(?<![\w'’])([A-Z][\w'’\-]*|[A-Z]{2,})")


_SENTENCE_START = re.compile(r"(?:^|[.!?][\"'”’)]*\s+)[\"'“‘(]*$")


def names(text: str, known: set[str] | None = None) -> set[str]:
    """Stems of the capitalised words of ``text`` that are not stop words (its names).

    With ``known``, a word capitalised only because it starts a sentence ("Many residents
    fled", "Lanternfall.") is a name only if it is in ``known`` (names of the title and the
    passage); otherwise it is an ordinary word of the claim.
    """
    folded = normalise(strip_markers(text))[0]
    out = set()
    for m in _CAPITAL.finditer(folded):
        w = m.group(1).casefold().strip("'’-")
        if not w or w in STOPWORDS or w in _WEAK or len(w) < 2:
            continue
        if known is not None and _SENTENCE_START.search(folded[: m.start()]) and _stem(w) not in known:
            continue
        out.add(_stem(w))
    return out


def negated(text: str, about: set[str]) -> bool:
    """Whether a negation stands within ``NEGATION_WINDOW`` words before one of ``about``."""
    toks = _tokens(text)
    for i, t in enumerate(toks):
        if t in _NEGATION:
            window = toks[i + 1 : i + 1 + NEGATION_WINDOW + 1]
            if any(_stem(w) in about or plain_number(w) in about for w in window):
                return True
    return False


def judge(
    claim: str,
    question: str,
    cited: int,
    sentences: Sequence[Sentence],
    text: str,
    title: str = "",
) -> Judgement:
    """Does ``claim`` (an answer sentence) follow from sentence ``cited`` of ``text`` in context?

    ``sentences`` are ``text``'s sentences (offsets into ``text``, with paragraph numbers);
    ``title`` the article's headline; ``question`` what was asked. Pure and deterministic.
    """
    if not 0 <= cited < len(sentences):
        return Judgement(False, reason="no such sentence")
    claim = strip_markers(claim)
    claim_terms = terms(claim)
    question_terms = terms(question)
    anchor = sentences[cited]
    anchor_text = text[anchor.start : anchor.end]
    anchor_terms = terms(anchor_text)

    if not claim_terms:  # "Yes." / "No.": the cited sentence must at least be about the question
        ok = bool(anchor_terms & question_terms) or not question_terms
        return Judgement(ok, (cited, cited) if ok else None, "" if ok else "not about the question")
    if not anchor_terms & ((claim_terms | question_terms) - _WEAK_STEMS):
        return Judgement(False, reason="the cited sentence is about something else")

    # The paragraph around the cited sentence: the sentences before it first (names are
    # introduced before they are referred to), then the ones after, nearest first.
    para = [i for i, s in enumerate(sentences) if s.paragraph == anchor.paragraph]
    before = [i for i in reversed(para) if i < cited]
    after = [i for i in para if i > cited]
    neighbours = before + after
    lo = hi = cited
    shown_terms = set(anchor_terms)

    def holding(wanted: set[str]) -> int | None:
        """The nearest neighbour holding one of ``wanted``."""
        return next((i for i in neighbours if wanted & terms(text[sentences[i].start : sentences[i].end])),
                    None)

    def take(i: int) -> None:
        nonlocal lo, hi, shown_terms
        lo, hi = min(lo, i), max(hi, i)
        shown_terms = set().union(*(terms(text[s.start : s.end]) for s in sentences[lo : hi + 1]))

    # Numbers: each must be in the shown span (never taken from the question or the title).
    for num in sorted(numbers(claim)):
        if num in shown_terms:
            continue
        holder = holding({num})
        if holder is None:
            return Judgement(False, reason=f"the number {num} is not in the cited text")
        take(holder)

    # Names: in the shown span, the title or the question; else the nearest neighbour holding it.
    title_terms = terms(title)
    para_text = text[sentences[para[0]].start : sentences[para[-1]].end]
    claim_names = names(claim, names(title) | names(para_text))
    for name in sorted(claim_names - question_terms - title_terms):
        if name in shown_terms:
            continue
        holder = holding({name})
        if holder is None:
            return Judgement(False, reason=f"the name '{name}' is not in the cited text or its context")
        take(holder)

    # What the claim adds beyond the question and its names must touch the shown text at least
    # once (the title is about the article's topic, not this fact: "the summit was cancelled"
    # is not supported by a headline that says "summit").
    own = claim_terms - question_terms - _WEAK_STEMS - claim_names
    if own and not own & shown_terms:
        holder = holding(own)
        if holder is None:
            return Judgement(False, reason="nothing the claim adds is in the cited text")
        take(holder)

    shown = text[sentences[lo].start : sentences[hi].end]
    shared = (claim_terms & shown_terms) - _WEAK_STEMS
    if shared and negated(shown, shared) != negated(claim, shared):
        return Judgement(False, reason="a negation is dropped or added")
    return Judgement(True, (lo, hi))


_WEAK_STEMS = frozenset(_stem(w) for w in _WEAK)


def adds(claim: str, question: str) -> set[str]:
    """The claim's own content words: beyond the question's and plain answer words ("Yes")."""
    return terms(strip_markers(claim)) - terms(question) - _WEAK_STEMS
