"""Is a claim supported by the sentence it cites — read in its context? A pure, lexical check.

Why in context: a right answer is often a name the article states once (in the headline or the
sentence before) while the cited sentence says "the series", "the bloc", "there"; compared
with that sentence alone, it would be thrown away. A reader sees the sentence with its
neighbours and the headline, so the check does too:

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

It is not entailment: it catches the usual failures (an unrelated sentence, an invented
figure, a dropped "not") and keeps answers a reader would accept from the same text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.answer.fit import contradicts_relation, other_measure
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


class _Shown:
    """The span shown for a claim: the cited sentence, grown to the paragraph neighbours it needs.

    Neighbours are tried before the cited sentence first (names are introduced before they are
    referred to), then after it, nearest first.
    """

    def __init__(self, sentences: Sequence[Sentence], text: str, cited: int, paragraph: list[int]) -> None:
        self.sentences, self.text = sentences, text
        self.neighbours = [i for i in reversed(paragraph) if i < cited] + [i for i in paragraph if i > cited]
        self.lo = self.hi = cited
        self.terms = self.terms_of(cited)

    def terms_of(self, i: int) -> set[str]:
        return terms(self.text[self.sentences[i].start : self.sentences[i].end])

    def needs(self, wanted: set[str]) -> bool:
        """Whether the span holds one of ``wanted``, once grown to the nearest neighbour holding one."""
        if wanted & self.terms:
            return True
        holder = next((i for i in self.neighbours if wanted & self.terms_of(i)), None)
        if holder is None:
            return False
        self.lo, self.hi = min(self.lo, holder), max(self.hi, holder)
        self.terms = set().union(*(self.terms_of(i) for i in range(self.lo, self.hi + 1)))
        return True

    @property
    def text_shown(self) -> str:
        return self.text[self.sentences[self.lo].start : self.sentences[self.hi].end]


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
    anchor_terms = terms(text[anchor.start : anchor.end])

    if not claim_terms:  # "Yes." / "No.": the cited sentence must at least be about the question
        ok = bool(anchor_terms & question_terms) or not question_terms
        return Judgement(ok, (cited, cited) if ok else None, "" if ok else "not about the question")
    if not anchor_terms & ((claim_terms | question_terms) - _WEAK_STEMS):
        return Judgement(False, reason="the cited sentence is about something else")

    para = [i for i, s in enumerate(sentences) if s.paragraph == anchor.paragraph]
    shown = _Shown(sentences, text, cited, para)
    # Numbers: each must be in the shown span (never taken from the question or the title).
    for num in sorted(numbers(claim)):
        if not shown.needs({num}):
            return Judgement(False, reason=f"the number {num} is not in the cited text")
    # Names: in the shown span, the title or the question; else the nearest neighbour holding it.
    title_terms = terms(title)
    para_text = text[sentences[para[0]].start : sentences[para[-1]].end]
    claim_names = names(claim, names(title) | names(para_text))
    for name in sorted(claim_names - question_terms - title_terms):
        if not shown.needs({name}):
            return Judgement(False, reason=f"the name '{name}' is not in the cited text or its context")
    # What the claim adds beyond the question and its names must touch the shown text at least
    # once (the title is about the article's topic, not this fact: "the summit was cancelled"
    # is not supported by a headline that says "summit").
    own = claim_terms - question_terms - _WEAK_STEMS - claim_names
    if own and not shown.needs(own):
        return Judgement(False, reason="nothing the claim adds is in the cited text")

    shared = (claim_terms & shown.terms) - _WEAK_STEMS
    if shared and negated(shown.text_shown, shared) != negated(claim, shared):
        return Judgement(False, reason="a negation is dropped or added")
    if contradicts_relation(question, shown.text_shown):
        return Judgement(False, reason="the cited text says it was included, not left out")
    if other_measure(question, claim, shown.text_shown):
        return Judgement(False, reason="the cited figure measures something else")
    return Judgement(True, (shown.lo, shown.hi))


_WEAK_STEMS = frozenset(_stem(w) for w in _WEAK)


def adds(claim: str, question: str) -> set[str]:
    """The claim's own content words: beyond the question's and plain answer words ("Yes")."""
    return terms(strip_markers(claim)) - terms(question) - _WEAK_STEMS
