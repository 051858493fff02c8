"""The command line's last resort: any exception that reaches it becomes one line with a fix.

Errors the user can fix are ``NewsAgentError``s raised where they arise (the index store maps
Chroma's failures, the model classes the servers'). What still gets here is a library exception
that slipped past those boundaries (chromadb, httpx, openai, the date parsers), an OS error, or
a bug: ``describe`` names what failed and what to do for each, so the user never reads a
traceback unless they ask for one with ``-v``.

It imports no other ``agent.cli`` module; the app's command group (``GlobalOptionsGroup.invoke``)
and the chat loop use it.
"""

from __future__ import annotations

import errno
import sys

from agent.errors import NewsAgentError
from agent.settings import Settings

#: Where ``make_agent`` leaves the settings of the command's ``Agent`` (``click.Context.meta``
#: is shared by a command's context and its parent's), so a message can name the index or server.
SETTINGS_KEY = "newsagent.settings"


def _one_line(text: object, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _what(exc: BaseException) -> str:
    detail = _one_line(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _from_module(exc: BaseException, *packages: str) -> bool:
    """Whether ``exc``'s class is defined in one of these top-level packages."""
    return type(exc).__module__.split(".")[0] in packages


def _index_location(settings: Settings | None) -> str:
    if settings is None:
        return "the configured location (--index / --chroma-url)"
    return settings.index.chroma_url or str(settings.index.index_path)


def _chroma(exc: BaseException, settings: Settings | None) -> str | None:
    """The index store's own message for a Chroma failure (or an HTTP failure under a Chroma
    server client), when ``exc`` is one (chromadb is only imported if the command used it)."""
    if "chromadb" not in sys.modules:
        return None
    from chromadb.errors import ChromaError

    talks_to_chroma = settings is not None and bool(settings.index.chroma_url)
    if isinstance(exc, ChromaError) or (talks_to_chroma and _from_module(exc, "httpx")):
        from agent.index.chroma_errors import index_failure

        where = _index_location(settings)
        mapped = index_failure(exc, where)
        if mapped is None:  # a collection that is not there (the store creates or reports it)
            return f"the index at {where} is missing a part ({_what(exc)}); check --index / --chroma-url"
        return str(mapped)
    return None


def _openai(exc: BaseException, settings: Settings | None) -> str | None:
    if "openai" not in sys.modules:
        return None
    import openai

    if not isinstance(exc, openai.OpenAIError):
        return None
    from agent.models.openai import map_openai_error

    models = settings.models if settings is not None else None
    key = models.openai_api_key.get_secret_value() if models and models.openai_api_key else None
    return str(
        map_openai_error(
            exc,
            base_url=models.base_url if models else None,
            model=settings.resolved_model if settings is not None else "?",
            api_key=key,
            retries=models.max_retries if models else 0,
            timeout=models.request_timeout if models else None,
        )
    )


def _dates(exc: BaseException) -> str | None:
    from agent.text.dates import EARLIEST, LATEST

    if isinstance(exc, OverflowError):
        return (
            f"a date or number is out of range ({_what(exc)}); give dates between "
            f"{EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}"
        )
    if _from_module(exc, "dateutil", "dateparser"):
        return f"could not read a date ({_what(exc)}); write dates like 2026-03-14"
    return None


def _os(exc: BaseException) -> str | None:
    if isinstance(exc, UnicodeError):
        return (
            f"some text is not valid UTF-8 ({_what(exc)}); retype it, or use a UTF-8 terminal "
            "(e.g. LANG=C.UTF-8)"
        )
    if not isinstance(exc, OSError):
        return None
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full{where}; free some space and run the command again"
    if isinstance(exc, PermissionError):
        return f"permission denied{where}; check its permissions, or choose another path"
    return f"{exc.strerror or _what(exc)}{where}; check the path and try again"


def _network(exc: BaseException) -> str | None:
    if not _from_module(exc, "httpx", "httpx2"):
        return None
    return (
        f"a network request failed ({_what(exc)}); check the address and that the server is "
        "running, then try again"
    )


def describe(exc: BaseException, settings: Settings | None = None) -> str:
    """One line for ``exc``: what failed and what to do. ``settings`` (the command's, when it
    got that far) lets the line name the index or the server; its API key never appears."""
    line = _describe(exc, settings)
    key = settings.models.openai_api_key if settings is not None else None
    secret = key.get_secret_value() if key is not None else ""
    return line.replace(secret, "****") if len(secret) >= 4 else line


def _describe(exc: BaseException, settings: Settings | None) -> str:
    if isinstance(exc, NewsAgentError):
        return _one_line(exc, 1000)
    for explain in (lambda: _chroma(exc, settings), lambda: _openai(exc, settings)):
        line = explain()
        if line is not None:
            return line
    for reader in (_dates, _os, _network):
        line = reader(exc)
        if line is not None:
            return line
    return (
        f"unexpected {_what(exc)}; this is a bug in newsagent: run the command again with -v "
        "for the traceback, and report it"
    )


def is_control_flow(exc: BaseException) -> bool:
    """typer's own exceptions (exit, abort, usage errors): never reported here."""
    import typer

    return isinstance(exc, typer.Exit | typer.Abort | typer.TyperException)
