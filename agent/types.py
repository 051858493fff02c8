"""The typed objects that flow through newsagent: articles, chunks, passages, answers.

Everything a user gets back from the Python API is one of these pydantic models, so
it can be printed (``.to_markdown()``), serialised (``.model_dump()``) or validated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agent.safetext import md_inline, md_text, md_url
from agent.usage import Usage


class Article(BaseModel):
    """One cleaned news article, as stored in the index.

    ``id`` is stable for the same article across re-ingests (derived from its URL, or
    from where it was loaded when it has none); ``content_hash`` changes when the
    text or metadata changes, which is how a re-ingest knows to replace old chunks.
    """

    id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    author: str | None = None
    content_hash: str = ""
    ingested_at: datetime | None = None
    origin: str = ""  # the path, URL or feed entry it was loaded from
    #: Problems found while loading that did not stop it (a date that could not be read), for
    #: the ingest report; not stored and not serialised.
    warnings: list[str] = Field(default_factory=list, exclude=True, repr=False)

    @property
    def published_ts(self) -> int | None:
        """Publication time as integer epoch seconds, for range filters in Chroma."""
        return int(self.published.timestamp()) if self.published else None


class Chunk(BaseModel):
    """A token-counted slice of an article's cleaned text.

    ``text == article.text[start:end]`` always holds: that is what lets a citation
    point at the exact character span of its quote.
    """

    article_id: str
    n: int
    start: int
    end: int
    text: str
    tokens: int = 0
    sentences: str = Field(
        "",
        description="The chunk's sentences as chunk-relative offsets (agent.text.sentences."
        "encode_sentences), segmented once at ingest.",
    )

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.n}"


class Passage(BaseModel):
    """A chunk returned by retrieval, with the article metadata a citation needs."""

    chunk_id: str
    article_id: str
    title: str
    text: str
    start: int
    end: int
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    score: float = 0.0
    sentences: str = Field(
        "", description="Chunk-relative sentence offsets stored at ingest; empty for old indexes."
    )


class Citation(BaseModel):
    """One numbered source under an answer: a verbatim quote and where it is."""

    n: int = Field(description="The [n] marker used in the answer text.")
    article_id: str
    title: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    quote: str = Field(description="Verbatim text from the article.")
    start: int = Field(description="Character offset of the quote in the article text.")
    end: int
    chunk_id: str
    sentence_ids: list[int] = Field(
        default_factory=list,
        description="The ids of the shown sentences this quote is made of (the model cited the "
        "first of them; the others are the context that carries the claim).",
    )


AnswerStatus = Literal["answered", "partial", "unverified", "not_in_sources"]


class ConsideredPassage(BaseModel):
    """One passage retrieval handed to the model, for ``--explain``."""

    chunk_id: str
    article_id: str
    title: str
    published: datetime | None = None
    score: float = 0.0


class RetrievalInfo(BaseModel):
    """Why an answer used the passages it used: the as-of moment, the time window, the filters."""

    as_of: datetime
    time_phrase: str | None = Field(None, description="The relative-time phrase found in the question.")
    window_since: datetime | None = Field(None, description="Start of the window the phrase resolved to.")
    window_until: datetime | None = Field(None, description="End (exclusive) of that window.")
    time_reading: Literal["publication", "event"] | None = Field(
        None,
        description="publication: the phrase is when the reporting was published ('this week'); "
        "event: a date or month naming the event ('on January 6'), so coverage from that date on.",
    )
    fallback: Literal["none", "widened", "dropped", "nearest", "nearest_only", "undated"] = Field(
        "none",
        description="widened/dropped: a soft window ('recently') found nothing and was relaxed; "
        "nearest: a precise window had no coverage and the answer, labelled as such in its first "
        "sentence, comes from the closest coverage within one window length; "
        "nearest_only: a precise window had no coverage, passages outside it were only reported; "
        "undated: a precise window had no coverage and the best match has no publication date, so "
        "the answer, labelled as such, comes from undated articles (never in a replay with as_of).",
    )
    query: str = Field("", description="The text actually searched (the question minus its time phrase).")
    filters: dict[str, str] = Field(default_factory=dict)
    passages: list[ConsideredPassage] = Field(default_factory=list)


class Answer(BaseModel):
    """What ``Agent.ask`` returns: the answer text with [n] markers and its sources."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    status: AnswerStatus = "answered"
    unsupported: list[str] = Field(
        default_factory=list,
        description="Claims the model made whose quotes could not be verified (not shown as cited).",
    )
    closest: Citation | None = Field(
        None,
        description="status unverified: the shown sentence nearest the model's unconfirmed "
        "answer, shown beside it for the reader to judge (never as its source).",
    )
    passages_considered: int = 0
    model: str = ""
    retrieval: RetrievalInfo | None = None
    usage: Usage | None = Field(None, description="Tokens (and cost) of the model calls made.")

    def to_markdown(self) -> str:
        lines = [md_text(self.text.strip()), ""]
        if self.citations:
            lines.append("**Sources**")
            lines.append("")
            for c in self.citations:
                date = f", {c.published.date().isoformat()}" if c.published else ""
                where = f" <{md_url(c.url)}>" if c.url else ""
                lines.append(f"[{c.n}] *{md_inline(c.title)}*{date}{where}")
                lines.append(f"    > {md_inline(c.quote)}")
        if self.closest is not None:
            c = self.closest
            lines += ["", f"**Closest sentence** (not confirmed as the source): *{md_inline(c.title)}*",
                      f"    > {md_inline(c.quote)}"]
        return "\n".join(lines).rstrip() + "\n"


