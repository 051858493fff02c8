"""What a question gets back: passages, citations (exact spans), the answer and its status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from agent.safetext import md_inline, md_text, md_url
from agent.usage import Usage

if TYPE_CHECKING:
    from agent.views.html import ArticleSource


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

    def to_html(self, articles: ArticleSource = None) -> str:
        """The answer as one self-contained HTML page; given the cited articles (a list, or a
        lookup such as ``agent.get``), their texts are embedded with each quote marked at its
        span and every ``[n]`` leads there. Without them the page shows the quotes only."""
        from agent.views.html import render

        return render(self, articles)

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
