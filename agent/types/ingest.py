"""What an ingest run reports: one outcome per input and the totals."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: ``duplicate``: the input resolved to an article already taken from an earlier input of the
#: same run (50 feed entries linking to one page, a JSONL id given twice); it is not ingested again.
IngestStatus = Literal["added", "updated", "unchanged", "duplicate", "failed"]


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
    def duplicates(self) -> int:
        """Inputs skipped because an earlier input of this run gave the same article."""
        return self.count("duplicate")

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
        if self.duplicates:
            extra += f", {self.duplicates} duplicate(s) skipped"
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
