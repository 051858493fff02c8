"""What watching feeds returns: a watched feed's state, one run's report, and first sightings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agent.safetext import md_inline, md_url
from agent.types.ingest import IngestItem

FeedCheckStatus = Literal["checked", "not_modified", "failed"]


class WatchedFeed(BaseModel):
    """A watched feed as stored with the index, with what its last check found."""

    name: str
    url: str
    added: datetime
    allow_private_fetch: bool = Field(
        False, description="Its entry links may reach private, loopback and link-local addresses."
    )
    last_checked: datetime | None = None
    last_success: datetime | None = Field(None, description="The last check that read the feed.")
    last_error: str | None = Field(None, description="Why the last check failed; None when it did not.")
    etag: str | None = None
    last_modified: str | None = None
    entries: int = Field(0, description="Entries of the feed as last read, with what ingest made of them.")
    new: int = 0  # the last check's counts
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


class FeedCheck(BaseModel):
    """One feed's line in a run: what its entries became, or why the feed could not be read."""

    name: str
    url: str
    status: FeedCheckStatus
    new: int = 0
    updated: int = 0
    unchanged: int = Field(0, description="Entries already ingested: skipped, or fetched and the same.")
    failed: int = Field(0, description="Entries that could not be ingested (retried next run).")
    error: str | None = Field(None, description="Why the feed itself could not be read.")
    seconds: float = 0.0
    items: list[IngestItem] = Field(default_factory=list, description="The entries fetched this run.")

    @property
    def ok(self) -> bool:
        return self.status != "failed" and not self.failed

    def line(self) -> str:
        """One plain-text line: the feed's name and its counts, or its error."""
        if self.status == "failed":
            return f"{self.name}: failed: {self.error}"
        if self.status == "not_modified":
            return f"{self.name}: not modified"
        counts = f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"
        return f"{self.name}: {counts}" + (f", {self.failed} failed" if self.failed else "")


class WatchReport(BaseModel):
    """What ``agent.watch.run()`` returns: one line per feed checked, and the totals."""

    run: str = Field(description="The run's id (its start time, UTC).")
    started: datetime
    seconds: float = 0.0
    feeds: list[FeedCheck] = Field(default_factory=list)
    not_checked: list[str] = Field(
        default_factory=list, description="Feeds left unchecked because the run was stopped."
    )

    def _sum(self, field: Literal["new", "updated", "unchanged", "failed"]) -> int:
        return sum(getattr(f, field) for f in self.feeds)

    @property
    def new(self) -> int:
        return self._sum("new")

    @property
    def updated(self) -> int:
        return self._sum("updated")

    @property
    def unchanged(self) -> int:
        return self._sum("unchanged")

    @property
    def failed(self) -> int:
        """Entries that failed, over all feeds (feeds that failed as a whole: ``failed_feeds``)."""
        return self._sum("failed")

    @property
    def failed_feeds(self) -> list[FeedCheck]:
        return [f for f in self.feeds if f.status == "failed"]

    @property
    def ok(self) -> bool:
        """Every feed was read and every entry ingested."""
        return all(f.ok for f in self.feeds)

    def summary(self) -> str:
        """The run in one line: feeds checked, the entry counts, failures, time."""
        failed = len(self.failed_feeds)
        stopped = f", stopped before {len(self.not_checked)}" if self.not_checked else ""
        return (
            f"checked {len(self.feeds)} feed(s){stopped}: {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed entries, {failed} failed feed(s) "
            f"({self.seconds:.1f}s)"
        )

    def to_markdown(self) -> str:
        lines = [self.summary(), ""]
        for f in self.feeds:
            name = md_inline(f.name)
            if f.status == "failed":
                lines.append(f"- {name} <{md_url(f.url)}>: **failed**: {md_inline(f.error)}")
            else:
                lines.append(f"- {md_inline(f.line())}")
        lines.extend(f"- {md_inline(name)}: not checked (run stopped)" for name in self.not_checked)
        return "\n".join(lines) + "\n"


class SeenArticle(BaseModel):
    """When a watch run first saw an article, and when one last brought a new version of it."""

    article_id: str
    feed_url: str
    first_seen: datetime
    first_run: str
    changed: datetime = Field(description="The last run that added or updated it (first_seen at first).")
    changed_run: str
