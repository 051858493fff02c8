"""Telling "the passages do not say" from an answer.

Why a lexical rule: the model's ``status`` field is not reliable on its own (it writes
"answered" beside "The passages do not mention it."), and a decline must never be shown as a
cited fact. A decline is a negation *and* a word about the sources.
"""

from __future__ import annotations

import re

NOT_ANSWERED_TEXT = "The passages found do not answer this question."

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
