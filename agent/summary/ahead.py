"""Summarise articles ahead of the user: ``summarize_ahead(articles, model, settings)``.

Done after an ingest (``agent ingest --summarize``) or on a schedule, so a later ``agent
summarize`` or briefing reads the cache. Each summary is saved as soon as it is done, so Ctrl-C
loses only the article in progress. ``progress(i, n, eta_seconds)`` follows each article; the
ETA is the mean time of the summaries computed so far times the articles left (None before one).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.errors import NewsAgentError
from agent.settings import Settings
from agent.summary.cache import cache_path
from agent.summary.summarize import summarize_article
from agent.types import Article

log = logging.getLogger(__name__)

AheadProgress = Callable[[int, int, float | None], None]


@dataclass
class AheadReport:
    """What a summarise-ahead run did."""

    total: int
    summarised: int = 0  # computed now
    cached: int = 0  # already in the cache
    failed: list[tuple[str, str]] = field(default_factory=list)  # (article id, one-line reason)
    interrupted: bool = False
    seconds: float = 0.0


def summarize_ahead(
    articles: Sequence[Article],
    model: Callable[[], BaseChatModel],
    settings: Settings,
    *,
    progress: AheadProgress | None = None,
    embedder: Any = None,
) -> AheadReport:
    """Summarise every article not yet cached (``model`` is called only then); one failure is
    reported and the rest go on."""
    from agent.models.structured import model_name_of  # lazy: agent.models is slow to import

    report = AheadReport(total=len(articles))
    started = time.perf_counter()
    spent: list[float] = []
    label = model_name_of(None, settings)
    for i, article in enumerate(articles, start=1):
        try:
            hit = cache_path(article, label, settings).is_file()
            t0 = time.perf_counter()
            summarize_article(article, model, settings, embedder=embedder)
            if hit:
                report.cached += 1
            else:
                report.summarised += 1
                spent.append(time.perf_counter() - t0)
        except KeyboardInterrupt:
            report.interrupted = True
            log.warning("interrupted: %d of %d articles summarised and cached", i - 1, len(articles))
            break
        except NewsAgentError as exc:
            report.failed.append((article.id, str(exc).splitlines()[0]))
        if progress is not None:
            left = len(articles) - i
            eta = sum(spent) / len(spent) * left if spent else None
            progress(i, len(articles), eta)
    report.seconds = round(time.perf_counter() - started, 1)
    return report
