"""How one bad input fails without stopping the batch: the error types and ``guard``.

Every reader turns an input that cannot become an article into ``IngestItem(status="failed")``
with a one-line error naming the input and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from agent.errors import FetchError, IngestError
from agent.types import Article, IngestItem

Result = Article | IngestItem


class InputError(IngestError):
    """One input is unusable: ``what`` went wrong and the ``fix``."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what}; {fix}")
        self.what = what
        self.fix = fix


class FetchFailed(FetchError):
    """A URL could not be fetched: ``what`` went wrong and the ``fix``."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what}; {fix}")
        self.what = what
        self.fix = fix


def display(value: str) -> str:
    """An input as shown in messages: URLs lose any ``user:password@`` part."""
    if is_url(value):
        parts = urlsplit(value)
        if parts.username or parts.password:
            host = parts.hostname or ""
            netloc = f"{host}:{parts.port}" if parts.port else host
            return urlunsplit(parts._replace(netloc=netloc))
    return value


def _failed(label: str, message: str) -> IngestItem:
    one_line = " ".join(f"{label}: {message}".split())
    return IngestItem(input=label, status="failed", error=one_line)


def guard(label: str, make: Callable[[], Iterable[Result]]) -> Iterator[Result]:
    """Run one input's generator; turn any exception into a failed item for ``label``.

    Items already yielded before the failure stay yielded (a feed that breaks at its
    tenth entry still delivers nine articles).
    """
    try:
        yield from make()
    except IngestError as e:
        yield _failed(label, str(e))
    except Exception as e:  # noqa: BLE001 - one bad input must never stop the batch
        yield _failed(label, f"unexpected {type(e).__name__}: {e}; please report this as a bug")


def one(make: Callable[..., Article], *args: Any) -> list[Result]:
    """Adapt a function returning one Article to ``guard``'s iterable interface."""
    return [make(*args)]


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def human_size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} bytes"
