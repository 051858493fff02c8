"""Summaries over the full text, for text the segmenter cannot split into key sentences that
fit one call: the whole article in the prompt, evidence copied as quotes (``full_text_items``).

A text longer than the context leaves room for is summarised in parts (``split_parts``), each
part's quotes verified against the whole article, and merged by a call that can cite the parts'
verified points only by id (``merge_parts``). A one-call summary needs a key point from each
third (``coverage_gaps``); a short call per uncovered third fills it (``fill_coverage_gaps``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.prompting import load_prompt
from agent.settings import Settings
from agent.summary.notes import Note, fit_notes, note_messages, notes_budget, resolve_sources
from agent.summary.schema import (
    HEADLINE_WORDS,
    MAX_KEY_POINTS,
    MIN_KEY_POINTS,
    array_schema,
    cited_schema,
    object_schema,
    string_schema,
    summary_schema,
)
from agent.summary.verify import Items, Verifier, clip_headline, one_line, verify_items
from agent.text.fence import attribute, neutralise
from agent.text.numbers import figure_candidates
from agent.tokens import count_tokens
from agent.types import Article, Chunk, KeyPoint
from agent.untrusted import defang

PROMPT_NAME = "summarize"
COVERAGE_PROMPT_NAME = "key_points"
COVERAGE_PARTS = 3  # a one-call summary must have a key point from each third of the article
COVERAGE_MIN_TOKENS = 60  # a "third" shorter than this (a sign-off, a caption) needs no point
SUMMARY_MAX_TOKENS = 1100  # room for the JSON answer of a summary over the full text


MIN_OUTPUT_TOKENS = 400
#: The most a summary reply may use: copied evidence makes long replies, and a reply cut off
#: mid-JSON is no summary at all.
SUMMARY_OUTPUT_CEILING = 2400


def output_tokens(settings: Settings, prompt_tokens: int) -> int:
    """All the context the prompt leaves (its tiktoken count padded 20 % for the model's own
    tokenizer), up to ``SUMMARY_OUTPUT_CEILING``: a reply cut off is a failed summary."""
    room = settings.models.n_ctx - int(prompt_tokens * 1.2) - 64
    return max(MIN_OUTPUT_TOKENS, min(SUMMARY_OUTPUT_CEILING, room))


def summary_messages(article: Article, text: str, part: tuple[int, int] | None = None) -> list[BaseMessage]:
    """System prompt (fixed, never templated) + the fenced article (or one part of it)."""
    prompt = load_prompt(PROMPT_NAME)
    part_attr = f' part="{part[0]} of {part[1]}"' if part else ""
    user = prompt.user.format(
        title=attribute(defang(article.title)),  # a title or feed name can carry an attack too
        source=attribute(defang(article.source or "unknown")),
        date=article.published.date().isoformat() if article.published else "unknown",
        part=part_attr,
        text=neutralise(defang(text.strip()), "article"),  # instruction-like text never reaches the model
    )
    figures = figure_candidates(defang(text))
    if figures:
        user += "\n\nFigures written in the article (choose key_figures values from these): " + "; ".join(
            figures
        )
    return [SystemMessage(content=prompt.system), HumanMessage(content=user)]


def prompt_overhead_tokens() -> int:
    """Tokens the summary prompt costs besides the article text itself."""
    p = load_prompt(PROMPT_NAME)
    return count_tokens(p.system) + count_tokens(p.user) + 80  # + title/source/chat template


def text_budget(settings: Settings) -> int:
    """Article tokens one call can take: context minus prompt and answer room, with a margin
    because the model's own tokenizer is not cl100k."""
    room = settings.models.n_ctx - prompt_overhead_tokens() - SUMMARY_MAX_TOKENS
    return max(200, int(room * 0.85))


def split_parts(chunks: Sequence[Chunk], budget: int) -> list[tuple[int, int]]:
    """Group consecutive chunks into parts of at most ``budget`` tokens (chunk = paragraph-aware
    boundary); returns character spans of the article text."""
    parts: list[tuple[int, int]] = []
    cur: list[Chunk] = []
    used = 0
    for c in chunks:
        tokens = c.tokens or count_tokens(c.text)
        if cur and used + tokens > budget:
            parts.append((cur[0].start, cur[-1].end))
            cur, used = [], 0
        cur.append(c)
        used += tokens
    if cur:
        parts.append((cur[0].start, cur[-1].end))
    return parts


