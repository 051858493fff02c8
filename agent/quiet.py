"""Keep other libraries' log lines out of normal output: only our own messages by default.

bm25s logs "Building index from tokens" at DEBUG on every question (setting its own level on
import, so the root level does not silence it), and trafilatura warns "discarding data: None"
about pages it extracts fine. Below ``-v`` these loggers pass only errors; a level the
application set itself is left alone.
"""

from __future__ import annotations

import logging

#: Logger name → the least severe level it may show without -v.
NOISY = {
    "bm25s": logging.ERROR,
    "trafilatura": logging.ERROR,
    "htmldate": logging.ERROR,
    "courlan": logging.ERROR,
}
_SET_BY_US: dict[str, int] = {}


def quiet_libraries(*, verbose: bool | None = None) -> None:
    """Set the noisy libraries' loggers for ``verbose`` (default: root logger at DEBUG)."""
    if verbose is None:
        verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    for name, level in NOISY.items():
        quiet(name, level=logging.DEBUG if verbose else level)


def quiet(name: str, *, level: int | None = None) -> None:
    """Set logger ``name`` to ``level`` unless the application chose a level for it itself.

    Call it right after importing the library: some (bm25s) set their level on import.
    """
    logger = logging.getLogger(name)
    if level is None:
        verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
        level = logging.DEBUG if verbose else NOISY.get(name, logging.WARNING)
    ours = _SET_BY_US.get(name)
    if logger.level not in (logging.NOTSET, ours) and not _set_on_import(name, logger.level):
        return
    logger.setLevel(level)
    _SET_BY_US[name] = level


def _set_on_import(name: str, level: int) -> bool:
    """bm25s sets DEBUG on its own logger when imported: that is not the application's choice."""
    return name == "bm25s" and level == logging.DEBUG
