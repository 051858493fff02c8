"""Schema-constrained JSON from any chat model, plus the process-wide model factory.

Small local models give reliable JSON only under a grammar, and OpenAI-compatible servers each
support a different subset of the structured-output features (llama.cpp's server refuses
``json_schema`` but does function calling), so the method depends on the model:

- ``supports_grammar`` (``LocalChatModel``): "grammar", the schema in ``response_format``;
- an OpenAI-compatible model: ``json_schema`` (strict when the schema allows) →
  ``function_calling`` → ``json_mode`` (the schema in the prompt); the first that works is
  remembered per (base_url, model) for the process;
- any other ``BaseChatModel`` (a test fake): "prompt", the schema in the prompt.

Every result is validated against the schema; invalid output is retried once, then the next
method is tried, then ``InvalidOutput`` (a ``ModelError``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.utils.json import parse_partial_json

from agent.errors import ModelError
from agent.models.capabilities import supports_grammar
from agent.models.local import LocalChatModel
from agent.models.openai import OpenAIChatModel, ProviderHTTPError, host_of, make_openai_chat
from agent.models.registry import ensure_model, resolve_spec
from agent.settings import Settings
from agent.text.hashing import sha256_hex

log = logging.getLogger(__name__)

Method = Literal["grammar", "json_schema", "function_calling", "json_mode", "prompt"]
REMOTE_METHODS: tuple[Method, ...] = ("json_schema", "function_calling", "json_mode")
# Statuses that mean "this server does not support that request shape": try the next method.
FALLBACK_STATUSES = frozenset({400, 405, 415, 422, 500, 501})
TOOL_NAME = "respond"
RETRY_TEMPERATURE = 0.4

_METHOD_CACHE: dict[tuple[str, str], Method] = {}
_MODEL_CACHE: dict[tuple[Any, ...], BaseChatModel] = {}
_MODEL_LOCK = threading.Lock()


class InvalidOutput(ModelError):
    """The model's reply was not JSON matching the schema (raised by ``structured_call`` once
    every method and retry is used up, so a caller can tell it from a provider failure)."""


# --- schema helpers ------------------------------------------------------------------


def validate(data: Any, schema: dict[str, Any]) -> None:
    """Raise ``InvalidOutput`` naming the first problem when ``data`` breaks ``schema``."""
    if not isinstance(data, dict):
        raise InvalidOutput(f"expected a JSON object, got {type(data).__name__}")
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema ships with chromadb
        missing = [k for k in schema.get("required", []) if k not in data]
        if missing:
            raise InvalidOutput(f"missing required field(s): {', '.join(missing)}") from None
        return
    validator_cls = jsonschema.validators.validator_for(schema)
    error = jsonschema.exceptions.best_match(validator_cls(schema).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise InvalidOutput(f"output does not match the schema at {where}: {error.message}")


def is_strict_compatible(schema: dict[str, Any]) -> bool:
    """OpenAI's strict mode needs every object closed and every property required."""
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if schema.get("additionalProperties", True) is not False:
            return False
        if set(schema.get("required", [])) != set(props):
            return False
        if not all(is_strict_compatible(p) for p in props.values() if isinstance(p, dict)):
            return False
    items = schema.get("items")
    if isinstance(items, dict) and not is_strict_compatible(items):
        return False
    return all(
        is_strict_compatible(s) for k in ("anyOf", "oneOf") for s in schema.get(k, [])
    )


def extract_json(text: str) -> Any:
    """The JSON object in a reply that may wrap it in prose or code fences."""
    text = text.strip()
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if fenced:
        try:
            return json.loads(fenced.group(1), strict=False)
        except json.JSONDecodeError:
            pass
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            return json.loads(text[start : end + 1], strict=False)
        except json.JSONDecodeError:
            pass
    raise InvalidOutput(f"the reply is not JSON: {text[:80]!r}")


def with_schema_in_prompt(messages: list[BaseMessage], schema: dict[str, Any]) -> list[BaseMessage]:
    """Add the schema instruction to the (first) system message."""
    note = (
        "Reply with one JSON object and nothing else (no prose, no code fences). "
        "It must match this JSON schema:\n" + json.dumps(schema, ensure_ascii=False)
    )
    if messages and isinstance(messages[0], SystemMessage) and isinstance(messages[0].content, str):
        return [SystemMessage(content=f"{messages[0].content}\n\n{note}"), *messages[1:]]
    return [SystemMessage(content=note), *messages]


# --- one attempt with one method -------------------------------------------------------


