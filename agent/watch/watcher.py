"""``Watcher``: the watched feeds of one index, as ``agent.watch`` offers them.

Add, list and remove feeds; run every feed once (``run``) or on a schedule (``serve``); ask which
articles runs first saw since a moment (``first_seen``), the question a digest starts from. The
feeds and their state live with the index (``agent.watch.state``), one run at a time holds the
index's run lock (``agent.watch.lock``), and a run's steps are ``agent.watch.run``'s.
"""

from __future__ import annotations

import builtins
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agent.errors import InvalidArgumentError, NewsAgentError, WatchError
from agent.index.client import read_only_error
from agent.index.store import Store
from agent.settings import Settings
from agent.types.watch import SeenArticle, WatchedFeed, WatchReport
from agent.watch.lock import WatchLock
from agent.watch.names import check_feed_url, check_name, default_name, feed_id
from agent.watch.run import RunHooks, run_feeds
from agent.watch.state import SUFFIX, StoredFeed, WatchState

RUN_BUSY = ("another run of the watched feeds ({holder}) is under way on this index; "
            "wait for it to finish (this run did not start)")
SERVE_BUSY = ("`agent watch serve` ({holder}) already runs the watched feeds of this index; "
              "stop it first, or let it do the runs")


class Watcher:
    """The watched feeds of one index (``Agent.watch``).

    ``writing()`` and ``reading()`` give the index's store, creating the index or not: a feed
    added to a new index creates it, a listing never does.

    .. code-block:: python

        agent.watch.add("https://example.com/feed.xml", name="Example")
        report = agent.watch.run()            # WatchReport: one line per feed
        print(report.to_markdown())
        agent.watch.first_seen(since=yesterday)   # SeenArticle per article first seen since then
    """

    def __init__(self, settings: Settings, writing: Callable[[], Store],
                 reading: Callable[[], Store]) -> None:
        self.settings = settings
        self._writing = writing
        self._reading = reading

    def _state(self, store: Store, *, create: bool) -> WatchState:
        return WatchState(store.side_collection(SUFFIX, create=create), read_only=store.read_only,
                          location=store.location)

    def _find(self, state: WatchState, feed: str) -> StoredFeed:
        feeds = state.feeds()
        wanted = feed.strip()
        for stored in feeds:
            if stored.feed.name.casefold() == wanted.casefold():
                return stored
        if wanted.lower().startswith(("http://", "https://")):
            fid = feed_id(wanted)
            for stored in feeds:
                if stored.id == fid:
                    return stored
        names = ", ".join(repr(f.feed.name) for f in feeds) or "none yet"
        raise WatchError(f"no watched feed is named or has the URL {wanted[:100]!r} (watched: {names}); "
                         "see `agent watch list`")

    # --- the list ------------------------------------------------------------------------
    def add(self, url: str, *, name: str | None = None, allow_private_fetch: bool = False) -> WatchedFeed:
        """Watch a feed. ``InvalidArgumentError`` for a URL that cannot be fetched as given or a
        name that is taken; ``WatchError`` for a feed already watched (by any spelling of its URL).

        ``allow_private_fetch``: this feed's entry links may reach private, loopback and
        link-local addresses (a feed on your intranet); other feeds' links still may not.
        """
        url = check_feed_url(url)
        state = self._state(self._writing(), create=True)
        feeds = state.feeds()
        fid = feed_id(url)
        same = next((f for f in feeds if f.id == fid), None)
        if same is not None:
            raise WatchError(
                f"{url[:100]} is already watched as {same.feed.name!r}; "
                "`agent watch remove` it first to add it again"
            )
        taken = [f.feed.name for f in feeds]
        chosen = check_name(name, taken) if name is not None else default_name(url, taken)
        feed = WatchedFeed(name=chosen, url=url, added=datetime.now(UTC),
                           allow_private_fetch=allow_private_fetch)
        state.put_feed(StoredFeed(fid, feed))
        return feed

    def list(self) -> builtins.list[WatchedFeed]:
        """The watched feeds, in the order they were added, with their last check."""
        return [f.feed for f in self._state(self._reading(), create=False).feeds()]

    def remove(self, feed: str) -> WatchedFeed:
        """Stop watching a feed, by name or URL; its articles stay in the index."""
        state = self._state(self._reading(), create=False)
        stored = self._find(state, feed)
        state.delete_feed(stored.id)
        return stored.feed

    # --- runs ----------------------------------------------------------------------------
    def run(self, names: Sequence[str] | None = None, *, hooks: RunHooks | None = None) -> WatchReport:
        """Check every watched feed once (or the ones ``names`` gives) and ingest what is new.

        One line per feed in the report: new, updated, unchanged and failed entries, or why the
        feed could not be read; the other feeds go on. ``WatchBusyError`` when another run holds
        the index's lock; ``WatchError`` when no feed is watched. ``hooks`` report progress and
        can stop the run between feeds.
        """
        store = self._reading()
        if store.read_only:
            raise read_only_error(self.settings.index.index_path)
        with WatchLock(self.settings, "run", RUN_BUSY):
            state = self._state(store, create=False)
            feeds = state.feeds()
            if not feeds:
                raise WatchError(f"no feeds are watched in {store.location}; add one with "
                                 "`agent watch add URL`")
            if names:
                chosen = {self._find(state, n).id for n in names}
                feeds = [f for f in feeds if f.id in chosen]
            return run_feeds(feeds, state, store, self.settings, hooks)

    def serve(self, every: timedelta, *, stop: threading.Event, names: Sequence[str] | None = None,
              hooks: RunHooks | None = None,
              on_report: Callable[[WatchReport], None] | None = None,
              on_error: Callable[[NewsAgentError], None] | None = None,
              on_wait: Callable[[datetime], None] | None = None) -> None:
        """Run the feeds every ``every`` until ``stop`` is set (then the current run ends after
        its current feed). A run that cannot start (another holds the lock, the index server is
        down) goes to ``on_error`` and the loop goes on; ``WatchBusyError`` at once when another
        ``serve`` runs this index's feeds. Runs start ``every`` apart, or at once after a run
        longer than that."""
        if every.total_seconds() <= 0:
            raise InvalidArgumentError(f"the interval must be positive (got {every}); e.g. 2 hours")
        self._reading()
        base = hooks or RunHooks()

        def should_stop() -> bool:
            return stop.is_set() or (base.should_stop is not None and base.should_stop())

        with WatchLock(self.settings, "serve", SERVE_BUSY):
            while not stop.is_set():
                started = time.monotonic()
                try:
                    report = self.run(names, hooks=replace(base, should_stop=should_stop))
                except NewsAgentError as e:
                    if on_error is not None:
                        on_error(e)
                else:
                    if on_report is not None:
                        on_report(report)
                wait = max(0.0, every.total_seconds() - (time.monotonic() - started))
                if stop.is_set():
                    break
                if on_wait is not None:
                    on_wait(datetime.now(UTC) + timedelta(seconds=wait))
                stop.wait(wait)

    # --- what runs found -------------------------------------------------------------------
    def first_seen(self, since: datetime) -> builtins.list[SeenArticle]:
        """Articles a run saw for the first time at or after ``since``, oldest first."""
        return self._state(self._reading(), create=False).seen_since(since)

    def changed(self, since: datetime) -> builtins.list[SeenArticle]:
        """Articles a run added or updated at or after ``since`` (first sightings included)."""
        return self._state(self._reading(), create=False).seen_since(since, key="changed")

    def runs(self, since: datetime | None = None) -> builtins.list[WatchReport]:
        """The reports of the last runs (up to 100), started at or after ``since``, oldest first."""
        return self._state(self._reading(), create=False).runs(since)
