"""Numbers as text writes them: digits, number words, scale words, money and percentages.

Summaries, briefings, the answer support check and key-sentence selection all read numbers;
their readings differ where callers rely on it, but each is defined once, named for what it keeps:

* ``numbers_in`` / ``digits_in`` / ``number_words_in`` — a summary's numbers by *value*:
  "1,200" → "1200", "1.50" → "1.5", "07" → "7", and every word of ``NUMBER_WORDS`` (zero to
  twenty, the tens, "hundred", "thousand", "dozen", "half") counts;
* ``token_number`` / ``plain_number`` — an answer's numbers as *written* (commas dropped only:
  "1.50" is not "1.5") and only ``COUNT_WORDS``: "one" is as often a pronoun ("one of the
  ministers") as a count, and "hundred"/"thousand" are scale words there, not counts;
* ``stated_numbers`` / ``parse_amount`` / ``values_in`` — a briefing's numbers as floats, with
  scale words ("$18.4 million" is 18.4 and 1.84e7) and ordinals ("5th") told apart;
* ``figures`` / ``figure_candidates`` — the figures a summary would report (money, percentages,
  scaled numbers; candidates also take counted quantities such as "312 homes").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]  # fmt: skip
_TENS = {
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
}
#: Spelled-out numbers as digits: "two" → "2", "forty" → "40", "dozen" → "12", "half" → "0.5".
NUMBER_WORDS: dict[str, str] = {w: str(i) for i, w in enumerate(_UNITS)} | _TENS
NUMBER_WORDS.update({"hundred": "100", "thousand": "1000", "dozen": "12", "half": "0.5"})
#: The number words that are counts in a claim: "two" to "twenty" and the tens. Not "zero",
#: "one" (as often a pronoun as a count), "hundred"/"thousand" (scale words), "dozen", "half".
COUNT_WORDS: dict[str, str] = {
    w: n for w, n in NUMBER_WORDS.items() if w not in ("zero", "one", "hundred", "thousand", "dozen", "half")
}

#: A run of digits with inner separators: "1,200", "1.5", "2026".
DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_WORDS = re.compile(r"[a-z]+")


def canonical_number(token: str) -> str:
    """``1,200`` → ``1200``; ``1.50`` → ``1.5``; ``07`` → ``7`` (a decimal comma is rare in news)."""
    t = token.replace(",", "")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t.lstrip("0") or "0"


def digits_in(text: str) -> set[str]:
    """Every number ``text`` writes in digits, normalised by ``canonical_number``."""
    return {canonical_number(m.group()) for m in DIGITS.finditer(text)}


def number_words_in(text: str) -> set[str]:
    """Every ``NUMBER_WORDS`` word of ``text``, as digits ("three deals" → {"3"})."""
    return {NUMBER_WORDS[w] for w in _WORDS.findall(text.lower()) if w in NUMBER_WORDS}


def numbers_in(text: str) -> set[str]:
    """Every number in ``text``, normalised; spelled-out small numbers count too."""
    return digits_in(text) | number_words_in(text)


def plain_number(token: str) -> str:
    """A number token as written, without thousands commas: "12,000" → "12000", "1.50" stays."""
    return token.replace(",", "").rstrip(".")


def token_number(token: str) -> str | None:
    """The number a word token stands for ("12,000" → "12000", "two" → "2"), else None."""
    if token[0].isdigit():
        return plain_number(token)
    return COUNT_WORDS.get(token)


# --- amounts: numbers as values, with scale words ----------------------------------------------

SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "t": 1e12,
}
_AMOUNT = re.compile(
    r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(thousand|million|billion|trillion|mn|bn|tn|k|m|b|t)?\b", re.IGNORECASE
)
# A number not glued to a word ("S3", "A38", "Q4" are labels) or inside another number; an
# ordinal suffix; a scale word ("$18.4 million", "240bn").
_STATED = re.compile(
    r"(?<![\w.,])(\d+(?:,\d{3})*(?:\.\d+)?)(?:(st|nd|rd|th)\b)?"
    r"(?:\s*(thousand|million|billion|trillion|mn|bn|tn|k|m|b|t)\b)?",
    re.IGNORECASE,
)


def amount(value: str) -> tuple[float, float] | None:
    """The first number of ``value`` as (written, × scale word): "$240 billion" → (240, 2.4e11)."""
    m = _AMOUNT.search(value)
    if not m:
        return None
    raw = float(m.group(1).replace(",", ""))
    return raw, raw * SCALE.get((m.group(2) or "").lower(), 1.0)


def parse_amount(value: str) -> float | None:
    """``"$240 billion"`` → 2.4e11, ``"40%"`` → 40.0, ``"1.5 times"`` → 1.5; None without a number."""
    found = amount(value)
    return found[1] if found else None


class StatedNumber(NamedTuple):
    """One number a sentence states: as written, its value, value × scale word, ordinal or not."""

    token: str
    raw: float
    scaled: float
    ordinal: bool


def stated_numbers(text: str) -> list[StatedNumber]:
    """Each number ``text`` states (labels such as "S3" or "Q4" are not numbers)."""
    out = []
    for m in _STATED.finditer(text):
        raw = float(m.group(1).replace(",", ""))
        scale = SCALE.get((m.group(3) or "").lower(), 1.0)
        out.append(StatedNumber(m.group().strip(), raw, raw * scale, bool(m.group(2))))
    return out


def values_in(texts: Iterable[str]) -> list[float]:
    """Every number the texts state: as written, scaled ("18.4 million" → 18.4 and 1.84e7), and
    spelled out ("two")."""
    out: set[float] = set()
    for t in texts:
        for _, raw, scaled, _ in stated_numbers(t):
            out |= {raw, scaled}
        for n in numbers_in(t):
            try:
                out.add(float(n))
            except ValueError:
                continue
    return sorted(out)


def has_value(values: Sequence[float], v: float) -> bool:
    """Whether ``v`` is one of ``values`` (compared as floats, not as text)."""
    return any(math.isclose(v, x, rel_tol=1e-9, abs_tol=1e-9) for x in values)


# --- figures: what a summary reports ----------------------------------------------------------

# Key-sentence selection keeps these: money, a percentage, or a number with a scale word.
_FIGURE = re.compile(
    r"[$€£¥]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|bn|m)\b)?"
    r"|\d[\d,.]*\s?(?:%|percent\b|per cent\b)"
    r"|\d[\d,.]*\s?(?:thousand|million|billion|trillion)\b",
    re.IGNORECASE,
)
# A summary offers the model these as candidates: the above, multiples and counted quantities.
_CANDIDATE = re.compile(
    r"(?:[$£€]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:trillion|billion|million|bn|m)\b)?)"
    r"|(?:\b\d[\d,]*(?:\.\d+)?\s?(?:%|per ?cent\b|percent\b|times\b|"
    r"(?:trillion|billion|million|thousand)(?:\s(?:dollars|euros|pounds|people|tonnes|barrels))?\b|"
    r"(?:mm|millimetres|millimeters|centimetres|metres|meters|kilometres|kilometers|miles|km|"
    r"tonnes|tons|litres|liters|barrels|people|homes|houses|jobs|votes|workers|residents|"
    r"deaths|patients|students|firefighters|officers|troops|cars|vehicles|units)\b))",
    re.IGNORECASE,
)
MAX_FIGURE_CANDIDATES = 24


def figures(sentence: str) -> set[str]:
    """The distinct figures a sentence states, normalised ("$9.7 billion" → "$9.7billion")."""
    return {re.sub(r"[\s,]", "", m.group(0).lower()).rstrip(".") for m in _FIGURE.finditer(sentence)}


def figure_candidates(text: str) -> list[str]:
    """Money amounts, percentages, multiples and counted quantities written in ``text``.

    Found deterministically, so the model only has to say what each measures: a small model
    asked to find them itself leaves some out and repeats others.
    """
    seen: dict[str, str] = {}
    for m in _CANDIDATE.finditer(text):
        value = " ".join(m.group().split()).rstrip(".,")
        seen.setdefault(value.lower(), value)
    return list(seen.values())[:MAX_FIGURE_CANDIDATES]
