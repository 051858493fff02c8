"""JSON schemas the summary and briefing calls fill (grammar-constrained on the local model).

The schema keeps a small model inside its token budget and its citations inside the ids it was
shown. The builders encode the one rule that matters for speed: no ``maxLength``
(``string_schema``). ``summary_schema`` is the full-text summary; ``cited_schema`` a sentence
whose ``sources`` are note ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

HEADLINE_WORDS = 15
MAX_KEY_POINTS = 7
MIN_KEY_POINTS = 3


def string_schema(hint: str | None = None) -> dict[str, Any]:
    """A string field. No ``maxLength``: llama.cpp expands it into N nested optional grammar
    rules, which makes constrained sampling crawl; length is asked for in the prompt and
    ``description`` and enforced afterwards where it matters (headline)."""
    s: dict[str, Any] = {"type": "string"}
    if hint:
        s["description"] = hint
    return s


def object_schema(props: dict[str, Any]) -> dict[str, Any]:
    """An object whose properties are all required, nothing else allowed (order = generation order)."""
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def array_schema(items: dict[str, Any], lo: int = 0, hi: int | None = None) -> dict[str, Any]:
    """A list of ``items``, at least ``lo`` and (when given) at most ``hi`` long."""
    a: dict[str, Any] = {"type": "array", "items": items}
    if lo:
        a["minItems"] = lo
    if hi is not None:
        a["maxItems"] = hi
    return a


def summary_schema(
    min_points: int = MIN_KEY_POINTS,
    max_points: int = MAX_KEY_POINTS,
    figures: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON a summary over the full text fills. Field order = generation order (headline
    first); list and string bounds keep a small model from rambling past its token budget."""
    evidence = string_schema("a short quote copied exactly from the article")
    points = {
        "key_points": array_schema(
            object_schema({"text": string_schema(), "evidence": evidence}), min_points, max_points
        )
    }
    return object_schema(
        {
            "headline": string_schema(f"at most {HEADLINE_WORDS} words"),
            "summary": string_schema("one paragraph, 2 to 4 sentences"),
            **points,
            "people": array_schema(string_schema(), 0, 8),
            "organisations": array_schema(string_schema(), 0, 8),
            "places": array_schema(string_schema(), 0, 8),
            "key_figures": array_schema(
                object_schema(
                    {
                        # with candidates, a figure's value can only be one written in the article
                        "value": {"type": "string", "enum": list(figures)} if figures else string_schema(),
                        # evidence before "what": the model copies the sentence, then says what
                        # the number measures in it (the other order mislabels figures)
                        "evidence": evidence,
                        "unit": string_schema(),
                        "what": string_schema(),
                    }
                ),
                0,
                8,
            ),
            "dates_events": array_schema(
                object_schema({"date": string_schema(), "event": string_schema(), "evidence": evidence}), 0, 4
            ),
            "quotes": array_schema(
                object_schema({"speaker": string_schema(), "text": string_schema()}), 0, 3
            ),
        }
    )


def cited_schema(ids: Sequence[str]) -> dict[str, Any]:
    """A sentence whose ``sources`` can only be ids of the given notes (enum) and at least one."""
    return object_schema(
        {
            "text": string_schema(),
            "sources": {
                "type": "array",
                "items": {"type": "string", "enum": list(ids)},
                "minItems": 1,
                "maxItems": 4,
            },
        }
    )
