"""One run over the watched feeds: each feed fetched once, its new and changed entries ingested.

Per feed, in this order, so a run killed at any point leaves the index and the watch state
consistent and the next run catches up:

1. the feed is fetched with ``If-None-Match``/``If-Modified-Since`` from its last check: a
   "304 Not Modified" ends its check (one small request, no entry page fetched);
2. entries whose fingerprint (id, link, title, dates, text) is the one already ingested are
   skipped; the others' pages are fetched (the fetcher's address guard and per-host limits, as
   ``agent ingest URL``) and go through the ingest pipeline, which commits each article
   atomically and skips those whose content is unchanged;
3. first sightings are recorded (``WatchState.mark_seen``);
4. the feed's record is written last: validators, entry fingerprints, last check and counts.

A kill before step 4 redoes the feed next time: its entries are fetched again and the pipeline
finds the committed ones unchanged (no duplicate, no second embedding). An entry that failed is
retried on the next runs (up to ``MAX_ENTRY_ATTEMPTS`` for one version of it); while one is
pending, the feed's validators are not kept, so the feed is read in full again.

Feeds are fetched a few at a time ahead of the one being ingested (``fetch_in_order``); their
entries are ingested one feed after another.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from agent.errors import IngestError
from agent.index.store import Store
from agent.ingest.decode import decode_bytes, sniff
from agent.ingest.failures import FetchFailed, Result, display
from agent.ingest.feeds import FeedEntry, from_feed, is_feed
from agent.ingest.fetch import Fetched, Fetcher, fetch_in_order
from agent.ingest.metadata import article_id, canonical_url
from agent.ingest.pipeline import ingest
from agent.settings import Settings
from agent.text.hashing import short_hash
from agent.types import IngestItem, IngestStatus
from agent.types.watch import FeedCheck, WatchedFeed, WatchReport
from agent.watch.state import EntryState, StoredFeed, WatchState

#: Tries for one version of an entry before it is left alone until the feed changes it.
MAX_ENTRY_ATTEMPTS = 3
#: Longest validator kept; one with control characters is dropped (it goes back in a header).
MAX_VALIDATOR = 512


@dataclass
class RunHooks:
    """What a caller hears during a run: a feed starting, each entry's outcome, each feed's line,
    and ``should_stop()``, asked before each feed (True: the feeds left are not checked)."""

    on_start: Callable[[WatchedFeed], None] | None = None
    on_item: Callable[[IngestItem], None] | None = None
    on_feed: Callable[[FeedCheck], None] | None = None
    should_stop: Callable[[], bool] | None = None


def entry_fingerprint(e: FeedEntry) -> str:
    """What identifies one version of an entry as the feed lists it."""
    entry = e.entry
    contents = [c.get("value") for c in entry.get("content") or []]
    fields = [e.key, e.link, entry.get("title"), entry.get("published"), entry.get("updated"),
              entry.get("summary"), contents]
    return short_hash(json.dumps(fields, default=str))


def _validator(value: str | None) -> str | None:
    return value if value and len(value) <= MAX_VALIDATOR and value.isprintable() else None


def _fetch_feed(feed: WatchedFeed, fetcher: Fetcher) -> Fetched | FetchFailed:
    """The feed, conditionally on its last validators; the error instead of raising."""
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        return fetcher.get(feed.url, trusted=True, headers=headers)  # the user typed it
    except FetchFailed as e:
        return e
    except Exception as e:  # noqa: BLE001 - one broken feed must never stop the run
        return FetchFailed(f"unexpected {type(e).__name__}: {e}", "please report this as a bug")


class _FeedCheck:
    """Steps 2-4 of one feed whose document was fetched (see the module docstring)."""

    def __init__(self, run: RunContext, stored: StoredFeed, fetched: Fetched, fetcher: Fetcher) -> None:
        self.run, self.stored, self.fetched, self.fetcher = run, stored, fetched, fetcher
        self.origin_key = f"url:{canonical_url(fetched.url)}"
        self.entries: dict[str, EntryState] = {}  # the feed's entries as read now
        self.tried: dict[str, EntryState] = {}  # those whose pages are fetched this run
        self.error: str | None = None

    def keep(self, e: FeedEntry) -> bool:
        """Fetch this entry? Not when this version of it was ingested, or tried too often."""
        fingerprint = entry_fingerprint(e)
        known = self.stored.entries.get(e.key)
        if known is not None and known.fingerprint == fingerprint and (
            known.failures == 0 or known.failures >= MAX_ENTRY_ATTEMPTS
        ):
            self.entries[e.key] = known
            return False
        failures = known.failures if known is not None and known.fingerprint == fingerprint else 0
        aid = article_id(url=e.link, origin_key=self.origin_key, entry_key=e.key)
        self.tried[e.key] = EntryState(fingerprint, aid, failures)
        return True

    def articles(self) -> Iterator[Result]:
        """The tried entries' articles; a feed that cannot be read sets ``error`` instead."""
        url = self.stored.feed.url
        try:
            yield from from_feed(self.fetched.body, self.origin_key, display(url), self.fetched.url,
                                 self.run.settings, self.fetcher, keep=self.keep)
        except IngestError as e:
            self.error = str(e)
        except Exception as e:  # noqa: BLE001 - one broken feed must never stop the run
            self.error = f"unexpected {type(e).__name__}: {e}; please report this as a bug"

    def check(self) -> FeedCheck:
        started = time.perf_counter()
        run, feed = self.run, self.stored.feed
        report = ingest([], run.store, run.store.embedder, run.settings, run.hooks.on_item,
                        articles=self.articles())
        if self.error is not None:
            return run.failed(self.stored, self.error, started)
        done: dict[str, IngestStatus] = {  # a duplicate's article is its first entry's
            i.article_id: i.status for i in report.items
            if i.article_id and i.status not in ("failed", "duplicate")
        }
        for key, tried in self.tried.items():
            ok = tried.article_id in done
            self.entries[key] = EntryState(tried.fingerprint, tried.article_id,
                                           0 if ok else tried.failures + 1)
        run.state.mark_seen(done, feed_url=feed.url, run=run.id, when=datetime.now(UTC),
                            indexed_at=run.indexed_at)
        pending = any(0 < e.failures < MAX_ENTRY_ATTEMPTS for e in self.entries.values())
        check = FeedCheck(
            name=feed.name, url=feed.url, status="checked", new=report.added, updated=report.updated,
            unchanged=report.unchanged + len(self.entries) - len(self.tried), failed=report.failed,
            items=report.items,
        )
        run.save(self.stored, check, self.entries, None if pending else self.fetched)
        check.seconds = time.perf_counter() - started
        return check