def _bound(
    model: BaseChatModel,
    method: Method,
    schema: dict[str, Any],
    max_tokens: int | None,
    temperature: float | None = None,
) -> Any:
    extra: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
    if temperature is not None:
        extra["temperature"] = temperature
    if method == "grammar":
        return model.bind(response_format={"type": "json_object", "schema": schema}, **extra)
    if method == "json_schema":
        fmt = {
            "type": "json_schema",
            "json_schema": {
                "name": TOOL_NAME,
                "schema": schema,
                "strict": is_strict_compatible(schema),
            },
        }
        return model.bind(response_format=fmt, **extra)
    if method == "function_calling":
        tool = {
            "type": "function",
            "function": {
                "name": TOOL_NAME,
                "description": "Return the answer as structured data.",
                "parameters": schema,
            },
        }
        return model.bind_tools(
            [tool], tool_choice=TOOL_NAME, parallel_tool_calls=False, **extra
        )
    if method == "json_mode":
        return model.bind(response_format={"type": "json_object"}, **extra)
    return model.bind(**extra) if extra else model


def _chunk_text(chunk: AIMessageChunk, method: Method) -> str:
    if method == "function_calling":
        return "".join(tc.get("args") or "" for tc in chunk.tool_call_chunks)
    content = chunk.content
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)


def _final_from_message(msg: BaseMessage, method: Method) -> Any:
    if method == "function_calling":
        calls = getattr(msg, "tool_calls", None) or []
        if not calls:
            raise InvalidOutput("the model made no tool call")
        return calls[0]["args"]
    content = msg.content
    if not isinstance(content, str):
        content = _chunk_text(AIMessageChunk(content=content), method)
    return extract_json(content)


def _attempt(
    model: BaseChatModel,
    method: Method,
    messages: list[BaseMessage],
    schema: dict[str, Any],
    on_partial: Callable[[dict[str, Any]], None] | None,
    max_tokens: int | None,
    temperature: float | None = None,
) -> dict[str, Any]:
    msgs = with_schema_in_prompt(messages, schema) if method in ("json_mode", "prompt") else messages
    runnable = _bound(model, method, schema, max_tokens, temperature)
    if on_partial is None:
        data = _final_from_message(runnable.invoke(msgs), method)
    else:
        data = _stream_partials(runnable.stream(msgs), method, on_partial)
    validate(data, schema)
    result: dict[str, Any] = data
    return result


def _stream_partials(
    stream: Iterator[Any], method: Method, on_partial: Callable[[dict[str, Any]], None]
) -> Any:
    """Feed growing partial objects to ``on_partial``; return the final parsed object.

    If ``on_partial`` raises (the chat's Ctrl-C check does), the stream is closed at once:
    a suspended generation holds the model's lock and llama.cpp state until it is closed,
    and left to garbage collection it keeps the next question waiting.
    """
    text = ""
    last: Any = None
    merged: AIMessageChunk | None = None
    try:
        for chunk in stream:
            if not isinstance(chunk, AIMessageChunk):
                continue
            merged = chunk if merged is None else merged + chunk
            piece = _chunk_text(chunk, method)
            if not piece:
                continue
            text += piece
            partial = parse_partial_json(text) if text.lstrip().startswith("{") else None
            if isinstance(partial, dict) and partial != last:
                last = partial
                on_partial(partial)
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
    if method == "function_calling" and merged is not None and merged.tool_calls:
        return merged.tool_calls[0]["args"]
    return extract_json(text)


# --- the public entry points -----------------------------------------------------------


def _model_key(model: BaseChatModel) -> tuple[str, str]:
    if isinstance(model, OpenAIChatModel):
        return (model.openai_api_base or "https://api.openai.com/v1", model.model_name)
    return (type(model).__name__, getattr(model, "model_name", ""))


def methods_for(model: BaseChatModel) -> tuple[Method, ...]:
    """The methods to try, in order (a remembered working method first)."""
    if supports_grammar(model):
        return ("grammar",)
    if isinstance(model, OpenAIChatModel):
        known = _METHOD_CACHE.get(_model_key(model))
        if known is not None:
            return (known, *(m for m in REMOTE_METHODS if m != known))
        return REMOTE_METHODS
    return ("prompt",)


