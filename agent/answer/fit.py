"""Does an answer answer the question asked? Pure checks a careful reader makes first.

The support check (``agent.answer.support``) confirms that a claim is *stated* by its sentence.
A claim can be stated and still not answer: "The parade included floats [1]" for "Where was the
parade held?" names no place. So, for the question kinds a word tells apart, the answer must hold
something of that kind:

* where → a place: a name (a capitalised word past the first), a locative phrase ("in the
  capital", "at home") or a place word ("downtown", "abroad");
* when, what year/date/time → a time: a date, a weekday or month, a year, a time of day, a
  relative time ("last week", "two days ago") or an ordering clause ("after the vote");
* how many / how much / what percentage → a quantity: a number in digits or words, or a word of
  amount ("dozens", "none", "half").

What the question already says does not count (its content words, and for a quantity the years
that date it): "persons in January 2009" gives no number for "How many were homeless in 2009?".

A question whose kind no word marks ("who", "what", "which", "why") is not checked here, nor an
answer of fewer than ``MIN_CLAUSE_WORDS`` words ("eastward", "hospitals"): a wrong call would hide
right answers, and those are names and phrases of any shape.

``contradicts_relation``: a question about what was *left out* is not answered by a sentence
that says the thing was *included* (the list item a sentence names as part of the deal is not
the one the deal left out).
"""

from __future__ import annotations

import re
from typing import Literal

from agent.text.stopwords import STOPWORDS

Kind = Literal["place", "time", "quantity"]

_KIND_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("time", re.compile(
        r"^\s*(?:when\b|(?:in |on |at |by |until |since )?(?:what|which) (?:year|month|day|date|time|decade|"
        r"century|season|week)\b|what time\b)", re.I)),
    ("place", re.compile(r"^\s*(?:where\b|(?:in |at |to |from )?(?:what|which) (?:city|country|state|town|"
                         r"place|region|province|county|village|capital|location|venue)\b)", re.I)),
    ("quantity", re.compile(r"^\s*(?:how (?:many|much)\b|(?:what|which) (?:percentage|percent|share|"
                            r"proportion|number|amount|sum|total|price|cost|rate|figure)\b)", re.I)),
)

_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend"
_TIME = re.compile(
    rf"\b(?:{_MONTHS}|{_DAYS}|1[0-9]{{3}}s?|20[0-9]{{2}}s?|\d{{1,2}}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?)|"
    r"\d{1,2}:\d\d|o'clock|noon|midnight|today|tonight|yesterday|tomorrow|morning|afternoon|evening|"
    r"night|overnight|dawn|dusk|week|weeks|month|months|year|years|decade|decades|century|centuries|"
    r"ago|since|until|till|after|before|during|while|when|once|following|earlier|later|recently|"
    r"now|currently|previously|soon|early|late|spring|summer|autumn|fall|winter|season|"
    r"holiday|christmas|easter|ramadan|anniversary|era|age|ages|period|quarter|date|day|days|hours?|"
    r"minutes?|if|whenever|as soon as|\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|\w+teenth|twentieth|twenty-first)\b",
    re.I,
)
_NUMBER_WORDS = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundreds?|thousands?|millions?|billions?|trillions?|dozens?|score|scores|half|quarter|third|"
    r"double|twice|triple|none|no|nothing|nobody|several|few|many|much|more|less|fewer|most|all|"
    r"both|each|every|single|couple|handful|majority|minority|percent|per cent|free|once|pair|trio|"
    r"quartet|quintet|dozen"
)
_QUANTITY = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.I)
_PLACE_WORDS = re.compile(
    r"\b(?:in|at|near|outside|inside|across|throughout|around|along|off|into|onto|to|from|between|"
    r"beyond|within|under|over|on)\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+|his\s+|her\s+)?[a-z]|"
    r"\b(?:downtown|abroad|overseas|nationwide|worldwide|online|offshore|here|there|home|locally|"
    r"everywhere|nowhere|elsewhere|north|south|east|west|northern|southern|eastern|western|"
    r"city|town|village|country|state|capital|region|province|county|district|street|square|park|"
    r"stadium|hall|centre|center|building|border|coast|island|river|sea|ocean|mountains?|airport|"
    r"station|port|headquarters|embassy|parliament|court|school|hospital|camp|base|after|before|"
    r"\w+wards?)\b",
    re.I,
)
_OPENERS = frozenset(("yes", "because", "although", "however", "according", "after", "before", "during"))
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'\-]+|\b[A-Z]{2,}\b")

