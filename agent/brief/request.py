"""``BriefingRequest``: what a briefing is asked for and what it may use, in one value.

``make_briefing`` takes these as keywords and hands the briefing this value; its ``select`` step
is a briefing's first step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.brief.articles import Progress, select_articles, ticker
from agent.settings import Settings
from agent.types import Article


@dataclass(frozen=True)
class BriefingRequest:
    """The articles' window and topic, the parts a briefing reads, and how it reports progress.

    ``model`` returns the chat model, called only for a reply the cache does not hold;
    ``embedder`` may be None (the store's is used); ``refresh`` redoes cached model replies.
    """

    store: Any
    retriever: Any
    model: Callable[[], BaseChatModel]
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
