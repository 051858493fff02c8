"""The answer step: passages + question → schema-constrained model output → verified ``Answer``.

An LCEL chain: ``prompt (prompts/answer.md) | structured model call | cite.verify_citations``.

Why a JSON schema built per call: the citation ``passage`` field is an ``enum`` of exactly the
passage numbers in this prompt, so the (grammar-constrained) model *cannot* cite a passage it
wasn't given; ``answer`` comes first in the schema so its text streams first.

Why the system prompt is fixed: everything per-question (passages, question) goes in the user
message, so a local llama.cpp model re-uses the evaluated system prefix from its KV cache.

Article text is data: passages are fenced in ``<passage>`` tags, any tag-like sequence inside the
text is neutralised, and whatever the model claims is checked against the passages afterwards.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from agent.cite import NOT_ANSWERED_TEXT, UNVERIFIED_TEXT, verify_citations
from agent.errors import InvalidArgumentError
from agent.prompting import load_prompt
from agent.settings import Settings
from agent.types import Answer, Passage
from agent.untrusted import defang
from agent.usage import Usage, records_usage

log = logging.getLogger(__name__)

PROMPT_NAME = "answer"
STATUSES = ["answered", "partial", "not_in_sources"]
# Shown between a first answer that failed verification and the retry's streamed text.
RETRY_NOTICE = "\n\n(That answer did not check out against its sources; asking again.)\n\n"

_TAG_LIKE = re.compile(r"<(\s*/?\s*passage)", re.IGNORECASE)

ModelOrFactory = BaseChatModel | Callable[[], BaseChatModel]


def neutralise(text: str) -> str:
    """Make ``<passage``/``</passage`` inside article text inert (``<`` → ``‹``), so text can't
    close its fence and pose as instructions outside it."""
    return _TAG_LIKE.sub("\u2039\\1", text)


def _attr(value: str) -> str:
    return neutralise(value).replace('"', "'").replace("<", "\u2039").replace(">", "\u203a")


def format_passages(passages: Sequence[Passage]) -> str:
    """The numbered, fenced passages as they appear in the user message (dates included, so the
    model can tell this week's figure from last month's)."""
    blocks = []
    for i, p in enumerate(passages, start=1):
        attrs = [f'id="{i}"', f'title="{_attr(defang(p.title))}"']  # titles can carry attacks too
        if p.source:
            attrs.append(f'source="{_attr(defang(p.source))}"')
        attrs.append(f'date="{p.published.date().isoformat() if p.published else "unknown"}"')
        body = neutralise(defang(p.text.strip()))  # instruction-like text never reaches the model
        blocks.append(f"<passage {' '.join(attrs)}>\n{body}\n</passage>")
    return "\n\n".join(blocks)


def answer_schema(n_passages: int) -> dict[str, Any]:
    """JSON schema for the model's output; ``passage`` can only be one of 1..n_passages."""
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "citations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "passage": {"type": "integer", "enum": list(range(1, n_passages + 1))},
                        "quote": {"type": "string"},
                    },
                    "required": ["passage", "quote"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["answer", "status", "citations"],
        "additionalProperties": False,
    }


def not_in_sources(question: str, n_searched: int, model: str = "") -> Answer:
    """The answer given without calling a model when retrieval found nothing relevant."""
    where = f" (searched {n_searched} passages)" if n_searched else ""
    return Answer(
        question=question,
        text=f"The indexed articles don't say: no passage relevant to this question was found{where}.",
        status="not_in_sources",
        passages_considered=n_searched,
        model=model,
        usage=Usage(),  # no model call
    )


UNREADABLE_TEXT = (
    "No answer is shown: the model's reply could not be read (it broke the answer format twice). "
    "Asking again in other words, or with a larger model (--model), may help."
)


def unreadable(question: str, n_passages: int, model: str = "") -> Answer:
    """The answer when the model's structured reply was unusable: nothing claimed, nothing cited."""
    return Answer(
        question=question,
        text=UNREADABLE_TEXT,
        status="not_in_sources",
        passages_considered=n_passages,
        model=model,
    )


class _TextStreamer:
    """Turns partial JSON objects into text deltas of the ``answer`` field."""

    def __init__(self, on_text: Callable[[str], None]) -> None:
        self.on_text = on_text
        self.sent = ""

    def __call__(self, partial: dict[str, Any]) -> None:
        text = partial.get("answer")
        if not isinstance(text, str) or text == self.sent:
            return
        if text.startswith(self.sent):
            delta, self.sent = text[len(self.sent) :], text
            if delta:
                self.on_text(delta)


def retry_feedback(failed: Answer) -> str:
    """What the model is told when none of its claims verified: which claims, and the rules
    they broke most often (an invented date or number, a quote not copied exactly)."""
    claims = "; ".join(f'"{c}"' for c in failed.unsupported[:3]) or "your answer"
    return (
        f"These claims could not be checked against the passages: {claims}. Answer the same "
        "question again. State only facts written in the passages: no date, year or number that "
        "is not written there (keep \"Thursday\" or \"last week\" as the passage says it). For "
        "each claim copy a quote exactly, character for character, from the passage you cite. "
        'If the passages do not answer the question, set status to "not_in_sources".'
    )


