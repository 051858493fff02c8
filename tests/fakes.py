"""Fake chat models shared by the unit tests (pure logic only; the real model has its own tests).

``ReplyingChatModel`` answers every call with ``reply(messages)`` and streams the same text in
pieces, so a test can drive both ``invoke`` and ``stream`` paths with one script.
``JsonChatModel`` is the one scripted fake of the JSON-replying tests: it replies with the next
of ``script`` (the last one repeats) or with ``respond(messages)`` as JSON, and records the calls.
``ForbiddenModel`` stands in where a test proves no model is consulted at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult


class ReplyingChatModel(BaseChatModel):
    """Subclasses implement ``reply``; ``piece`` is the streamed chunk size in characters."""

    piece: int = 16

    @property
    def _llm_type(self) -> str:
        return "fake-replying"

    def reply(self, messages: list[BaseMessage]) -> str:
        raise NotImplementedError

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply(messages)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self.reply(messages)
        for i in range(0, len(text), self.piece):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[i : i + self.piece]))


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


class ForbiddenModel:
    """Stands in for the chat model where a test proves the model is never consulted."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the chat model was used (.{name}) where no model call is expected")
