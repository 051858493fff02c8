"""The exceptions newsagent raises on purpose.

Every error a user can cause is one of these, its message saying what to do next; the CLI
prints it as one line and exits non-zero. A library's exception is mapped to one where it arises
(the store, the model classes); one that still reaches the CLI is worded by ``agent.cli.failures``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.types import IngestReport


class NewsAgentError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class ConfigError(NewsAgentError):
    """A setting is missing or contradictory (e.g. provider=openai with no key)."""


class InvalidArgumentError(NewsAgentError, ValueError):
    """An argument cannot be used as given (an empty question, ``k=0``); also a ``ValueError``."""


class IngestError(NewsAgentError):
    """One input could not be turned into an article; the rest of the batch goes on."""


class FetchError(IngestError):
    """A URL could not be fetched (timeout, HTTP error, too large, redirect loop)."""


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped an ingest: what it had saved (``report``), how many articles it had read
    but not saved, and how many inputs it had not started. A ``KeyboardInterrupt``, so code
    that stops on Ctrl-C still stops; ``str()`` is the line to show."""

    def __init__(self, report: IngestReport, *, unsaved: int, inputs_not_started: int) -> None:
        self.report = report
        self.unsaved = unsaved
        self.inputs_not_started = inputs_not_started
        parts = [f"{report.added + report.updated} article(s) saved"]
        if report.unchanged:
            parts.append(f"{report.unchanged} unchanged")
        if unsaved:
            parts.append(f"{unsaved} read but not saved")
        if inputs_not_started:
            parts.append(f"{inputs_not_started} input(s) not started")
        super().__init__(f"interrupted: {', '.join(parts)}; run the same command again to continue "
                         "(saved and unchanged articles are skipped)")


class IndexError_(NewsAgentError):
    """The index cannot be opened or used as asked."""


class IndexUnavailableError(IndexError_):
    """The index cannot be written or reached at all (disk full, Chroma server gone): an ingest
    stops at the first one, since every further write would fail the same way."""


class DamagedIndexError(IndexError_):
    """The index's vector segments hold fewer vectors than its records: ``agent reindex`` repairs it."""


class EmbedderMismatchError(IndexError_):
    """The index was built with a different embedder than the one configured now."""


class EmptyIndexError(IndexError_):
    """The index holds no articles yet."""


class IndexNotFoundError(EmptyIndexError):
    """A read named an index that does not exist (reads never create one: ``agent --index
    /tmp/typo stats`` must say so)."""


class ArticleNotFoundError(IndexError_):
    """No article with the given id (or id prefix) is in the index."""


class DigestNotFoundError(NewsAgentError):
    """No kept digest has the given id (``agent digest --list`` shows the kept ones)."""


class NoArticlesError(NewsAgentError):
    """The briefing's window, source or topic matches no indexed article."""


class ModelError(NewsAgentError):
    """The chat or embedding model cannot be loaded or called."""


class ModelFileError(ModelError):
    """A local model file is missing or its SHA-256 does not match."""


class ProviderError(ModelError):
    """An OpenAI-compatible server refused or failed the request."""


class AuthenticationError(ProviderError):
    """The server rejected the API key (HTTP 401/403)."""


class WatchError(NewsAgentError):
    """A watched-feed request cannot be done as asked (a feed already watched, an unknown name)."""


class WatchBusyError(WatchError):
    """Another run of the watched feeds holds this index's lock, so this one did not start."""
