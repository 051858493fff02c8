"""Summarise articles ahead of the user: ``summarize_ahead(articles, model, settings)``.

Why: a summary takes a model call on the embedded model; doing it right after an ingest
(``agent ingest --summarize``) or on a schedule means a later ``agent summarize`` reads from the
cache. Each summary is saved atomically as soon as it is done (``agent.summary.cache.save_cached``),
so Ctrl-C (KeyboardInterrupt) loses only the article in progress: the report says how many were
finished, and the next run skips them (cache hits cost no model call and load no model).

``progress(i, n, eta_seconds)`` is called after each article; the ETA is the mean time of the
summaries actually computed so far times the articles left (cache hits excluded), None until one
was computed.
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


__all__ = ["AheadReport", "summarize_ahead"]
