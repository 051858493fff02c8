"""Token usage and cost: prices, aggregation, estimation, the answer/summary/CLI surfaces; then
the real OpenAI-compatible path (llama.cpp's server) reporting usage, streaming included."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda
from typer.testing import CliRunner

from agent.answer.ask import answer_question
from agent.settings import Settings
from agent.tokens import count_tokens
from agent.types import Answer, Article
from agent.usage import (
    LOCAL_PROVIDER,
    Usage,
    cost_of,
    format_cost,
    format_usage,
    price_for,
    records_usage,
    track_usage,
)
from tests import test_models_openai as openai_tests
from tests.fakes import FixedReplyModel, JsonChatModel, cite_first_sentence
from tests.llama_server import LlamaServer
from tests.test_answer import TRADE, passage

REPLY = json.dumps(
    {
        "answer": "Trade reached a record $240 billion [1].",
        "status": "answered",
        "citations": [1],
    }
)


class UsageFake(FixedReplyModel):
    """The shared fake (tests/fakes.py) with this file's defaults: the answer ``REPLY``, named
    like OpenAI's gpt-4o-mini."""

    text: str = REPLY
    provider: str | None = "openai"
    model: str | None = "gpt-4o-mini"


def fake(**kw: Any) -> UsageFake:
    return UsageFake(usage={"input_tokens": 812, "output_tokens": 64}, **kw)


# --- prices and aggregation ----------------------------------------------------------------------


def test_prices_match_openai_models_and_their_dated_snapshots_only() -> None:
    assert price_for("gpt-4o-mini", "openai") == (0.15, 0.60)
    assert price_for("gpt-4o-mini-2024-07-18", "openai") == (0.15, 0.60)
    assert price_for("gpt-4o-2024-08-06", "openai") == (2.50, 10.00)
    assert price_for("gpt-4.1-nano", "openai") == (0.10, 0.40)
    assert price_for("GPT-4.1-mini", "openai") == (0.40, 1.60)
    assert price_for("gpt-4o-audio-preview", "openai") is None  # not priced as gpt-4o
    assert price_for("some-new-model", "openai") is None
    # the same name on an OpenAI-compatible server has no known price
    assert price_for("gpt-4o-mini", "openai-compatible") is None
    assert price_for("qwen2.5-1.5b (local)", LOCAL_PROVIDER) == (0.0, 0.0)


def test_cost_and_its_one_line_rendering() -> None:
    assert cost_of(1_000_000, 1_000_000, (0.15, 0.60)) == pytest.approx(0.75)
    cost = cost_of(812, 64, (0.15, 0.60))
    assert cost == pytest.approx((812 * 0.15 + 64 * 0.60) / 1e6)
    assert cost_of(812, 64, None) is None
    assert format_cost(0.00016020) == "$0.00016" and format_cost(1.234) == "$1.23"
    assert format_cost(0.000003) == "$0.000003"
    line = format_usage(Usage(prompt_tokens=812, completion_tokens=64, calls=1, cost_usd=cost))
    assert line == "tokens: 812 prompt + 64 completion (≈$0.00016)"
    assert "cost unknown" in format_usage(Usage(prompt_tokens=5, completion_tokens=1, calls=1, cost_usd=None))
    local = format_usage(Usage(prompt_tokens=5, completion_tokens=1, calls=2, cost_usd=0.0))
    assert local == "tokens: 5 prompt + 1 completion (2 calls, local model, no cost)"
    estimated = format_usage(Usage(prompt_tokens=5, completion_tokens=1, calls=1, estimated=True))
    assert estimated.startswith("tokens: ≈5 prompt + ≈1 completion") and "estimated" in estimated
    assert format_usage(Usage()) == "tokens: none (no model call)"


def test_usage_adds_up_and_an_unknown_price_makes_the_total_unknown() -> None:
    a = Usage(prompt_tokens=10, completion_tokens=2, calls=1, cost_usd=0.5)
    b = Usage(prompt_tokens=5, completion_tokens=1, calls=1, estimated=True, cost_usd=0.25)
    total = a + b
    assert (total.prompt_tokens, total.completion_tokens, total.calls) == (15, 3, 2)
    assert total.estimated and total.cost_usd == pytest.approx(0.75) and total.total_tokens == 18
    assert (a + Usage(calls=1, cost_usd=None)).cost_usd is None
    assert Usage.model_validate_json(total.model_dump_json()) == total


# --- collecting over an operation ----------------------------------------------------------------


def test_reported_usage_is_collected_for_invoke_and_stream() -> None:
    model = fake()
    with track_usage() as tracked:
        model.invoke([HumanMessage("hi")])
        list(model.stream([HumanMessage("hi")]))
    u = tracked.usage
    assert (u.prompt_tokens, u.completion_tokens, u.calls, u.estimated) == (1624, 128, 2, False)
    assert u.cost_usd == pytest.approx(2 * (812 * 0.15 + 64 * 0.60) / 1e6)
    model.invoke([HumanMessage("outside the block")])
    assert tracked.usage.calls == 2


