"""The embedded chat model: a LangChain ``BaseChatModel`` over an in-process ``llama_cpp.Llama``.

Not ``langchain_community.ChatLlamaCpp``: it defaults to ``n_batch=8`` (very slow prompt
evaluation), pulls in langchain-community, and does not pass ``response_format={"type":
"json_object", "schema": ...}`` through, which is what gives schema-constrained decoding.

One ``Llama`` per (path, n_ctx, threads) is loaded once per process (seconds, and gigabytes);
it is not thread-safe, so every call, a whole stream included, holds its lock. Prompt caching,
three layers: ``Llama.generate`` itself evaluates only what differs from the KV cache, so calls
sharing a system prompt reuse it; ``keeping_prompt_cache()`` snapshots the KV cache around a
side call with another prompt (the chat's rewrite) and puts it back, cheaper than a second
context or a ``LlamaRAMCache`` entry (which copies state after every call); and
``prefix_cache_dir`` keeps a system prompt's state on disk for the next process
(``agent.models.prefix_cache``).
"""

from __future__ import annotations

import ctypes
import inspect
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, cast

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from agent.errors import ModelError, ModelFileError
from agent.models import cpu_backend, gguf_header, grammar_sampling, json_grammar, llama_probe, prefix_cache

log = logging.getLogger(__name__)


@dataclass
class _Loaded:
    llm: Any  # llama_cpp.Llama (imported lazily: it is slow to import and optional for openai)
    lock: threading.RLock


_LOADED: dict[tuple[str, int, int], _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(
    path: str | Path,
    n_ctx: int,
    n_threads: int,
    probe_cache_dir: str | Path | None = None,
) -> _Loaded:
    """The process-wide ``Llama`` for these parameters, loading it on first use.

    With ``probe_cache_dir``, the first load of a library build on this CPU is preceded by a
    child-process check (``llama_probe``), so a build for another CPU gives a ``ModelError``
    naming the fix instead of killing the process with "Illegal instruction"."""
    key = (str(Path(path).resolve()), int(n_ctx), int(n_threads))
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if probe_cache_dir is not None:
            llama_probe.ensure_llama_runs(key[0], n_threads, probe_cache_dir)
        try:
            import llama_cpp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError(
                "llama-cpp-python is not installed; run `pip install 'llama-cpp-python[server]'` "
                "or use an OpenAI-compatible server (--base-url)"
            ) from exc
        variant = cpu_backend.activate()
        log.info(
            "loading %s (n_ctx=%d, threads=%d, CPU backend %s)",
            key[0], n_ctx, n_threads, variant.name if variant else "built in",
        )
        try:
            llm = llama_cpp.Llama(
                model_path=key[0],
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_batch=512,
                verbose=False,
                # chat_format=None: llama.cpp picks the chat template from the GGUF metadata
            )
        except ValueError as exc:
            gguf_header.read_header(key[0])  # a damaged file: ModelFileError saying what is wrong
            raise ModelFileError(
                f"llama.cpp could not load {key[0]} ({exc}) although its GGUF header and size are "
                f"sound: it may be a model llama-cpp-python {llama_cpp.__version__} does not "
                "support; try another GGUF file, or run `agent doctor`"
            ) from exc
        grammar_sampling.install(llm)  # same output, faster constrained generation
        loaded = _Loaded(llm=llm, lock=threading.RLock())
        _LOADED[key] = loaded
        return loaded


def _completion_params() -> frozenset[str]:
    import llama_cpp

    return frozenset(inspect.signature(llama_cpp.Llama.create_chat_completion).parameters) - {
        "self",
        "messages",
        "stream",
    }


#: llama-cpp-python's ValueError for a prompt that does not fit: "Requested tokens (N) exceed
#: context window of M".
_TOO_LONG = re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)")


@contextmanager
def _prompt_fits() -> Iterator[None]:
    """Turn llama.cpp's "exceed context window" ``ValueError`` into a ``ModelError`` with the fix."""
    try:
        yield
    except ValueError as exc:
        m = _TOO_LONG.search(str(exc))
        if m is None:
            raise
        raise ModelError(
            f"the prompt is {int(m.group(1)):,} tokens, more than the model's context window of "
            f"{int(m.group(2)):,}; shorten the question, or give it fewer passages (-k)"
        ) from None


def _usage(prompt: int, completion: int) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
    )


