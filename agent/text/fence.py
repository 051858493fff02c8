"""Fencing untrusted text for a prompt: text inside ``<tag>…</tag>`` must not be able to close it.

Passages, articles, notes and chat history are fenced in ``<passage>``, ``<article>``,
``<note>`` and ``<history>`` alike: a ``</passage>`` inside article text must not end the fence
and pose as instructions. So the ``<`` of a tag of the fence's own name becomes ``‹``, and an
attribute value cannot close its quote or open a tag. Taking instruction-like text out of
articles is ``agent.untrusted``'s.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: What replaces ``<`` (and ``>`` in attributes): look-alikes a model reads but no parser does.
OPEN, CLOSE = "\u2039", "\u203a"


@lru_cache(maxsize=16)
def _tag_like(tag: str) -> re.Pattern[str]:
    return re.compile(rf"<(\s*/?\s*{re.escape(tag)})", re.IGNORECASE)


def neutralise(text: str, tag: str) -> str:
    """``text`` with every ``<tag``/``</tag`` (any case and spacing) made inert: ``<`` → ``‹``."""
    return _tag_like(tag).sub(OPEN + r"\1", text)


def attribute(value: str | None, *, collapse_space: bool = True) -> str:
    """``value`` safe inside a double-quoted attribute: ``"`` → ``'``, ``<`` → ``‹``, ``>`` → ``›``.

    ``collapse_space`` joins whitespace runs (newlines included) into single spaces: summaries
    and briefings ask for it; answers' passage titles keep theirs, so their prompts stay as they are.
    """
    v = (value or "").replace('"', "'").replace("<", OPEN).replace(">", CLOSE)
    return " ".join(v.split()) if collapse_space else v