def test_a_stream_without_usage_is_counted_with_tiktoken_and_marked_estimated() -> None:
    model = UsageFake(provider="openai-compatible", model="whatever")
    messages = [SystemMessage("Answer briefly."), HumanMessage("How much was trade worth?")]
    with track_usage() as tracked:
        list(model.stream(messages))
    u = tracked.usage
    assert u.calls == 1 and u.estimated and u.cost_usd is None
    assert u.completion_tokens == count_tokens(REPLY)
    text_tokens = count_tokens("Answer briefly.") + count_tokens("How much was trade worth?")
    assert text_tokens < u.prompt_tokens <= text_tokens + 20  # + per-message framing


def test_tool_definitions_count_in_an_estimated_prompt() -> None:
    tool = {"type": "function", "function": {"name": "respond", "parameters": {"type": "object"}}}
    model = UsageFake(provider="openai-compatible")
    with track_usage() as bare:
        model.invoke([HumanMessage("hi")])
    with track_usage() as with_tool:
        model.bind(tools=[tool]).invoke([HumanMessage("hi")])
    assert with_tool.usage.prompt_tokens == bare.usage.prompt_tokens + count_tokens(json.dumps([tool]))


def test_a_failed_call_is_not_counted() -> None:
    with track_usage() as tracked, pytest.raises(RuntimeError):
        fake(fail=True).invoke([HumanMessage("hi")])
    assert tracked.usage == Usage()


def test_nested_operations_add_into_the_outer_one_exactly_once() -> None:
    model = fake()

    @records_usage
    def inner() -> Answer:
        model.invoke([HumanMessage("inner")])
        return Answer(question="q", text="t")

    # the inner operation also runs inside a LangChain runnable started in the outer block, whose
    # callbacks the model call inherits: it must still count once
    with track_usage() as outer:
        first = inner()
        second = RunnableLambda(lambda _: inner()).invoke(None)
        model.invoke([HumanMessage("outer")])
    assert first.usage is not None and first.usage.calls == 1 and first.usage.prompt_tokens == 812
    assert second.usage == first.usage
    assert outer.usage.calls == 3 and outer.usage.prompt_tokens == 3 * 812


def test_async_calls_are_collected() -> None:
    import asyncio

    async def two() -> Usage:
        with track_usage() as tracked:
            await fake().ainvoke([HumanMessage("hi")])
            async for _ in fake().astream([HumanMessage("hi")]):
                pass
        return tracked.usage

    assert asyncio.run(two()).calls == 2


def test_our_models_name_their_provider_for_pricing() -> None:
    from pydantic import SecretStr

    from agent.models.local import LocalChatModel
    from agent.models.openai import OpenAIChatModel

    local = LocalChatModel(model_path="unused.gguf", model_name="qwen2.5-1.5b (local)")
    assert local._get_ls_params()["ls_provider"] == LOCAL_PROVIDER  # never loaded: no file needed
    key = SecretStr("sk-unused")
    assert OpenAIChatModel(model="gpt-4o-mini", api_key=key)._get_ls_params()["ls_provider"] == "openai"
    compatible = OpenAIChatModel(model="gpt-4o-mini", api_key=key, base_url="http://127.0.0.1:9/v1")
    assert compatible._get_ls_params()["ls_provider"] == "openai-compatible"


def test_concurrent_operations_in_threads_do_not_mix() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(n: int) -> Usage:
        with track_usage() as tracked:
            for _ in range(n):
                fake().invoke([HumanMessage("hi")])
        return tracked.usage

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(one, [1, 2, 3]))
    assert [u.calls for u in results] == [1, 2, 3]


# --- surfaces: Answer, ArticleSummary, CLI ---------------------------------------------------------


def test_an_answer_reports_its_usage_streamed_or_not() -> None:
    settings = Settings()
    answer = answer_question("How big was trade?", [passage(1, TRADE)], lambda: fake(), settings)
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens, answer.usage.calls) == (812, 64, 1)
    assert answer.usage.cost_usd == pytest.approx((812 * 0.15 + 64 * 0.60) / 1e6)
    streamed: list[str] = []
    streaming = UsageFake(model="m")
    again = answer_question(
        "How big was trade?", [passage(1, TRADE)], lambda: streaming, settings, on_text=streamed.append
    )
    assert streamed and again.usage is not None and again.usage.estimated
    assert again.usage.prompt_tokens > 100 and again.usage.completion_tokens == count_tokens(REPLY)
    assert again.usage.cost_usd is None  # "m" has no known price
    assert json.loads(again.model_dump_json())["usage"]["calls"] == 1


def test_no_passages_means_no_model_call_and_zero_usage() -> None:
    def no_model() -> BaseChatModel:
        raise AssertionError("the model must not be loaded")

    answer = answer_question("Anything?", [], no_model, Settings())
    assert answer.status == "not_in_sources" and answer.usage == Usage()


