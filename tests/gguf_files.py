"""Small GGUF files written by hand for tests: a sound one, and the ways one can be damaged.

The layout (GGUF v3): magic, version, tensor count, metadata count, the metadata (key, type,
value), the tensor descriptions (name, dimensions, ggml type, offset), padding to the alignment,
then the tensor data. ``write_gguf`` writes a sound file with F32 and Q4_K tensors; the tests cut,
flip or rewrite its bytes.
"""

from __future__ import annotations

import struct
from pathlib import Path

ALIGNMENT = 32
F32, Q4_K = 0, 12
TENSORS = (("tok_embd", (256, 8), Q4_K), ("norm", (64,), F32))


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def write_gguf(
    path: Path,
    *,
    version: int = 3,
    tensors: tuple[tuple[str, tuple[int, ...], int], ...] = TENSORS,
    vocabulary: int = 50,
) -> Path:
    """A sound GGUF file: an architecture name, a small string-array vocabulary, the alignment,
    and ``tensors`` as (name, dimensions, ggml type), their data filled with a pattern."""
    sizes = {F32: (1, 4), Q4_K: (256, 144)}
    meta = b"".join([
        _string("general.architecture") + struct.pack("<I", 8) + _string("llama"),
        _string("general.alignment") + struct.pack("<I", 4) + struct.pack("<I", ALIGNMENT),
        _string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, vocabulary)
        + b"".join(_string(f"tok{i}") for i in range(vocabulary)),
    ])
    infos, data, offset = b"", b"", 0
    for name, dims, kind in tensors:
        block, size = sizes[kind]
        rows = 1
        for d in dims[1:]:
            rows *= d
        nbytes = dims[0] // block * size * rows
        infos += _string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", kind, offset)
        chunk = bytes((i * 7 + len(name)) % 251 for i in range(nbytes))
        pad = -nbytes % ALIGNMENT
        data += chunk + b"\0" * pad
        offset += nbytes + pad
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), 3) + meta + infos
    head += b"\0" * (-len(head) % ALIGNMENT)
    path.write_bytes(head + data)
    return path
