"""Token usage and cost of model calls, collected over one operation with ``track_usage()``.

``track_usage()`` puts a LangChain callback handler in a context variable that LangChain
attaches to every chat-model call started inside the block (a configure hook, as
``get_usage_metadata_callback`` uses), so every path, retries and fallback probes included, is
covered without passing a collector around. A call's figure is the reply's ``usage_metadata``
(the embedded model always reports it; OpenAI streams do with ``stream_usage=True``), else a
tiktoken count of the request and the reply, marked ``estimated``. A call that failed before
producing anything is not counted; a stream cut off half-way is, as an estimate.

Cost: OpenAI itself (``ls_provider == "openai"``) is priced from ``PRICES`` (a dated snapshot
matches its base name); the embedded model costs ``0.0``; anything else (an unlisted model, any
OpenAI-compatible server) ``None``, and so does a total that includes such a call.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from langchain_core.callbacks.base import BaseCallbackHandler
from pydantic import BaseModel, Field

# USD per 1M tokens, (input, output): OpenAI's list prices for standard requests, for
# orientation only (https://openai.com/api/pricing has the current ones).
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}

OPENAI_PROVIDER = "openai"  # ls_provider of OpenAIChatModel when it talks to api.openai.com
LOCAL_PROVIDER = "llama-cpp-local"  # ls_provider of the embedded LocalChatModel

# Per-message framing tokens in OpenAI's chat format (role, separators), and the reply's priming.
_MESSAGE_OVERHEAD = 4
_REPLY_PRIMING = 3
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


class Usage(BaseModel):
    """Tokens used by the model calls of one operation (an answer, a summary, a briefing)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = Field(0, description="Model calls counted (retries and fallbacks included).")
    estimated: bool = Field(
        False, description="Some call reported no usage: its tokens were counted with tiktoken."
    )
    cost_usd: float | None = Field(
        0.0,
        description="Approximate cost from list prices; 0 for the embedded local model; None when "
        "a call went to a model whose price is unknown (an OpenAI-compatible server).",
    )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            calls=self.calls + other.calls,
            estimated=self.estimated or other.estimated,
            cost_usd=cost,
        )


# --- prices --------------------------------------------------------------------------------