IngestStatus = Literal["added", "updated", "unchanged", "failed"]


class IngestItem(BaseModel):
    """The outcome for one input (file, URL, feed entry, JSONL line)."""

    input: str
    status: IngestStatus
    article_id: str | None = None
    title: str | None = None
    chunks: int = 0
    error: str | None = None
    controls_removed: int = Field(
        0, description="Control characters (terminal escapes etc.) removed from the article."
    )
    truncated_at: int | None = Field(
        None,
        description="Set when the article was longer than max_chunks_per_article: the character "
        "offset where its indexed chunks end (the whole text is stored; the rest is not searchable).",
    )
    text_chars: int | None = Field(None, description="The article text's length, when truncated.")

    #: One line each: what was wrong with an input that was ingested anyway.
    warnings: list[str] = Field(default_factory=list)

    @property
    def note(self) -> str | None:
        """One line about what ingest changed or left out of this article, if anything."""
        notes = []
        if self.truncated_at is not None:
            total = self.text_chars or 0
            share = f" ({self.truncated_at / total:.0%})" if total else ""
            notes.append(
                f"truncated: indexed the first {self.chunks:,} chunks, {self.truncated_at:,} of "
                f"{total:,} characters{share} (max_chunks_per_article; raise "
                "--max-chunks-per-article, `agent remove` it and ingest again to index it all)"
            )
        if self.controls_removed:
            notes.append(f"removed {self.controls_removed} control character(s)")
        return "; ".join(notes) or None


class IngestReport(BaseModel):
    """What ``Agent.ingest`` returns: per-input outcomes and the totals."""

    items: list[IngestItem] = Field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: IngestStatus) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def chunks(self) -> int:
        return sum(i.chunks for i in self.items if i.status in ("added", "updated"))

    @property
    def controls_removed(self) -> int:
        """Control characters removed from the articles added or updated."""
        return sum(i.controls_removed for i in self.items)

    @property
    def truncated(self) -> int:
        """Articles indexed only up to ``max_chunks_per_article``."""
        return sum(1 for i in self.items if i.truncated_at is not None)

    @property
    def warnings(self) -> int:
        """Warning lines over all items (e.g. a published date that could not be read)."""
        return sum(len(i.warnings) for i in self.items)

    def to_markdown(self) -> str:
        extra = ""
        if self.truncated:
            extra += f", {self.truncated} truncated"
        if self.controls_removed:
            extra += f", {self.controls_removed} control character(s) removed"
        if self.warnings:
            extra += f", {self.warnings} warning(s)"
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"failed {self.failed}{extra} ({self.chunks} chunks, {self.seconds:.1f}s)\n"
        )


# --- summaries and briefings (agent/summarize.py, agent/brief.py) ----------------------------


def _cite_marks(citations: list[Citation]) -> str:
    return "".join(f"[{c.n}]" for c in citations)


def _sources_markdown(citations: list[Citation]) -> list[str]:
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


class KeyPoint(BaseModel):
    """One key point of an article, backed by verified quotes."""

    text: str
    citations: list[Citation] = Field(default_factory=list)


_NO_UNIT = {"", "none", "null", "n/a", "na", "-", "unitless", "number", "count"}
_UNIT_SPELLED = {  # abbreviation -> word stems that already say it in a value like "94 millimetres"
    "mm": ("millimet",), "cm": ("centimet",), "km": ("kilomet",), "m": ("met",), "kg": ("kilogram",),
    "percent": ("%", "per cent"), "%": ("percent", "per cent"), "usd": ("$", "dollar"),
    "eur": ("\u20ac", "euro"), "gbp": ("\u00a3", "pound"),
}


