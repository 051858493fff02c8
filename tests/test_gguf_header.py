"""The model-file check: a GGUF header read by our own reader, the file's size against its tensor
data, and for a packaged model the pinned SHA-256. Small GGUF files written here for the header
cases; the real 0.5B model (sparse copies, one real copy) for the rest. A damaged file is named as
such, never blamed on the llama.cpp build."""

from __future__ import annotations

import ctypes
import os
import shutil
import struct
import sys
from pathlib import Path

import pytest

from agent.doctor import check_model_file, run_checks
from agent.errors import ModelError, ModelFileError
from agent.models import llama_probe
from agent.models.assemble import marker_path
from agent.models.gguf_header import GGML_BLOCKS, read_header
from agent.models.llama_probe import ensure_llama_runs
from agent.models.registry import ensure_model, resolve_spec
from agent.settings import Settings
from tests.gguf_files import write_gguf
from tests.llama_server import FAST_MODEL, fast_model_path


def _sigill() -> list[str]:
    return [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]


def test_a_sound_file_is_read_and_its_size_matches(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "m.gguf")
    header = read_header(path)
    assert (header.version, header.tensors, header.architecture) == (3, 2, "llama")
    assert header.data_offset + header.data_bytes == path.stat().st_size
    assert "GGUF v3 header read (llama, 2 tensors, 3 metadata keys)" in header.describe()


def test_a_truncated_file_is_cut_short_naming_the_sizes(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "m.gguf")
    size = path.stat().st_size
    os.truncate(path, size - 100)
    with pytest.raises(ModelFileError, match=rf"is cut short: its tensors need {size:,} bytes but the "
                       rf"file has {size - 100:,}; the file is incomplete"):
        read_header(path)
    os.truncate(path, 200)  # inside the vocabulary
    with pytest.raises(ModelFileError, match=r"its GGUF header is cut short \(at byte"):
        read_header(path)


def test_a_bad_magic_an_unknown_version_and_a_corrupt_header_are_named(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "m.gguf")
    data = bytearray(path.read_bytes())
    path.write_bytes(b"GGML" + data[4:])
    with pytest.raises(ModelFileError, match=r"is not a GGUF file \(it starts with b'GGML'"):
        read_header(path)
    path.write_bytes(b"GGUF" + struct.pack("<I", 9) + data[8:])
    with pytest.raises(ModelFileError, match=r"GGUF version 9"):
        read_header(path)
    corrupt = bytearray(data)
    at = bytes(corrupt).index(b"norm") + 4  # the tensor's dimension count
    corrupt[at : at + 4] = struct.pack("<I", 77)
    path.write_bytes(bytes(corrupt))
    with pytest.raises(ModelFileError, match=r"GGUF header cannot be read \(a tensor with 77 dimensions\)"):
        read_header(path)


def test_the_block_sizes_are_those_of_the_installed_ggml() -> None:
    """The reader's table of ggml types against ggml's own ``ggml_blck_size``/``ggml_type_size``."""
    from llama_cpp._ggml import libggml

    libggml.ggml_blck_size.restype, libggml.ggml_blck_size.argtypes = ctypes.c_int64, [ctypes.c_int]
    libggml.ggml_type_size.restype, libggml.ggml_type_size.argtypes = ctypes.c_size_t, [ctypes.c_int]
    for kind, (block, size) in GGML_BLOCKS.items():
        assert (libggml.ggml_blck_size(kind), libggml.ggml_type_size(kind)) == (block, size), kind
    for kind in range(max(GGML_BLOCKS) + 1):  # no type of the library's range is missing
        assert (kind in GGML_BLOCKS) == (libggml.ggml_blck_size(kind) > 0), kind