def price_for(model: str, provider: str | None) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens for a call to ``model`` via ``provider``, or None."""
    if provider == LOCAL_PROVIDER:
        return (0.0, 0.0)
    if provider != OPENAI_PROVIDER:
        return None
    name = model.strip().lower().removeprefix("openai/")
    return PRICES.get(name) or PRICES.get(_SNAPSHOT.sub("", name))


def cost_of(prompt_tokens: int, completion_tokens: int, price: tuple[float, float] | None) -> float | None:
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


def format_cost(cost: float) -> str:
    """``$0.0021``, ``$1.24``: two significant digits below a cent, never scientific notation."""
    if cost >= 0.01:
        return f"${cost:.2f}"
    return "$" + format(Decimal(f"{cost:.2g}"), "f")


def format_usage(usage: Usage) -> str:
    """One line for the terminal, e.g. ``tokens: 812 prompt + 64 completion (≈$0.00017)``."""
    if usage.calls == 0:
        return "tokens: none (no model call)"
    approx = "≈" if usage.estimated else ""
    line = f"tokens: {approx}{usage.prompt_tokens} prompt + {approx}{usage.completion_tokens} completion"
    notes: list[str] = []
    if usage.calls > 1:
        notes.append(f"{usage.calls} calls")
    if usage.estimated:
        notes.append("estimated: the server reported no usage")
    if usage.cost_usd is None:
        notes.append("cost unknown")
    elif usage.cost_usd == 0:
        notes.append("local model, no cost")
    else:
        notes.append(f"≈{format_cost(usage.cost_usd)}")
    return f"{line} ({', '.join(notes)})"


# --- estimating with tiktoken ----------------------------------------------------------------


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


def estimate_prompt_tokens(messages: Sequence[Any], invocation_params: dict[str, Any] | None = None) -> int:
    """tiktoken count of what a chat request sends: messages, and tools / response_format."""
    from agent.tokens import count_tokens

    n = _REPLY_PRIMING
    for m in messages:
        n += _MESSAGE_OVERHEAD + count_tokens(_text_of(getattr(m, "content", m)))
        for call in getattr(m, "tool_calls", None) or []:
            n += count_tokens(json.dumps(call.get("args", {}), ensure_ascii=False))
    params = invocation_params or {}
    for key in ("tools", "functions", "response_format"):
        if params.get(key):
            n += count_tokens(json.dumps(params[key], ensure_ascii=False, default=str))
    return n


def estimate_completion_tokens(message: Any) -> int:
    """tiktoken count of a reply: its text and the arguments of any tool call it made."""
    from agent.tokens import count_tokens

    text = _text_of(getattr(message, "content", ""))
    chunks = getattr(message, "tool_call_chunks", None) or []
    if chunks:
        text += "".join(c.get("args") or "" for c in chunks)
    else:
        for call in getattr(message, "tool_calls", None) or []:
            text += json.dumps(call.get("args", {}), ensure_ascii=False)
    return count_tokens(text) if text else 0


# --- collecting --------------------------------------------------------------------------------


@dataclass
class _Call:
    messages: list[Any]
    invocation_params: dict[str, Any]
    provider: str | None
    model: str


class UsageCollector(BaseCallbackHandler):
    """Adds up the usage of every chat-model call it sees; also into its parent collector, so a
    briefing's total includes the summaries it made (each of which has its own total)."""

    run_inline = True  # cheap, and keeps async calls in order

    def __init__(self, parent: UsageCollector | None = None) -> None:
        super().__init__()
        self.parent = parent
        self._lock = threading.Lock()
        self._runs: dict[UUID, _Call] = {}
        self._usage = Usage()

    @property
    def usage(self) -> Usage:
        with self._lock:
            return self._usage.model_copy()

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._usage = self._usage + usage
        if self.parent is not None:
            self.parent.add(usage)

    def _defers(self) -> bool:
        """True when a collector nested inside this one is the current one: it counts the call
        and passes it up, so counting it here too would count it twice."""
        current = _CURRENT.get()
        while current is not None and current is not self:
            current = current.parent
            if current is self:
                return True
        return False

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if self._defers():
            return
        meta = metadata or {}
        with self._lock:
            self._runs[run_id] = _Call(
                messages=messages[0] if messages else [],
                invocation_params=kwargs.get("invocation_params") or {},
                provider=meta.get("ls_provider"),
                model=str(meta.get("ls_model_name") or ""),
            )

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, response, failed=False)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finish(run_id, kwargs.get("response"), failed=True)

    def _finish(self, run_id: UUID, response: Any, *, failed: bool) -> None:
        with self._lock:
            call = self._runs.pop(run_id, None)
        if call is None:
            return
        message = _first_message(response)
        if message is None:
            return
        reported = getattr(message, "usage_metadata", None) or {}
        prompt_t = int(reported.get("input_tokens") or 0)
        completion_t = int(reported.get("output_tokens") or 0)
        estimated = False
        if prompt_t == 0 and completion_t == 0:
            completion_t = estimate_completion_tokens(message)
            if failed and completion_t == 0:
                return  # failed before the model produced anything: nothing was generated
            prompt_t = estimate_prompt_tokens(call.messages, call.invocation_params)
            estimated = True
        meta = getattr(message, "response_metadata", None) or {}
        model = str(meta.get("model_name") or call.model)
        cost = cost_of(prompt_t, completion_t, price_for(model, call.provider))
        self.add(
            Usage(
                prompt_tokens=prompt_t,
                completion_tokens=completion_t,
                calls=1,
                estimated=estimated,
                cost_usd=cost,
            )
        )


def _first_message(response: Any) -> Any:
    generations = getattr(response, "generations", None) or []
    for group in generations:
        for generation in group or []:
            message = getattr(generation, "message", None)
            if message is not None:
                return message
    return None


_CURRENT: ContextVar[UsageCollector | None] = ContextVar("newsagent_usage", default=None)
_HOOK_LOCK = threading.Lock()
_hook_registered = False


def _ensure_hook() -> None:
    """Register the context variable with LangChain once per process (each registration is
    permanent, which is why ``get_usage_metadata_callback`` is not used per operation)."""
    global _hook_registered
    with _HOOK_LOCK:
        if not _hook_registered:
            from langchain_core.tracers.context import register_configure_hook

            register_configure_hook(_CURRENT, inheritable=True)
            _hook_registered = True


@contextmanager
def track_usage() -> Iterator[UsageCollector]:
    """Collect the usage of every chat-model call made inside the block (in this thread or
    async task, and in LangChain runnables it starts): ``tracked.usage``. Nested blocks add
    into the outer one.
    """
    _ensure_hook()
    collector = UsageCollector(parent=_CURRENT.get())
    token = _CURRENT.set(collector)
    try:
        yield collector
    finally:
        _CURRENT.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def records_usage(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function returning an object with a ``usage`` field (``Answer``,
    ``ArticleSummary``, ``Briefing``): the usage of the model calls it made is set on the result.
    A result that needed no model call (nothing retrieved, a cached summary) gets zero calls."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with track_usage() as tracked:
            result = fn(*args, **kwargs)
        if hasattr(result, "usage"):
            setattr(result, "usage", tracked.usage)  # noqa: B010 - R is any result type
        return result

    return wrapper
