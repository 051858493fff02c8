"""OpenAI and OpenAI-compatible servers (vLLM, Ollama, llama.cpp, LM Studio) via ``ChatOpenAI``.

The ``openai`` client retries 429/5xx/timeouts (``max_retries``). Added here: the client's errors
and replies that are no chat completion (invalid JSON, a chunk without ``role``, an empty
stream) become ``AuthenticationError``/``ProviderError`` lines naming the host, never the key; a
placeholder key for keyless local servers; ``max_tokens`` sent as such to non-OpenAI servers
(llama.cpp's ignores langchain-openai's ``max_completion_tokens``); streams ask for usage; and
``ls_provider`` is ``openai`` only for api.openai.com, so no other server is priced at its rates.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import urlparse

import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.errors import AuthenticationError, ConfigError, ModelError, NewsAgentError, ProviderError
from agent.settings import Settings

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "not-needed"  # llama.cpp / Ollama / vLLM without --api-key ignore it
OPENAI_HOST = "api.openai.com"
#: What the client and LangChain raise when a reply is not an OpenAI chat completion.
UNREADABLE_REPLY = (ValueError, TypeError, AttributeError, AssertionError, KeyError, IndexError)


class ProviderHTTPError(ProviderError):
    """A ``ProviderError`` that keeps the HTTP status, so callers can decide to fall back."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def host_of(base_url: str | None) -> str:
    """The host[:port] of a base URL, for messages (never the full URL: it may hold secrets)."""
    if not base_url:
        return OPENAI_HOST
    parsed = urlparse(base_url if "://" in base_url else f"http://{base_url}")
    return parsed.netloc.rsplit("@", 1)[-1] or base_url


def _scrub(text: str, secret: str | None) -> str:
    one_line = " ".join(str(text).split())
    if secret and len(secret) >= 4:
        one_line = one_line.replace(secret, "****")
    return one_line[:300]


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return exc.message or ""


def _attempts(retries: int) -> str:
    return "tried once, no retries" if retries <= 0 else f"tried {retries + 1} times"


