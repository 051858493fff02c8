"""The embedded model's JSON grammar: llama-cpp-python's, with brace-free, control-free strings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.answer.evidence import answer_schema
from agent.models import cpu_backend, json_grammar
from agent.models.local import LocalChatModel
from tests.llama_server import fast_model_path


def test_the_library_rule_we_replace_is_still_what_it_generates() -> None:
    """Guards the pinned llama-cpp-python: if its string rule changes, we must notice."""
    assert json_grammar.LIBRARY_CHAR_RULE in json_grammar.library_gbnf(answer_schema([1, 2])).splitlines()


def test_strings_exclude_braces_and_control_characters_and_nothing_else_changes() -> None:
    schema = answer_schema([1, 2, 3])
    library = json_grammar.library_gbnf(schema).splitlines()
    ours = json_grammar.strict_gbnf(schema).splitlines()
    assert json_grammar.STRICT_CHAR_RULE in ours and json_grammar.LIBRARY_CHAR_RULE not in ours
    changed = [(a, b) for a, b in zip(library, ours, strict=True) if a != b]
    assert changed == [(json_grammar.LIBRARY_CHAR_RULE, json_grammar.STRICT_CHAR_RULE)]
    # the order the model writes the fields in is the schema's (answer first, so it streams first)
    root = next(line for line in ours if line.startswith("root ::="))
    assert root.index("answer-kv") < root.index("status-kv") < root.index("citations-kv")


def test_a_schema_without_free_strings_is_left_alone() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert json_grammar.strict_gbnf(schema) == json_grammar.library_gbnf(schema)


def test_local_model_sends_our_grammar_instead_of_response_format() -> None:
    model = LocalChatModel(model_path="unused.gguf")  # _params loads nothing
    schema = answer_schema([1])
    params = model._params(None, {"response_format": {"type": "json_object", "schema": schema}})
    assert "response_format" not in params
    assert params["grammar"]._grammar == json_grammar.strict_gbnf(schema)
    # plain JSON mode (no schema) is still llama.cpp's own
    params = model._params(None, {"response_format": {"type": "json_object"}})
    assert params["response_format"] == {"type": "json_object"} and "grammar" not in params


CODE_SCHEMA = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "language": {"type": "string"}},
    "required": ["code", "language"],
    "additionalProperties": False,
}
CODE_PROMPT = [
    {"role": "system", "content": "Reply in JSON."},
    {
        "role": "user",
        "content": "Put this C program, exactly as written and on two lines, in the code field:\n"
        "int main() {\n  return 0; }",
    },
]


@pytest.mark.slow
def test_real_model_writes_valid_json_without_braces_in_strings() -> None:
    """With llama.cpp's grammar the 0.5B copies the braces into the string; with ours the
    string holds none, keeps the code, and the reply parses as strict JSON."""
    llama_cpp = pytest.importorskip("llama_cpp")
    cpu_backend.activate()
    llm = llama_cpp.Llama(
        model_path=str(fast_model_path()), n_ctx=512, n_threads=2, n_batch=512, verbose=False
    )

    def complete(**how: Any) -> str:
        llm.reset()
        out = llm.create_chat_completion(messages=CODE_PROMPT, temperature=0, max_tokens=60, **how)
        return str(out["choices"][0]["message"]["content"])

    library = complete(response_format={"type": "json_object", "schema": CODE_SCHEMA})
    assert "{" in library[1:-1]  # the failure mode exists: a brace inside a string
    ours = complete(grammar=json_grammar.grammar_for(CODE_SCHEMA))
    data = json.loads(ours)  # strict: no raw control characters either
    assert set(data) == {"code", "language"}
    assert not any(ch in data["code"] for ch in "{}")
    assert "return 0;" in data["code"]