class LocalChatModel(BaseChatModel):
    """llama.cpp in-process as a LangChain chat model.

    Call kwargs (directly or via ``.bind``) reach ``Llama.create_chat_completion``:
    ``response_format``, ``temperature``, ``max_tokens``, ``stop``, ``seed``, ...

    Capabilities (``agent.models.capabilities``): a schema in ``response_format`` becomes a
    grammar the decoding follows, and ``keeping_prompt_cache()`` restores the KV cache.
    """

    supports_grammar: ClassVar[bool] = True
    keeps_prompt_cache: ClassVar[bool] = True

    model_path: str
    model_name: str = "local"
    n_ctx: int = 4096
    n_threads: int = 2
    temperature: float = 0.0
    max_tokens: int | None = None
    probe_cache_dir: str | None = Field(
        None, description="Where the one-time child-process CPU check keeps its marker; None = no check."
    )
    prefix_cache_dir: str | None = Field(
        None,
        description="Where system-prompt KV states are kept for the next process "
        "(agent.models.prefix_cache); None = off.",
    )

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "model_path": self.model_path, "n_ctx": self.n_ctx}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "llama-cpp-local"  # agent.usage.LOCAL_PROVIDER: no per-token cost
        params["ls_model_name"] = self.model_name
        return params

    def _loaded(self) -> _Loaded:
        return load_llama(self.model_path, self.n_ctx, self.n_threads, self.probe_cache_dir)

    @contextmanager
    def keeping_prompt_cache(self) -> Iterator[None]:
        """Run the body's model calls, then restore the KV cache as it was before them, so the
        next call finds its prompt prefix again. Outputs do not change, only what is evaluated."""
        import llama_cpp

        loaded = self._loaded()
        llm = loaded.llm
        with loaded.lock:
            n_tokens = int(llm.n_tokens)
            input_ids = llm.input_ids[:n_tokens].copy()
            ctx = llm._ctx.ctx
            size = int(llama_cpp.llama_state_seq_get_size(ctx, 0)) if n_tokens else 0
            snapshot = (ctypes.c_uint8 * size)() if size else None
            if snapshot is not None:
                llama_cpp.llama_state_seq_get_data(ctx, snapshot, size, 0)
        try:
            yield
        finally:
            with loaded.lock:
                llm._ctx.kv_cache_seq_rm(0, 0, -1)  # drop what the body's calls left
                restored = False
                if snapshot is not None:
                    restored = llama_cpp.llama_state_seq_set_data(ctx, snapshot, size, 0) == size
                if restored:
                    llm.input_ids[:n_tokens] = input_ids
                else:  # nothing cached, or llama.cpp refused the snapshot: start clean
                    llm._ctx.kv_cache_seq_rm(0, 0, -1)
                llm.n_tokens = n_tokens if restored else 0
                llm._requires_eval = True  # logits are not restored: the next call decodes first

    def _reuse_saved_prefix(self, llm: Any, messages: list[dict[str, Any]]) -> None:
        """On an empty KV cache, restore (or evaluate and save) the system prompt's state.

        Never fatal: whatever goes wrong, the cache is emptied and the call evaluates its whole
        prompt, as it would without the prefix cache. Called with the instance's lock held."""
        if self.prefix_cache_dir is None or int(llm.n_tokens) != 0:
            return
        try:
            store = prefix_cache.store_for(llm, self.prefix_cache_dir)
            log.debug("prefix cache: %s", prefix_cache.prepare(llm, messages, store))
        except Exception as exc:
            log.warning(
                "prefix cache not used (%s: %s); evaluating the whole prompt", type(exc).__name__, exc
            )
            log.debug("prefix cache failure", exc_info=True)
            prefix_cache.forget(llm)

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        allowed = _completion_params()
        for k, v in kwargs.items():
            if k in allowed:
                params[k] = v
            else:
                log.debug("ignoring unsupported llama.cpp kwarg %s", k)
        if stop:
            params["stop"] = stop
        fmt = params.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_object" and "schema" in fmt:
            # Our grammar for the schema instead of llama.cpp's (stricter strings; see
            # agent.models.json_grammar): a given grammar is what the chat handler decodes with.
            params.pop("response_format")
            params["grammar"] = json_grammar.grammar_for(fmt["schema"])
        return params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        loaded = self._loaded()
        params = self._params(stop, kwargs)
        oai_messages = cast(Any, convert_to_openai_messages(messages))
        with loaded.lock, _prompt_fits():
            self._reuse_saved_prefix(loaded.llm, oai_messages)
            resp = loaded.llm.create_chat_completion(messages=oai_messages, **params)
        choice = resp["choices"][0]
        text = choice["message"].get("content") or ""
        usage = resp.get("usage") or {}
        prompt_t, completion_t = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
        message = AIMessage(
            content=text,
            usage_metadata=_usage(prompt_t, completion_t),
            response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_name},
        )
        return ChatResult(
            generations=[ChatGeneration(message=message)],
            llm_output={"token_usage": dict(usage), "model_name": self.model_name},
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        loaded = self._loaded()
        params = self._params(stop, kwargs)
        oai_messages = cast(Any, convert_to_openai_messages(messages))
        with loaded.lock, _prompt_fits():  # the lock is held until the generator finishes or is closed
            llm = loaded.llm
            self._reuse_saved_prefix(llm, oai_messages)
            stream = llm.create_chat_completion(messages=oai_messages, stream=True, **params)
            pieces = 0
            finish: str | None = None
            for part in stream:
                choice = part["choices"][0]
                delta = choice.get("delta") or {}
                finish = choice.get("finish_reason") or finish
                text = delta.get("content") or ""
                if not text:
                    continue
                pieces += 1
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
            # Streaming responses carry no usage: derive it from the context state.
            # n_tokens = prompt + generated tokens evaluated; the last sampled token is
            # evaluated only when generation stopped at EOS/stop (not at max_tokens).
            # Streamed pieces are tokens except where a multi-byte character spans two.
            completion_t = pieces
            unevaluated = 1 if finish == "length" else 0
            prompt_t = max(0, int(llm.n_tokens) - completion_t + unevaluated)
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=_usage(prompt_t, completion_t),
                response_metadata={"finish_reason": finish, "model_name": self.model_name},
            )
        )
