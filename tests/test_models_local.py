"""The embedded llama.cpp chat model, for real (the 0.5B "fast" model, short outputs)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage

from agent.errors import ModelError, ModelFileError
from agent.models.local import LocalChatModel
from agent.models.structured import get_chat_model, structured_call
from agent.settings import Settings
from tests.llama_server import model_cache_dir

pytestmark = pytest.mark.slow

# No minItems/maxItems: with them llama.cpp's grammar sampled ~4x slower in one (noisy,
# loaded-machine) measurement, 0.3 vs 1.4 tok/s; a flat object schema cost nothing extra.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["answered", "partial", "not_in_sources"]},
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "source": {"type": "integer"},
                    "quote": {"type": "string"},
                },
                "required": ["text", "source", "quote"],
            },
        },
    },
    "required": ["status", "claims"],
}

SOURCES = (
    "[1] The city council approved a 5% budget increase on Monday, citing road repairs.\n"
    "[2] Heavy rain flooded the harbour district on Tuesday; no injuries were reported.\n"
)


@pytest.fixture(scope="module")
def model() -> LocalChatModel:
    settings = Settings(
        provider="local", model="fast", cache_dir=model_cache_dir(), n_ctx=2048, max_answer_tokens=48
    )
    try:
        m = get_chat_model(settings)
    except ModelFileError as exc:
        pytest.skip(f"the fast model is not installed: {exc}")
    assert isinstance(m, LocalChatModel)
    assert get_chat_model(settings) is m
    return m


def test_chat_answer_and_usage(model: LocalChatModel) -> None:
    msg = model.invoke([HumanMessage("What is the capital of France? Answer with one word.")])
    assert "paris" in str(msg.content).lower()
    assert msg.usage_metadata is not None
    assert msg.usage_metadata["input_tokens"] > 10 and msg.usage_metadata["output_tokens"] >= 1


def test_streaming_yields_several_chunks(model: LocalChatModel) -> None:
    chunks = list(model.stream([HumanMessage("Count from 1 to 6, separated by commas.")]))
    texts = [c.content for c in chunks if c.content]
    assert len(texts) >= 5
    joined = "".join(str(t) for t in texts)
    assert "1" in joined and "5" in joined
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    assert isinstance(total, AIMessageChunk) and total.usage_metadata is not None
    assert total.usage_metadata["output_tokens"] == len(texts)


def test_max_tokens_and_stop_are_honoured(model: LocalChatModel) -> None:
    long = model.invoke([HumanMessage("Write a long story about a cat.")], max_tokens=5)
    assert long.usage_metadata is not None and long.usage_metadata["output_tokens"] <= 5
    assert long.response_metadata["finish_reason"] == "length"
    stopped = model.invoke([HumanMessage("Count from 1 to 9, separated by commas.")], stop=["4"])
    assert "4" not in str(stopped.content) and "5" not in str(stopped.content)


def test_structured_call_valid_every_time(model: LocalChatModel) -> None:
    """Enum + array of objects, five different questions: valid output each time.

    Replies are kept short (max_tokens=80) to bound the test's time on a shared CPU."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "status": SCHEMA["properties"]["status"],
            "claims": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"source": {"type": "integer"}, "text": {"type": "string"}},
                    "required": ["source", "text"],
                },
            },
        },
        "required": ["status", "claims"],
    }
    questions = [
        "What did the council approve?",
        "What flooded?",
        "Who won the football match?",
        "Why was the budget raised?",
        "Were there injuries?",
    ]
    for q in questions:
        out = structured_call(
            model,
            [
                SystemMessage("Answer from the numbered sources only, in at most eight words."),
                HumanMessage(f"Sources:\n{SOURCES}\nQuestion: {q}"),
            ],
            schema,
            max_tokens=80,
        )
        assert out["status"] in {"answered", "partial", "not_in_sources"}
        assert isinstance(out["claims"], list)
        for claim in out["claims"]:
            assert isinstance(claim["source"], int) and isinstance(claim["text"], str)


def test_structured_call_streams_partials(model: LocalChatModel) -> None:
    seen: list[dict[str, Any]] = []
    out = structured_call(
        model,
        [HumanMessage(f"Sources:\n{SOURCES}\nQuestion: what did the council approve?")],
        SCHEMA,
        on_partial=seen.append,
        max_tokens=120,
    )
    assert len(seen) > 3
    assert seen[-1] == out



def test_keeping_prompt_cache_puts_the_answer_prompt_back(model: LocalChatModel) -> None:
    """The chat's rewrite runs inside ``keeping_prompt_cache``: afterwards llama.cpp's KV cache
    holds the answer prompt again (so the next answer skips its system prompt), and answers
    computed from the restored cache are right."""
    llm = model._loaded().llm
    system = SystemMessage("You answer questions about European capitals in one word. " * 8)
    model.invoke([system, HumanMessage("What is the capital of Italy?")], max_tokens=4)
    cached = list(llm.input_ids[: llm.n_tokens])
    with model.keeping_prompt_cache():
        rewrite = [SystemMessage("Rewrite the question."), HumanMessage("and its population?")]
        model.invoke(rewrite, max_tokens=3)
        assert list(llm.input_ids[: llm.n_tokens]) != cached  # the side call replaced the cache
    assert list(llm.input_ids[: llm.n_tokens]) == cached
    restored = model.invoke([system, HumanMessage("What is the capital of France?")], max_tokens=4)
    llm.reset()
    fresh = model.invoke([system, HumanMessage("What is the capital of France?")], max_tokens=4)
    assert "paris" in str(restored.content).lower()
    assert restored.content == fresh.content


def test_a_prompt_longer_than_the_context_is_a_model_error_naming_the_fix(model: LocalChatModel) -> None:
    """llama-cpp-python refuses it with a bare ValueError; ours says how long and what to do."""
    too_long = [HumanMessage("flood " * 3000)]  # > n_ctx=2048 tokens
    for call in (model.invoke, lambda m: list(model.stream(m))):
        with pytest.raises(ModelError, match=r"the prompt is [\d,]+ tokens, more than the model's "
                           r"context window of 2,048; shorten the question") as err:
            call(too_long)
        assert "\n" not in str(err.value)
