"""Conversations over the index: follow-up questions, session filters, transcripts.

A chat turn is an ordinary ``Agent.ask`` with one step in front: a follow-up ("and what did Xi
say about it?") is rewritten into a standalone question, since retrieval only sees the text it
is given. The rewrite is one short schema-constrained call (``prompts/rewrite.md``) over the
history bounded by ``settings.answer.chat_history_tokens``, skipped on the first turn and for a
question that names what it is about. No terminal here (that is ``agent/cli/chat.py``)::

    chat = agent.chat(source="Valley Courier")
    chat.send("How many homes did the Millbrook flood damage?")
    answer = chat.send("and how much rain fell?")   # answered as a standalone question
    print(chat.history[-1].standalone)              # "How much rain fell before the Millbrook flood?"
    print(chat.to_markdown())                       # the transcript, every answer with its sources
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

from agent.errors import NewsAgentError
from agent.safetext import md_inline, md_text
from agent.text.fence import neutralise
from agent.types import Answer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from agent.settings import Settings

log = logging.getLogger(__name__)

PROMPT_NAME = "rewrite"
REWRITE_MAX_TOKENS = 64  # a standalone question is short; the cap bounds a runaway reply
REWRITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string"}},
    "required": ["question"],
    "additionalProperties": False,
}


class ChatAgent(Protocol):
    """What a ``ChatSession`` uses of its agent (``agent.api.Agent`` is one); a protocol, so this
    module never imports ``agent.api``, which imports it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def chat_model(self) -> BaseChatModel: ...

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        as_of: datetime | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer: ...


#: The agent type a session holds: ``session.agent`` keeps it (``ChatSession[Agent]``), so the
#: terminal loop can reach the rest of the ``Agent`` API through it.
AgentT = TypeVar("AgentT", bound=ChatAgent)


class CommandError(NewsAgentError, ValueError):
    """A slash command or its argument cannot be used as typed; the message says how to fix it."""


class ChatTurn(BaseModel):
    """One exchange: what the user typed, what was actually asked, and the verified answer."""

    question: str = Field(description="The message as the user typed it.")
    standalone: str = Field(description="The question searched and answered (rewritten follow-up).")
    answer: Answer
    filters: dict[str, str] = Field(
        default_factory=dict, description="Session filters in force (source, since, until, as of)."
    )

    @property
    def rewritten(self) -> bool:
        return self.standalone != self.question


# --- history: what the rewrite model reads --------------------------------------------------

_MARKER = re.compile(r"\s*\[\d+\]")


def _fence_safe(text: str) -> str:
    """History is untrusted (answers are made from article text): it must not close its fence
    or carry instruction-like text to the model."""
    from agent.untrusted import defang

    return neutralise(defang(text), "history")


def render_turn(turn: ChatTurn) -> str:
    """A turn as the rewrite model sees it: the standalone question (its references already
    resolved) and the answer text without citation markers."""
    answer = _MARKER.sub("", turn.answer.text).strip()
    return f"Q: {_fence_safe(turn.standalone.strip())}\nA: {_fence_safe(answer)}"


def bound_history(turns: Sequence[ChatTurn], max_tokens: int) -> list[str]:
    """The newest turns (rendered, oldest first) whose tokens fit ``max_tokens``: a follow-up
    refers to the last exchange or two. A newest turn too long alone is cut at its end."""
    from agent.tokens import count_tokens, encoding

    kept: list[str] = []
    used = 0
    for turn in reversed(turns):
        block = render_turn(turn)
        n = count_tokens(block) + 1  # + the blank line between turns
        if used + n > max_tokens:
            break
        kept.append(block)
        used += n
    if not kept and turns and max_tokens > 0:
        tokens = encoding().encode(render_turn(turns[-1]), disallowed_special=())
        kept.append(encoding().decode(tokens[: max(1, max_tokens - 1)]) + "…")
    return kept[::-1]


# --- when to rewrite, and how ---------------------------------------------------------------

_FOLLOW_UP_OPENER = re.compile(
    r"^\W*(?:and|but|also|so|or|then|what about|how about|what else|anything else|same)\b", re.IGNORECASE
)
_TIME_NOUN = r"(?:week|weekend|month|year|morning|afternoon|evening|quarter|spring|summer|autumn|fall|winter)"
_REFERENCE = re.compile(
    r"\b(?:it|its|it's|itself|they|them|their|theirs|he|him|his|she|her|hers|there|former|latter|"
    r"else|again|too|the same|the other|"
    rf"(?:this|that|these|those)(?!\s+{_TIME_NOUN}s?\b))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'\u2019-]+")


def needs_rewrite(question: str, has_history: bool) -> bool:
    """Whether ``question`` may depend on the conversation, so the rewrite's call can help: an
    opener ("and", "what about"), a reference ("it", "they", "there"; not "this week"), or a very
    short question naming nothing. A false positive costs one short call; a standalone question
    pays nothing.
    """
    if not has_history:
        return False
    q = question.strip()
    if _FOLLOW_UP_OPENER.search(q) or _REFERENCE.search(q):
        return True
    words = _WORD.findall(q)
    names_something = any(w[:1].isupper() or any(ch.isdigit() for ch in w) for w in words[1:])
    return len(words) <= 4 and not names_something