_EXCLUSION = re.compile(
    r"\b(?:left out|leave out|leaves out|leaving out|excluded?|excludes|excluding|omit(?:s|ted)?|"
    r"not (?:include|included|cover|covered|contain|contained)|did not include|does not include|"
    r"was not part|were not part|missing from|dropped from|removed from|without)\b",
    re.I,
)
_INCLUSION = re.compile(
    r"\b(?:includ(?:e|es|ed|ing)|contain(?:s|ed)?|cover(?:s|ed)?|features?d?|consist(?:s|ed)? of|"
    r"among them|such as|along with|as well as)\b",
    re.I,
)
_NEGATED = re.compile(
    r"\b(?:not|no|never|nor|without|except|excluding|but not|left out|leave out|omit(?:s|ted)?|"
    r"excluded?|dropped|removed|missing)\b|n't\b",
    re.I,
)


#: "When a penalty is called, what happens?": the question is the second clause's.
_LATER_QUESTION = re.compile(r",\s*(?:what|who|whom|which|how|why|where)\b", re.I)
#: Answers this short are phrases ("eastward", "hospitals"): too little to tell their kind apart.
MIN_CLAUSE_WORDS = 5


def asked_kind(question: str) -> Kind | None:
    """The kind of answer the question's opening words ask for, or None when none is marked."""
    if _LATER_QUESTION.search(question):
        return None
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return None


def holds_kind(text: str, kind: Kind) -> bool:
    """Whether ``text`` holds something of ``kind`` (lenient: any sign of it counts)."""
    if kind == "time":
        return bool(_TIME.search(text) or re.search(r"\d", text))
    if kind == "quantity":
        return bool(_QUANTITY.search(text))
    return bool(_PLACE_WORDS.search(text) or _NAME.search(text.strip()) or _opens_with_name(text))


def _opens_with_name(text: str) -> bool:
    """A capitalised first word that is no common sentence opener ("Millbrook", not "The")."""
    first = re.match(r"\s*([A-Z][\w'\-]*)", text)
    word = first.group(1).lower() if first else ""
    return bool(word) and word not in STOPWORDS and word not in _OPENERS


#: A year that dates something ("in 2009", "since early 1990"): a time, not a quantity.
_YEAR_AS_TIME = re.compile(
    r"\b(?:in|since|by|until|till|during|from|of|before|after)\s+(?:early\s+|late\s+|mid-?)?"
    r"(?:1[0-9]{3}|20[0-9]{2})\b",
    re.I,
)


def beyond_question(question: str, answer: str, kind: Kind) -> str:
    """``answer`` without the words the question already has (their kind answers nothing) and,
    for a quantity, without the years that date it ("in January 2009")."""
    asked = {w for w in re.findall(r"[\w'\-]+", question.lower()) if w not in STOPWORDS}
    if kind == "quantity":
        answer = _YEAR_AS_TIME.sub(" ", answer)
    return re.sub(r"[\w'\-]+", lambda m: " " if m.group(0).lower() in asked else m.group(0), answer)


def misfit(question: str, answer: str) -> str | None:
    """Why ``answer`` does not answer ``question`` (its kind is missing), or None when it may."""
    kind = asked_kind(question)
    if kind is None or len(answer.split()) < MIN_CLAUSE_WORDS:
        return None
    if holds_kind(beyond_question(question, answer, kind), kind):
        return None
    return {"place": "it names no place", "time": "it gives no time", "quantity": "it gives no number"}[kind]


