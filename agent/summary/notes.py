"""Notes: verified items a second model call may cite by id only (``S1``, ``S2`` ...).

A call that merges a long article's parts, or phrases a briefing's figure conflicts, sees
numbered notes (verified points and figures with their quotes), and its schema makes
``sources`` an enum of exactly those ids, so it cannot cite anything unverified;
``resolve_sources`` maps the ids back to citations, ``fit_notes`` keeps every part within budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.prompting import load_prompt
from agent.settings import Settings
from agent.text.fence import attribute, neutralise
from agent.tokens import count_tokens
from agent.types import Citation

NOTES_PROMPT_NAME = "brief"  # numbered notes and a task: a long article's merge, a briefing's figures


@dataclass
class Note:
    """A verified fact offered to the model under an id like ``S3``; citing the id cites ``citations``."""

    id: str
    text: str
    citations: list[Citation]
    article_id: str
    group: str = ""  # what fit_notes balances over (default: the article)


def format_notes(notes: Sequence[Note]) -> str:
    blocks = []
    for note in notes:
        c = note.citations[0]
        date = c.published.date().isoformat() if c.published else "unknown"
        body = neutralise(f"{note.text}\nQuote: \u201c{c.quote}\u201d", "note")
        blocks.append(f'<note id="{note.id}" article="{attribute(c.title)}" date="{date}">\n{body}\n</note>')
    return "\n\n".join(blocks)


def fit_notes(notes: Sequence[Note], budget: int) -> list[Note]:
    """Keep notes round-robin across groups (articles, or parts of one article: each group's
    first notes first) while the formatted notes fit in ``budget`` tokens, so every group gets
    a say; returned in their original order."""
    by_group: dict[str, list[Note]] = {}
    for n in notes:
        by_group.setdefault(n.group or n.article_id, []).append(n)
    order: list[Note] = []
    depth = 0
    while any(depth < len(v) for v in by_group.values()):
        order.extend(v[depth] for v in by_group.values() if depth < len(v))
        depth += 1
    keep: set[str] = set()
    used = 0
    for n in order:
        cost = count_tokens(format_notes([n])) + 2
        if keep and used + cost > budget:
            continue
        keep.add(n.id)
        used += cost
    return [n for n in notes if n.id in keep]


def notes_budget(settings: Settings, answer_tokens: int) -> int:
    """Tokens of notes one ``brief``-prompt call can take besides its task and answer."""
    room = settings.models.n_ctx - count_tokens(load_prompt(NOTES_PROMPT_NAME).system) - 250 - answer_tokens
    return max(150, int(room * 0.85))


def note_messages(notes: Sequence[Note], task: str) -> list[BaseMessage]:
    prompt = load_prompt(NOTES_PROMPT_NAME)
    user = prompt.user.format(notes=format_notes(notes), task=task)
    return [SystemMessage(content=prompt.system), HumanMessage(content=user)]


def resolve_sources(raw_sources: Any, notes_by_id: dict[str, Note]) -> list[Citation]:
    """Citations for the ids a sentence gave; unknown ids are ignored (the sentence may end uncited)."""
    out: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    for sid in raw_sources or []:
        note = notes_by_id.get(str(sid).strip())
        if note is None:
            continue
        for c in note.citations:
            key = (c.article_id, c.start, c.end)
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out
