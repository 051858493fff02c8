"""The answer step: passages + question → schema-constrained model output → verified ``Answer``.

An LCEL chain: ``prompt (prompts/answer.md) | structured model call | evidence.verify``.

Why a JSON schema built per call: the passages are shown as numbered sentences
(``agent.answer.evidence``) and the ``citations`` field is an ``enum`` of exactly the sentence ids in
this prompt, so the (grammar-constrained) model *cannot* cite a sentence it wasn't shown, and it
copies no quotes: the quote is the cited sentence itself. ``answer`` comes first in the schema so
its text streams first.

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

from agent.answer.declines import is_decline
from agent.answer.estimates import ESTIMATE_NOTE, asks_for_estimate
from agent.answer.evidence import Evidence, answer_schema, verify
from agent.answer.focus import focus
from agent.answer.question import check_question
from agent.prompting import load_prompt
from agent.settings import Settings
from agent.types import Answer, Passage
from agent.usage import Usage, records_usage

log = logging.getLogger(__name__)

PROMPT_NAME = "answer"
# Shown between a first answer that cited nothing and the retry's streamed text.
RETRY_NOTICE = "\n\n(That answer cited no sentence of its sources; asking again.)\n\n"

def format_passages(passages: Sequence[Passage]) -> str:
    """The fenced passages as numbered sentences, as they appear in the user message."""
    return Evidence(passages).format()


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
    """What the model is told when its answer cited no sentence at all: the only failure a
    retry is likely to fix (a claim its cited sentence does not support is shown as unverified
    instead: asking again costs a whole generation and rarely changes the verdict)."""
    claims = "; ".join(f'"{c}"' for c in failed.unsupported[:3]) or "your answer"
    return (
        f"Your answer cited no sentence: {claims}. Answer the same question again. Put the id of "
        "the sentence that states each fact in square brackets right after it, e.g. [4], and "
        "list those ids in citations. State only facts written in the sentences. If the "
        'sentences do not answer the question, set status to "not_in_sources".'
    )


def needs_retry(raw: dict[str, Any]) -> bool:
    """Retry only when it is likely to help: the model gave a real answer (not a decline, not
    status not_in_sources) but cited no sentence id at all, so nothing of it could be checked."""
    said = str(raw.get("answer") or "").strip()
    cited = bool(raw.get("citations")) or bool(re.search(r"\[\s*\d", said))
    return bool(said) and not cited and not is_decline(said) and raw.get("status") != "not_in_sources"


class _AnswerSteps:
    """The chain's steps for one model: fill the prompt, call the model, verify (one retry)."""

    def __init__(self, settings: Settings, model: BaseChatModel) -> None:
        from agent.models.structured import reported_name  # lazy: agent.models is slow to import

        self.settings, self.model = settings, model
        self.name = reported_name(model) or settings.resolved_model

    def evidence(self, x: dict[str, Any]) -> Evidence:
        """The passages as numbered sentences: with a shown-sentence budget, only the question's
        best sentences and the one before each (``agent.answer.focus``)."""
        budget = self.settings.resolved_shown_tokens
        if budget is None:
            return Evidence(x["passages"])
        return Evidence(x["passages"], keep=focus(x["question"], x["passages"], budget))

    def fill(self, x: dict[str, Any]) -> dict[str, Any]:
        return {
            "passages": x["evidence"].format(),
            "question": x["question"],
            "note": (x.get("note") or "") + (ESTIMATE_NOTE if x.get("estimate") else ""),
        }

    def call(self, x: dict[str, Any], messages: list[BaseMessage]) -> dict[str, Any] | None:
        """The model's validated JSON, or None when its reply could not be read (both attempts
        broke the format, e.g. cut off at max_tokens mid-loop): an honest "no answer" beats an
        exception in the middle of a chat or a batch of questions."""
        from agent.models.structured import InvalidOutput, structured_call

        on_text = x.get("on_text")
        try:
            raw = structured_call(
                self.model,
                messages,
                answer_schema(x["evidence"].ids),
                on_partial=_TextStreamer(on_text) if on_text else None,
                max_tokens=self.settings.answer.max_answer_tokens,
            )
        except InvalidOutput as exc:
            log.warning("the model's reply could not be read: %s", exc)
            return None
        log.debug("model output: %s", json.dumps(raw, ensure_ascii=False))
        return raw

    def generate(self, x: dict[str, Any]) -> dict[str, Any] | None:
        return self.call(x, x["prompt"].to_messages())

    def verified(self, x: dict[str, Any], raw: dict[str, Any]) -> Answer:
        return verify(x["question"], raw, x["evidence"], model=self.name, estimate=bool(x.get("estimate")))

    def check(self, x: dict[str, Any]) -> Answer:
        if x["raw"] is None:
            return unreadable(x["question"], len(x["passages"]), self.name)
        answer = self.verified(x, x["raw"])
        if answer.citations or not needs_retry(x["raw"]):
            return answer
        return self.retry(x, answer)

    def retry(self, x: dict[str, Any], answer: Answer) -> Answer:
        """An answer that cites no sentence id cannot be checked at all: one retry, told why, in
        the same conversation so llama.cpp re-evaluates only the new turn; its answer is
        verified exactly like the first, and if it fails too the first verdict stays."""
        log.info("the answer cited no sentence; retrying once with feedback")
        if x.get("on_text"):
            x["on_text"](RETRY_NOTICE)
        raw = self.call(
            x,
            [
                *x["prompt"].to_messages(),
                AIMessage(content=json.dumps(x["raw"], ensure_ascii=False)),
                HumanMessage(content=retry_feedback(answer)),
            ],
        )
        if raw is None:
            return answer
        second = self.verified(x, raw)
        return second if second.citations or not answer.text.startswith("The model's answer") else answer


