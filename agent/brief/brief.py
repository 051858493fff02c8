"""Multi-article briefings: ``make_briefing`` (select → storylines → write → disagreements).

Each storyline is written from its articles' key sentences in one cached call
(``agent.brief.storyline``); every sentence cites verified quotes (``agent.brief.citing``) and
the "what the sources disagree on" section comes from ``agent.brief.conflicts``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agent.brief.articles import Progress
from agent.brief.request import BriefingRequest
from agent.brief.storyline import briefing_by_storylines
from agent.settings import Settings
from agent.summary.summarize import ModelOrFactory
from agent.types import Briefing
from agent.usage import records_usage


@records_usage  # result.usage: tokens of all calls made (none when every reply was cached)
def make_briefing(
    *,
    store: Any,
    retriever: Any,
    model: ModelOrFactory,
    settings: Settings,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    max_articles: int = 10,
    progress: Progress | None = None,
    embedder: Any = None,
    refresh: bool = False,
) -> Briefing:
    """A cited briefing over up to ``max_articles`` articles (by topic, else newest in the window).

    Articles are grouped into storylines model-free and each storyline is written by one model
    call over its articles' key sentences, cited by id. ``progress(step, i, n)`` steps:
    ``select``, ``sentences`` (i of N articles), ``group``, ``write`` (i of the calls). Replies
    are cached by their exact input, so a repeated briefing makes no call and loads no model;
    ``refresh=True`` redoes them.
    """
    request = BriefingRequest(
        store=store, retriever=retriever, model=model, settings=settings, topic=topic, since=since,
        until=until, source=source, max_articles=max_articles, progress=progress, embedder=embedder,
        refresh=refresh,
    )
    return briefing_by_storylines(request)


__all__ = ["make_briefing"]
