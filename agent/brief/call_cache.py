"""Structured model calls cached on disk by their exact input: ``CachedCalls(...).call(...)``.

Why: a briefing is a handful of calls over model-free inputs (key sentences chosen by
``agent.summary.select``, storylines by ``agent.brief.grouping``), so the same articles give
byte-identical prompts. Keying the reply by (model label, messages, schema, max tokens) lets a
repeated briefing make no model call at all — and never load the model — while any change to
the articles, the selection, a prompt file or the model gives a new key. The reply is the raw JSON
object: everything built from it is re-verified on every run, so a cached reply is trusted no
more than a fresh one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from agent.text.hashing import sha256_hex

log = logging.getLogger(__name__)

#: ``call(messages, schema, max_tokens) -> reply``: a structured model call, as ``CachedCalls.call``.
Call = Callable[[list[BaseMessage], dict[str, Any], int | None], dict[str, Any]]


class CachedCalls:
    """``call(messages, schema, max_tokens)``: the cached reply, else ``structured_call`` on the
    model from ``get_model()`` (called only on a miss), saved atomically. ``calls`` counts misses
    and ``model`` is the model they used (None while every reply came from the cache);
    ``refresh=True`` never reads the cache but still writes it (for the next run)."""

    def __init__(
        self,
        folder: Path | None,
        label: str,
        get_model: Callable[[], BaseChatModel],
        *,
        refresh: bool = False,
    ) -> None:
        self.folder = folder
        self.refresh = refresh
        self.label = label
        self.get_model = get_model
        self.model: BaseChatModel | None = None
        self.calls = 0
        self.hits = 0

    def key(self, messages: list[BaseMessage], schema: dict[str, Any], max_tokens: int | None) -> str:
        blob = json.dumps(
            [self.label, [[m.type, m.content] for m in messages], schema, max_tokens],
            sort_keys=True,
            default=str,
        )
        return sha256_hex(blob)

    def call(
        self, messages: list[BaseMessage], schema: dict[str, Any], max_tokens: int | None = None
    ) -> dict[str, Any]:
        from agent.models.structured import structured_call  # lazy: agent.models is slow to import

        path = self.folder / f"{self.key(messages, schema, max_tokens)}.json" if self.folder else None
        if path is not None and not self.refresh and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    self.hits += 1
                    return data
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable cached reply %s: %s", path, exc)
        self.model = self.get_model()
        data = structured_call(self.model, messages, schema, max_tokens=max_tokens)
        self.calls += 1
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(data), encoding="utf-8")
                tmp.replace(path)
            except OSError as exc:
                log.warning("could not cache a briefing reply at %s: %s", path, exc)
        return data


__all__ = ["Call", "CachedCalls"]
