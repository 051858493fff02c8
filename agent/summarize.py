"""Structured, cited summaries of one article: ``summarize_article(article, model, settings)``.

How it stays honest: the model fills a JSON schema (grammar-constrained locally) in which every
key point, figure and dated event carries a short verbatim ``evidence`` quote. Nothing it writes
is trusted: each quote is looked up in the ARTICLE text with ``cite.find_quote``; an item whose
quote is not there is dropped (and counted in ``dropped``), never shown as cited. A figure whose
number is not in its (verified) quote is kept but ``flagged`` — shown as unverified, not as fact.
Direct quotes must themselves occur verbatim in the article.

Long articles (more tokens than the model's context leaves room for) are summarised in parts
split at chunk/paragraph boundaries (map), each part's quotes verified against the FULL article;
the parts' verified key points are then merged by a second call that can only cite them by id
(reduce, prompt ``brief``), so merged key points keep verified quotes.

Summaries are cached on disk per (content hash, model, prompt versions): a briefing over
already-summarised articles never re-runs them, and ``refresh=True`` forces a redo.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.errors import InvalidArgumentError
from agent.prompting import Prompt, load_prompt
from agent.settings import Settings
from agent.text.fence import attribute, neutralise
from agent.text.fold import clean_quote
from agent.text.hashing import sha256_hex
from agent.text.numbers import digits_in, figure_candidates, number_words_in, numbers_in
from agent.text.quotes import find_quote
from agent.text.sentences import sentence_spans
from agent.tokens import count_tokens
from agent.types import (
    Article,
    ArticleSummary,
    Chunk,
    Citation,
    DateEvent,
    KeyFigure,
    KeyPoint,
    SummaryQuote,
)
from agent.untrusted import defang
from agent.usage import records_usage

log = logging.getLogger(__name__)

PROMPT_NAME = "summarize"
KEY_PROMPT_NAME = "summarize_sentences"  # the common path: key sentences cited by id
MERGE_PROMPT_NAME = "brief"
COVERAGE_PROMPT_NAME = "key_points"
COVERAGE_PARTS = 3  # a one-call summary must have a key point from each third of the article
COVERAGE_MIN_TOKENS = 60  # a "third" shorter than this (a sign-off, a caption) needs no point
SUMMARY_MAX_TOKENS = 1100  # room for the JSON answer (a full summary is ~500-900 tokens)
MIN_OUTPUT_TOKENS = 400
HEADLINE_WORDS = 15
MAX_KEY_POINTS = 7
MIN_KEY_POINTS = 3

ModelOrFactory = BaseChatModel | Callable[[], BaseChatModel]
SummaryMethod = Literal["key_sentences", "full_text"]



# --- schema ---------------------------------------------------------------------------------


MAX_FIGURES = 8


def _str(hint: str | None = None) -> dict[str, Any]:
    """A string field. No ``maxLength``: llama.cpp expands it into N nested optional grammar
    rules, which made constrained sampling crawl (minutes for one summary); length is asked for
    in the prompt and ``description`` and enforced afterwards where it matters (headline)."""
    s: dict[str, Any] = {"type": "string"}
    if hint:
        s["description"] = hint
    return s


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def _arr(items: dict[str, Any], lo: int = 0, hi: int | None = None) -> dict[str, Any]:
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
    """The JSON schema the model fills. Field order = generation order (headline first);
    list and string bounds keep a small model from rambling past its token budget.

    """
    evidence = _str("a short quote copied exactly from the article")
    points = {"key_points": _arr(_obj({"text": _str(), "evidence": evidence}), min_points, max_points)}
    return _obj(
        {
            "headline": _str(f"at most {HEADLINE_WORDS} words"),
            "summary": _str("one paragraph, 2 to 4 sentences"),
            **points,
            "people": _arr(_str(), 0, 8),
            "organisations": _arr(_str(), 0, 8),
            "places": _arr(_str(), 0, 8),
            "key_figures": _arr(
                _obj(
                    {
                        # with candidates, a figure's value can only be one written in the article
                        "value": {"type": "string", "enum": list(figures)} if figures else _str(),
                        # evidence before "what": the model copies the sentence, then says what
                        # the number measures in it (measured: the other order mislabelled figures)
                        "evidence": evidence,
                        "unit": _str(),
                        "what": _str(),
                    }
                ),
                0,
                MAX_FIGURES,
            ),
            "dates_events": _arr(_obj({"date": _str(), "event": _str(), "evidence": evidence}), 0, 4),
            "quotes": _arr(_obj({"speaker": _str(), "text": _str()}), 0, 3),
        }
    )


# --- prompt ---------------------------------------------------------------------------------


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
    room = settings.n_ctx - prompt_overhead_tokens() - SUMMARY_MAX_TOKENS
    return max(200, int(room * 0.85))


# --- verification ---------------------------------------------------------------------------


def figure_check(value: str, quote: str) -> str | None:
    """None when every number in ``value`` appears in ``quote``; else why the figure is flagged.

    ``$240 billion`` matches "a new record of $240 billion" and "240bn"; "40%" matches
    "40 percent"; "1.5 times" matches "increased 1.5 times".
    """
    wanted = digits_in(value) or number_words_in(value)
    if not wanted:
        return f"{value!r} contains no number"
    have = numbers_in(quote)
    missing = sorted(wanted - have)
    if missing:
        return f"the number {', '.join(missing)} does not appear in the quoted passage"
    return None


def sentence_with(value: str, text: str) -> tuple[int, int] | None:
    """Span of the sentence of ``text`` (the package's segmenter, ``agent.text.sentences``)
    holding the first verbatim (case-folded) occurrence of ``value``."""
    pos = text.lower().find(value.lower())
    if pos < 0:
        return None
    start, end = pos, pos + len(value)
    for a, b in sentence_spans(text):
        if a <= pos < b:
            start, end = a, max(b, end)
            break
    if end - start > 400:  # a run-on sentence: keep a window around the value
        start, end = max(start, pos - 150), min(end, pos + len(value) + 150)
    return start, end


def chunk_of(chunks: Sequence[Chunk], start: int, article_id: str) -> str:
    """Id of the chunk holding character ``start`` (chunk ids match the index's chunking)."""
    best = f"{article_id}:0"
    for c in chunks:
        if c.start <= start:
            best = c.id
        else:
            break
    return best


class Verifier:
    """Checks the model's quotes against one article and makes ``Citation`` objects.

    Numbers are provisional (one per distinct span); ``renumber`` makes them follow
    display order once the summary is assembled.
    """

    def __init__(self, article: Article, chunks: Sequence[Chunk]) -> None:
        self.article = article
        self.chunks = list(chunks)
        self.dropped = 0
        self._numbers: dict[tuple[int, int], int] = {}

    def citation(self, span: tuple[int, int]) -> Citation:
        n = self._numbers.setdefault(span, len(self._numbers) + 1)
        a = self.article
        start, end = span
        return Citation(
            n=n,
            article_id=a.id,
            title=a.title,
            url=a.url,
            source=a.source,
            published=a.published,
            quote=a.text[start:end],
            start=start,
            end=end,
            chunk_id=chunk_of(self.chunks, start, a.id),
        )

    def cite(self, evidence: Any) -> Citation | None:
        """The citation for ``evidence`` when it is verbatim in the article, else None (counted)."""
        if not isinstance(evidence, str) or not evidence.strip():
            self.dropped += 1
            return None
        span = find_quote(evidence, self.article.text)
        if span is None:
            self.dropped += 1
            return None
        return self.citation(span)

    def name_in_article(self, name: str) -> bool:
        """A person/organisation/place name counts only if the article mentions it."""
        text = self.article.text.casefold()
        name = " ".join(name.split())
        if not name:
            return False
        if name.casefold() in text:
            return True
        # "President Vladimir Putin" when the article says "Vladimir Putin": every long word present
        words = [w for w in re.findall(r"\w+", name.casefold()) if len(w) > 2]
        return bool(words) and all(w in text for w in words)


@dataclass
class _Items:
    """Verified items of one model reply (one part of an article, or all of it)."""

    headline: str
    summary: str
    key_points: list[KeyPoint]
    people: list[str]
    organisations: list[str]
    places: list[str]
    key_figures: list[KeyFigure]
    dates_events: list[DateEvent]
    quotes: list[SummaryQuote]


def _s(x: Any) -> str:
    return " ".join(str(x).split()) if x is not None else ""


def _names(raw: Any, v: Verifier) -> list[str]:
    out: list[str] = []
    for name in raw or []:
        n = clean_quote(_s(name))
        if not n:
            continue
        if not v.name_in_article(n):
            v.dropped += 1
            continue
        if n.casefold() not in {o.casefold() for o in out}:
            out.append(n)
    return out


# Heads of noun phrases that name a group of people, not a person ("Emergency crews", "Local
# residents", "Police officers"): the small model lists them as people.
_GROUP_HEADS = frozenset(
    (
        "crews", "crew", "officials", "official", "residents", "police", "officers", "firefighters",
        "authorities", "team", "staff", "workers", "people", "volunteers", "engineers", "surveyors",
        "ministers", "leaders", "spokespeople", "spokesperson", "families", "survivors", "victims",
        "investors", "analysts", "economists", "voters", "protesters", "students", "scientists",
        "researchers", "doctors", "nurses", "experts", "farmers", "troops", "soldiers", "forces",
        "services", "council", "government", "committee", "members", "fans", "customers", "passengers"
    )
)
# Heads that make a name a place, not an organisation ("A38 bridge", "Millbrook High Street").
_PLACE_HEADS = frozenset(
    (
        "bridge", "road", "street", "avenue", "lane", "river", "station", "airport", "port", "harbour",
        "harbor", "park", "square", "valley", "hill", "lake", "bay", "island", "motorway", "highway",
        "tunnel", "dam", "estate", "quarter", "district", "county", "province", "region"
    )
)


def _head(name: str) -> str:
    words = re.findall(r"[A-Za-z]+", name)
    return words[-1].casefold() if words else ""


def sort_entities(
    people: list[str], organisations: list[str], places: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """Put each verified name in the list a reader expects: a group of people ("Emergency
    crews") is not a person and is dropped from people; an infrastructure or place name listed
    as an organisation ("A38 bridge") moves to places. A name with no capital letter is not a
    proper name and is dropped from people."""
    kept_people = [
        n for n in people if _head(n) not in _GROUP_HEADS and any(ch.isupper() for ch in n)
    ]
    kept_orgs: list[str] = []
    moved: list[str] = []
    for n in organisations:
        (moved if _head(n) in _PLACE_HEADS else kept_orgs).append(n)
    all_places = list(places)
    for n in moved:
        if n.casefold() not in {p.casefold() for p in all_places}:
            all_places.append(n)
    return kept_people, kept_orgs, all_places


def verify_items(raw: dict[str, Any], v: Verifier) -> _Items:
    """Keep what verifies: items whose evidence is in the article; flag unsupported figures."""
    key_points: list[KeyPoint] = []
    for kp in raw.get("key_points") or []:
        c = v.cite(kp.get("evidence"))
        text = _s(kp.get("text"))
        if c is not None and text:
            key_points.append(KeyPoint(text=text, citations=[c]))

    figures: list[KeyFigure] = []
    seen_values: set[str] = set()
    for f in raw.get("key_figures") or []:
        value = _s(f.get("value"))
        if not value or value.lower() in seen_values:
            continue
        c = v.cite(f.get("evidence"))
        if c is None or figure_check(value, c.quote) is not None:
            # The model's evidence is missing or lacks the number: when the value is written in
            # the article, its own sentence is the evidence (verbatim by construction).
            span = sentence_with(value, v.article.text)
            if span is not None:
                c = v.citation(span)
        if c is None:
            continue
        seen_values.add(value.lower())
        reason = figure_check(value, c.quote)
        figures.append(
            KeyFigure(
                value=value,
                unit=_s(f.get("unit")),
                what=_s(f.get("what")),
                citations=[c],
                flagged=reason is not None,
                flag_reason=reason,
            )
        )

    dates: list[DateEvent] = []
    for d in raw.get("dates_events") or []:
        c = v.cite(d.get("evidence"))
        if c is not None and _s(d.get("date")) and _s(d.get("event")):
            dates.append(DateEvent(date=_s(d.get("date")), event=_s(d.get("event")), citations=[c]))

    quotes: list[SummaryQuote] = []
    for q in raw.get("quotes") or []:
        c = v.cite(q.get("text"))
        if c is None:
            continue
        speaker = _s(q.get("speaker"))
        if speaker and not v.name_in_article(speaker):
            speaker = ""  # never attribute a quote to someone the article doesn't name
        if any(existing.citations[0].start == c.start for existing in quotes):
            continue
        quotes.append(SummaryQuote(text=c.quote, speaker=speaker, citations=[c]))

    return _Items(
        headline=_headline(_s(raw.get("headline"))),
        summary=_s(raw.get("summary")),
        key_points=key_points,
        people=_names(raw.get("people"), v),
        organisations=_names(raw.get("organisations"), v),
        places=_names(raw.get("places"), v),
        key_figures=figures,
        dates_events=dates,
        quotes=quotes,
    )


def _headline(text: str) -> str:
    words = clean_quote(text).split()
    return " ".join(words[:HEADLINE_WORDS]).rstrip(",;:") if words else ""


def renumber(summary: ArticleSummary) -> ArticleSummary:
    """Citation numbers 1..m in display order (key points, figures, dates, quotes)."""
    numbers: dict[tuple[int, int], int] = {}

    def fix(cites: list[Citation]) -> list[Citation]:
        out = []
        for c in cites:
            n = numbers.setdefault((c.start, c.end), len(numbers) + 1)
            out.append(c.model_copy(update={"n": n}))
        return out

    for group in (summary.key_points, summary.key_figures, summary.dates_events, summary.quotes):
        for item in group:
            item.citations = fix(item.citations)
    return summary


# --- notes: verified items a second call may cite by id (used by merge and by briefings) -----


@dataclass
class Note:
    """A verified fact offered to the model under an id like ``S3``; citing the id cites ``citations``."""

    id: str
    text: str
    citations: list[Citation]
    article_id: str
    kind: str = "point"  # point | figure
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
    room = settings.n_ctx - count_tokens(load_prompt(MERGE_PROMPT_NAME).system) - 250 - answer_tokens
    return max(150, int(room * 0.85))


def note_messages(notes: Sequence[Note], task: str) -> list[BaseMessage]:
    prompt = load_prompt(MERGE_PROMPT_NAME)
    user = prompt.user.format(notes=format_notes(notes), task=task)
    return [SystemMessage(content=prompt.system), HumanMessage(content=user)]


def cited_schema(ids: Sequence[str]) -> dict[str, Any]:
    """A sentence whose ``sources`` can only be ids of the given notes (enum) and at least one."""
    return _obj(
        {
            "text": _str(),
            "sources": {
                "type": "array",
                "items": {"type": "string", "enum": list(ids)},
                "minItems": 1,
                "maxItems": 4,
            },
        }
    )


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


def summary_notes(
    summaries: Iterable[ArticleSummary], *, points: int = MAX_KEY_POINTS, figures: bool = True, start: int = 1
) -> list[Note]:
    """Numbered notes from summaries: their key points and unflagged figures (never flagged ones)."""
    notes: list[Note] = []
    i = start
    for s in summaries:
        for kp in s.key_points[:points]:
            notes.append(Note(f"S{i}", kp.text, kp.citations, s.article_id))
            i += 1
        if figures:
            for f in s.key_figures:
                if f.flagged or not f.citations:
                    continue
                unit = f" ({f.unit})" if f.unit else ""
                notes.append(Note(f"S{i}", f"{f.what}: {f.value}{unit}", f.citations, s.article_id, "figure"))
                i += 1
    return notes


# --- splitting and merging long articles ------------------------------------------------------


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
    parts: list[_Items], article: Article, model: BaseChatModel, settings: Settings
) -> tuple[_Items, int]:
    """Reduce: a call that can cite only the parts' verified key points (by id) writes the
    headline, summary and 3-7 key points; entities, figures, dates and quotes are unions.
    Returns the merged items and how many merged points were dropped (no valid id)."""
    from agent.models.structured import structured_call

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
        schema = _obj(
            {
                "headline": _str(f"at most {HEADLINE_WORDS} words"),
                "summary": _str(),
                "key_points": _arr(cited_schema([n.id for n in notes]), lo, MAX_KEY_POINTS),
            }
        )
        task = (
            f"These notes come from consecutive parts of ONE long article titled "
            f"\u201c{attribute(article.title)}\u201d. Write its headline (at most 15 words), a one-paragraph "
            f"summary of 2 to 4 sentences, and its {lo} to {MAX_KEY_POINTS} most important key points, "
            "each citing the ids of the notes that support it."
        )
        raw = structured_call(model, note_messages(notes, task), schema, max_tokens=SUMMARY_MAX_TOKENS)
        headline = _headline(_s(raw.get("headline"))) or headline
        summary = _s(raw.get("summary")) or summary
        for kp in raw.get("key_points") or []:
            cites = resolve_sources(kp.get("sources"), by_id)
            if cites and _s(kp.get("text")):
                merged_points.append(KeyPoint(text=_s(kp.get("text")), citations=cites))
            else:
                dropped += 1
        if not merged_points:  # the merge cited nothing usable: fall back to the parts' points
            merged_points = [kp for p in parts for kp in p.key_points][:MAX_KEY_POINTS]
    merged = _Items(
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


# --- coverage: no third of the article left out of the key points ----------------------------


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
    """Spans of the article (thirds) that no key point cites.

    Why: measured on the seed article, the 1.5B model drew every key point from the opening
    paragraphs and missed the nuclear cooperation in the middle. A key point per third is a
    cheap, checkable proxy for "covering the whole article"; short spans are ignored.
    """
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
    from agent.models.structured import structured_call

    gaps = coverage_gaps(chunks, key_points)
    if not gaps:
        return key_points
    schema = _obj({"key_points": _arr(_obj({"text": _str(), "evidence": _str()}), 1, 2)})
    points = list(key_points)
    for start, end in gaps:
        part = f"characters {start}-{end} of {len(verifier.article.text)}"
        messages = coverage_messages(verifier.article, verifier.article.text[start:end], part)
        raw = structured_call(model, messages, schema, max_tokens=300)
        found = verify_items({"key_points": raw.get("key_points") or []}, verifier).key_points
        # only a point whose evidence lies in the gap fills it; the first such is the most important
        points.extend([kp for kp in found if start <= kp.citations[0].start < end][:1])
    return trim_to_max(points, thirds(chunks))


# --- cache ----------------------------------------------------------------------------------


def prompt_version(method: str = "key_sentences") -> str:
    """What a summary records as its prompt: every file it may use (key sentences, then map,
    merge, coverage for the full-text path), so either path's summaries are cached apart."""
    names: tuple[str, ...] = (PROMPT_NAME, MERGE_PROMPT_NAME, COVERAGE_PROMPT_NAME)
    if method == "key_sentences":
        names = (KEY_PROMPT_NAME, *names)
    return "+".join(load_prompt(n).id for n in names)


def article_hash(article: Article) -> str:
    if article.content_hash:
        return article.content_hash
    blob = json.dumps([article.title, article.text, article.url, str(article.published)])
    return sha256_hex(blob)


def cache_path(
    article: Article, model_label: str, settings: Settings, method: str = "key_sentences"
) -> Path:
    """``<cache_dir>/summaries/<content hash>-<model label>-<prompt version>.json``; hashed when
    the name would be unreasonably long. Keyed by content, so an edited article is redone."""
    label = re.sub(r"[^A-Za-z0-9._@+-]+", "_", model_label).strip("_") or "model"
    version = re.sub(r"[^A-Za-z0-9._@+-]+", "_", prompt_version(method))
    name = f"{article_hash(article)}-{label}-{version}"
    if len(name) > 150:
        name = sha256_hex(name)
    return Path(settings.cache_dir) / "summaries" / f"{name}.json"


def load_cached(path: Path, article: Article) -> ArticleSummary | None:
    try:
        summary = ArticleSummary.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        if path.exists():
            log.warning("ignoring unreadable cached summary %s: %s", path, exc)
        return None
    # The article id may differ for the same content (e.g. ingested from another path): re-key.
    if summary.article_id != article.id:
        summary.article_id = article.id
        for group in (summary.key_points, summary.key_figures, summary.dates_events, summary.quotes):
            for item in group:
                for c in item.citations:
                    c.article_id = article.id
    return summary


def save_cached(path: Path, summary: ArticleSummary) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(summary.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader never sees half a file
    except OSError as exc:
        log.warning("could not cache summary at %s: %s", path, exc)


# --- the entry point --------------------------------------------------------------------------


# The most a summary reply may use. Measured on FRANK (CNN/DM): with long copied evidence a
# 640-word article's reply reached 1,400 tokens and was cut off mid-JSON (no summary at all);
# most replies stop far earlier, so the ceiling costs nothing unless it is needed.
SUMMARY_OUTPUT_CEILING = 2400


def _output_tokens(settings: Settings, prompt_tokens: int) -> int:
    """All the context the prompt leaves (its tiktoken count padded 20 % for the model's own
    tokenizer), up to ``SUMMARY_OUTPUT_CEILING``: a reply cut off is a failed summary."""
    room = settings.n_ctx - int(prompt_tokens * 1.2) - 64
    return max(MIN_OUTPUT_TOKENS, min(SUMMARY_OUTPUT_CEILING, room))


def _grammar_backed(model: BaseChatModel) -> bool:
    from agent.models.local import LocalChatModel

    return isinstance(model, LocalChatModel)


#: Tokens of key sentences a summary shows the model (see agent/select.py and the FRANK bench).
KEY_SENTENCE_BUDGET = 380
#: Reply cap of a key-sentence summary (headline, 3-4 cited points, names, quote speakers).
KEY_SENTENCE_MAX_TOKENS = 500


def _key_sentence_items(
    article: Article, chat: BaseChatModel, settings: Settings, verifier: Verifier, embedder: Any
) -> _Items | None:
    """One call over the article's key sentences, cited by id; None when they do not fit one
    call (a text the segmenter cannot split), which leaves the map-reduce path."""
    from agent import sentence_summary as ss
    from agent.models.structured import structured_call
    from agent.select import key_sentences
    from agent.text.sentences import segment

    all_sentences = segment(article.text)
    budget = min(KEY_SENTENCE_BUDGET, text_budget(settings))
    key = key_sentences(article.text, embedder=embedder, budget_tokens=budget, sentences=all_sentences)
    shown_text = " ".join(article.text[s.start : s.end] for s in key)
    if not key or count_tokens(shown_text) > text_budget(settings):
        return None
    shown = ss.Shown(article, key, all_sentences)
    messages = ss.messages(article, shown)
    prompt_tokens = sum(count_tokens(str(m.content)) for m in messages)
    candidates = figure_candidates(defang(shown_text))
    schema = ss.schema(shown)
    # Ids instead of quotes, figures and dates found without the model: a reply is ~150-300
    # tokens, so one that rambles is cut at KEY_SENTENCE_MAX_TOKENS.
    max_tokens = min(KEY_SENTENCE_MAX_TOKENS, _output_tokens(settings, prompt_tokens))
    raw = structured_call(chat, messages, schema, max_tokens=max_tokens)
    items = ss.verify(raw, shown, verifier, candidates)
    gaps = coverage_gaps(verifier.chunks, items.key_points)
    ss.fill_gaps(items.key_points, shown, gaps, verifier, items.headline)
    return items


@records_usage  # result.usage: tokens of the calls made (zero for a cached summary)
def summarize_article(
    article: Article,
    model: ModelOrFactory,
    settings: Settings,
    *,
    refresh: bool = False,
    embedder: Any = None,
    method: SummaryMethod = "key_sentences",
) -> ArticleSummary:
    """A structured summary of ``article`` in which every key point, figure, event and quote is
    backed by a verified verbatim quote (``Citation.quote == article.text[start:end]``).

    The model reads the article's key sentences (``agent.select``; ``embedder`` gives their
    vectors, else bag-of-words) and cites them by id (``agent.sentence_summary``); only text
    the segmenter cannot split into sentences that fit is summarised in parts (map-reduce).
    ``method="full_text"`` is the earlier design (whole article, copied evidence quotes, a
    coverage call per uncovered third), kept for comparison in bench/bench_summaries.py.
    ``model`` may be a zero-argument factory, so a cached summary never loads a model.
    Cached under ``settings.cache_dir / "summaries"``; ``refresh=True`` ignores the cache.
    """
    from agent.ingest.chunk import chunk_text
    from agent.models.structured import model_name_of, structured_call

    if not article.text.strip():
        raise InvalidArgumentError(f"article {article.id!r} has no text to summarise; re-ingest it")
    label_model = model if isinstance(model, BaseChatModel) else None
    label = model_name_of(label_model, settings)
    if method not in ("key_sentences", "full_text"):
        raise InvalidArgumentError(f"unknown summary method {method!r}; use 'key_sentences' or 'full_text'")
    path = cache_path(article, label, settings, method)
    if not refresh:
        cached = load_cached(path, article)
        if cached is not None:
            return cached

    chat = model if isinstance(model, BaseChatModel) else model()
    label = model_name_of(chat, settings)
    path = cache_path(article, label, settings, method)

    chunks = chunk_text(article.id, article.text, max(1, settings.chunk_tokens))
    verifier = Verifier(article, chunks)
    budget = text_budget(settings)
    parts: list[_Items] = []
    key = None
    if method == "key_sentences":
        key = _key_sentence_items(article, chat, settings, verifier, embedder)
    if key is not None:
        parts.append(key)
    fits = count_tokens(article.text) <= budget
    spans = [] if parts else [(0, len(article.text))] if fits else split_parts(chunks, budget)
    for i, (start, end) in enumerate(spans, start=1):
        part = (i, len(spans)) if len(spans) > 1 else None
        messages = summary_messages(article, article.text[start:end], part)
        prompt_tokens = sum(count_tokens(str(m.content)) for m in messages)
        # The local model's grammar can hold figure values to the ones written in the article;
        # elsewhere (servers, fakes) the list is a hint in the prompt and verification decides.
        candidates = figure_candidates(defang(article.text[start:end])) if _grammar_backed(chat) else []
        schema = summary_schema(2, 5, candidates) if part else summary_schema(figures=candidates)
        raw = structured_call(chat, messages, schema, max_tokens=_output_tokens(settings, prompt_tokens))
        parts.append(verify_items(raw, verifier))  # verified against the FULL article text

    extra_dropped = 0
    if key is not None:
        items = parts[0]  # the key sentences already cover every third of the article
    elif len(parts) == 1:
        items = parts[0]
        items.key_points = fill_coverage_gaps(items.key_points, chunks, verifier, chat)
    else:
        items, extra_dropped = merge_parts(parts, article, chat, settings)

    people, organisations, places = sort_entities(items.people, items.organisations, items.places)
    summary = ArticleSummary(
        article_id=article.id,
        title=article.title,
        source=article.source,
        url=article.url,
        published=article.published,
        content_hash=article_hash(article),
        headline=items.headline or article.title,
        summary=items.summary,
        key_points=items.key_points[:MAX_KEY_POINTS],
        people=people,
        organisations=organisations,
        places=places,
        key_figures=items.key_figures,
        dates_events=items.dates_events,
        quotes=items.quotes,
        model=label,
        prompt_version=prompt_version(method),
        dropped=verifier.dropped + extra_dropped,
        parts=len(parts),
        generated_at=datetime.now(UTC),
    )
    renumber(summary)
    save_cached(path, summary)
    return summary


__all__ = [
    "Note",
    "Prompt",
    "Verifier",
    "cache_path",
    "cited_schema",
    "figure_check",
    "format_notes",
    "merge_parts",
    "note_messages",
    "renumber",
    "resolve_sources",
    "split_parts",
    "summarize_article",
    "summary_messages",
    "summary_notes",
    "summary_schema",
    "text_budget",
    "verify_items",
]
