"""Text that is not valid Unicode: undecodable bytes carried as lone surrogates.

Python decodes command-line arguments (and file names) that are not UTF-8 with
``surrogateescape``: byte 0xFF becomes ``"\\udcff"``. Such a string cannot be encoded, embedded
or stored, so it is refused where it comes in, showing the bytes as the user typed them.
"""

from __future__ import annotations


def undecodable(text: str) -> str | None:
    """``text`` with its undecodable parts written as ``\\xNN`` (or ``\\udNNN``), or None when it
    is valid Unicode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return None
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (e.g. from JSON "\\ud800")
        return text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")