def shows_unit(value: str, unit: str) -> bool:
    """Whether a figure's unit adds anything to its value when displayed: not for "none", and
    not when the value already says it ("94 millimetres" + "mm", "$240 billion" + "USD")."""
    u, v = unit.strip().lower(), value.lower()
    if u in _NO_UNIT or u in v:
        return False
    return not any(stem in v for stem in _UNIT_SPELLED.get(u, ()))


class KeyFigure(BaseModel):
    """A number the article reports. ``flagged`` = its digits are not in its quote: not a fact."""

    value: str = Field(description='The number as written, e.g. "$240 billion".')
    unit: str = ""
    what: str = Field(description="What the number measures.")
    citations: list[Citation] = Field(default_factory=list)
    flagged: bool = False
    flag_reason: str | None = None


class DateEvent(BaseModel):
    """Something the article says happened (or will happen) on a date."""

    date: str
    event: str
    citations: list[Citation] = Field(default_factory=list)


class SummaryQuote(BaseModel):
    """A direct quote from the article (verbatim in the article text) and who said it."""

    text: str
    speaker: str = ""
    citations: list[Citation] = Field(default_factory=list)


class ArticleSummary(BaseModel):
    """What ``Agent.summarize`` returns: a structured summary where every item is cited."""

    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    content_hash: str = ""
    headline: str
    summary: str
    key_points: list[KeyPoint] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    organisations: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    key_figures: list[KeyFigure] = Field(default_factory=list)
    dates_events: list[DateEvent] = Field(default_factory=list)
    quotes: list[SummaryQuote] = Field(default_factory=list)
    model: str = ""
    prompt_version: str = ""
    dropped: int = Field(0, description="Items dropped because their evidence did not verify.")
    parts: int = Field(1, description="How many parts a long article was summarised in.")
    generated_at: datetime | None = None
    usage: Usage | None = Field(
        None, description="Tokens (and cost) of this call: zero calls when it came from the cache."
    )

    def __eq__(self, other: object) -> bool:
        """Equal when the summaries are: ``usage`` describes the call that returned it (zero
        calls from the cache), so a cached summary equals the one first generated."""
        if not isinstance(other, ArticleSummary):
            return NotImplemented
        return self.model_dump(exclude={"usage"}) == other.model_dump(exclude={"usage"})

    def citations(self) -> list[Citation]:
        """Every citation in the summary, in order of number (one per number)."""
        items: list[Citation] = []
        for group in (self.key_points, self.key_figures, self.dates_events, self.quotes):
            for item in group:
                items.extend(item.citations)
        return sorted({c.n: c for c in items}.values(), key=lambda c: c.n)

    def to_markdown(self) -> str:
        date = f" · {self.published.date().isoformat()}" if self.published else ""
        src = f" · {md_inline(self.source)}" if self.source else ""
        lines = [f"# {md_text(self.headline)}", "", f"*{md_inline(self.title)}*{src}{date}", ""]
        # A key-sentence summary's paragraph is its first key points: shown once, each cited;
        # the points after them are key sentences from parts of the article it left out.
        n = next((i for i in range(len(self.key_points), 0, -1)
                  if self.summary == " ".join(k.text for k in self.key_points[:i])), 0)
        if n:
            cited = [f"{md_text(k.text)} {_cite_marks(k.citations)}" for k in self.key_points[:n]]
            lines += [" ".join(cited), ""]
        else:
            lines += [md_text(self.summary.strip()), ""]
        if self.key_points[n:]:
            lines += ["## Also in the article" if n else "## Key points", ""]
            lines += [f"- {md_text(k.text)} {_cite_marks(k.citations)}" for k in self.key_points[n:]]
            lines.append("")
        for label, names in (
            ("People", self.people),
            ("Organisations", self.organisations),
            ("Places", self.places),
        ):
            if names:
                lines.append(f"**{label}:** {', '.join(md_inline(n) for n in names)}  ")
        if self.people or self.organisations or self.places:
            lines.append("")
        if self.key_figures:
            lines += ["## Key figures", ""]
            for f in self.key_figures:
                unit = f" {md_text(f.unit)}" if shows_unit(f.value, f.unit) else ""
                line = f"- **{md_inline(f.value)}**{unit}: {md_text(f.what)} {_cite_marks(f.citations)}"
                if f.flagged:
                    line += f" ⚠ *unverified figure: {f.flag_reason}*"
                lines.append(line)
            lines.append("")
        if self.dates_events:
            lines += ["## Dates and events", ""]
            lines += [f"- **{md_inline(d.date)}**: {md_text(d.event)} {_cite_marks(d.citations)}"
                      for d in self.dates_events]
            lines.append("")
        if self.quotes:
            lines += ["## Quotes", ""]
            for q in self.quotes:
                who = f" — {md_inline(q.speaker)}" if q.speaker else ""
                lines.append(f"- “{md_inline(q.text)}”{who} {_cite_marks(q.citations)}")
            lines.append("")
        cites = self.citations()
        if cites:
            lines += ["## Sources", ""] + _sources_markdown(cites) + [""]
        footer = f"*{self.model or 'unknown model'}, prompt {self.prompt_version}"
        if self.dropped:
            footer += f"; {self.dropped} item(s) dropped: their evidence was not in the article"
        lines.append(footer + "*")
        return "\n".join(lines).rstrip() + "\n"


