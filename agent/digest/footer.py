"""A digest's footer, from the watch runs in its window and the articles it covers.

New and updated articles are counted from the window's articles and their sightings, not summed
over run reports, so a run killed and caught up by the next gives the same counts as one
uninterrupted run. A feed is listed as failing when its latest check in the window failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from agent.text.dates import as_utc
from agent.types import DigestFooter, FeedCheck, FeedFailure, SeenArticle, WatchReport


def make_footer(
    runs: Sequence[WatchReport],
    sightings: Sequence[SeenArticle],
    article_ids: Sequence[str],
    since: datetime,
    until: datetime,
) -> DigestFooter:
    """The footer of a digest over ``article_ids`` in ``[since, until]``."""
    runs = [r for r in runs if since <= as_utc(r.started) <= until]
    latest: dict[str, FeedCheck] = {}
    for r in sorted(runs, key=lambda r: r.started):
        for check in r.feeds:
            latest[check.url] = check
    ids = set(article_ids)
    seen = [s for s in sightings if s.article_id in ids]
    new = sum(1 for s in seen if since <= as_utc(s.first_seen) <= until)
    return DigestFooter(
        runs=len(runs),
        feeds_checked=len(latest),
        new_articles=new,
        updated_articles=len(seen) - new,
        failures=[FeedFailure(name=c.name, url=c.url, error=c.error or "failed")
                  for c in latest.values() if c.status == "failed"],
        failed_entries=sum(c.failed for c in latest.values()),
    )


__all__ = ["make_footer"]
