"""An OpenAI-compatible server that answers badly: invalid JSON, a stream chunk without ``role``,
an empty stream, a connection dropped mid-reply, no reply in time. A real HTTP server on
127.0.0.1 sends each; the model class and ``agent ask`` (streamed and ``--json``) must turn every
one into one ``ProviderError`` line naming the server and what to do."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import ProviderError
from agent.models.structured import get_chat_model
from agent.settings import Settings
from tests.httpserver import Route, serve

REPO = Path(__file__).resolve().parents[1]
FLOOD = REPO / "examples" / "articles" / "2026-03-12_millbrook_flood_followup.txt"
runner = CliRunner()


def _chunk(delta: dict[str, str]) -> str:
    return json.dumps({
        "id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    })


def sse(*events: str) -> Callable[[], Iterator[bytes]]:
    def body() -> Iterator[bytes]:
        for event in events:
            yield f"data: {event}\n\n".encode()

    return body


def dropped_after(first: bytes) -> Callable[[], Iterator[bytes]]:
    """Sends ``first``, then drops the connection (no end of the chunked body)."""

    def body() -> Iterator[bytes]:
        yield first
        raise ConnectionAbortedError("the test server drops the connection")

    return body


STREAM = {"Content-Type": "text/event-stream"}
JSON = {"Content-Type": "application/json"}

#: name → (route for /v1/chat/completions, what the one line must say)
BAD_REPLIES: dict[str, tuple[Route, str]] = {
    "invalid JSON, streamed": (
        Route(200, STREAM, sse("{not json", "[DONE]")), "not an OpenAI chat completion"
    ),
    "invalid JSON": (Route(200, JSON, b"{not json"), "not an OpenAI chat completion"),
    "first chunk without role": (
        Route(200, STREAM, sse(_chunk({"content": "Hi"}), "[DONE]")), "not an OpenAI chat completion"
    ),
    "an HTML page": (
        Route(200, {"Content-Type": "text/html"}, b"<html>hi</html>"), "not an OpenAI chat completion"
    ),
    "dropped mid-stream": (
        Route(200, STREAM, dropped_after(
            b"data: " + _chunk({"role": "assistant", "content": "The"}).encode() + b"\n\n"
        )),
        "closed the connection in the middle of its reply",
    ),
    "dropped mid-body": (
        Route(200, JSON, dropped_after(b'{"id": "c1", "choi')),
        "closed the connection in the middle of its reply",
    ),
}


def settings_for(url: str, **kw: object) -> Settings:
    return Settings(provider="openai", base_url=url, model="m", max_retries=0, **kw)  # type: ignore[arg-type]


JSON_MODE = {"type": "json_object"}  # a structured call streams through the client's parser


@pytest.mark.parametrize("name", sorted(BAD_REPLIES))
@pytest.mark.parametrize("call", ["invoke", "stream", "stream structured"])
def test_a_bad_reply_is_a_provider_error_naming_the_server(name: str, call: str) -> None:
    route, says = BAD_REPLIES[name]
    with serve({"/v1/chat/completions": route}) as srv:
        model = get_chat_model(settings_for(srv.url("/v1")))
        if name == "first chunk without role" and call == "stream":
            # Plain streaming reads such a chunk as the assistant's: nothing to report.
            assert "".join(str(c.content) for c in model.stream([HumanMessage("hi")])) == "Hi"
            return
        with pytest.raises(ProviderError) as err:
            if call == "invoke":
                model.invoke([HumanMessage("hi")])
            else:
                kw = {"response_format": JSON_MODE} if call == "stream structured" else {}
                list(model.stream([HumanMessage("hi")], **kw))
    message = str(err.value)
    assert "127.0.0.1" in message and "\n" not in message, message
    if name.startswith("dropped"):
        assert says in message and "cannot connect" not in message, message
    else:  # a body that is no event stream, streamed, reads as an empty stream
        assert says in message or "sent an empty reply" in message, message
        assert "--base-url" in message and "/v1" in message, message


def test_a_server_that_is_not_there_still_says_cannot_connect() -> None:
    with serve({}) as srv:
        url = srv.url("/v1")
    with pytest.raises(ProviderError, match="cannot connect to 127.0.0.1"):
        get_chat_model(settings_for(url)).invoke([HumanMessage("hi")])


def test_a_timeout_says_how_long_and_how_often_plainly() -> None:
    with serve({"/v1/chat/completions": Route(200, JSON, b"{}", delay=2.0)}) as srv:
        model = get_chat_model(settings_for(srv.url("/v1"), request_timeout=0.5))
        with pytest.raises(ProviderError) as err:
            model.invoke([HumanMessage("hi")])
    message = str(err.value)
    assert "timed out: no reply within 0.5 s (tried once, no retries)" in message, message
    assert "0 retries" not in message and "request_timeout" in message


@pytest.fixture(scope="module")
def flood_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("flood") / "index"
    result = runner.invoke(app, ["--index", str(index), "ingest", str(FLOOD)])
    assert result.exit_code == 0, result.output
    return index


@pytest.mark.parametrize("name", ["invalid JSON, streamed", "invalid JSON", "first chunk without role",
                                  "dropped mid-stream"])
@pytest.mark.parametrize("as_json", [False, True])
def test_agent_ask_prints_one_line_for_a_bad_reply(name: str, as_json: bool, flood_index: Path) -> None:
    route, _ = BAD_REPLIES[name]
    with serve({"/v1/chat/completions": route}) as srv:
        args = ["--index", str(flood_index), "--base-url", srv.url("/v1"), "--model", "m",
                "--set", "models.max_retries=0", "ask", "How much rain fell before the River Ash flood?"]
        result = runner.invoke(app, [*args, "--json"] if as_json else args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "127.0.0.1" in lines[0], result.stderr
    assert "Traceback" not in result.output