def contradicts_relation(question: str, shown: str) -> bool:
    """A question about what was left out, answered from a sentence that only says what was
    included (no exclusion or negation of its own): the sentence states the opposite relation."""
    if not _EXCLUSION.search(question):
        return False
    return bool(_INCLUSION.search(shown)) and not _NEGATED.search(shown)


#: "What was the trade volume ...?": the measure is named, and a figure must be of it. ("How many
#: people were killed?" is answered by "119 ... massacred": its words are not the measure's name.)
_QUANTITY_QUESTION = re.compile(r"^\s*(?:what|which) (?:was|were|is|are|will be|has been) the\b", re.I)
_GENERIC = frozenset((
    "how", "many", "much", "what", "which", "was", "were", "is", "are", "the", "a", "an", "of", "in", "on",
    "at", "to", "for", "by", "with", "between", "from", "last", "this", "next", "year", "years", "month",
    "week", "day", "today", "now", "total", "number", "amount", "figure", "average", "current", "latest",
    "new", "did", "does", "do", "has", "have", "had", "be", "been", "will", "about", "after", "before",
))


def measure_words(question: str) -> set[str]:
    """What a figure question asks the figure *of*: its lower-case content words ("trade",
    "volume" in "What was the trade volume between Russia and China last year?"), stemmed; empty
    when the question is no figure question or names nothing but names and times."""
    if not _QUANTITY_QUESTION.search(question):
        return set()
    words = re.findall(r"(?<![\w'])([a-z][a-z\-]+)\b", question)  # lower-case: names are not measures
    return {w[:5] for w in words if w not in _GENERIC and w not in STOPWORDS and len(w) > 2}


def other_measure(question: str, claim: str, shown: str) -> bool:
    """A figure given for the asked measure, from a sentence about another one: the claim has a
    number and the cited text holds none of the words naming what the question measures."""
    want = measure_words(question)
    if not want or not re.search(r"\d", claim):
        return False
    have = {w[:5] for w in re.findall(r"[a-z][a-z\-]+", shown.lower())}
    return not want & have


_NOW = re.compile(r"\b(?:now|currently|today|at present|presently|latest|these days|so far)\b", re.I)
_FIGURE_AT = re.compile(
    r"(?P<cur>[$£€¥])?\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>%|percent|per cent|[a-z]+)?", re.I
)
_EARLIER = re.compile(
    r"\b(?:from|up from|down from|compared with|compared to|versus|vs|previously|formerly|earlier|"
    r"before|began|begun|started|ago|last (?:year|month|week)|a year earlier|at the start|initially|"
    r"originally|had been|used to)\b",
    re.I,
)


def _figures(text: str) -> list[tuple[str, str, int]]:
    """(value, unit key, position) of each figure in ``text``; the unit key is its currency or
    the word after it, so "$3.97" and "$4.62" compare and "$3.97" and "3 days" do not."""
    out = []
    for m in _FIGURE_AT.finditer(text):
        unit = (m["cur"] or (m["unit"] or "")).lower()
        out.append((m["num"].replace(",", ""), unit, m.start()))
    return out


def older_figure(question: str, claim: str, cited: str, others: list[str]) -> bool:
    """A question about the figure *now*, answered with one the cited text places earlier ("$3.97
    when the run of increases began in April"), while another shown sentence gives a different
    figure of the same unit: the claim's figure is not the current one."""
    if not _NOW.search(question):
        return False
    claimed = {(v, u) for v, u, _ in _figures(claim)}
    for value, unit, pos in _figures(cited):
        if (value, unit) not in claimed:
            continue
        around = cited[max(0, pos - 40) : pos + len(value) + 60]
        if not _EARLIER.search(around) and not _EARLIER.search(claim):
            continue
        if any(u == unit and v != value for text in others for v, u, _ in _figures(text)):
            return True
    return False