def clean_rewrite(text: Any, question: str) -> str:
    """The model's standalone question, or the original when the reply is unusable."""
    if not isinstance(text, str):
        return question
    text = " ".join(text.split()).strip().strip("\"'\u201c\u201d").strip()
    if not text or len(text) > max(300, 4 * len(question)):
        return question
    return text


def rewrite_question(model: BaseChatModel, history: Sequence[str], question: str) -> str:
    """One short schema-constrained call: ``question`` made standalone from ``history``, or
    ``question`` itself when the reply is unusable (provider and model-file errors still raise)."""
    from agent.errors import ModelError, ModelFileError, ProviderError
    from agent.models.structured import structured_call
    from agent.prompting import load_prompt

    messages = (
        load_prompt(PROMPT_NAME)
        .chat_template()
        .format_messages(history="\n\n".join(history), question=question)
    )
    try:
        raw = structured_call(model, messages, REWRITE_SCHEMA, max_tokens=REWRITE_MAX_TOKENS)
    except (ProviderError, ModelFileError):
        raise
    except ModelError as exc:
        log.warning("could not rewrite the follow-up, asking it as typed: %s", exc)
        return question
    return clean_rewrite(raw.get("question"), question)


# --- the session ------------------------------------------------------------------------------


class ChatSession(Generic[AgentT]):
    """A conversation with an ``Agent`` (``Agent.chat(...)``): ``send`` answers like ``Agent.ask``
    and records a ``ChatTurn`` in ``history`` (not when interrupted by an exception); the filters
    are plain attributes, changeable between turns.
    """

    def __init__(
        self,
        agent: AgentT,
        *,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        as_of: datetime | None = None,
        k: int | None = None,
    ) -> None:
        self.agent = agent
        self.source = source
        self.since = since
        self.until = until
        self.as_of = as_of
        self.k = k
        self.history: list[ChatTurn] = []

    @property
    def last_answer(self) -> Answer | None:
        return self.history[-1].answer if self.history else None

    def filters(self) -> dict[str, str]:
        """The filters in force, for display and the transcript (empty: none)."""
        shown: dict[str, str] = {}
        if self.source:
            shown["source"] = self.source
        if self.since:
            shown["since"] = self.since.date().isoformat()
        if self.until:
            shown["until"] = self.until.date().isoformat()
        if self.as_of:
            shown["as of"] = self.as_of.date().isoformat()
        return shown

    def update_filters(self, changes: dict[str, str | datetime | None]) -> None:
        """Apply ``parse_filter_args`` output (agent/cli/slash.py): a key set to None is cleared."""
        for key, value in changes.items():
            if key == "source":
                self.source = value if isinstance(value, str) and value else None
            elif key in ("since", "until"):
                setattr(self, key, value if isinstance(value, datetime) else None)
            else:
                raise CommandError(f"unknown filter {key!r}; use source, since or until")

    def reset(self) -> None:
        """Forget the conversation (filters and as-of stay)."""
        self.history.clear()

    def standalone_question(self, question: str) -> str:
        """``question`` as it will be searched: rewritten from the bounded history when it looks
        like a follow-up, else unchanged (and no model call)."""
        question = question.strip()
        if not needs_rewrite(question, bool(self.history)):
            return question
        from agent.models.capabilities import keeping_prompt_cache  # lazy: agent.models is slow to import

        history = bound_history(self.history, self.agent.settings.answer.chat_history_tokens)
        if not history:
            return question
        model = self.agent.chat_model
        # llama.cpp keeps only the latest prompt in its KV cache: put the answer's back afterwards.
        with keeping_prompt_cache(model):
            return rewrite_question(model, history, question)

    def send(
        self,
        message: str,
        *,
        on_text: Callable[[str], None] | None = None,
        on_rewrite: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer ``message`` in the context of the conversation and record the turn;
        ``on_rewrite`` receives a rewritten question before answering, ``on_text`` the answer text."""
        from agent.answer.question import check_question  # lazy: agent.answer loads LangChain

        question = check_question(message, what="message")  # before the rewrite's model call
        standalone = self.standalone_question(question)
        if standalone != question and on_rewrite is not None:
            on_rewrite(standalone)
        answer = self.agent.ask(
            standalone,
            k=self.k,
            source=self.source,
            since=self.since,
            until=self.until,
            as_of=self.as_of,
            on_text=on_text,
        )
        self.history.append(
            ChatTurn(question=question, standalone=standalone, answer=answer, filters=self.filters())
        )
        return answer

    def to_markdown(self) -> str:
        """The transcript: each question, what was asked when rewritten, the answer and its sources."""
        lines = ["# newsagent chat", ""]
        if not self.history:
            lines.append("*(no questions yet)*")
        for i, turn in enumerate(self.history, 1):
            lines += [f"## {i}. {md_text(turn.question)}", ""]
            if turn.rewritten:
                lines += [f"*Asked as:* {md_text(turn.standalone)}", ""]
            if turn.filters:
                shown = ", ".join(f"{k} {md_inline(str(v))}" for k, v in turn.filters.items())
                lines += [f"*Filters:* {shown}", ""]
            lines += [turn.answer.to_markdown().rstrip(), ""]
        return "\n".join(lines).rstrip() + "\n"
