"""What ``Agent.summarize`` returns: the typed, cited summary of one article."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from agent.safetext import md_inline, md_text
from agent.types.answers import Citation
from agent.types.markdown import cite_marks, sources_markdown
from agent.usage import Usage

if TYPE_CHECKING:
    from agent.views.html import ArticleSource


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

    def shown_unit(self) -> str:
        """The unit as displayed beside the value: "" when it adds nothing (``shows_unit``)."""
        return self.unit if shows_unit(self.value, self.unit) else ""


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
    summary_points: int = Field(
        0,
        description="How many of the first key points the summary paragraph is (each cited there); "
        "the points after them are key sentences of parts of the article it left out. "
        "0: the paragraph is written on its own, and every key point is listed.",
    )
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

    def to_html(self, articles: ArticleSource = None) -> str:
        """The summary as one self-contained HTML page; given the article (``[article]`` or a
        lookup such as ``agent.get``), its text is embedded with every quote marked."""
        from agent.views.html import render

        return render(self, articles)

    def to_markdown(self) -> str:
        date = f" · {self.published.date().isoformat()}" if self.published else ""
        src = f" · {md_inline(self.source)}" if self.source else ""
        lines = [f"# {md_text(self.headline)}", "", f"*{md_inline(self.title)}*{src}{date}", ""]
        n = self.summary_points
        if n:
            cited = [f"{md_text(k.text)} {cite_marks(k.citations)}" for k in self.key_points[:n]]
            lines += [" ".join(cited), ""]
        else:
            lines += [md_text(self.summary.strip()), ""]
        if self.key_points[n:]:
            lines += ["## Also in the article" if n else "## Key points", ""]
            lines += [f"- {md_text(k.text)} {cite_marks(k.citations)}" for k in self.key_points[n:]]
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
                unit = f" {md_text(f.shown_unit())}" if f.shown_unit() else ""
                line = f"- **{md_inline(f.value)}**{unit}: {md_text(f.what)} {cite_marks(f.citations)}"
                if f.flagged:
                    line += f" ⚠ *unverified figure: {f.flag_reason}*"
                lines.append(line)
            lines.append("")
        if self.dates_events:
            lines += ["## Dates and events", ""]
            lines += [f"- **{md_inline(d.date)}**: {md_text(d.event)} {cite_marks(d.citations)}"
                      for d in self.dates_events]
            lines.append("")
        if self.quotes:
            lines += ["## Quotes", ""]
            for q in self.quotes:
                who = f" — {md_inline(q.speaker)}" if q.speaker else ""
                lines.append(f"- “{md_inline(q.text)}”{who} {cite_marks(q.citations)}")
            lines.append("")
        cites = self.citations()
        if cites:
            lines += ["## Sources", ""] + sources_markdown(cites) + [""]
        footer = f"*{self.model or 'unknown model'}, prompt {self.prompt_version}"
        if self.dropped:
            footer += f"; {self.dropped} item(s) dropped: their evidence was not in the article"
        lines.append(footer + "*")
        return "\n".join(lines).rstrip() + "\n"
