"""Watched feeds: a list of RSS/Atom feeds kept with the index, each checked once per run.

``Watcher`` (``Agent.watch``) is the entry point; ``state`` stores the feeds and what runs found,
``run`` checks the feeds, ``lock`` keeps runs apart, ``names`` checks URLs and names.
"""

from agent.watch.run import RunHooks
from agent.watch.watcher import Watcher

__all__ = ["RunHooks", "Watcher"]