def test_a_crash_on_a_damaged_file_names_the_file_not_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child crashes as it would on a broken build; the file is checked before the build is
    blamed: sound → the rebuild, cut short → the file."""
    monkeypatch.delenv("NEWSAGENT_SKIP_LLAMA_PROBE", raising=False)
    monkeypatch.setattr(llama_probe, "_CHECKED", set())
    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _sigill())
    sound = write_gguf(tmp_path / "sound.gguf")
    with pytest.raises(ModelError, match="rebuild-llama"):
        ensure_llama_runs(sound, 2, tmp_path / "cache")
    cut = write_gguf(tmp_path / "cut.gguf")
    os.truncate(cut, cut.stat().st_size - 64)
    with pytest.raises(ModelFileError, match="is cut short") as err:
        ensure_llama_runs(cut, 2, tmp_path / "cache")
    assert "rebuild" not in str(err.value)


def test_doctor_says_what_it_checked_for_a_file_of_your_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _sigill())
    path = write_gguf(tmp_path / "mine.gguf")
    settings = Settings(provider="local", model_path=path, cache_dir=tmp_path / "cache")
    check = check_model_file(settings)
    assert check.ok and "SHA-256 verified" not in check.detail
    assert "GGUF v3 header read" in check.detail and "not hashed: no pinned SHA-256" in check.detail
    os.truncate(path, path.stat().st_size - 64)
    checks = {c.name: c for c in run_checks(settings, skip={"tiktoken", "llama.cpp", "embedder", "index"})}
    assert not checks["model file"].ok and "is cut short" in checks["model file"].detail
    for later in ("llama.cpp on this CPU", "chat model"):  # not run, and not blamed on the build
        assert not checks[later].ok and "model file failed its check" in checks[later].detail
        assert "rebuild" not in checks[later].fix


# --- the real model file (assembled from its packages: the slow marker) ---------------------------


@pytest.mark.slow
def test_the_real_model_header_accounts_for_every_byte() -> None:
    try:
        path = fast_model_path()
    except ModelFileError as exc:
        pytest.skip(f"the fast model is not installed: {exc}")
    header = read_header(path)
    assert header.data_offset + header.data_bytes == path.stat().st_size
    assert header.architecture == "qwen2"


def _sparse_copy(src: Path, dest: Path, size: int, head: int) -> Path:
    """``dest`` of ``size`` bytes holding ``src``'s first ``head`` bytes, the rest a hole."""
    with open(src, "rb") as f, open(dest, "wb") as out:
        out.write(f.read(head))
    os.truncate(dest, size)
    return dest


@pytest.mark.slow
def test_truncated_and_bad_magic_copies_of_the_real_model(tmp_path: Path) -> None:
    try:
        real = fast_model_path()
    except ModelFileError as exc:
        pytest.skip(f"the fast model is not installed: {exc}")
    header = read_header(real)
    size = real.stat().st_size
    cut = _sparse_copy(real, tmp_path / "cut.gguf", size - 1_000_000, header.data_offset)
    settings = Settings(provider="local", model_path=cut, cache_dir=tmp_path / "cache")
    with pytest.raises(ModelFileError, match=rf"cut short: its tensors need {size:,} bytes"):
        ensure_model(settings)
    check = check_model_file(settings)
    assert not check.ok and "is cut short" in check.detail and "rebuild" not in check.fix
    bad = _sparse_copy(real, tmp_path / "bad.gguf", size, header.data_offset)
    with open(bad, "r+b") as f:
        f.write(b"XXXX")
    check = check_model_file(Settings(provider="local", model_path=bad, cache_dir=tmp_path / "cache"))
    assert not check.ok and "is not a GGUF file (it starts with b'XXXX'" in check.detail


@pytest.mark.slow
def test_a_bit_flipped_packaged_model_fails_its_pinned_sha256(tmp_path: Path) -> None:
    """Bit rot that keeps the file's size and time passes the marker check every load makes;
    doctor rehashes, says so, and the next use assembles the file again."""
    try:
        real = fast_model_path()
    except ModelFileError as exc:
        pytest.skip(f"the fast model is not installed: {exc}")
    spec = resolve_spec(FAST_MODEL)
    settings = Settings(provider="local", model=FAST_MODEL, cache_dir=tmp_path / "cache")
    copy = tmp_path / "cache" / "models" / spec.file_name
    copy.parent.mkdir(parents=True)
    shutil.copyfile(real, copy)
    shutil.copy2(marker_path(real), marker_path(copy))
    os.utime(marker_path(copy))  # the marker is newer than the file, as after an assembly
    verified = check_model_file(settings)
    assert verified.ok
    assert verified.detail.endswith(f"(SHA-256 verified against the pinned hash of {spec.name})")

    stat = copy.stat()
    with open(copy, "r+b") as f:  # one bit, in the middle of the weights
        f.seek(stat.st_size // 2)
        byte = f.read(1)[0]
        f.seek(stat.st_size // 2)
        f.write(bytes([byte ^ 0x10]))
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    quick = {c.name: c for c in run_checks(settings, skip={"tiktoken", "llama.cpp", "embedder", "index"},
                                           quick=True)}["model file"]
    assert quick.ok and "not rehashed" in quick.detail  # the cheap check cannot see it: it says so
    check = check_model_file(settings)
    assert not check.ok and f"does not match the pinned SHA-256 of {spec.name}" in check.detail
    assert not marker_path(copy).exists()
    ensure_model(settings)  # assembled again from the installed packages
    assert check_model_file(settings).ok

