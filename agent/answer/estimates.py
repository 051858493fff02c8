"""Questions that ask for an estimate ("How long did the meeting probably last?").

Why this exists: news articles rarely state how long something took, and a reader who asks
"how long did the talks last?" wants the best reading of the coverage, not only "the articles
do not say". Letting the model guess everywhere would show guesses as facts; forbidding it
everywhere makes it decline every such question.

The middle way: for a duration question only, the trusted note before the question allows the
model one sentence of estimate, and the verifier never shows that estimate as a cited fact. A
duration a passage does state is still answered and cited as usual; an estimate no sentence
confirms is shown under ``ESTIMATE_PREFIX`` with status ``unverified`` beside the sentence it
rests on. The detection is deliberately narrow (the question says "how long", or ends on "lasted"
/ "took:" …): everywhere else "do not guess" stands.
"""

from __future__ import annotations

import re

# "How long …", "For how long …", or a statement to complete that ends on a duration verb:
# "The shutdown probably lasted:", "The investigation will probably last", "The tweet probably
# took to write:". "took"/"take" count only before ":" or "…", so "steps he would take?" is not one.
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.IGNORECASE)
_ENDS_ON_DURATION = re.compile(
    r"(?:\b(?:last|lasts|lasted)\s*(?:[:?.…]+)?"
    r"|\b(?:take|takes|took)(?:\s+to\s+\w+)?\s*(?::|\.\.\.|…))\s*$",
    re.IGNORECASE,
)

ESTIMATE_PREFIX = "The sources do not say; the model's estimate, not confirmed by them: "

ESTIMATE_NOTE = (
    "This question asks how long something lasted or took. If a sentence states the duration or "
    "the dates it ran between, answer with it and cite that sentence. If none does, do not "
    'decline: write one sentence that starts with "Probably" and gives the duration (in minutes, '
    "hours, days, months or years) that the passages make most likely, cite the sentence it rests "
    'on, and set status to "partial".\n'
)


def asks_for_estimate(question: str) -> bool:
    """Whether ``question`` asks for a duration the articles may well not state."""
    q = question.strip()
    return bool(_HOW_LONG.search(q) or _ENDS_ON_DURATION.search(q))

