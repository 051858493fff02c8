"""Grammar-last sampling on the real 0.5B model: identical constrained output, rejections handled.

Speed is measured in bench/bench_models.py (docs/benchmarks.md), not asserted here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.answer.evidence import answer_schema
from agent.models import cpu_backend, grammar_sampling
from tests.llama_server import fast_model_path

pytestmark = pytest.mark.slow

PASSAGE = (
    "The city council of Millbrook approved a 5% budget increase on Monday, citing road repairs "
    "after the spring floods, which caused $18.4 million in damage according to the mayor."
)
MESSAGES = [
    {"role": "system", "content": "Answer from the passage. Quote it word for word."},
    {
        "role": "user",
        "content": f'<passage id="1">\n{PASSAGE}\n</passage>\n\nQuestion: What did the floods cost?',
    },
]


@pytest.fixture(scope="module")
def llm() -> Any:
    llama_cpp = pytest.importorskip("llama_cpp")
    cpu_backend.activate()
    return llama_cpp.Llama(
        model_path=str(fast_model_path()), n_ctx=1024, n_threads=2, n_batch=512, verbose=False
    )


def _complete(llm: Any, schema: dict[str, Any], messages: list[dict[str, str]], max_tokens: int = 80) -> str:
    llm.reset()  # evaluate the prompt from scratch each time, so the two runs compare like for like
    out = llm.create_chat_completion(
        messages=messages, temperature=0, max_tokens=max_tokens,
        response_format={"type": "json_object", "schema": schema},
    )
    return str(out["choices"][0]["message"]["content"])


def test_same_output_as_grammar_first_sampling(llm: Any) -> None:
    schema = answer_schema([1])
    before = _complete(llm, schema, MESSAGES)
    grammar_sampling.install(llm)
    after = _complete(llm, schema, MESSAGES)
    sampler = llm.last_grammar_sampler
    assert sampler.steps > 10
    assert after == before
    parsed = json.loads(after)
    assert parsed["status"] in {"answered", "partial", "not_in_sources"}
    assert all(c["passage"] == 1 for c in parsed["citations"])


def test_tokens_the_grammar_rejects_are_resampled_within_it(llm: Any) -> None:
    if not hasattr(llm, "last_grammar_sampler"):
        grammar_sampling.install(llm)
    # The model wants to write prose about the floods; the schema only allows {"code": 7 or 9}.
    schema = {
        "type": "object",
        "properties": {"code": {"type": "integer", "enum": [7, 9]}},
        "required": ["code"],
        "additionalProperties": False,
    }
    messages = [{"role": "user", "content": f"{PASSAGE}\n\nWrite a long paragraph about the floods."}]
    out = _complete(llm, schema, messages, max_tokens=20)
    assert json.loads(out)["code"] in (7, 9)
    assert llm.last_grammar_sampler.fallbacks >= 1


def test_installing_does_not_keep_an_unloaded_model_alive() -> None:
    """The hook must not form a model -> hook -> model cycle: dropping the last reference frees
    the model (and its ~1-2 GB) at once, not at some later garbage collection."""
    import gc
    import weakref

    llama_cpp = pytest.importorskip("llama_cpp")
    cpu_backend.activate()
    gc.disable()
    try:
        llm = llama_cpp.Llama(model_path=str(fast_model_path()), n_ctx=256, n_threads=2, verbose=False)
        grammar_sampling.install(llm)
        _complete(llm, answer_schema([1]), MESSAGES, max_tokens=5)
        ref = weakref.ref(llm)
        del llm
        assert ref() is None
    finally:
        gc.enable()


def test_sampled_output_stays_within_the_schema(llm: Any) -> None:
    """With temperature (the structured-call retry uses it) the chain sorts and truncates the
    candidates before the pick; every sampled reply must still parse under the schema."""
    if not hasattr(llm, "last_grammar_sampler"):
        grammar_sampling.install(llm)
    schema = answer_schema([1, 2])
    for seed in range(3):
        llm.reset()
        out = llm.create_chat_completion(
            messages=MESSAGES, temperature=0.9, seed=seed, max_tokens=300,
            response_format={"type": "json_object", "schema": schema},
        )
        reply = json.loads(out["choices"][0]["message"]["content"])
        assert set(reply) == {"answer", "status", "citations"}
        assert all(c["passage"] in (1, 2) for c in reply["citations"])
