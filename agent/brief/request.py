"""``BriefingRequest``: what a briefing is asked for and what it may use, in one value.

``make_briefing`` takes these as keywords and hands the briefing this value; its ``select`` step
is a briefing's first step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.brief.articles import Progress, select_articles, ticker
from agent.settings import Settings
from agent.types import Article


@dataclass(frozen=True)
class BriefingRequest:
    """The articles' window and topic, the parts a briefing reads, and how it reports progress.

    ``model`` is a chat model or a factory of one (built only once articles were found);
    ``embedder`` may be None (the store's is used); ``refresh`` redoes cached model replies.
    """

    store: Any
    retriever: Any
    model: Any
    settings: Settings
    topic: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    max_articles: int = 10
    progress: Progress | None = None
    embedder: Any = None
    refresh: bool = False

    def tick(self) -> Progress:
        """The progress callback, or one that does nothing."""
        return ticker(self.progress)

    def select(self, tick: Progress) -> list[Article]:
        """The articles to brief on (``select_articles``), ticking the ``select`` step."""
        tick("select", 0, 1)
        articles = select_articles(
            self.store, self.retriever, topic=self.topic, since=self.since, until=self.until,
            source=self.source, max_articles=self.max_articles,
        )
        tick("select", 1, 1)
        return articles
