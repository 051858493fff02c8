"""Every exception that reaches the command line is one line naming what failed and the fix, exit
status non-zero, no traceback: the error classes of chromadb, httpx (and openai's httpx2), openai
and the date libraries, walked one by one; and the bad inputs that used to end in one: bytes that
are not UTF-8 in a question or ``--source``, ``--as-of 9999-12-31``, a 200,000-character question.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import chromadb.errors
import dateparser.conf
import dateparser.languages.dictionary
import dateutil.parser
import httpx
import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletion
from typer.testing import CliRunner

import agent.api
import agent.cli.install
from agent import Agent
from agent.cli import app
from agent.errors import InvalidArgumentError

REPO = Path(__file__).resolve().parents[1]
FLOOD = REPO / "examples" / "articles" / "2026-03-12_millbrook_flood_followup.txt"
SERVER = "http://127.0.0.1:9/v1"
runner = CliRunner()


def _library_errors(module: Any, base: type[BaseException]) -> list[type[BaseException]]:
    return sorted(
        {c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, base)},
        key=lambda c: c.__name__,
    )


def _instance(cls: type[BaseException]) -> BaseException:
    """An instance of ``cls``, its constructor's arguments filled in by name."""
    transport = httpx2 if cls.__module__.split(".")[0] in ("openai", "httpx2") else httpx
    request = transport.Request("POST", f"{SERVER}/chat/completions")
    values: dict[str, Any] = {
        "message": "boom from the library",
        "request": request,
        "response": transport.Response(500, request=request),
        "body": None,
        "completion": ChatCompletion.model_construct(
            id="c1", choices=[], created=0, model="m", object="chat.completion", usage=None
        ),
        "unsent_messages": [],
    }
    signature = inspect.signature(cls.__init__).parameters.values()
    params = [p for p in signature if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not params:  # (*args, **kwargs) takes the message; (self) takes nothing
        return cls("boom from the library") if len(signature) > 1 else cls()
    args = [values[p.name] for p in params if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    kwargs = {p.name: values[p.name] for p in params if p.kind == p.KEYWORD_ONLY and p.name in values}
    return cls(*args, **kwargs)


WALKED: list[type[BaseException]] = [
    *_library_errors(chromadb.errors, chromadb.errors.ChromaError),
    *_library_errors(httpx, Exception),
    *_library_errors(httpx2, Exception),
    *_library_errors(openai, openai.OpenAIError),
    dateutil.parser.ParserError,
    dateparser.conf.SettingValidationError,
    dateparser.languages.dictionary.UnknownTokenError,
    OverflowError,
]


def _raises(exc: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


def _one_line(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("cls", WALKED, ids=lambda c: f"{c.__module__.split('.')[0]}.{c.__name__}")
def test_a_library_exception_reaching_the_cli_is_one_line(
    cls: type[BaseException], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exc = _instance(cls)
    index = str(tmp_path / "index")
    # Inside a command's ``run`` (agent stats), and outside it (doctor's version line).
    monkeypatch.setattr(agent.api.Agent, "stats", _raises(exc))
    line = _one_line(runner.invoke(app, ["--index", index, "--base-url", SERVER, "stats"]))
    monkeypatch.setattr(agent.cli.install, "versions", _raises(exc))
    assert _one_line(runner.invoke(app, ["--index", index, "doctor", "--quick"]))
    package = cls.__module__.split(".")[0]
    if package == "chromadb":
        assert index in line, line
    elif package == "openai":
        assert "127.0.0.1:9" in line, line
    elif cls is OverflowError:
        assert "out of range" in line, line
    elif package in ("dateutil", "dateparser"):
        assert "2026-03-14" in line, line
    assert "unexpected" not in line, line  # each is understood, not reported as a bug
    assert "; " in line, line  # what failed; what to do


def test_a_bug_is_one_line_too_and_v_shows_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agent.api.Agent, "stats", _raises(KeyError("oops")))
    line = _one_line(runner.invoke(app, ["--index", str(tmp_path / "i"), "stats"]))
    assert "unexpected KeyError" in line and "-v" in line
    result = runner.invoke(app, ["--index", str(tmp_path / "i"), "stats", "-v"])
    assert result.exit_code == 1 and "Traceback" in result.stderr


# --- the inputs that used to end in a traceback -------------------------------------------------


@pytest.fixture(scope="module")
def flood_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("flood") / "index"
    result = runner.invoke(app, ["--index", str(index), "ingest", str(FLOOD)])
    assert result.exit_code == 0, result.output
    return index


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ([b"ask", b"How much rain fell \xff\xfe?"], "How much rain fell \\xff\\xfe?"),
        ([b"search", b"flood", b"--source", b"Valley \xe9 Courier"],
         "Valley \\xe9 Courier' (after --source)"),
    ],
)
def test_bytes_that_are_not_utf8_in_an_argument_are_one_line(
    args: list[bytes], shown: str, flood_index: Path
) -> None:
    """A real process, given the bytes a non-UTF-8 terminal would pass."""
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"agent", b"--index", str(flood_index).encode(), *args],
        capture_output=True, timeout=120,
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 and shown in err and "not UTF-8" in err, err


def test_the_api_refuses_a_question_that_is_not_utf8_before_any_work(flood_index: Path) -> None:
    fresh = Agent(index_path=flood_index)
    with pytest.raises(InvalidArgumentError, match=r"'flood \\xff' holds bytes that are not UTF-8"):
        fresh.ask("flood \udcff")
    assert "store" not in fresh.__dict__ and "chat_model" not in fresh.__dict__


@pytest.mark.parametrize("flag", ["--as-of", "--until", "--since"])
def test_a_date_beyond_the_calendar_is_one_line(flag: str, flood_index: Path) -> None:
    command = ["ask", "What happened this week?"] if flag == "--as-of" else ["search", "flood"]
    result = runner.invoke(app, ["--index", str(flood_index), *command, flag, "9999-12-31"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = result.stderr.strip()
    assert line == f"error: {flag} 9999-12-31 is out of range: give a date between 0003-01-01 and 9997-12-31"


def test_the_api_refuses_an_as_of_beyond_the_calendar(flood_index: Path) -> None:
    index = Agent(index_path=flood_index)
    with pytest.raises(InvalidArgumentError, match="as_of 9999-12-31 is out of range"):
        index.search("What happened this week?", as_of=datetime(9999, 12, 31))
    with pytest.raises(InvalidArgumentError, match="until 0001-01-02 is out of range"):
        index.search("flood", until=datetime(1, 1, 2))
    assert index.search("flood", as_of=datetime(9997, 12, 31))  # the last day that works


def test_a_200000_character_question_says_how_long_a_question_may_be(flood_index: Path) -> None:
    question = ("How much rain fell? " * 10_000)[:-1] + "!"
    fresh = Agent(index_path=flood_index)
    with pytest.raises(InvalidArgumentError, match=r"200,000 characters long; a question may be at "
                       r"most 2,000 characters") as err:
        fresh.ask(question)
    assert "\n" not in str(err.value)
    assert "store" not in fresh.__dict__ and "chat_model" not in fresh.__dict__  # nothing was done
    with pytest.raises(InvalidArgumentError, match="a message may be at most 2,000 characters"):
        fresh.chat().send(question)
    assert "chat_model" not in fresh.__dict__  # not even the follow-up rewrite ran
    line = _one_line(runner.invoke(app, ["--index", str(flood_index), "ask", question]))
    assert "a question may be at most 2,000 characters" in line


def test_the_api_key_never_appears_in_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-do-not-print-7f3a9c"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setattr(agent.api.Agent, "stats", _raises(RuntimeError(f"header Bearer {secret}")))
    line = _one_line(runner.invoke(app, ["--index", str(tmp_path / "i"), "stats"]))
    assert secret not in line and "Bearer ****" in line


def test_a_library_exception_in_a_chat_turn_is_one_line_and_the_chat_goes_on(
    flood_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns: list[str] = []

    def ask(self: Any, question: str, **kw: Any) -> Any:
        turns.append(question)
        raise httpx2.RemoteProtocolError("peer closed connection")

    monkeypatch.setattr(agent.api.Agent, "ask", ask)
    result = runner.invoke(app, ["--index", str(flood_index), "chat"],
                           input="How much rain fell?\nAnd the damage?\n")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    errors = [ln for ln in result.stdout.splitlines() if ln.startswith("error:")]
    assert len(errors) == 2 and all("RemoteProtocolError" in e and "; " in e for e in errors), result.stdout
    assert turns == ["How much rain fell?", "And the damage?"]