def _dedupe_by(items: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for it in items:
        k = key(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out


def _merge_names(lists: Iterable[list[str]]) -> list[str]:
    return _dedupe_by([n for lst in lists for n in lst], lambda n: n.casefold())


def merge_parts(
    parts: list[Items], article: Article, model: BaseChatModel, settings: Settings
) -> tuple[Items, int]:
    """Reduce: a call that can cite only the parts' verified key points (by id) writes the
    headline, summary and 3-7 key points; entities, figures, dates and quotes are unions.
    Returns the merged items and how many merged points were dropped (no valid id)."""
    from agent.models.structured import structured_call  # lazy: agent.models is slow to import

    notes: list[Note] = []
    for i, p in enumerate(parts):
        for kp in p.key_points:
            notes.append(Note(f"S{len(notes) + 1}", kp.text, kp.citations, article.id, group=str(i)))
    notes = fit_notes(notes, notes_budget(settings, SUMMARY_MAX_TOKENS))
    by_id = {n.id: n for n in notes}
    dropped = 0
    merged_points: list[KeyPoint] = []
    headline = next((p.headline for p in parts if p.headline), "")
    summary = " ".join(p.summary for p in parts if p.summary)
    if notes:
        lo = min(MIN_KEY_POINTS, len(notes))
        schema = object_schema(
            {
                "headline": string_schema(f"at most {HEADLINE_WORDS} words"),
                "summary": string_schema(),
                "key_points": array_schema(cited_schema([n.id for n in notes]), lo, MAX_KEY_POINTS),
            }
        )
        task = (
            f"These notes come from consecutive parts of ONE long article titled "
            f"\u201c{attribute(article.title)}\u201d. Write its headline (at most 15 words), a one-paragraph "
            f"summary of 2 to 4 sentences, and its {lo} to {MAX_KEY_POINTS} most important key points, "
            "each citing the ids of the notes that support it."
        )
        raw = structured_call(model, note_messages(notes, task), schema, max_tokens=SUMMARY_MAX_TOKENS)
        headline = clip_headline(one_line(raw.get("headline"))) or headline
        summary = one_line(raw.get("summary")) or summary
        for kp in raw.get("key_points") or []:
            cites = resolve_sources(kp.get("sources"), by_id)
            if cites and one_line(kp.get("text")):
                merged_points.append(KeyPoint(text=one_line(kp.get("text")), citations=cites))
            else:
                dropped += 1
        if not merged_points:  # the merge cited nothing usable: fall back to the parts' points
            merged_points = [kp for p in parts for kp in p.key_points][:MAX_KEY_POINTS]
    merged = Items(
        headline=headline,
        summary=summary,
        key_points=merged_points,
        people=_merge_names(p.people for p in parts),
        organisations=_merge_names(p.organisations for p in parts),
        places=_merge_names(p.places for p in parts),
        key_figures=_dedupe_by(
            [f for p in parts for f in p.key_figures],
            lambda f: (f.value.casefold(), f.citations[0].start),
        ),
        dates_events=_dedupe_by(
            [d for p in parts for d in p.dates_events], lambda d: (d.date.casefold(), d.citations[0].start)
        ),
        quotes=_dedupe_by([q for p in parts for q in p.quotes], lambda q: q.citations[0].start),
    )
    return merged, dropped


def thirds(chunks: Sequence[Chunk], parts: int = COVERAGE_PARTS) -> list[tuple[int, int]]:
    """The article split into ``parts`` consecutive spans of about equal tokens, on chunk
    boundaries (so each is whole paragraphs or sentences)."""
    sizes = [c.tokens or count_tokens(c.text) for c in chunks]
    total = sum(sizes) or 1
    groups: dict[int, list[Chunk]] = {}
    before = 0
    for c, size in zip(chunks, sizes, strict=True):
        # a chunk belongs to the part its middle token falls in
        groups.setdefault(min(parts - 1, (2 * before + size) * parts // (2 * total)), []).append(c)
        before += size
    return [(g[0].start, g[-1].end) for _, g in sorted(groups.items())]


def coverage_gaps(chunks: Sequence[Chunk], key_points: Sequence[KeyPoint]) -> list[tuple[int, int]]:
    """Spans of the article (thirds) that no key point cites, short ones ignored: a point per
    third is a checkable proxy for covering the article (a small model writes from the opening)."""
    total = sum(c.tokens or count_tokens(c.text) for c in chunks)
    if len(chunks) < COVERAGE_PARTS or total < COVERAGE_PARTS * COVERAGE_MIN_TOKENS:
        return []
    cited = [c.start for kp in key_points for c in kp.citations]
    gaps = []
    for start, end in thirds(chunks):
        tokens = sum(c.tokens or count_tokens(c.text) for c in chunks if start <= c.start < end)
        if tokens >= COVERAGE_MIN_TOKENS and not any(start <= s < end for s in cited):
            gaps.append((start, end))
    return gaps


def coverage_messages(article: Article, text: str, part: str) -> list[BaseMessage]:
    """Fixed system prompt + one fenced part of the article (instruction-like text removed)."""
    prompt = load_prompt(COVERAGE_PROMPT_NAME)
    user = prompt.user.format(title=attribute(defang(article.title)), part=part,
                              text=neutralise(defang(text.strip()), "article"))
    return [SystemMessage(content=prompt.system), HumanMessage(content=user)]


def trim_to_max(points: list[KeyPoint], spans: Sequence[tuple[int, int]]) -> list[KeyPoint]:
    """At most ``MAX_KEY_POINTS``: drop the last point of the best-covered span until it fits,
    so a point that fills a gap is never the one removed."""

    def span_of(kp: KeyPoint) -> int:
        pos = kp.citations[0].start
        return next((i for i, (s, e) in enumerate(spans) if s <= pos < e), 0)

    points = list(points)
    while len(points) > MAX_KEY_POINTS:
        where = [span_of(kp) for kp in points]
        crowded = max(set(where), key=where.count)
        points.pop(max(i for i, w in enumerate(where) if w == crowded))
    return points


def fill_coverage_gaps(
    key_points: list[KeyPoint], chunks: Sequence[Chunk], verifier: Verifier, model: BaseChatModel
) -> list[KeyPoint]:
    """Add one verified key point for each third of the article the summary left out (a short
    extra model call per gap, over that third only), then trim back to ``MAX_KEY_POINTS``."""
    from agent.models.structured import structured_call  # lazy: agent.models is slow to import

    gaps = coverage_gaps(chunks, key_points)
    if not gaps:
        return key_points
    schema = object_schema(
        {
            "key_points": array_schema(
                object_schema({"text": string_schema(), "evidence": string_schema()}), 1, 2
            )
        }
    )
    points = list(key_points)
    for start, end in gaps:
        part = f"characters {start}-{end} of {len(verifier.article.text)}"
        messages = coverage_messages(verifier.article, verifier.article.text[start:end], part)
        raw = structured_call(model, messages, schema, max_tokens=300)
        found = verify_items({"key_points": raw.get("key_points") or []}, verifier).key_points
        # only a point whose evidence lies in the gap fills it; the first such is the most important
        points.extend([kp for kp in found if start <= kp.citations[0].start < end][:1])
    return trim_to_max(points, thirds(chunks))


def full_text_items(
    article: Article, chat: BaseChatModel, settings: Settings, verifier: Verifier, chunks: list[Chunk]
) -> tuple[Items, int, int]:
    """The whole text in one call (a coverage call per third no point cites), or map-reduce
    over parts when it does not fit; the items, the extra items dropped by the merge, and the
    number of parts."""
    from agent.models.capabilities import supports_grammar  # lazy: agent.models is slow to import
    from agent.models.structured import structured_call

    budget = text_budget(settings)
    spans = [(0, len(article.text))] if count_tokens(article.text) <= budget else split_parts(chunks, budget)
    parts: list[Items] = []
    for i, (start, end) in enumerate(spans, start=1):
        part = (i, len(spans)) if len(spans) > 1 else None
        messages = summary_messages(article, article.text[start:end], part)
        prompt_tokens = sum(count_tokens(str(m.content)) for m in messages)
        # A grammar (the local model's) can hold figure values to the ones written in the
        # article; elsewhere (servers, fakes) the list is left out and verification decides.
        candidates = figure_candidates(defang(article.text[start:end])) if supports_grammar(chat) else []
        schema = summary_schema(2, 5, candidates) if part else summary_schema(figures=candidates)
        raw = structured_call(chat, messages, schema, max_tokens=output_tokens(settings, prompt_tokens))
        parts.append(verify_items(raw, verifier))  # verified against the FULL article text
    if len(parts) == 1:
        items = parts[0]
        items.key_points = fill_coverage_gaps(items.key_points, chunks, verifier, chat)
        return items, 0, 1
    items, extra_dropped = merge_parts(parts, article, chat, settings)
    return items, extra_dropped, len(parts)
