"""Pure logic of structured output, error mapping and the model factory (no real model)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import SecretStr

from agent.errors import AuthenticationError, ConfigError, ModelError
from agent.models.openai import (
    PLACEHOLDER_KEY,
    ProviderHTTPError,
    host_of,
    make_openai_chat,
    map_openai_error,
)
from agent.models.structured import (
    InvalidOutput,
    extract_json,
    get_chat_model,
    is_strict_compatible,
    methods_for,
    model_label,
    structured_call,
    validate,
    with_schema_in_prompt,
)
from agent.settings import Settings
from tests.fakes import JsonChatModel

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["answered", "not_in_sources"]},
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "n": {"type": "integer"}},
                "required": ["text", "n"],
            },
        },
    },
    "required": ["status", "claims"],
}
KEY = "sk-test-0123456789abcdef"


def test_validate_accepts_and_names_the_problem() -> None:
    validate({"status": "answered", "claims": [{"text": "x", "n": 1}]}, SCHEMA)
    with pytest.raises(InvalidOutput, match="status"):
        validate({"status": "maybe", "claims": []}, SCHEMA)
    with pytest.raises(InvalidOutput, match=r"claims/0"):
        validate({"status": "answered", "claims": [{"text": "x"}]}, SCHEMA)
    with pytest.raises(InvalidOutput, match="JSON object"):
        validate([1, 2], SCHEMA)


def test_extract_json_from_fences_and_prose() -> None:
    assert extract_json('{"a": 1}') == {"a": 1}
    assert extract_json('Sure!\n```json\n{"a": [1, 2]}\n```') == {"a": [1, 2]}
    assert extract_json('Here: {"a": "b"} hope it helps') == {"a": "b"}
    with pytest.raises(InvalidOutput, match="not JSON"):
        extract_json("I cannot answer that.")


def test_strict_compatibility() -> None:
    assert not is_strict_compatible(SCHEMA)  # objects not closed
    closed = {
        "type": "object",
        "additionalProperties": False,
        "required": ["a", "b"],
        "properties": {
            "a": {"type": "string"},
            "b": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["x"],
                    "properties": {"x": {"type": "integer"}},
                },
            },
        },
    }
    assert is_strict_compatible(closed)
    closed["required"] = ["a"]
    assert not is_strict_compatible(closed)


def test_schema_goes_into_the_system_message() -> None:
    msgs = with_schema_in_prompt([SystemMessage("Be brief."), HumanMessage("q")], SCHEMA)
    assert len(msgs) == 2 and str(msgs[0].content).startswith("Be brief.")
    assert '"enum": ["answered", "not_in_sources"]' in str(msgs[0].content)
    msgs = with_schema_in_prompt([HumanMessage("q")], SCHEMA)
    assert isinstance(msgs[0], SystemMessage) and msgs[1].content == "q"


def test_prompt_method_on_a_generic_model_parses_and_validates() -> None:
    model = JsonChatModel(script=['```json\n{"status": "answered", "claims": [{"text": "t", "n": 2}]}\n```'])
    assert methods_for(model) == ("prompt",)
    out = structured_call(model, [HumanMessage("q")], SCHEMA)
    assert out == {"status": "answered", "claims": [{"text": "t", "n": 2}]}


def test_invalid_output_is_retried_once_then_raises() -> None:
    good = '{"status": "not_in_sources", "claims": []}'
    model = JsonChatModel(script=["no json here", good])
    assert structured_call(model, [HumanMessage("q")], SCHEMA)["status"] == "not_in_sources"
    model = JsonChatModel(script=["nope", '{"status": "bad", "claims": []}', good])
    with pytest.raises(ModelError, match="did not return valid structured output"):
        structured_call(model, [HumanMessage("q")], SCHEMA)


def test_partial_objects_are_streamed() -> None:
    text = '{"status": "answered", "claims": [{"text": "The council voted", "n": 1}]}'
    model = JsonChatModel(script=[text], piece=1)  # streams one character at a time
    seen: list[dict[str, Any]] = []
    out = structured_call(model, [HumanMessage("q")], SCHEMA, on_partial=seen.append)
    assert out["claims"][0]["text"] == "The council voted"
    growing = [p["claims"][0]["text"] for p in seen if p.get("claims") and "text" in p["claims"][0]]
    assert len(growing) > 3 and growing[-1] == "The council voted"
    assert all(growing[-1].startswith(g) for g in growing)


def _httpx() -> Any:
    """The httpx flavour the installed openai client is built on (openai 3.x: httpx2)."""
    import openai._exceptions as exc_mod

    return getattr(exc_mod, "httpx2", None) or exc_mod.httpx  # type: ignore[attr-defined]


def _status_error(status: int, body: dict[str, Any]) -> openai.APIStatusError:
    httpx = _httpx()
    req = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    resp = httpx.Response(status, json=body, request=req)
    cls = {401: openai.AuthenticationError, 404: openai.NotFoundError, 500: openai.InternalServerError}
    return cls.get(status, openai.APIStatusError)(f"Error code: {status}", response=resp, body=body)


def test_error_mapping_never_leaks_the_key() -> None:
    err = map_openai_error(
        _status_error(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}),
        base_url="http://127.0.0.1:9/v1",
        model="m",
        api_key=KEY,
        retries=3,
    )
    assert isinstance(err, AuthenticationError)
    assert "check OPENAI_API_KEY" in str(err) and KEY not in str(err)
    err = map_openai_error(
        _status_error(400, {"error": {"message": f"bad thing near {KEY}"}}),
        base_url=None,
        model="m",
        api_key=KEY,
        retries=3,
    )
    assert isinstance(err, ProviderHTTPError) and err.status_code == 400
    assert KEY not in str(err) and "api.openai.com" in str(err)


def test_error_mapping_404_500_timeout_connection() -> None:
    kw: dict[str, Any] = {"base_url": "http://user:pw@10.1.2.3:8080/v1", "model": "qwen-x", "api_key": None}
    e404 = map_openai_error(_status_error(404, {"error": {"message": "nope"}}), retries=1, **kw)
    assert "model 'qwen-x' not found at 10.1.2.3:8080" in str(e404) and "agent models" in str(e404)
    assert "pw" not in str(e404)
    e500 = map_openai_error(_status_error(500, {"error": {"message": "boom"}}), retries=2, **kw)
    assert "HTTP 500" in str(e500) and "2 retries" in str(e500) and "boom" in str(e500)
    req = _httpx().Request("POST", "http://10.1.2.3:8080/v1/chat/completions")
    assert "timed out" in str(map_openai_error(openai.APITimeoutError(req), retries=0, **kw))
    conn = map_openai_error(openai.APIConnectionError(request=req), retries=0, **kw)
    assert "cannot connect to 10.1.2.3:8080" in str(conn)


def test_host_of() -> None:
    assert host_of(None) == "api.openai.com"
    assert host_of("http://127.0.0.1:8000/v1") == "127.0.0.1:8000"
    assert host_of("localhost:11434") == "localhost:11434"


def test_openai_chat_construction(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_openai_chat(Settings(provider="openai", openai_api_key=None, base_url=None))
    keyless = make_openai_chat(Settings(provider="openai", base_url="http://127.0.0.1:9/v1", model="m"))
    assert isinstance(keyless.openai_api_key, SecretStr)
    assert keyless.openai_api_key.get_secret_value() == PLACEHOLDER_KEY
    s = Settings(
        provider="openai",
        openai_api_key=SecretStr(KEY),
        base_url="http://127.0.0.1:9/v1",
        request_timeout=7,
        max_retries=5,
        max_answer_tokens=33,
    )
    with caplog.at_level(logging.DEBUG):
        m = make_openai_chat(s)
    assert (m.request_timeout, m.max_retries, m.model_name) == (7, 5, "gpt-4o-mini")
    assert KEY not in repr(m) and KEY not in caplog.text
    payload = m._get_request_payload([HumanMessage("hi")])
    assert payload["max_tokens"] == 33 and "max_completion_tokens" not in payload
    assert m.without_retries().root_client.max_retries == 0
    assert m.root_client.max_retries == 5


def test_get_chat_model_is_cached_and_labelled(tmp_path: Path) -> None:
    s = Settings(provider="openai", base_url="http://127.0.0.1:9/v1", model="m1")
    assert get_chat_model(s) is get_chat_model(s.model_copy())
    assert get_chat_model(s) is not get_chat_model(s.updated(model="m2"))
    assert model_label(s) == "m1 @ 127.0.0.1:9"
    assert model_label(Settings(provider="openai", openai_api_key=SecretStr(KEY))) == "gpt-4o-mini (openai)"
    assert model_label(Settings(provider="local")) == "qwen2.5-1.5b (local)"
    assert model_label(Settings(provider="local", model="fast")) == "qwen2.5-0.5b (local)"
    assert model_label(Settings(provider="local", model_path=tmp_path / "x.gguf")) == "x.gguf (local)"


def test_a_stream_stopped_by_its_consumer_is_closed_at_once() -> None:
    """The chat's Ctrl-C check raises from ``on_partial``; the generation must be closed right
    there (while the exception is still being handled), not when garbage collection gets to it:
    a suspended local generation holds the model's lock and llama.cpp's state."""
    from langchain_core.messages import AIMessageChunk

    from agent.models.structured import _stream_partials

    state = {"open": False}

    def generation() -> Any:
        state["open"] = True
        try:
            for piece in ['{"status": ', '"answered", ', '"claims": []}']:
                yield AIMessageChunk(content=piece)
        finally:
            state["open"] = False

    def stop(_: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    try:
        _stream_partials(generation(), "prompt", stop)
    except KeyboardInterrupt:
        assert state["open"] is False, "the generation was left suspended"
    else:
        raise AssertionError("the consumer's KeyboardInterrupt was lost")