def structured_call(
    model: BaseChatModel,
    messages: list[BaseMessage],
    schema: dict[str, Any],
    *,
    on_partial: Callable[[dict[str, Any]], None] | None = None,
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """One JSON object matching ``schema`` from ``model``, validated. ``on_partial`` streams the
    reply, receiving the partially parsed object as it grows. ``InvalidOutput`` when no method
    gives valid output (one retry each); a provider's own errors pass through.
    """
    methods = methods_for(model)
    key = _model_key(model)
    problems: list[str] = []
    for i, method in enumerate(methods):
        is_last = i == len(methods) - 1
        probing = isinstance(model, OpenAIChatModel) and key not in _METHOD_CACHE and not is_last
        runner: BaseChatModel = model
        if probing and isinstance(model, OpenAIChatModel):
            runner = model.without_retries()
        for attempt in (1, 2):
            # Greedy decoding would repeat the same invalid reply: retry with some sampling.
            temperature = RETRY_TEMPERATURE if attempt == 2 else None
            try:
                data = _attempt(
                    runner, method, messages, schema, on_partial, max_tokens, temperature
                )
            except InvalidOutput as exc:
                log.debug("structured output via %s attempt %d invalid: %s", method, attempt, exc)
                problems.append(f"{method}: {exc}")
                continue
            except ProviderHTTPError as exc:
                if exc.status_code in FALLBACK_STATUSES and not is_last:
                    log.debug("%s does not support %s (%s); trying the next method", key, method, exc)
                    problems.append(f"{method}: {exc}")
                    break
                raise
            except (NotImplementedError, TypeError) as exc:
                # e.g. a model class without bind_tools
                if is_last:
                    raise ModelError(f"structured output is not supported by {key[1]}: {exc}") from exc
                problems.append(f"{method}: {exc}")
                break
            if _METHOD_CACHE.get(key) != method and isinstance(model, OpenAIChatModel):
                _METHOD_CACHE[key] = method
                log.debug("structured output for %s works via %s", key, method)
            return data
    raise InvalidOutput(
        "the model did not return valid structured output; " + "; ".join(problems[-2:])
    )


def _settings_key(settings: Settings) -> tuple[Any, ...]:
    key = settings.models.openai_api_key.get_secret_value() if settings.models.openai_api_key else ""
    return (
        settings.resolved_provider,
        settings.resolved_model,
        str(settings.models.model_path or ""),
        str(settings.cache_dir),
        settings.models.base_url,
        sha256_hex(key),  # never keep the key itself in a cache key
        settings.models.n_ctx,
        settings.models.threads,
        settings.models.temperature,
        settings.answer.max_answer_tokens,
        settings.models.request_timeout,
        settings.models.max_retries,
        settings.models.prefix_cache,
    )


def get_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model these settings ask for, built once per process and reused; a registered
    model with its own ``make`` (``agent.models.registry``) is built by it on every call, so
    it decides what to share."""
    if settings.resolved_provider == "local" and settings.models.model_path is None:
        spec = resolve_spec(settings.models.model)
        if spec.make is not None:
            return spec.make(settings)
    key = _settings_key(settings)
    with _MODEL_LOCK:
        if key in _MODEL_CACHE:
            return _MODEL_CACHE[key]
        model: BaseChatModel
        if settings.resolved_provider == "openai":
            model = make_openai_chat(settings)
        else:
            path = ensure_model(settings)
            model = LocalChatModel(
                model_path=str(path),
                model_name=model_label(settings),
                n_ctx=settings.models.n_ctx,
                n_threads=settings.models.threads,
                temperature=settings.models.temperature,
                max_tokens=settings.answer.max_answer_tokens,
                probe_cache_dir=str(settings.cache_dir),
                prefix_cache_dir=str(settings.cache_dir / "kv") if settings.models.prefix_cache else None,
            )
        _MODEL_CACHE[key] = model
        return model


def model_label(settings: Settings) -> str:
    """A short human name for the model in use, e.g. ``qwen2.5-1.5b (local)``."""
    if settings.resolved_provider == "openai":
        if settings.models.base_url and host_of(settings.models.base_url) != "api.openai.com":
            return f"{settings.resolved_model} @ {host_of(settings.models.base_url)}"
        return f"{settings.resolved_model} (openai)"
    if settings.models.model_path is not None:
        return f"{Path(settings.models.model_path).name} (local)"
    return f"{resolve_spec(settings.models.model).name} (local)"


def reported_name(model: Any) -> str | None:
    """The name a chat model object reports (its ``model_name``, else ``model`` attribute)."""
    for attr in ("model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return None


def model_name_of(model: BaseChatModel | None, settings: Settings) -> str:
    """The label a summary or briefing records (and a summary's cache key uses) for ``model``.

    The settings' label (``model_label``, e.g. ``qwen2.5-1.5b (local)``) whenever ``model`` is
    the model those settings describe, so the cache can be checked before any model is loaded
    (``model=None``); otherwise the model object's own name (e.g. a model passed in directly).
    An answer records ``reported_name`` instead (the bare API model name for a remote model).
    """
    try:
        label = model_label(settings)
    except Exception:  # an unknown local model name: still a usable label
        label = settings.resolved_model
    if model is None:
        return label
    name = reported_name(model)
    if name is None:
        return label
    return label if settings.resolved_model in name else name
