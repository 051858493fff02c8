"""The Python API as a program uses it: async calls, isolation between Agents, errors, results.

Real Chroma and the real MiniLM embedder; the chat model is a fake (a slow one where the
test is about the event loop), so this file needs no language model.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from pydantic import BaseModel

import agent as agent_pkg
from agent import Agent, Answer, ArticleSummary, Briefing, IngestReport, NewsAgentError
from agent.errors import (
    ArticleNotFoundError,
    EmptyIndexError,
    InvalidArgumentError,
    NoArticlesError,
)
from tests.fakes import ForbiddenModel, ReplyingChatModel

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"
FLOOD = EXAMPLES / "2026-03-12_millbrook_flood_followup.txt"
LUMORA = EXAMPLES / "2026-03-10_lumora_q4_results.txt"
RAIN_QUOTE = "94 millimetres of rain fell on the upper valley in the 36 hours before the flood"
# the quote shown is the whole cited sentence (agent.answer.evidence), which holds RAIN_QUOTE
RAIN_SENTENCE = (
    "The regional water authority confirmed that " + RAIN_QUOTE
    + ", the wettest 36-hour period recorded there since measurements began in 1961."
)
MODEL_SECONDS = 0.6


class SlowRainModel(ReplyingChatModel):
    """Takes ``MODEL_SECONDS`` (blocking, like a local model), then answers the rain question
    citing whichever numbered sentence it was shown that holds the rain figure."""

    @property
    def _llm_type(self) -> str:
        return "fake-slow"

    def reply(self, messages: list[BaseMessage]) -> str:
        time.sleep(MODEL_SECONDS)
        user = str(messages[-1].content)
        n = next(int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] (.*)$", user, re.M)
                 if RAIN_QUOTE in m.group(2))
        return json.dumps(
            {
                "answer": f"94 millimetres of rain fell on the upper valley in the 36 hours before it [{n}].",
                "status": "answered",
                "citations": [n],
            }
        )


@pytest.fixture(scope="module")
def flood_agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    root = tmp_path_factory.mktemp("flood")
    a = Agent(index_path=root / "index", cache_dir=root / "cache", provider="local")
    report = a.ingest([str(FLOOD)])
    assert report.added == 1 and report.failed == 0
    return a


@pytest.fixture(scope="module")
def lumora_agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    root = tmp_path_factory.mktemp("lumora")
    a = Agent(index_path=root / "index", cache_dir=root / "cache", provider="local")
    report = a.ingest([str(LUMORA)])
    assert report.added == 1 and report.failed == 0
    return a


# --- async --------------------------------------------------------------------------------------


async def _ticks_while(work: Any) -> tuple[Any, int, float]:
    """Run ``work`` (a coroutine) beside a ticker; how often the ticker got the loop meanwhile."""
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    ticks = 0
    started = time.perf_counter()
    result = await work
    elapsed = time.perf_counter() - started
    seen = ticks
    stop.set()
    await task
    return result, seen, elapsed


def test_aask_leaves_the_event_loop_free(flood_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(flood_agent.__dict__, "chat_model", SlowRainModel())
    question = "How much rain fell before the River Ash flood?"

    answer, ticks, elapsed = asyncio.run(_ticks_while(flood_agent.aask(question)))
    assert isinstance(answer, Answer) and answer.status == "answered", answer
    assert answer.citations and answer.citations[0].quote == RAIN_SENTENCE
    assert elapsed >= MODEL_SECONDS
    # ~30 ticks fit in the model's 0.6 s; a blocked loop gets none until the answer is back.
    assert ticks >= 10, f"the loop ticked only {ticks} times in {elapsed:.2f}s"

    # The control: the blocking call inside a coroutine starves the ticker.
    async def blocking() -> Answer:
        return flood_agent.ask(question)

    answer2, ticks2, _ = asyncio.run(_ticks_while(blocking()))
    assert answer2.text == answer.text
    assert ticks2 <= 1


def test_aask_not_in_sources_needs_no_model(flood_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(flood_agent.__dict__, "chat_model", ForbiddenModel())
    answer = asyncio.run(flood_agent.aask("Who won the 1998 Tour de France?"))
    assert answer.status == "not_in_sources" and answer.citations == []


def test_async_calls_raise_the_same_errors(flood_agent: Agent) -> None:
    with pytest.raises(ArticleNotFoundError, match="agent list"):
        asyncio.run(flood_agent.asummarize("no-such-article"))
    with pytest.raises(NoArticlesError, match="ingest more"):
        asyncio.run(flood_agent.abrief(since=datetime(2030, 1, 1, tzinfo=UTC)))
    with pytest.raises(InvalidArgumentError, match="question is empty"):
        asyncio.run(flood_agent.aask("   "))


def test_lazy_parts_are_built_once_when_threads_race(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.index.embed

    built: list[object] = []

    def slow_make_embedder(settings: Any) -> object:
        time.sleep(0.2)
        built.append(object())
        return built[-1]

    monkeypatch.setattr(agent.index.embed, "make_embedder", slow_make_embedder)
    a = Agent(index_path=tmp_path / "index")
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(a.embedder)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and all(s is built[0] for s in seen) and len(seen) == 4


# --- no global state --------------------------------------------------------------------------------


def test_two_agents_in_one_process_do_not_interfere(flood_agent: Agent, lumora_agent: Agent) -> None:
    flood_ids = [a.id for a in flood_agent.list()]
    lumora_ids = [a.id for a in lumora_agent.list()]
    assert len(flood_ids) == 1 and len(lumora_ids) == 1 and flood_ids != lumora_ids
    assert flood_agent.stats()["articles"] == 1 and lumora_agent.stats()["articles"] == 1

    # Each one searches only its own index, even for the other's subject.
    flood_q, lumora_q = "rain before the flood", "Lumora fourth-quarter revenue"
    assert {p.article_id for p in flood_agent.search(flood_q, k=3)} == set(flood_ids)
    assert {p.article_id for p in lumora_agent.search(lumora_q, k=3)} == set(lumora_ids)
    assert {p.article_id for p in flood_agent.search(lumora_q, k=3)} <= set(flood_ids)
    assert {p.article_id for p in lumora_agent.search(flood_q, k=3)} <= set(lumora_ids)
    with pytest.raises(ArticleNotFoundError):
        flood_agent.get(lumora_ids[0])

    # Re-ingesting into one leaves the other as it was; different settings stay separate.
    assert flood_agent.ingest([str(FLOOD)]).unchanged == 1
    assert [a.id for a in lumora_agent.list()] == lumora_ids
    assert flood_agent.settings.index.index_path != lumora_agent.settings.index.index_path
    assert flood_agent.store is not lumora_agent.store


def test_remove_in_one_agent_leaves_another_index_alone(tmp_path: Path, lumora_agent: Agent) -> None:
    other = Agent(index_path=tmp_path / "index")
    other.ingest([str(LUMORA)])  # the same article, so the same id, in another index
    (aid,) = [a.id for a in other.list()]
    assert [a.id for a in lumora_agent.list()] == [aid]
    assert other.remove(aid) is True and other.list() == []
    assert [a.id for a in lumora_agent.list()] == [aid]
    assert other.remove(aid) is False  # nothing left to remove: not an error


def test_remove_takes_a_unique_id_prefix_like_get(tmp_path: Path) -> None:
    agent = Agent(index_path=tmp_path / "index")
    agent.ingest([str(LUMORA), str(FLOOD)])
    first, second = (a.id for a in agent.list())
    assert agent.remove(first[:8]) is True
    assert [a.id for a in agent.list()] == [second]
    assert agent.remove("zzzz-no-such-prefix") is False


# --- errors -------------------------------------------------------------------------------------


def test_user_errors_are_newsagent_errors_that_say_what_to_do(tmp_path: Path, flood_agent: Agent) -> None:
    empty = Agent(index_path=tmp_path / "empty")
    with pytest.raises(EmptyIndexError, match=r"agent ingest examples/articles") as e1:
        empty.ask("What did the council approve?")
    with pytest.raises(ArticleNotFoundError, match=r"run `agent list` to see the ids") as e2:
        flood_agent.get("zzzz-no-such-id")
    with pytest.raises(ArticleNotFoundError) as e3:
        flood_agent.summarize("zzzz-no-such-id")
    with pytest.raises(InvalidArgumentError, match="ask something") as e4:
        flood_agent.ask("")
    with pytest.raises(NoArticlesError, match=r"widen --since/--until") as e5:
        flood_agent.brief(since=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidArgumentError, match="at least 1") as e6:
        flood_agent.brief("flood", max_articles=0)
    for e in (e1, e2, e3, e4, e5, e6):
        assert isinstance(e.value, NewsAgentError)
        assert "\n" not in str(e.value)  # the CLI prints it as one line
    assert isinstance(e4.value, ValueError)  # argument errors stay ValueErrors too

    # One bad input is a failed item with its fix, never an exception.
    report = flood_agent.ingest([str(tmp_path / "missing.txt")])
    assert report.failed == 1 and "check the path" in (report.items[0].error or "")


def test_every_exception_class_in_the_package_is_a_newsagent_error() -> None:
    classes = []
    for mod in pkgutil.walk_packages(agent_pkg.__path__, "agent."):
        if mod.name.endswith(".__main__"):  # `python -m agent`: importing it runs the CLI
            continue
        module = importlib.import_module(mod.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                classes.append(obj)
    assert len(classes) >= 10
    # Ctrl-C stays a KeyboardInterrupt (IngestInterrupted carries what was saved), so no
    # ``except Exception`` on the way up can swallow it.
    assert [c.__qualname__ for c in classes
            if not issubclass(c, NewsAgentError | KeyboardInterrupt)] == []


# --- results ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Answer, ArticleSummary, Briefing, IngestReport])
def test_result_types_render_and_serialise(cls: type[BaseModel]) -> None:
    assert issubclass(cls, BaseModel)
    assert callable(getattr(cls, "to_markdown", None)) and callable(cls.model_dump)
    assert cls.__name__ in agent_pkg.__all__


def test_results_round_trip_through_model_dump(flood_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(flood_agent.__dict__, "chat_model", SlowRainModel())
    answer = flood_agent.ask("How much rain fell before the River Ash flood?")
    again = Answer.model_validate(answer.model_dump())
    assert again.to_markdown() == answer.to_markdown() and "[1]" in again.to_markdown()
    dumped = json.loads(answer.model_dump_json())["citations"][0]
    assert dumped["quote"] == RAIN_SENTENCE and dumped["sentence_ids"]
    report = flood_agent.ingest([str(FLOOD)])
    assert "unchanged 1" in report.to_markdown() and report.model_dump()["items"][0]["status"] == "unchanged"


def test_agent_docstring_is_a_guide() -> None:
    doc = Agent.__doc__ or ""
    for step in (".ingest(", ".ask(", ".summarize(", ".brief(", ".search(", ".remove(", ".stats(", ".aask(",
                 ".digest("):
        assert step in doc, step


def test_async_twins_have_the_methods_signatures_and_run_overrides() -> None:
    """``aask``/``asummarize``/``abrief``/``adigest`` are made from ``ask``/``summarize``/``brief``/
    ``digest``: the same parameters (a keyword added to one reaches the other), and a subclass's
    override is run."""
    for name in ("ask", "summarize", "brief", "digest"):
        twin = getattr(Agent, f"a{name}")
        assert inspect.iscoroutinefunction(twin), name
        assert twin.__name__ == f"a{name}"
        assert inspect.signature(twin) == inspect.signature(getattr(Agent, name))
        assert "asyncio" in (twin.__doc__ or "")

    class Recording(Agent):
        def ask(self, question: str, **kwargs: object) -> Any:  # type: ignore[override]
            return ("asked", question, kwargs, threading.current_thread() is threading.main_thread())

    result = asyncio.run(Recording(index_path="/nonexistent").aask("q?", k=2))
    assert result == ("asked", "q?", {"k": 2}, False)  # the override, in a worker thread
