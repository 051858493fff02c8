"""Capability flags (agent/models/capabilities.py): what each model kind declares, the safe
defaults for any other chat model, and that structured output follows the flag, not the class."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from langchain_core.messages import BaseMessage, HumanMessage

from agent.models import capabilities
from agent.models.local import LocalChatModel
from agent.models.openai import OpenAIChatModel
from agent.models.structured import methods_for, structured_call
from tests.fakes import ForbiddenModel, ReplyingChatModel


class Plain(ReplyingChatModel):
    """A user's own LangChain model: declares nothing."""

    def reply(self, messages: list[BaseMessage]) -> str:
        return '{"answer": "yes"}'


class Grammared(Plain):
    """Declares grammar decoding; records the kwargs each call receives."""

    supports_grammar: ClassVar[bool] = True
    seen: ClassVar[list[dict[str, Any]]] = []

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        self.seen.append(kwargs)
        return super()._generate(messages, stop, run_manager, **kwargs)


class CacheKeeping(Plain):
    keeps_prompt_cache: ClassVar[bool] = True
    events: ClassVar[list[str]] = []

    @contextmanager
    def keeping_prompt_cache(self) -> Iterator[None]:
        self.events.append("enter")
        yield
        self.events.append("exit")


class FlagWithoutMethod(Plain):
    keeps_prompt_cache: ClassVar[bool] = True


def local() -> LocalChatModel:
    return LocalChatModel(model_path="/nonexistent/model.gguf")  # weights load on first call only


def remote() -> OpenAIChatModel:
    return OpenAIChatModel(model="m", api_key="sk-test", base_url="http://127.0.0.1:9/v1")


def test_local_model_decodes_under_a_grammar_and_keeps_its_prompt_cache() -> None:
    model = local()
    assert capabilities.supports_grammar(model)
    assert capabilities.keeps_prompt_cache(model)


def test_openai_model_declares_neither() -> None:
    model = remote()
    assert not capabilities.supports_grammar(model)
    assert not capabilities.keeps_prompt_cache(model)
    with capabilities.keeping_prompt_cache(model):  # a no-op
        pass


def test_any_other_chat_model_gets_the_safe_defaults() -> None:
    model = Plain()
    assert not capabilities.supports_grammar(model)
    assert not capabilities.keeps_prompt_cache(model)
    assert not capabilities.supports_grammar(ForbiddenModel())  # asked of the class, not the object


def test_the_cache_flag_needs_the_method_too() -> None:
    assert not capabilities.keeps_prompt_cache(FlagWithoutMethod())
    with capabilities.keeping_prompt_cache(FlagWithoutMethod()):
        pass


def test_keeping_prompt_cache_wraps_the_body_when_declared() -> None:
    CacheKeeping.events.clear()
    with capabilities.keeping_prompt_cache(CacheKeeping()):
        CacheKeeping.events.append("body")
    assert CacheKeeping.events == ["enter", "body", "exit"]


def test_structured_output_follows_the_grammar_flag() -> None:
    assert methods_for(local()) == ("grammar",)
    assert methods_for(Plain()) == ("prompt",)
    assert methods_for(Grammared()) == ("grammar",)
    Grammared.seen.clear()
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    assert structured_call(Grammared(), [HumanMessage("?")], schema) == {"answer": "yes"}
    assert Grammared.seen[0]["response_format"] == {"type": "json_object", "schema": schema}
