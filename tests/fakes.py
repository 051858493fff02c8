"""Fake chat models shared by the unit tests (pure logic only; the real model has its own tests).

``ReplyingChatModel`` answers every call with ``reply(messages)`` and streams the same text in
pieces, so a test can drive both ``invoke`` and ``stream`` paths with one script; given
``usage`` it reports token counts the way a provider does (on the message, and on a last empty
chunk when streaming), given ``provider``/``model`` it names itself like OpenAIChatModel and
LocalChatModel do, and with ``fail`` every call raises as a broken server would.
``JsonChatModel`` is the one scripted fake of the JSON-replying tests: it replies with the next
of ``script`` (the last one repeats) or with ``respond(messages)`` as JSON, and records the calls.
``cite_first_sentence`` is a ``respond`` for the answer prompt: it repeats the first numbered
sentence shown and cites it, an answer the verifier confirms. Registered by name (the
``register_model`` fixture of tests/conftest.py), these run the real CLI offline.
``ForbiddenModel`` stands in where a test proves no model is consulted at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult


class ReplyingChatModel(BaseChatModel):
    """Subclasses implement ``reply``; ``piece`` is the streamed chunk size in characters."""

    piece: int = 16
    usage: dict[str, int] | None = None  # {"input_tokens": ..., "output_tokens": ...}
    provider: str | None = None  # ls_provider, as the real models report it
    model: str | None = None  # ls_model_name
    fail: bool = False

    @property
    def _llm_type(self) -> str:
        return "fake-replying"

    def reply(self, messages: list[BaseMessage]) -> str:
        raise NotImplementedError

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        if self.provider is not None:
            params["ls_provider"] = self.provider
        if self.model is not None:
            params["ls_model_name"] = self.model
        return params

    def _usage(self) -> dict[str, Any]:
        if self.usage is None:
            return {}
        total = self.usage["input_tokens"] + self.usage["output_tokens"]
        return {"usage_metadata": {**self.usage, "total_tokens": total}}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.fail:
            raise RuntimeError("HTTP 500")
        message = AIMessage(content=self.reply(messages), **self._usage())
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self.fail:
            raise RuntimeError("HTTP 500")
        text = self.reply(messages)
        for i in range(0, len(text), self.piece):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[i : i + self.piece]))
        if self.usage is not None:  # like stream_usage=True: a last, empty chunk with the usage
            yield ChatGenerationChunk(message=AIMessageChunk(content="", **self._usage()))


class FixedReplyModel(ReplyingChatModel):
    """Replies ``text`` to every call."""

    text: str = ""

    def reply(self, messages: list[BaseMessage]) -> str:
        return self.text


class JsonChatModel(ReplyingChatModel):
    """Replies with ``respond(messages)`` as JSON when given, else the next of ``script``
    (JSON text; the last one repeats); every call's messages are kept in ``calls``."""

    script: list[str] = []
    respond: Callable[[list[BaseMessage]], dict[str, Any]] | None = None
    calls: list[list[BaseMessage]] = []
    model_name: str = "fake-model"
    piece: int = 7

    def reply(self, messages: list[BaseMessage]) -> str:
        n = len(self.calls)
        self.calls.append(messages)
        if self.respond is not None:
            return json.dumps(self.respond(messages))
        return self.script[min(n, len(self.script) - 1)]


def cite_first_sentence(messages: list[BaseMessage]) -> dict[str, Any]:
    """The answer prompt's first ``[id] sentence`` line, answered verbatim and cited."""
    found = re.search(r"^\[(\d+)\] (.+)$", str(messages[-1].content), re.M)
    assert found, "no numbered sentence in the prompt"
    n = int(found.group(1))
    return {"answer": f"{found.group(2)} [{n}]", "status": "answered", "citations": [n]}


class ForbiddenModel:
    """Stands in for the chat model where a test proves the model is never consulted."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the chat model was used (.{name}) where no model call is expected")
