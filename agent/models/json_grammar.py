"""The GBNF grammar the embedded model decodes JSON with: llama-cpp-python's, with stricter strings.

llama.cpp's own grammar for a schema lets a string hold any character but ``"`` and ``\\``: a
small model may write ``}`` inside a string meaning to end the object and then loop inside it
until ``max_tokens``, and a raw newline in a string is not JSON. So strings here also exclude
``{``, ``}`` and control characters (escapes such as ``\\n`` stay); a brace in news text is rare,
and when one is refused the model picks its best allowed token, usually the forgotten ``"``.
Everything else is llama-cpp-python's converter; a test checks the replaced rule still exists.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from agent.errors import ModelError

# llama-cpp-python 0.3.x's ``char`` rule (PRIMITIVE_RULES["char"]): any character but " and \.
LIBRARY_CHAR_RULE = (
    r'char ::= [^"\\] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])'
)
STRICT_CHAR_RULE = (
    r'char ::= [^"\\{}\x00-\x1F\x7F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] '
    r"[0-9a-fA-F] [0-9a-fA-F])"
)


class GrammarRuleChanged(ModelError):
    """llama-cpp-python's generated grammar no longer has the string rule we tighten."""


def library_gbnf(schema: dict[str, Any]) -> str:
    """llama-cpp-python's own grammar for ``schema`` (what ``response_format`` would use)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema))


@functools.lru_cache(maxsize=64)
def _strict_gbnf(schema_json: str) -> str:
    gbnf = library_gbnf(json.loads(schema_json))
    if "char ::=" not in gbnf:  # a schema without free strings (only enums, numbers, ...)
        return gbnf
    lines = gbnf.splitlines()
    if LIBRARY_CHAR_RULE not in lines:
        raise GrammarRuleChanged(
            "llama-cpp-python's JSON string rule changed; update agent/models/json_grammar.py"
        )
    return "\n".join(STRICT_CHAR_RULE if line == LIBRARY_CHAR_RULE else line for line in lines)


def strict_gbnf(schema: dict[str, Any]) -> str:
    """The grammar for ``schema`` with strings that cannot hold braces or raw control characters."""
    return _strict_gbnf(json.dumps(schema))  # key order kept: it is the order the model writes


def grammar_for(schema: dict[str, Any]) -> Any:
    """A ``llama_cpp.LlamaGrammar`` for ``schema`` (see the module docstring for why ours)."""
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(strict_gbnf(schema), verbose=False)
