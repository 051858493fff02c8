"""What a chat model can do, asked of the model instead of inferred from its class.

As in simonw/llm: a model class declares its capabilities as class attributes (``LocalChatModel``
both True, ``OpenAIChatModel`` both False), and callers ask through these functions, never with
``isinstance``. Any other ``BaseChatModel`` (a user's, a test fake) gets the safe default, False.
Callers outside ``agent.models`` import it lazily: the package import is slow.
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
    under a grammar compiled from the schema, so its reply cannot break the schema: then
    ``structured_call`` uses the "grammar" method alone, and a full-text summary's schema may
    hold the article's figure values as an enum, which only a grammar enforces."""
    return getattr(type(model), GRAMMAR, False) is True


def keeps_prompt_cache(model: object) -> TypeGuard[PromptCacheKeeper]:
    """Whether the model keeps an evaluated prompt prefix in process memory that a call with
    another prompt evicts, and offers ``keeping_prompt_cache()`` to put it back afterwards (the
    chat's follow-up rewrite uses it). Remote servers cache on their side."""
    return getattr(type(model), PROMPT_CACHE, False) is True and isinstance(model, PromptCacheKeeper)


def keeping_prompt_cache(model: object) -> AbstractContextManager[None]:
    """``model.keeping_prompt_cache()`` where ``keeps_prompt_cache(model)``, else a no-op."""
    return model.keeping_prompt_cache() if keeps_prompt_cache(model) else nullcontext()
