"""Fencing untrusted text for a prompt: text inside ``<tag>…</tag>`` must not be able to close it.

Why one module: answers fence passages in ``<passage>``, summaries articles in ``<article>``,
merges notes in ``<note>``, chat the history in ``<history>``, all with the same substitution.
Article text (and a title, a feed name, an answer made from them) is data: a
``</passage>`` inside it must not end the fence and pose as instructions outside it. So the
``<`` of any opening or closing tag of the fence's own name becomes ``‹``, and a value put into
a double-quoted attribute cannot close the quote or open a tag.

This is only the fence; taking instruction-like text out of articles is ``agent.untrusted``.
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
    and briefings ask for it, answers' passage titles never did (kept as is, to keep their
    prompts byte-identical).
    """
    v = (value or "").replace('"', "'").replace("<", OPEN).replace(">", CLOSE)
    return " ".join(v.split()) if collapse_space else v
