"""Read a GGUF file's header and check that the file holds all its tensor data.

Why our own reader: llama-cpp-python ships no GGUF reader, and this check must not depend on the
native library it is there to exonerate: a truncated or damaged model file makes llama.cpp fail
or crash as a broken build would, and the fix is different (get the file again, not rebuild).

What is checked, in order (each failure a ``ModelFileError`` saying which and what to do): the
magic ``GGUF``; a version this reader knows (2 or 3); a header that can be read to its end
(every metadata value and tensor description within the file, of a known type); and a file size
that covers every tensor's data (offset + size, with ggml's block sizes), so a cut-short copy is
caught without reading the weights. Hashing is the registry's job (``verify``): only the packaged
models have a pinned SHA-256.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ModelFileError

MAGIC = b"GGUF"
VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
_MAX_DIMS = 4
#: Metadata value types with a fixed size (GGUF spec): uint8 … float64, bool.
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
_UINT32 = 4
_U64 = struct.Struct("<Q")

#: ggml tensor type → (elements per block, bytes per block), as ggml's ``ggml_blck_size`` and
#: ``ggml_type_size`` report them (tests/test_gguf_header.py compares with the installed library).
GGML_BLOCKS: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66),
    39: (32, 17), 40: (64, 36), 41: (128, 18), 42: (64, 18),
}


@dataclass(frozen=True)
class GGUFHeader:
    """What the header says, and how the file's size compares with it."""

    version: int
    tensors: int
    metadata_keys: int
    architecture: str | None
    data_offset: int  # where the tensor data starts
    data_bytes: int  # how far the tensor data reaches past data_offset
    file_size: int

    def describe(self) -> str:
        arch = f"{self.architecture}, " if self.architecture else ""
        return (
            f"GGUF v{self.version} header read ({arch}{self.tensors:,} tensors, "
            f"{self.metadata_keys:,} metadata keys); size {self.file_size:,} bytes covers the "
            "tensor data"
        )


class _Cut(ModelFileError):
    """The header ends (or points) past the end of the file (``read_header`` words the message)."""


class _Reader:
    def __init__(self, buf: mmap.mmap | bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, n: int) -> int:
        if n < 0 or self.pos + n > len(self.buf):
            raise _Cut(f"at byte {self.pos:,}")
        start, self.pos = self.pos, self.pos + n
        return start

    def unpack(self, fmt: str) -> int:
        start = self.take(struct.calcsize(fmt))
        return int(struct.unpack_from(fmt, self.buf, start)[0])

    def string(self) -> bytes:
        n = self.unpack("<Q")
        start = self.take(n)
        return bytes(self.buf[start : start + n])

    def skip_value(self, kind: int) -> None:
        if kind in _FIXED:
            self.take(_FIXED[kind])
        elif kind == _STRING:
            self.take(self.unpack("<Q"))
        elif kind == _ARRAY:
            inner, count = self.unpack("<I"), self.unpack("<Q")
            if inner in _FIXED:
                self.take(_FIXED[inner] * count)
            elif inner == _STRING:  # a tokenizer's vocabulary: ~150,000 of them, skipped fast
                self._skip_strings(count)
            elif inner == _ARRAY:
                for _ in range(count):
                    self.skip_value(inner)
            else:
                raise ValueError(f"unknown metadata value type {inner}")
        else:
            raise ValueError(f"unknown metadata value type {kind}")


    def _skip_strings(self, count: int) -> None:
        buf, pos, end, length = self.buf, self.pos, len(self.buf), _U64.unpack_from
        for _ in range(count):
            if pos + 8 > end:
                raise _Cut(f"at byte {pos:,}")
            pos += 8 + length(buf, pos)[0]
        if pos > end:
            raise _Cut(f"at byte {end:,}")
        self.pos = pos


def _tensor_bytes(kind: int, dims: list[int]) -> int:
    if kind not in GGML_BLOCKS:
        raise ValueError(f"unknown tensor type {kind} (a newer format than this llama.cpp reads?)")
    block, size = GGML_BLOCKS[kind]
    rows = 1
    for d in dims[1:]:
        rows *= d
    return (dims[0] // block) * size * rows if dims else size


def _parse(buf: mmap.mmap | bytes, file_size: int) -> GGUFHeader:
    r = _Reader(buf)
    r.take(4)
    version = r.unpack("<I")
    if version not in VERSIONS:
        raise ValueError(f"GGUF version {version} (this reader knows {', '.join(map(str, VERSIONS))})")
    tensors, keys = r.unpack("<Q"), r.unpack("<Q")
    alignment, architecture = DEFAULT_ALIGNMENT, None
    for _ in range(keys):
        key = r.string()
        kind = r.unpack("<I")
        if key == b"general.alignment" and kind == _UINT32:
            alignment = r.unpack("<I") or DEFAULT_ALIGNMENT
        elif key == b"general.architecture" and kind == _STRING:
            architecture = r.string().decode("utf-8", "replace")
        else:
            r.skip_value(kind)
    reach = 0
    for _ in range(tensors):
        r.string()
        n_dims = r.unpack("<I")
        if not 0 < n_dims <= _MAX_DIMS:
            raise ValueError(f"a tensor with {n_dims} dimensions")
        dims = [r.unpack("<Q") for _ in range(n_dims)]
        kind, offset = r.unpack("<I"), r.unpack("<Q")
        reach = max(reach, offset + _tensor_bytes(kind, dims))
    data_offset = -(-r.pos // alignment) * alignment
    return GGUFHeader(version, tensors, keys, architecture, data_offset, reach, file_size)


def read_header(path: str | Path) -> GGUFHeader:
    """The header of the GGUF file at ``path``; ``ModelFileError`` naming what is wrong (not a
    GGUF file, an unknown version, a header cut short or corrupt, tensor data cut short)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            size = path.stat().st_size
            if f.read(4) != MAGIC:
                f.seek(0)
                raise ModelFileError(
                    f"{path} is not a GGUF file (it starts with {f.read(4)!r}, not b'GGUF'); "
                    "point --model-path at a .gguf model"
                )
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                header = _parse(buf, size)
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file {path}: {exc.strerror or exc}") from None
    except _Cut as exc:
        raise ModelFileError(
            f"{path}: its GGUF header is cut short ({exc}, file size {size:,} bytes); the file is "
            "incomplete: download or copy it again"
        ) from None
    except ValueError as exc:
        raise ModelFileError(
            f"{path}: its GGUF header cannot be read ({exc}); the file is damaged or of a format "
            "this version does not know: download it again, or use another GGUF file"
        ) from None
    needed = header.data_offset + header.data_bytes
    if size < needed:
        raise ModelFileError(
            f"{path} is cut short: its tensors need {needed:,} bytes but the file has {size:,}; "
            "the file is incomplete: download or copy it again"
        )
    return header
