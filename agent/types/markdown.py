"""The Markdown both summaries and briefings end with: [n] marks and a numbered Sources list."""

from __future__ import annotations

from agent.safetext import md_inline, md_url
from agent.types.answers import Citation


def cite_marks(citations: list[Citation]) -> str:
    return "".join(f"[{c.n}]" for c in citations)


def sources_markdown(citations: list[Citation]) -> list[str]:
    """Footnote-style list: one entry per citation number (title, date, URL, verbatim quote)."""
    seen: dict[int, Citation] = {}
    for c in citations:
        seen.setdefault(c.n, c)
    lines: list[str] = []
    for n in sorted(seen):
        c = seen[n]
        date = f", {c.published.date().isoformat()}" if c.published else ""
        where = f" <{md_url(c.url)}>" if c.url else ""
        lines.append(f"[{n}] *{md_inline(c.title)}*{date}{where}")
        lines.append(f"    > {md_inline(c.quote)}")
    return lines