def _model_name(model: BaseChatModel, settings: Settings) -> str:
    for attr in ("model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return settings.resolved_model


def build_answer_chain(settings: Settings, model: BaseChatModel) -> Runnable[dict[str, Any], Answer]:
    """``chain.invoke({"question": str, "passages": list[Passage], "on_text": callable|None})``
    → verified ``Answer``. Requires at least one passage (``answer_question`` handles none)."""
    from agent.models.structured import InvalidOutput, structured_call

    prompt = load_prompt(PROMPT_NAME).chat_template()
    name = _model_name(model, settings)

    def call(x: dict[str, Any], messages: list[BaseMessage]) -> dict[str, Any] | None:
        """The model's validated JSON, or None when its reply could not be read (both attempts
        broke the format, e.g. cut off at max_tokens mid-loop): an honest "no answer" beats an
        exception in the middle of a chat or a batch of questions."""
        on_text = x.get("on_text")
        try:
            raw = structured_call(
                model,
                messages,
                answer_schema(len(x["passages"])),
                on_partial=_TextStreamer(on_text) if on_text else None,
                max_tokens=settings.max_answer_tokens,
            )
        except InvalidOutput as exc:
            log.warning("the model's reply could not be read: %s", exc)
            return None
        log.debug("model output: %s", json.dumps(raw, ensure_ascii=False))
        return raw

    def generate(x: dict[str, Any]) -> dict[str, Any] | None:
        return call(x, x["prompt"].to_messages())

    def verify(x: dict[str, Any]) -> Answer:
        if x["raw"] is None:
            return unreadable(x["question"], len(x["passages"]), name)
        answer = verify_citations(x["question"], x["raw"], x["passages"], model=name)
        bare_guess = answer.text == NOT_ANSWERED_TEXT and bool(answer.unsupported)
        if answer.text != UNVERIFIED_TEXT and not bare_guess:
            return answer
        # Nothing the model claimed checked out (measured on QuAIL: it turned "Thursday" into
        # an invented calendar date, or re-worded its quote). One retry, told why, in the same
        # conversation so llama.cpp re-evaluates only the new turn; its answer is verified
        # exactly like the first, and if it fails too the honest "could not be verified" stays.
        # A bare guess (status not_in_sources, yet an answer with no quote) gets the same retry.
        log.info("no claim verified; retrying once with feedback")
        if x.get("on_text"):
            x["on_text"](RETRY_NOTICE)
        raw = call(
            x,
            [
                *x["prompt"].to_messages(),
                AIMessage(content=json.dumps(x["raw"], ensure_ascii=False)),
                HumanMessage(content=retry_feedback(answer)),
            ],
        )
        if raw is None:
            return answer  # the first answer's honest "could not be verified"
        return verify_citations(x["question"], raw, x["passages"], model=name)

    def fill(x: dict[str, Any]) -> dict[str, Any]:
        return {
            "passages": format_passages(x["passages"]),
            "question": x["question"],
            "note": x.get("note") or "",
        }

    render = cast(Runnable[dict[str, Any], PromptValue], RunnableLambda(fill) | prompt)
    chain: Runnable[dict[str, Any], Answer] = (
        RunnablePassthrough.assign(prompt=render)
        | RunnablePassthrough.assign(raw=RunnableLambda(generate))
        | RunnableLambda(verify)
    )
    return chain


@records_usage
def answer_question(
    question: str,
    passages: Sequence[Passage],
    model: ModelOrFactory,
    settings: Settings,
    *,
    on_text: Callable[[str], None] | None = None,
    note: str = "",
) -> Answer:
    """Answer ``question`` from ``passages`` with verified citations.

    ``note`` is trusted context put right before the question (e.g. today's date and the
    question's time window), never inside the fenced passages.

    No passages → ``not_in_sources`` without touching the model; ``model`` may be a zero-argument
    factory so a caller's lazily loaded model is only loaded when it is needed. ``on_text``
    receives the model's answer text as it streams (provisional: markers are renumbered and
    unverified ones removed in the returned ``Answer``). ``answer.usage`` holds the tokens (and
    approximate cost) of the model calls made (``agent.usage``).
    """
    question = question.strip()
    if not question:
        raise InvalidArgumentError(
            "question is empty: ask something, e.g. 'What did the article say about X?'"
        )
    if not passages:
        return not_in_sources(question, 0, settings.resolved_model)
    chat_model = model if isinstance(model, BaseChatModel) else model()
    chain = build_answer_chain(settings, chat_model)
    answer = chain.invoke(
        {"question": question, "passages": list(passages), "on_text": on_text, "note": note}
    )
    return answer