def build_answer_chain(settings: Settings, model: BaseChatModel) -> Runnable[dict[str, Any], Answer]:
    """``chain.invoke({"question": str, "passages": list[Passage], "on_text": callable|None})``
    → verified ``Answer``. Requires at least one passage (``answer_question`` handles none)."""
    steps = _AnswerSteps(settings, model)
    prompt = load_prompt(PROMPT_NAME).chat_template()
    render = cast(Runnable[dict[str, Any], PromptValue], RunnableLambda(steps.fill) | prompt)
    chain: Runnable[dict[str, Any], Answer] = (
        RunnablePassthrough.assign(evidence=RunnableLambda(steps.evidence))
        | RunnablePassthrough.assign(prompt=render)
        | RunnablePassthrough.assign(raw=RunnableLambda(steps.generate))
        | RunnableLambda(steps.check)
    )
    return chain


@records_usage
def answer_question(
    question: str,
    passages: Sequence[Passage],
    model: Callable[[], BaseChatModel],
    settings: Settings,
    *,
    on_text: Callable[[str], None] | None = None,
    note: str = "",
) -> Answer:
    """Answer ``question`` from ``passages`` with verified citations.

    ``note`` is trusted context put right before the question (e.g. today's date and the
    question's time window), never inside the fenced passages.

    No passages → ``not_in_sources`` without calling ``model``, which returns the chat model (so
    a caller's lazily loaded model is only loaded when it is needed). ``on_text``
    receives the model's answer text as it streams (provisional: markers are renumbered and
    unverified ones removed in the returned ``Answer``). ``answer.usage`` holds the tokens (and
    approximate cost) of the model calls made (``agent.usage``).
    """
    question = check_question(question)
    if not passages:
        return not_in_sources(question, 0, settings.resolved_model)
    chat_model = model()
    chain = build_answer_chain(settings, chat_model)
    answer = chain.invoke(
        {
            "question": question,
            "passages": list(passages),
            "on_text": on_text,
            "note": note,
            "estimate": asks_for_estimate(question),
        }
    )
    return answer
