"""What a chat model can do, asked of the model instead of inferred from its class.

As in simonw/llm (``Model.can_stream``, ``supports_schema``): a model class declares its
capabilities as class attributes, and callers ask through the functions below, never with
``isinstance``. Any other ``BaseChatModel`` (a user's own LangChain model, a test fake) declares
nothing and gets the safe default, False: no grammar is assumed (the schema goes in the prompt
and the reply is validated) and no cache handling is attempted.

Declared by ``LocalChatModel`` (both True) and ``OpenAIChatModel`` (both False).

Cheap to import (nothing heavy at module level), but it lives in ``agent.models``, whose package
import is slow (LangChain, llama.cpp): callers outside the models layer import it lazily.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Protocol, TypeGuard, runtime_checkable

#: Class attribute names a model class sets (``ClassVar[bool]`` on a pydantic model).
GRAMMAR = "supports_grammar"
PROMPT_CACHE = "keeps_prompt_cache"


@runtime_checkable
class PromptCacheKeeper(Protocol):
    """A model whose ``keeping_prompt_cache()`` restores its prompt cache after the body's calls."""

    def keeping_prompt_cache(self) -> AbstractContextManager[None]: ...


def supports_grammar(model: object) -> bool:
    """Whether ``response_format={"type": "json_object", "schema": ...}`` makes the model decode
    under a grammar compiled from the schema, so its reply cannot break the schema.

    What depends on it: ``agent.models.structured`` uses the single "grammar" method for such a
    model (no prompt-borne schema, no fallback chain), and a full-text summary puts the
    article's figure values into the schema as an enum (``agent.summary.summarize``), which only
    a grammar enforces; elsewhere the list is left out and verification decides."""
    return getattr(type(model), GRAMMAR, False) is True


def keeps_prompt_cache(model: object) -> TypeGuard[PromptCacheKeeper]:
    """Whether the model keeps an evaluated prompt prefix in process memory that a call with
    another prompt evicts, and offers ``keeping_prompt_cache()`` to put it back afterwards.

    What depends on it: the chat wraps its follow-up rewrite (its own system prompt) in
    ``keeping_prompt_cache()`` so the next answer does not evaluate its long system prompt again
    (seconds on a CPU). Remote servers cache on their side: nothing to restore."""
    return getattr(type(model), PROMPT_CACHE, False) is True and isinstance(model, PromptCacheKeeper)


def keeping_prompt_cache(model: object) -> AbstractContextManager[None]:
    """``model.keeping_prompt_cache()`` where ``keeps_prompt_cache(model)``, else a no-op."""
    return model.keeping_prompt_cache() if keeps_prompt_cache(model) else nullcontext()


__all__ = [
    "GRAMMAR",
    "PROMPT_CACHE",
    "PromptCacheKeeper",
    "keeping_prompt_cache",
    "keeps_prompt_cache",
    "supports_grammar",
]
