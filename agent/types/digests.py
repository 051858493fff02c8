"""What ``Agent.digest`` returns: what is new since the previous digest, every sentence cited.

A digest is a briefing with memory and uses the briefing's citation model: its storylines are
``BriefingSection``s whose sentences carry ``Citation``s numbered 1..m in reading order, listed
once under Sources, so whatever renders a ``Briefing`` renders a ``Digest`` with a few more fields
(the update label, figure changes, the outlets, the footer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from agent.safetext import md_inline, md_text
from agent.types.answers import Citation
from agent.types.briefings import BriefingArticle, BriefingSection, Disagreement, sources_sections
from agent.types.markdown import cite_marks
from agent.usage import Usage

if TYPE_CHECKING:
    from agent.views.html import ArticleSource


def day_label(d: date) -> str:
    """``5 March 2026``: how a digest names a day."""
    return f"{d.day} {d:%B %Y}"


class FigureReading(BaseModel):
    """One reading of a figure: the value an article printed, its day, and the sentence citing it."""

    value: str
    on: date | None = Field(None, description="Publication day of the article that states it.")
    citations: list[Citation] = Field(default_factory=list)

    def when(self) -> str:
        """``on 4 March 2026``, or "" when the article is undated."""
        return f"on {day_label(self.on)}" if self.on else ""


class FigureChange(BaseModel):
    """A figure of a continuing storyline that moved since an earlier digest: the earlier reading
    cites the earlier article's sentence, the later one today's, so it is a change over time,
    not a disagreement between sources."""

    what: str = Field(description="What the figure measures, in a few words.")
    before: FigureReading
    after: FigureReading

    def text(self) -> str:
        """``the death toll, 12 people on 4 March 2026 [3], is 19 people on 5 March 2026 [7]``
        (the article text in it is not escaped: ``to_markdown`` escapes its parts)."""
        return _change_text(self, str)


def _change_text(change: FigureChange, esc: Callable[[str], str]) -> str:
    def reading(r: FigureReading) -> str:
        return " ".join(p for p in (esc(r.value), r.when(), cite_marks(r.citations)) if p)

    return f"{esc(change.what)}, {reading(change.before)}, is {reading(change.after)}"


class ContinuedFrom(BaseModel):
    """The earlier digest a storyline continues: the label reads "Update since <told_until>"."""

    digest_id: str
    told_until: datetime = Field(description="The end of the earlier digest's window.")
    heading: str = Field("", description="The storyline's heading in that digest.")


class DigestStoryline(BriefingSection):
    """One storyline of a digest: what is new in it (cited sentences), its outlets, and, when it
    continues a storyline of an earlier digest, that digest and the figures that moved."""

    sources: list[str] = Field(default_factory=list, description="The outlets that carry it.")
    copies: list[list[str]] = Field(
        default_factory=list,
        description="Article ids that are one story republished by several outlets (wire copy), "
        "one list per story, the copy shown first; each counts once among the independent sources.",
    )
    independent_sources: int = Field(
        0, description="Outlets with a report of their own: a republished copy counts once."
    )
    newest: datetime | None = Field(None, description="When its newest article appeared.")
    update: ContinuedFrom | None = None
    changes: list[FigureChange] = Field(default_factory=list)


class FeedFailure(BaseModel):
    """A watched feed whose last check in the window failed."""

    name: str
    url: str
    error: str


class DigestFooter(BaseModel):
    """What the watch runs in the window did: feeds checked, articles new and updated, failures."""

    runs: int = 0
    feeds_checked: int = 0
    new_articles: int = Field(0, description="Articles of the window first seen by a run in it.")
    updated_articles: int = Field(0, description="Articles a run in the window brought a new version of.")
    failures: list[FeedFailure] = Field(default_factory=list)
    failed_entries: int = Field(0, description="Entries the latest checks could not ingest (retried later).")

    def counts(self) -> str:
        """Runs, feeds checked, articles new and updated, entries failed (the failing feeds are
        ``failures``)."""
        if not self.runs:
            return "no watch run in this window"
        text = (f"{self.feeds_checked} feed(s) checked in {self.runs} run(s): {self.new_articles} new "
                f"article(s), {self.updated_articles} updated")
        if self.failed_entries:
            text += f", {self.failed_entries} entr{'y' if self.failed_entries == 1 else 'ies'} failed"
        return text

    def line(self) -> str:
        """The footer in one plain line (article text in it not escaped)."""
        text = self.counts()
        if self.runs and self.failures:
            text += "; failed: " + "; ".join(f"{f.name}: {f.error}" for f in self.failures)
        return text


class Digest(BaseModel):
    """What ``Agent.digest`` returns: the storylines new since ``since``, every sentence cited;
    continuing storylines say what changed since the digest that told them."""

    id: str
    title: str
    topic: str | None = None
    since: datetime
    until: datetime
    generated_at: datetime | None = None
    model: str = ""
    prompt_version: str = ""
    storylines: list[DigestStoryline] = Field(default_factory=list)
    more: list[DigestStoryline] = Field(
        default_factory=list,
        description="Storylines beyond those written up: each is its newest key sentence, verbatim.",
    )
    nothing_new: list[DigestStoryline] = Field(
        default_factory=list,
        description="Storylines whose articles only repeat what earlier digests told (no sentences).",
    )
    disagreements: list[Disagreement] = Field(default_factory=list)
    articles: list[BriefingArticle] = Field(default_factory=list)
    footer: DigestFooter = Field(default_factory=DigestFooter)
    compared_with: list[str] = Field(default_factory=list, description="Ids of the earlier digests read.")
    left_out: int = Field(0, description="Articles of the window beyond max_articles (the oldest).")
    repeated: int = Field(0, description="Sentences left out because an earlier digest told them.")
    dropped: int = Field(0, description="Sentences dropped because they cited no valid source.")
    kept_at: str | None = Field(None, description="The file the digest is kept in (None: not kept).")
    usage: Usage | None = Field(
        None, description="Tokens (and cost) of the model calls made (none when every reply was cached)."
    )

    def citations(self) -> list[Citation]:
        """Every citation in the digest, one per number, in order."""
        items: list[Citation] = []
        for sec in [*self.storylines, *self.more]:
            for s in sec.sentences:
                items.extend(s.citations)
            for ch in sec.changes:
                items.extend(ch.before.citations + ch.after.citations)
        for d in self.disagreements:
            for c in d.claims:
                items.extend(c.citations)
        return sorted({c.n: c for c in items}.values(), key=lambda c: c.n)

    def update_since(self, sec: DigestStoryline) -> str:
        """"Update since 5 March 2026" when ``sec`` continues an earlier digest's storyline (the
        time too when that digest was made on this digest's last day), else ""."""
        if sec.update is None:
            return ""
        told = sec.update.told_until
        when = day_label(told.date())
        if told.date() == self.until.date():
            when += f" {told:%H:%M} UTC"
        return f"Update since {when}"

    def label(self, sec: DigestStoryline) -> str:
        """A storyline's heading, "Update since 5 March 2026: …" when it continues an earlier one."""
        since = self.update_since(sec)
        return f"{since}: {sec.heading}" if since else sec.heading

    def to_html(self, articles: ArticleSource = None) -> str:
        """The digest as one self-contained HTML page; given its articles (a list, or a lookup
        such as ``agent.get``), their texts are embedded with each cited sentence marked at its
        span and every ``[n]`` leads there, an earlier day's article of a figure change included.
        Without them the page shows the quotes only."""
        from agent.views.html import render

        return render(self, articles)

    def to_markdown(self) -> str:
        lines = [f"# {md_text(self.title)}", ""]
        window = [f"{self.since.isoformat(timespec='minutes')} to {self.until.isoformat(timespec='minutes')}"]
        if self.topic:
            window.insert(0, f"topic: {md_inline(self.topic)}")
        window.append(f"{len(self.articles)} article(s)")
        if self.compared_with:
            window.append(f"compared with {len(self.compared_with)} earlier digest(s)")
        lines += [f"*{' · '.join(window)}*", ""]
        if not (self.storylines or self.more or self.nothing_new):
            lines += ["Nothing new in this window.", ""]
        for sec in self.storylines:
            lines += [f"## {md_text(self.label(sec))}", ""]
            lines += [f"- {md_text(s.text)} {cite_marks(s.citations)}" for s in sec.sentences]
            lines += [f"- **Changed:** {_change_text(ch, md_text)}" for ch in sec.changes]
            lines += ["", f"*{_outlets(sec)}*", ""]
        if self.more:
            lines += ["## Also new", ""]
            for sec in self.more:
                said = " ".join(
                    [f"{md_text(s.text)} {cite_marks(s.citations)}" for s in sec.sentences]
                    + [f"Changed: {_change_text(ch, md_text)}" for ch in sec.changes]
                )
                lines.append(f"- **{md_text(self.label(sec))}**: {said} *({_outlets(sec)})*")
            lines.append("")
        if self.nothing_new:
            lines += ["## Covered again, nothing new", ""]
            lines += [f"- {md_text(self.label(sec))} *({_outlets(sec)})*" for sec in self.nothing_new]
            lines.append("")
        lines += sources_sections(self.disagreements, self.citations(), self.articles, "Articles")
        lines += ["## Feeds", "", md_text(self.footer.line()), ""]
        tail = f"*{self.model or 'no model call'}, prompt {self.prompt_version}"
        if self.generated_at:
            tail += f", generated {self.generated_at.isoformat(timespec='seconds')}"
        lines.append(tail + "*")
        return "\n".join(lines).rstrip() + "\n"


def _outlets(sec: DigestStoryline) -> str:
    names = ", ".join(md_inline(s) for s in sec.sources) or "unknown source"
    if sec.copies:
        names += " (one wire story republished)" if len(sec.copies) == 1 else " (wire stories republished)"
    return names


class DigestRecord(BaseModel):
    """A kept digest, as ``agent digest --list`` shows it."""

    id: str
    generated_at: datetime | None = None
    since: datetime
    until: datetime
    topic: str | None = None
    storylines: int = Field(0, description="Storylines shown (written up, and also new).")
    articles: int = 0
    path: str