def _retried(retries: int) -> str:
    return "not retried" if retries <= 0 else f"gave up after {retries} retries"


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The transport error under an ``APIConnectionError`` (past any re-raised openai errors)."""
    current = exc.__cause__ or exc.__context__
    seen: set[int] = set()
    while isinstance(current, openai.OpenAIError) and id(current) not in seen:
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return current


def _is_connect_failure(exc: BaseException) -> bool:
    """Whether a transport error happened before a connection was made: httpx, and the fork
    httpx2 that newer ``openai`` versions use, both call it ``ConnectError``."""
    return any(c.__name__ in ("ConnectError", "ConnectTimeout") for c in type(exc).__mro__)


def map_openai_error(
    exc: Exception,
    *,
    base_url: str | None,
    model: str,
    api_key: str | None,
    retries: int,
    timeout: float | None = None,
) -> ModelError:
    """Translate an ``openai`` exception into ours. The key never appears in the message."""
    host = host_of(base_url)
    if isinstance(exc, openai.APITimeoutError):
        within = f" within {timeout:g} s" if timeout else ""
        return ProviderHTTPError(
            f"the request to {host} timed out: no reply{within} ({_attempts(retries)}); check that "
            "the server is up, or allow it longer: --set models.request_timeout=SECONDS"
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = _transport_cause(exc)
        if cause is None or _is_connect_failure(cause):
            return ProviderHTTPError(
                f"cannot connect to {host}; check --base-url and that the server is running"
            )
        return ProviderHTTPError(
            f"{host} closed the connection in the middle of its reply ({type(cause).__name__}: "
            f"{_scrub(str(cause), api_key)[:120]}); check the server's log, then try again"
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _scrub(_server_message(exc), api_key)
        if status in (401, 403):
            return AuthenticationError(
                f"the server rejected the API key (HTTP {status} from {host}); "
                "check OPENAI_API_KEY"
            )
        if status == 404:
            return ProviderHTTPError(
                f"model {model!r} not found at {host} (HTTP 404); choose another with --model "
                "(see `agent models`, or the server's /v1/models)",
                status,
            )
        if status == 429:
            return ProviderHTTPError(
                f"{host} is rate-limiting requests (HTTP 429, {_retried(retries)}); "
                f"wait and try again: {detail}",
                status,
            )
        if status >= 500:
            return ProviderHTTPError(
                f"{host} failed the request (HTTP {status}, {_retried(retries)}): {detail}; "
                "check the server's log, or try again later",
                status,
            )
        return ProviderHTTPError(f"{host} rejected the request (HTTP {status}): {detail}", status)
    if isinstance(exc, openai.LengthFinishReasonError):
        return ProviderHTTPError(
            f"the reply from {host} was cut off at its token limit before it was complete; allow "
            "more: --set answer.max_answer_tokens=800"
        )
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return ProviderHTTPError(
            f"{host}'s content filter withheld the reply; rephrase the question, or use another model"
        )
    return ProviderHTTPError(
        f"the request to {host} failed ({type(exc).__name__}: {_scrub(str(exc), api_key)}); check "
        "--base-url and the server's log"
    )


def unreadable_reply_error(
    exc: BaseException, *, base_url: str | None, api_key: str | None
) -> ProviderHTTPError:
    """A reply the client could not read as an OpenAI chat completion (``UNREADABLE_REPLY``)."""
    host = host_of(base_url)
    what = _scrub(str(exc), api_key)[:120] or "no detail"
    return ProviderHTTPError(
        f"the reply from {host} is not an OpenAI chat completion ({type(exc).__name__}: {what}); "
        "check that --base-url is the server's OpenAI-compatible API (it usually ends in /v1)"
    )


class OpenAIChatModel(ChatOpenAI):
    """``ChatOpenAI`` that raises our errors and sends ``max_tokens`` where servers read it.

    Declares no capability (``agent.models.capabilities``): servers differ in the
    structured-output methods they accept (probed by ``agent.models.structured``) and keep their
    own prompt caches.
    """

    supports_grammar: ClassVar[bool] = False
    keeps_prompt_cache: ClassVar[bool] = False

    def _key(self) -> str | None:
        secret = self.openai_api_key
        return secret.get_secret_value() if isinstance(secret, SecretStr) else None

    def _our_error(self, exc: Exception) -> ModelError:
        return map_openai_error(
            exc,
            base_url=self.openai_api_base,
            model=self.model_name,
            api_key=self._key(),
            retries=self.max_retries or 0,
            timeout=self.request_timeout if isinstance(self.request_timeout, int | float) else None,
        )

    @contextmanager
    def _errors_as_ours(self) -> Iterator[None]:
        """Around a call to the server: its failures, and replies that cannot be read, as ours."""
        try:
            yield
        except NewsAgentError:
            raise
        except openai.OpenAIError as exc:
            raise self._our_error(exc) from None
        except UNREADABLE_REPLY as exc:
            raise unreadable_reply_error(exc, base_url=self.openai_api_base, api_key=self._key()) from exc

    def _empty_reply(self) -> ProviderHTTPError:
        return ProviderHTTPError(
            f"{host_of(self.openai_api_base)} sent an empty reply (no completion in the stream); "
            "check that --base-url is the server's OpenAI-compatible API (it usually ends in /v1)"
        )

    @property
    def is_openai(self) -> bool:
        return host_of(self.openai_api_base) == OPENAI_HOST

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        if not self.is_openai:
            params["ls_provider"] = "openai-compatible"
        return params

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if not self.is_openai and "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        return payload

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._errors_as_ours():
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        got_any = False
        with self._errors_as_ours():
            for chunk in super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
                got_any = True
                yield chunk
        if not got_any:
            raise self._empty_reply()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._errors_as_ours():
            return await super()._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        got_any = False
        with self._errors_as_ours():
            async for chunk in super()._astream(
                messages, stop=stop, run_manager=run_manager, **kwargs
            ):
                got_any = True
                yield chunk
        if not got_any:
            raise self._empty_reply()

    def without_retries(self) -> OpenAIChatModel:
        """A copy that fails fast: used to probe which structured-output method a server
        supports (llama.cpp answers an unsupported one with HTTP 500, which would
        otherwise be retried with backoff)."""
        update: dict[str, Any] = {"max_retries": 0}
        if self.root_client is not None:
            root = self.root_client.with_options(max_retries=0)
            update |= {"root_client": root, "client": root.chat.completions}
        if self.root_async_client is not None:
            aroot = self.root_async_client.with_options(max_retries=0)
            update |= {"root_async_client": aroot, "async_client": aroot.chat.completions}
        return self.model_copy(update=update)


def make_openai_chat(settings: Settings) -> OpenAIChatModel:
    """The chat model for ``provider=openai`` (OpenAI itself or a compatible base URL)."""
    if settings.models.openai_api_key is None and not settings.models.base_url:
        raise ConfigError(
            "provider=openai needs an API key (OPENAI_API_KEY) or a server URL (--base-url)"
        )
    key = settings.models.openai_api_key or SecretStr(PLACEHOLDER_KEY)
    return OpenAIChatModel(
        model=settings.resolved_model,
        api_key=key,
        base_url=settings.models.base_url,
        timeout=settings.models.request_timeout,
        max_retries=settings.models.max_retries,
        temperature=settings.models.temperature,
        max_completion_tokens=settings.answer.max_answer_tokens,
        stream_usage=True,  # the last stream chunk carries token usage (agent/usage.py)
    )
