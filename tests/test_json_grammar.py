"""The embedded model's JSON grammar: llama-cpp-python's, with brace-free, control-free strings."""

from __future__ import annotations

import ctypes
import json
from typing import Any

import pytest

from agent.answer import answer_schema
from agent.models import cpu_backend, json_grammar
from agent.models.local import LocalChatModel
from tests.llama_server import fast_model_path


def test_the_library_rules_we_replace_are_still_what_it_generates() -> None:
    """Guards the pinned llama-cpp-python: if its string or whitespace rule changes, we must notice."""
    lines = json_grammar.library_gbnf(answer_schema(2)).splitlines()
    assert json_grammar.LIBRARY_CHAR_RULE in lines
    assert json_grammar.LIBRARY_SPACE_RULE in lines


def test_strings_exclude_braces_and_control_characters_json_is_compact_nothing_else_changes() -> None:
    schema = answer_schema(3)
    library = json_grammar.library_gbnf(schema).splitlines()
    ours = json_grammar.strict_gbnf(schema).splitlines()
    assert json_grammar.STRICT_CHAR_RULE in ours and json_grammar.LIBRARY_CHAR_RULE not in ours
    changed = [(a, b) for a, b in zip(library, ours, strict=True) if a != b]
    assert sorted(changed) == sorted([
        (json_grammar.LIBRARY_CHAR_RULE, json_grammar.STRICT_CHAR_RULE),
        (json_grammar.LIBRARY_SPACE_RULE, json_grammar.COMPACT_SPACE_RULE),
    ])
    # the order the model writes the fields in is the schema's (answer first, so it streams first)
    root = next(line for line in ours if line.startswith("root ::="))
    assert root.index("answer-kv") < root.index("status-kv") < root.index("citations-kv")


def test_a_schema_without_free_strings_only_loses_its_optional_spaces() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    library = json_grammar.library_gbnf(schema).splitlines()
    compact = json_grammar.COMPACT_SPACE_RULE
    assert json_grammar.strict_gbnf(schema).splitlines() == [
        compact if line == json_grammar.LIBRARY_SPACE_RULE else line for line in library
    ]


def test_the_compact_grammar_accepts_compact_json_and_refuses_spaces() -> None:
    """Parsed by llama.cpp itself: one token at a time through a real grammar sampler."""
    llama_cpp = pytest.importorskip("llama_cpp")
    cpu_backend.activate()
    llm = llama_cpp.Llama(model_path=str(fast_model_path()), vocab_only=True, verbose=False)
    grammar = json_grammar.grammar_for(answer_schema(2))

    def accepts(text: str) -> bool:
        sampler = llama_cpp.llama_sampler_init_grammar(
            llm._model.vocab, grammar._grammar.encode(), grammar._root.encode()
        )
        try:
            for ch in text:  # one character per step: a token that is exactly that character
                token = llm.tokenize(ch.encode(), add_bos=False, special=False)
                if len(token) != 1:
                    return False
                data = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token[0], 0.0, 0.0))
                arr = llama_cpp.llama_token_data_array(data=data, size=1, selected=-1, sorted=False)
                llama_cpp.llama_sampler_apply(sampler, ctypes.byref(arr))
                if data[0].logit == float("-inf"):
                    return False
                llama_cpp.llama_sampler_accept(sampler, token[0])
            return True
        finally:
            llama_cpp.llama_sampler_free(sampler)

    reply = {"answer": "Yes [1].", "status": "answered", "citations": [1]}
    compact = json.dumps(reply, separators=(",", ":"))
    assert accepts(compact)
    assert not accepts(compact.replace('","', '", "'))


def test_local_model_sends_our_grammar_instead_of_response_format() -> None:
    model = LocalChatModel(model_path="unused.gguf")  # _params loads nothing
    schema = answer_schema(1)
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
