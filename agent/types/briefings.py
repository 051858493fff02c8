"""What ``Agent.brief`` returns: a multi-article briefing, every sentence cited."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from agent.safetext import md_inline, md_text, md_url
from agent.types.answers import Citation
from agent.types.articles import Article
from agent.types.markdown import cite_marks, sources_markdown
from agent.usage import Usage

if TYPE_CHECKING:
    from agent.views.html import ArticleSource

#: The steps ``Agent.brief`` reports to its ``progress(step, done, total)`` callback, and what a
#: person is told for each (the CLI's progress bar, ``agent serve``'s status line).
BRIEF_STEPS = {
    "select": "selecting articles",
    "summarise": "summarising",
    "sentences": "choosing key sentences",
    "group": "grouping storylines",
    "write": "writing the briefing",
}


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

    @classmethod
    def of(cls, article: Article) -> BriefingArticle:
        """The entry for ``article``; its headline is its title."""
        return cls(
            article_id=article.id,
            title=article.title,
            source=article.source,
            url=article.url,
            published=article.published,
            headline=article.title,
        )


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
        None, description="Tokens (and cost) of the model calls made (none when every reply was cached)."
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

    def to_html(self, articles: ArticleSource = None) -> str:
        """The briefing as one self-contained HTML page; given its articles (a list, or a lookup
        such as ``agent.get``), their texts are embedded with each cited sentence marked at its
        span and every ``[n]`` leads there. Without them the page shows the quotes only."""
        from agent.views.html import render

        return render(self, articles)

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
            lines.append(" ".join(f"{md_text(s.text)} {cite_marks(s.citations)}"
                                  for s in self.overview))
            lines.append("")
        for sec in self.sections:
            lines += [f"## {md_text(sec.heading)}", ""]
            lines += [f"- {md_text(s.text)} {cite_marks(s.citations)}" for s in sec.sentences]
            lines.append("")
        lines += sources_sections(self.disagreements, self.citations(), self.articles, "Articles used")
        footer = f"*{self.model or 'unknown model'}, prompt {self.prompt_version}"
        if self.generated_at:
            footer += f", generated {self.generated_at.isoformat(timespec='seconds')}"
        lines.append(footer + "*")
        return "\n".join(lines).rstrip() + "\n"


def sources_sections(
    disagreements: list[Disagreement], cites: list[Citation], articles: list[BriefingArticle],
    articles_heading: str,
) -> list[str]:
    """The Markdown a briefing and a digest end with: disagreements, sources, the articles."""
    lines: list[str] = []
    if disagreements:
        lines += ["## What the sources disagree on", ""]
        for d in disagreements:
            lines.append(f"- **{md_text(d.what)}**")
            lines += [f"    - {md_text(c.text)} {cite_marks(c.citations)}" for c in d.claims]
        lines.append("")
    if cites:
        lines += ["## Sources", ""] + sources_markdown(cites) + [""]
    if articles:
        lines += [f"## {articles_heading}", ""]
        for a in articles:
            day = f", {a.published.date().isoformat()}" if a.published else ""
            src = f" ({md_inline(a.source)})" if a.source else ""
            where = f" <{md_url(a.url)}>" if a.url else ""
            lines.append(f"- *{md_inline(a.title)}*{src}{day}{where} `{a.article_id[:12]}`")
        lines.append("")
    return lines