def test_a_cached_summary_costs_zero_calls(tmp_path: Any) -> None:
    from agent.summary.summarize import summarize_article

    article = Article(id="a1", title="Summit", text=TRADE, content_hash="h1")
    reply = json.dumps(
        {
            "headline": "Trade record",
            "points": [{"text": "Trade set a record of $240 billion.", "sources": [1]}],
            "people": [],
            "organisations": [],
            "places": [],
        }
    )
    settings = Settings(cache_dir=tmp_path, provider="openai", model="gpt-4o-mini")  # UsageFake's name
    first = summarize_article(
        article, lambda: UsageFake(text=reply, usage={"input_tokens": 300, "output_tokens": 40}), settings
    )
    assert first.usage is not None and first.usage.calls >= 1 and first.usage.prompt_tokens >= 300

    # the same model (same cache key), now failing if called: the cache must answer
    cached = summarize_article(article, lambda: UsageFake(text=reply, fail=True), settings)
    assert cached.usage == Usage()
    assert cached == first  # the same summary: usage describes the call, not the summary


def test_a_storyline_briefing_counts_its_calls_and_none_when_cached(tmp_path: Any) -> None:
    from agent.brief import make_briefing
    from tests import test_brief as tb

    store = tb.FakeStore([tb.SUMMIT_A, tb.SUMMIT_B, tb.FLOOD])
    st = tb.settings(tmp_path)
    first = tb.fake(tb.writer_reply)
    b = make_briefing(store=store, retriever=tb.FakeRetriever(store), model=lambda: first, settings=st)
    # two storylines and the figure conflict's phrasing; no summary call
    assert b.usage is not None and b.usage.calls == len(first.calls) == 3
    second = tb.fake(tb.writer_reply)  # every reply now comes from the cache
    again = make_briefing(store=store, retriever=tb.FakeRetriever(store), model=lambda: second, settings=st)
    assert again.usage is not None and again.usage.calls == len(second.calls) == 0


def test_cli_ask_shows_usage_with_the_flag_or_verbose_and_in_json(
    tmp_path: Path, register_model: Callable[[str, BaseChatModel], str]
) -> None:
    """The real ``agent ask`` (real Chroma, real embedder, streamed and not) with a fake chat
    model chosen by name that reports OpenAI's usage for gpt-4o-mini."""
    from agent.cli import app

    article = tmp_path / "summit.txt"
    article.write_text(f"Title: Putin and Xi summit\nDate: 2024-05-16\n\n{TRADE}\n", encoding="utf-8")
    index = str(tmp_path / "index")
    runner = CliRunner()
    ingested = runner.invoke(app, ["--index", index, "ingest", str(article)])
    assert ingested.exit_code == 0, ingested.output
    model = JsonChatModel(
        respond=cite_first_sentence, calls=[], usage={"input_tokens": 812, "output_tokens": 64},
        provider="openai", model="gpt-4o-mini",
    )
    ask = ["--index", index, "--model", register_model("fake-usage", model), "ask", "How big was trade?"]

    plain = runner.invoke(app, ask)
    assert plain.exit_code == 0, plain.output
    assert "Russia’s main partner in international trade" in plain.stdout and "tokens:" not in plain.stdout
    flagged = runner.invoke(app, [*ask, "--usage"])
    assert flagged.exit_code == 0, flagged.output
    assert "tokens: 812 prompt + 64 completion (≈$0.00016)" in flagged.stdout
    verbose = runner.invoke(app, ["-v", *ask])
    assert verbose.exit_code == 0 and "tokens: 812 prompt" in verbose.stdout
    as_json = runner.invoke(app, [*ask, "--json"])
    assert as_json.exit_code == 0, as_json.output
    answer = json.loads(as_json.stdout)
    assert answer["status"] == "answered" and answer["citations"][0]["quote"] == TRADE
    cost = cost_of(812, 64, price_for("gpt-4o-mini", "openai"))
    expected = Usage(prompt_tokens=812, completion_tokens=64, calls=1, cost_usd=cost)
    assert answer["usage"] == expected.model_dump()
    assert len(model.calls) == 4  # one call per ask, streamed or not


# --- the real OpenAI-compatible path ---------------------------------------------------------------

server = openai_tests.server  # the same fixture: one llama.cpp server for this module


@pytest.mark.slow
def test_an_answer_through_the_openai_provider_reports_usage_streaming_included(
    server: LlamaServer,
) -> None:
    from agent.models.structured import get_chat_model

    settings = openai_tests.settings_for(server, max_answer_tokens=160)
    model = get_chat_model(settings)
    passages = [passage(1, TRADE)]
    question = "What was the trade volume last year?"

    answer = answer_question(question, passages, lambda: model, settings)
    assert answer.usage is not None, answer
    u = answer.usage
    assert u.calls >= 1 and u.prompt_tokens > 0 and u.completion_tokens > 0
    assert not u.estimated  # the server reports usage for a whole (non-streamed) reply
    assert u.cost_usd is None  # a compatible server: no price is known

    streamed: list[str] = []
    again = answer_question(question, passages, lambda: model, settings, on_text=streamed.append)
    assert again.usage is not None, again
    s = again.usage
    assert s.calls >= 1 and s.prompt_tokens > 0 and s.completion_tokens > 0
    assert s.cost_usd is None
    # llama-cpp-python's server ignores stream_options.include_usage: the stream is estimated
    print(f"\ninvoke: {format_usage(u)}\nstream: {format_usage(s)}")
