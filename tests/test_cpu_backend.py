"""Choosing llama.cpp's CPU backend variant at run time (agent/models/cpu_backend.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import ModelError
from agent.models import cpu_backend
from agent.models.cpu_backend import SCORE_AMX_INT8, SCORE_AVX512, Variant, best_variant, is_safe

HASWELL = 1 + 2 + 4 + 8 + 16 + 32  # FMA F16C SSE42 BMI2 AVX AVX2
ZEN4 = HASWELL + SCORE_AVX512 + (1 << 8) + (1 << 9) + (1 << 10)
SAPPHIRE = ZEN4 + SCORE_AMX_INT8


def _v(name: str, score: int) -> Variant:
    return Variant(Path(f"/lib/libggml-cpu-{name}.so"), score)


def test_variant_name_is_the_cpu_family() -> None:
    assert _v("zen4", 1).name == "zen4"
    assert Variant(Path("/lib/libggml-cpu-sandybridge.so.0.9"), 1).name == "sandybridge"


def test_a_variant_the_cpu_lacks_is_never_safe() -> None:
    assert not is_safe(0, {"avx2"})


def test_amx_is_never_chosen_even_where_cpuid_and_the_kernel_advertise_it() -> None:
    flags = {"avx2", "avx512f", "amx_tile", "amx_int8"}
    assert not is_safe(SAPPHIRE, flags)
    chosen = best_variant([_v("haswell", HASWELL), _v("zen4", ZEN4), _v("sapphirerapids", SAPPHIRE)], flags)
    assert chosen is not None and chosen.name == "zen4"


def test_avx512_needs_the_kernel_to_say_so_too() -> None:
    variants = [_v("haswell", HASWELL), _v("zen4", ZEN4)]
    without = best_variant(variants, {"avx2", "fma"})
    assert without is not None and without.name == "haswell"
    with_it = best_variant(variants, {"avx2", "fma", "avx512f"})
    assert with_it is not None and with_it.name == "zen4"
    # /proc/cpuinfo unreadable (not Linux): CPUID's word stands
    unknown = best_variant(variants, None)
    assert unknown is not None and unknown.name == "zen4"


def test_no_safe_variant_gives_none() -> None:
    assert best_variant([_v("sapphirerapids", SAPPHIRE), _v("skylakex", 0)], {"avx512f"}) is None


def test_kernel_flags_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2 avx512f\n\n")
    assert cpu_backend.kernel_flags(info) == {"fpu", "sse2", "avx2", "avx512f"}
    assert cpu_backend.kernel_flags(tmp_path / "missing") is None


def test_a_single_backend_build_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cpu_backend.ENV_VAR, raising=False)
    (tmp_path / "libggml-cpu.so").write_bytes(b"")
    assert cpu_backend.activate(tmp_path) is None
    assert cpu_backend.ENV_VAR not in __import__("os").environ


def test_a_library_without_any_cpu_backend_is_named_with_the_fix(tmp_path: Path) -> None:
    """Seen while building: the variants went to the build folder, libllama loaded, and every
    model load failed with llama.cpp's "no backends are loaded"."""
    (tmp_path / "libllama.so").write_bytes(b"")
    with pytest.raises(ModelError, match="CPU backend is missing.*setup.sh --rebuild-llama"):
        cpu_backend.activate(tmp_path)


def test_variants_that_cannot_load_give_one_line_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cpu_backend.ENV_VAR, raising=False)
    (tmp_path / "libggml-cpu-haswell.so").write_bytes(b"not a shared library")
    with pytest.raises(ModelError, match="setup.sh --rebuild-llama"):
        cpu_backend.activate(tmp_path)


def test_the_users_own_choice_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "libggml-cpu-haswell.so").write_bytes(b"not a shared library")
    monkeypatch.setenv(cpu_backend.ENV_VAR, "/opt/my/libggml-cpu-custom.so")
    assert cpu_backend.activate(tmp_path) is None
    assert __import__("os").environ[cpu_backend.ENV_VAR] == "/opt/my/libggml-cpu-custom.so"


def test_the_installed_library_runs_on_a_variant_this_cpu_has() -> None:
    """Real library: with per-CPU variants installed, the chosen one is safe here and loaded."""
    llama_cpp = pytest.importorskip("llama_cpp")
    from agent.models.llama_probe import cpu_features, system_info

    lib_dir = Path(llama_cpp.__file__).resolve().parent / "lib"
    if not cpu_backend.variant_files(lib_dir):
        pytest.skip("this llama-cpp-python has one built-in CPU backend (an older setup.sh build)")
    chosen = cpu_backend.activate(lib_dir)
    if chosen is None:
        pytest.skip(f"{cpu_backend.ENV_VAR} is set by the environment")
    assert chosen.name != "sapphirerapids"
    assert is_safe(chosen.score, cpu_backend.kernel_flags())
    features = cpu_features(system_info())  # what the loaded backend says it was built with
    assert ("AVX512" in features) == bool(chosen.score & SCORE_AVX512)
    assert not any(f.startswith("AMX") for f in features)
