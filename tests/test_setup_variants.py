"""scripts/llama_variants.py: which x86-64 CPU variants of ggml set-up builds."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "llama_variants.py"

CMAKE = """\
if (GGML_CPU_ALL_VARIANTS)
    if (GGML_SYSTEM_ARCH STREQUAL "x86")
        ggml_add_cpu_backend_variant(x64)
        ggml_add_cpu_backend_variant(sse42              SSE42)
        ggml_add_cpu_backend_variant(haswell            SSE42 AVX F16C FMA AVX2 BMI2)
        if (NOT MSVC)
            ggml_add_cpu_backend_variant(zen4           SSE42 AVX512 AVX512_BF16)
        endif()
        ggml_add_cpu_backend_variant(sapphirerapids SSE42 AVX512 AMX_TILE AMX_INT8)
    elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")
        ggml_add_cpu_backend_variant(armv8.0_1)
    endif()
endif()
"""


def _source(tmp_path: Path, text: str = CMAKE) -> Path:
    cmake = tmp_path / "vendor/llama.cpp/ggml/src/CMakeLists.txt"
    cmake.parent.mkdir(parents=True)
    cmake.write_text(text)
    return tmp_path


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("llama_variants", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_named_x86_variants_stay(tmp_path: Path) -> None:
    source = _source(tmp_path)
    dropped = _module().keep_variants(source, ["x64", "haswell", "zen4"])
    text = (source / "vendor/llama.cpp/ggml/src/CMakeLists.txt").read_text()
    assert dropped == ["sse42", "sapphirerapids"]
    assert "variant(x64)" in text and "variant(haswell" in text and "variant(zen4" in text
    assert "sse42 " not in text and "sapphirerapids" not in text
    assert "armv8.0_1" in text  # other architectures untouched


def test_a_variant_the_source_lacks_stops_the_build(tmp_path: Path) -> None:
    source = _source(tmp_path)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(source), "x64", "icelake"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "no variant icelake" in result.stderr
    assert "sse42" in (source / "vendor/llama.cpp/ggml/src/CMakeLists.txt").read_text()  # unchanged


def test_an_unrecognised_list_stops_the_build(tmp_path: Path) -> None:
    source = _source(tmp_path, "project(ggml)\n")
    with pytest.raises(SystemExit, match="no x86 variant list"):
        _module().keep_variants(source, ["x64"])


def test_the_installed_library_has_the_variants_set_up_names() -> None:
    """The wheel set-up built holds exactly the families scripts/setup.sh lists (x86-64 only)."""
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("per-CPU variants are built on x86-64 only")
    llama_cpp = pytest.importorskip("llama_cpp")
    setup = (SCRIPT.parent / "setup.sh").read_text()
    listed = next(line for line in setup.splitlines() if line.startswith("X86_VARIANTS="))
    names = set(listed.split("=", 1)[1].strip('"').split())
    lib = Path(llama_cpp.__file__).parent / "lib"
    built = {p.name.removeprefix("libggml-cpu-").split(".so")[0] for p in lib.glob("libggml-cpu-*.so*")}
    if not built:
        pytest.skip("this llama-cpp-python has one built-in CPU backend (a custom build)")
    assert built == names