class RunContext:
    """One run: its id, the store and state it writes, and how each feed's check is saved."""

    def __init__(self, state: WatchState, store: Store, settings: Settings, hooks: RunHooks) -> None:
        self.state, self.store, self.settings, self.hooks = state, store, settings, hooks
        self.started = datetime.now(UTC)
        self.id = self.started.isoformat(timespec="milliseconds")

    def indexed_at(self, ids: list[str]) -> Mapping[str, datetime]:
        """When the index got each of these articles (their ``ingested_at``)."""
        if not ids:
            return {}
        return {a.id: a.ingested_at for a in self.store.list_articles(article_ids=ids) if a.ingested_at}

    def save(self, stored: StoredFeed, check: FeedCheck, entries: dict[str, EntryState],
             fetched: Fetched | None) -> None:
        """Write the feed's record after its check: the commit point of that check. A feed
        removed while it was checked stays removed. ``fetched`` None: no validators kept."""
        if self.state.get_feed(stored.id) is None:
            return
        now = datetime.now(UTC)
        update: dict[str, object] = {
            "last_checked": now, "new": check.new, "updated": check.updated,
            "unchanged": check.unchanged, "failed": check.failed,
        }
        if check.status == "failed":
            update["last_error"] = check.error
        else:
            update |= {"last_success": now, "last_error": None, "entries": len(entries)}
            if check.status == "checked":
                update |= {"etag": _validator(fetched.etag) if fetched else None,
                           "last_modified": _validator(fetched.last_modified) if fetched else None}
        feed = stored.feed.model_copy(update=update)
        self.state.put_feed(StoredFeed(stored.id, feed, entries))

    def failed(self, stored: StoredFeed, error: str, started: float) -> FeedCheck:
        feed = stored.feed
        check = FeedCheck(name=feed.name, url=feed.url, status="failed", error=" ".join(error.split()))
        self.save(stored, check, stored.entries, None)
        check.seconds = time.perf_counter() - started
        return check

    def check(self, stored: StoredFeed, got: Fetched | FetchFailed, fetcher: Fetcher) -> FeedCheck:
        """Check one feed whose document (or the error fetching it) is ``got``."""
        started = time.perf_counter()
        feed = stored.feed
        if isinstance(got, FetchFailed):
            return self.failed(stored, str(got), started)
        if got.status == 304:
            unchanged = len(stored.entries)
            check = FeedCheck(name=feed.name, url=feed.url, status="not_modified", unchanged=unchanged)
            self.save(stored, check, stored.entries, None)
            check.seconds = time.perf_counter() - started
            return check
        text = decode_bytes(got.body, got.charset, html=True)
        if not got.body.strip() or not is_feed(got, text):
            what = "an HTML page" if sniff(text) == "html" else "a document"
            return self.failed(stored, f"the feed URL returns {what}, not an RSS/Atom feed; check "
                               "the URL (the site may have moved its feed)", started)
        return _FeedCheck(self, stored, got, fetcher).check()


def run_feeds(feeds: Sequence[StoredFeed], state: WatchState, store: Store, settings: Settings,
              hooks: RunHooks | None = None) -> WatchReport:
    """Check ``feeds`` once each, in order (see the module docstring); the run's report is kept
    with the index (``WatchState.runs``). Never raises for one bad feed or entry."""
    hooks = hooks or RunHooks()
    run = RunContext(state, store, settings, hooks)
    report = WatchReport(run=run.id, started=run.started)
    t0 = time.perf_counter()
    with ExitStack() as stack:
        fetchers = {
            False: stack.enter_context(Fetcher(settings)),
            True: stack.enter_context(Fetcher(settings.updated(allow_private_fetch=True))),
        }

        def fetcher_of(f: StoredFeed) -> Fetcher:
            return fetchers[f.feed.allow_private_fetch or settings.ingest.allow_private_fetch]

        workers = max(1, min(settings.ingest.fetch_concurrency, len(feeds)))
        fetched = fetch_in_order(feeds, lambda f: _fetch_feed(f.feed, fetcher_of(f)), workers)
        stack.callback(fetched.close)
        for n, (stored, got) in enumerate(fetched):
            if hooks.should_stop is not None and hooks.should_stop():
                report.not_checked = [f.feed.name for f in feeds[n:]]
                break
            if hooks.on_start is not None:
                hooks.on_start(stored.feed)
            check = run.check(stored, got, fetcher_of(stored))
            report.feeds.append(check)
            if hooks.on_feed is not None:
                hooks.on_feed(check)
    report.seconds = time.perf_counter() - t0
    state.put_run(report)
    return report
