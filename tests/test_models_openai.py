"""The OpenAI path against real servers on 127.0.0.1: llama.cpp's OpenAI-compatible server
(the 0.5B model) and tiny stub servers that fail on purpose."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import SecretStr

from agent.errors import AuthenticationError, ModelFileError, ProviderError
from agent.models.openai import OpenAIChatModel
from agent.models.structured import get_chat_model, methods_for, structured_call
from agent.settings import Settings
from tests.llama_server import LlamaServer, fast_model_path, free_port, llama_server, stub_server

pytestmark = pytest.mark.slow

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["answered", "not_in_sources"]},
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "source": {"type": "integer"}},
                "required": ["text", "source"],
            },
        },
    },
    "required": ["status", "claims"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    try:
        path = fast_model_path()
    except ModelFileError as exc:
        pytest.skip(f"the fast model is not installed: {exc}")
    with llama_server(path, tmp_path_factory.mktemp("llama_server")) as srv:
        yield srv


def settings_for(srv: LlamaServer, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "provider": "openai",
        "base_url": srv.base_url,
        "openai_api_key": SecretStr(srv.api_key),
        "model": srv.model,
        "max_answer_tokens": 24,
        "max_retries": 1,
        "request_timeout": 600.0,  # the CPU is shared in CI: slow is not broken here
    }
    return Settings(**(base | kw))


def test_chat_and_streaming(server: LlamaServer) -> None:
    model = get_chat_model(settings_for(server))
    assert isinstance(model, OpenAIChatModel)
    msg = model.invoke([HumanMessage("What is the capital of France? Answer with one word.")])
    assert "paris" in str(msg.content).lower()
    assert msg.usage_metadata is not None and msg.usage_metadata["input_tokens"] > 10
    chunks = [c.content for c in model.stream([HumanMessage("Count from 1 to 6.")]) if c.content]
    assert len(chunks) >= 4 and "3" in "".join(str(c) for c in chunks)


def test_max_tokens_reaches_the_server(server: LlamaServer) -> None:
    model = get_chat_model(settings_for(server, max_answer_tokens=4))
    msg = model.invoke([HumanMessage("Write a long story about a dog.")])
    assert msg.usage_metadata is not None and msg.usage_metadata["output_tokens"] <= 4


def test_structured_output_falls_back_to_a_working_method(server: LlamaServer) -> None:
    model = get_chat_model(settings_for(server))
    messages = [
        SystemMessage("Answer from the numbered sources only."),
        HumanMessage(
            "[1] The council approved a 5% budget increase on Monday.\n"
            "Question: what did the council approve?"
        ),
    ]
    out = structured_call(model, messages, SCHEMA, max_tokens=64)
    assert out["status"] in ("answered", "not_in_sources") and isinstance(out["claims"], list)
    # llama.cpp's server rejects json_schema (HTTP 500); function calling works and is tried first now
    assert methods_for(model)[0] == "function_calling"
    seen: list[dict[str, Any]] = []
    again = structured_call(model, messages, SCHEMA, max_tokens=64, on_partial=seen.append)
    assert again["status"] in ("answered", "not_in_sources")
    assert seen and seen[-1] == again


def test_embeddings_endpoint(server: LlamaServer) -> None:
    """Integration note for agent/index/embed.py's OpenAIEmbedder: llama.cpp's server with a chat
    GGUF returns *per-token* vectors (no pooling), not one vector per input."""
    client = openai.OpenAI(base_url=server.base_url, api_key=server.api_key)
    resp = client.embeddings.create(model=server.model, input=["hello world", "flood in the harbour"])
    assert len(resp.data) == 2
    first: Any = resp.data[0].embedding
    vectors = first if isinstance(first[0], list) else [first]
    assert all(len(v) == 896 for v in vectors)  # Qwen2.5-0.5B hidden size


def test_wrong_key_is_an_authentication_error(server: LlamaServer) -> None:
    wrong = "sk-wrong-9f8e7d6c5b4a"
    model = get_chat_model(settings_for(server, openai_api_key=SecretStr(wrong)))
    with pytest.raises(AuthenticationError) as err:
        model.invoke([HumanMessage("hi")])
    assert "check OPENAI_API_KEY" in str(err.value)
    assert wrong not in str(err.value) and server.api_key not in str(err.value)
    with pytest.raises(AuthenticationError):
        structured_call(model, [HumanMessage("hi")], SCHEMA)


def test_server_error_is_retried_then_provider_error() -> None:
    with stub_server(status=500) as stub:
        s = Settings(provider="openai", base_url=stub.base_url, model="m", max_retries=2)
        with pytest.raises(ProviderError, match=r"HTTP 500.*2 retries") as err:
            get_chat_model(s).invoke([HumanMessage("hi")])
        assert "127.0.0.1" in str(err.value)
        assert len(stub.requests) == 3  # 1 try + 2 retries
        assert all(r == "POST /v1/chat/completions" for r in stub.requests)


def test_timeout_is_a_provider_error_naming_the_host() -> None:
    with stub_server(status=200, delay=3.0, max_delay_total=10.0) as stub:
        s = Settings(
            provider="openai", base_url=stub.base_url, model="m", request_timeout=0.5, max_retries=1
        )
        start = time.monotonic()
        with pytest.raises(ProviderError, match="timed out") as err:
            get_chat_model(s).invoke([HumanMessage("hi")])
        assert time.monotonic() - start < 8
        assert "127.0.0.1" in str(err.value)
        assert len(stub.requests) == 2


def test_connection_refused_is_a_provider_error(tmp_path: Path) -> None:
    s = Settings(
        provider="openai",
        base_url=f"http://127.0.0.1:{free_port()}/v1",
        openai_api_key=SecretStr("sk-secret-abcdef123456"),
        max_retries=0,
    )
    with pytest.raises(ProviderError, match="cannot connect to 127.0.0.1") as err:
        get_chat_model(s).invoke([HumanMessage("hi")])
    assert "sk-secret" not in str(err.value)


def test_openai_embedder_pools_per_token_vectors_from_the_server(server: LlamaServer) -> None:
    """Our OpenAIEmbedder against the real server: one unit vector per input, whatever the
    server's pooling."""
    from agent.index.embed import OpenAIEmbedder

    emb = OpenAIEmbedder(settings_for(server, embedder="openai", embedding_model=server.model))
    vecs = emb.embed(["The river flooded the town.", "Floodwater covered the streets.", "Stock prices rose."])
    assert vecs.shape == (3, 896)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert emb.dim == 896 and emb.name.startswith("openai/")
