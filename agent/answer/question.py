"""What a question must be before it is searched for or shown to a model: some text, valid
Unicode, and short enough to leave the model room for the passages and the answer.

Checked first by ``Agent.ask``, ``ChatSession.send`` and ``answer_question``, so a bad question is
one ``InvalidArgumentError`` naming the problem and the fix, before any embedding or model call.
"""

from __future__ import annotations

from agent.errors import InvalidArgumentError
from agent.text.undecodable import undecodable

#: The longest question accepted. With the embedded model's 4,096-token context, the 427-token
#: system prompt, up to 1,000 tokens of passages and 400 of answer, ~2,200 tokens are left for the
#: question: 2,000 characters fit even at one token per character.
MAX_QUESTION_CHARS = 2000


def check_question(text: str, *, what: str = "question") -> str:
    """``text`` stripped, or ``InvalidArgumentError`` when it is empty, not valid Unicode or
    longer than ``MAX_QUESTION_CHARS``; ``what`` names it in the message ("question", "message")."""
    question = text.strip()
    if not question:
        raise InvalidArgumentError(
            f"the {what} is empty: ask something, e.g. 'What did the council approve?'"
        )
    shown = undecodable(question)
    if shown is not None:
        raise InvalidArgumentError(
            f"the {what} '{shown[:80]}' holds bytes that are not UTF-8 text; retype it, or use a "
            "UTF-8 terminal (e.g. LANG=C.UTF-8)"
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidArgumentError(
            f"the {what} is {len(question):,} characters long; a {what} may be at most "
            f"{MAX_QUESTION_CHARS:,} characters: shorten it (to ask about a long text, ingest it "
            "and ask about it)"
        )
    return question
