"""The child-process check that llama.cpp runs on this CPU, and the portable build it guards.

Crashes are simulated with children that kill themselves with a signal: the real failure (a
library built for another CPU dying with SIGILL) cannot be produced on demand on this host.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import pytest

from agent.doctor import run_checks
from agent.errors import ModelError
from agent.models import llama_probe
from agent.models.llama_probe import (
    REBUILD_HINT,
    cpu_features,
    describe_features,
    ensure_llama_runs,
    run_probe,
    system_info,
)
from agent.settings import Settings
from tests.gguf_files import write_gguf
from tests.llama_server import fast_model_path

SIGILL_MESSAGE = (
    "llama.cpp crashed with SIGILL (illegal instruction) while evaluating a prompt: the library "
    "was built for another CPU; re-run `bash scripts/setup.sh --rebuild-llama`"
)


def _suicide(sig: str) -> list[str]:
    return [sys.executable, "-c", f"import os, signal; os.kill(os.getpid(), signal.{sig})"]


def _ok_child(info: str = "CPU : SSE3 = 1 | AVX2 = 1 | ") -> list[str]:
    code = f"import json; print(json.dumps({{'system_info': {info!r}, 'tokens': 21}}))"
    return [sys.executable, "-c", code]


def test_a_sigill_child_becomes_the_one_line_message() -> None:
    result = run_probe(_suicide("SIGILL"))
    assert not result.ok
    assert result.message == SIGILL_MESSAGE


def test_other_crashes_name_the_signal_and_the_fix() -> None:
    result = run_probe(_suicide("SIGSEGV"))
    assert not result.ok
    assert "SIGSEGV (segmentation fault)" in result.message and REBUILD_HINT in result.message


def test_a_child_that_fails_without_a_signal_shows_its_last_error_line() -> None:
    result = run_probe([sys.executable, "-c", "raise SystemExit('model file unreadable')"])
    assert not result.ok
    assert "model file unreadable" in result.message and REBUILD_HINT in result.message


def test_a_healthy_child_reports_its_features() -> None:
    result = run_probe(_ok_child())
    assert result.ok and result.features == ["SSE3", "AVX2"]
    assert "21-token prompt" in result.message


def test_feature_parsing_and_the_amx_note() -> None:
    info = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | AVX512 = 0 | REPACK = 1 |"
    assert cpu_features(info) == ["SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "REPACK"]
    assert describe_features(info) == "SSE3 SSSE3 AVX AVX2 F16C FMA (no AMX)"
    assert describe_features("CPU : AVX2 = 1 | AMX_INT8 = 1 |") == "AVX2 AMX_INT8"


def test_ensure_raises_the_message_and_remembers_only_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = write_gguf(tmp_path / "m.gguf")  # a sound file: the crash is the library's
    monkeypatch.delenv("NEWSAGENT_SKIP_LLAMA_PROBE", raising=False)
    monkeypatch.setattr(llama_probe, "_CHECKED", set())
    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _suicide("SIGILL"))
    with pytest.raises(ModelError) as err:
        ensure_llama_runs(model, 2, tmp_path / "cache")
    assert str(err.value) == SIGILL_MESSAGE
    assert not list((tmp_path / "cache").rglob("*.ok")), "a crash must not be remembered as a pass"

    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _ok_child())
    ensure_llama_runs(model, 2, tmp_path / "cache")
    markers = list((tmp_path / "cache").rglob("*.ok"))
    assert len(markers) == 1 and "AVX2 = 1" in markers[0].read_text()

    # Another process (empty in-process memory) reads the marker and does not run the child again.
    monkeypatch.setattr(llama_probe, "_CHECKED", set())
    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _suicide("SIGILL"))
    ensure_llama_runs(model, 2, tmp_path / "cache")

    # A different model file (or library, or CPU) is another key: probed again.
    other = write_gguf(tmp_path / "other.gguf", vocabulary=60)
    with pytest.raises(ModelError):
        ensure_llama_runs(other, 2, tmp_path / "cache")


def test_doctor_turns_a_crashing_child_into_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = write_gguf(tmp_path / "m.gguf")  # a sound file: the crash is the library's
    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _suicide("SIGILL"))
    settings = Settings(provider="local", model_path=model, cache_dir=tmp_path / "cache")
    skip = {"tiktoken", "llama.cpp", "model file", "embedder", "chat model", "index"}
    [check] = run_checks(settings, skip=skip)
    assert check.name == "llama.cpp on this CPU"
    assert not check.ok and check.detail == SIGILL_MESSAGE
    assert check.fix == "bash scripts/setup.sh --rebuild-llama"


def test_the_installed_library_is_the_portable_build() -> None:
    """What setup.sh builds by default and cpu_backend loads: never AMX; AVX-512 only where the
    kernel lists avx512f (the per-CPU variants, e.g. zen4 on an AVX-512 EPYC); AVX2 where the
    CPU has it. (This test asserted "no AVX-512" before the per-CPU build and failed on the
    first AVX-512 host after it.)"""
    features = cpu_features(system_info())
    assert not [f for f in features if f.startswith("AMX")], features
    if os.environ.get("NEWSAGENT_LLAMA_CMAKE_ARGS"):
        pytest.skip("built with custom NEWSAGENT_LLAMA_CMAKE_ARGS: only the no-AMX rule applies")
    if platform.machine() in {"x86_64", "AMD64"}:
        flags = Path("/proc/cpuinfo").read_text().split()
        if "avx512f" not in flags:
            assert not [f for f in features if f.startswith("AVX512")], features
        if "avx2" in flags:
            assert {"AVX2", "FMA", "F16C"} <= set(features), features


@pytest.mark.slow
def test_the_real_library_evaluates_a_prompt_in_a_child() -> None:
    result = run_probe(llama_probe.probe_command(fast_model_path(), 2))
    assert result.ok, result.message
    assert result.features == cpu_features(system_info())


@pytest.mark.slow
def test_the_model_loader_refuses_a_crashing_build_instead_of_dying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_core.messages import HumanMessage

    from agent.models.local import LocalChatModel

    monkeypatch.delenv("NEWSAGENT_SKIP_LLAMA_PROBE", raising=False)
    monkeypatch.setattr(llama_probe, "_CHECKED", set())
    monkeypatch.setattr(llama_probe, "probe_command", lambda path, threads: _suicide("SIGILL"))
    model = LocalChatModel(
        model_path=str(fast_model_path()), n_ctx=512, probe_cache_dir=str(tmp_path / "probe")
    )
    with pytest.raises(ModelError) as err:
        model.invoke([HumanMessage("hello")], max_tokens=2)
    assert str(err.value) == SIGILL_MESSAGE