class BriefingSentence(BaseModel):
    """One sentence of a briefing; it is kept only when it cites verified quotes."""

    text: str
    citations: list[Citation] = Field(default_factory=list)


class BriefingSection(BaseModel):
    """One storyline: a group of articles about the same thing."""

    heading: str
    sentences: list[BriefingSentence] = Field(default_factory=list)
    article_ids: list[str] = Field(default_factory=list)


class DisagreementClaim(BaseModel):
    """One side of a disagreement, with the quote that states it."""

    text: str
    article_id: str = ""
    citations: list[Citation] = Field(default_factory=list)


class Disagreement(BaseModel):
    """Articles that give different figures or claims for the same thing."""

    what: str
    claims: list[DisagreementClaim] = Field(default_factory=list)


class BriefingArticle(BaseModel):
    """An article a briefing drew on."""

    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    headline: str = ""


class Briefing(BaseModel):
    """What ``Agent.brief`` returns: a multi-article briefing, every sentence cited."""

    title: str
    topic: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    generated_at: datetime | None = None
    model: str = ""
    prompt_version: str = ""
    overview: list[BriefingSentence] = Field(default_factory=list)
    sections: list[BriefingSection] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    articles: list[BriefingArticle] = Field(default_factory=list)
    dropped: int = Field(0, description="Sentences dropped because they cited no valid source.")
    usage: Usage | None = Field(
        None, description="Tokens (and cost) of all model calls, the summaries' included."
    )

    def citations(self) -> list[Citation]:
        """Every citation in the briefing, one per number, in order."""
        items: list[Citation] = []
        for s in self.overview:
            items.extend(s.citations)
        for sec in self.sections:
            for s in sec.sentences:
                items.extend(s.citations)
        for d in self.disagreements:
            for c in d.claims:
                items.extend(c.citations)
        return sorted({c.n: c for c in items}.values(), key=lambda c: c.n)

    def to_markdown(self) -> str:
        lines = [f"# {md_text(self.title)}", ""]
        window = []
        if self.topic:
            window.append(f"topic: {md_inline(self.topic)}")
        if self.since or self.until:
            lo = self.since.date().isoformat() if self.since else "…"
            hi = self.until.date().isoformat() if self.until else "…"
            window.append(f"{lo} to {hi}")
        window.append(f"{len(self.articles)} article(s)")
        lines += [f"*{' · '.join(window)}*", ""]
        if self.overview:
            lines += ["## Overview", ""]
            lines.append(" ".join(f"{md_text(s.text)} {_cite_marks(s.citations)}"
                                  for s in self.overview))
            lines.append("")
        for sec in self.sections:
            lines += [f"## {md_text(sec.heading)}", ""]
            lines += [f"- {md_text(s.text)} {_cite_marks(s.citations)}" for s in sec.sentences]
            lines.append("")
        if self.disagreements:
            lines += ["## What the sources disagree on", ""]
            for d in self.disagreements:
                lines.append(f"- **{md_text(d.what)}**")
                lines += [f"    - {md_text(c.text)} {_cite_marks(c.citations)}" for c in d.claims]
            lines.append("")
        cites = self.citations()
        if cites:
            lines += ["## Sources", ""] + _sources_markdown(cites) + [""]
        if self.articles:
            lines += ["## Articles used", ""]
            for a in self.articles:
                date = f", {a.published.date().isoformat()}" if a.published else ""
                src = f" ({md_inline(a.source)})" if a.source else ""
                where = f" <{md_url(a.url)}>" if a.url else ""
                lines.append(f"- *{md_inline(a.title)}*{src}{date}{where} `{a.article_id[:12]}`")
            lines.append("")
        footer = f"*{self.model or 'unknown model'}, prompt {self.prompt_version}"
        if self.generated_at:
            footer += f", generated {self.generated_at.isoformat(timespec='seconds')}"
        lines.append(footer + "*")
        return "\n".join(lines).rstrip() + "\n"
