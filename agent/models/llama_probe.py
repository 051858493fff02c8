"""Prove, in a child process, that the native llama.cpp library can evaluate a prompt on this CPU.

A llama.cpp build for another CPU does not raise: it kills the process with SIGILL on the first
real prompt (a one-token prompt may still work). In a child the crash is a return code, turned
into one line with the fix. Success is remembered per (library build, model file, CPU) in a
marker file, so the first model use after an install pays the model load once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import ModelError
from agent.models import cpu_backend
from agent.models.gguf_header import read_header

REBUILD_HINT = "re-run `bash scripts/setup.sh --rebuild-llama`"

# Run with only llama_cpp imported: the child must not pay for importing the whole agent.
# argv: model path, threads. Evaluates a real multi-token prompt (a one-token prompt does not take
# the matrix-multiply path that crashed) and prints the library's system info as JSON.
_CHILD_CODE = r"""
import json, sys
import llama_cpp
path, threads = sys.argv[1], int(sys.argv[2])
llama_cpp.llama_backend_init()  # loads the CPU backend (GGML_BACKEND_PATH, set by the parent)
info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
llm = llama_cpp.Llama(model_path=path, n_ctx=256, n_batch=64, n_threads=threads,
                      n_threads_batch=threads, verbose=False)
text = ("The city council met on Monday to debate the budget. Members argued about road repairs, "
        "library hours and the cost of new buses.")
tokens = llm.tokenize(text.encode("utf-8"))
llm.eval(tokens)
print(json.dumps({"system_info": info, "tokens": len(tokens)}))
"""

_SIGNAL_WORDS: dict[int, str] = {
    signal.SIGILL: "illegal instruction",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating-point exception",
    signal.SIGABRT: "aborted",
}


@dataclass
class ProbeResult:
    """What the child reported: ok, or one line saying what went wrong and how to fix it."""

    ok: bool
    message: str
    system_info: str = ""
    features: list[str] = field(default_factory=list)


def library_dir() -> Path:
    """The folder holding the installed ``libllama``/``libggml*`` shared libraries."""
    import llama_cpp

    return Path(llama_cpp.__file__).resolve().parent / "lib"


def system_info() -> str:
    """llama.cpp's own description of the features its CPU backend was built with."""
    import llama_cpp

    cpu_backend.activate()
    llama_cpp.llama_backend_init()  # registers the CPU backend, whose features are listed
    return str(llama_cpp.llama_print_system_info().decode("utf-8", "replace"))


def cpu_features(info: str) -> list[str]:
    """The CPU features a system-info string says are on (``AVX2 = 1`` → ``AVX2``), in order."""
    seen: list[str] = []
    for name in re.findall(r"([A-Z][A-Z0-9_]*) = 1\b", info):
        if name not in seen:
            seen.append(name)
    return seen


def describe_features(info: str) -> str:
    """A short line for doctor: the features in use and whether AMX is compiled in."""
    feats = [f for f in cpu_features(info) if f not in {"LLAMAFILE", "REPACK", "OPENMP"}]
    amx = any(f.startswith("AMX") for f in feats)
    return (" ".join(feats) or "baseline (no SIMD extensions)") + ("" if amx else " (no AMX)")


def _cpu_identity() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    except OSError:
        import platform

        return platform.processor() or platform.machine()
    wanted = [ln for ln in lines if ln.startswith(("model name", "flags", "Features", "CPU part"))]
    return "\n".join(dict.fromkeys(wanted))  # one of each distinct line (all cores agree)


def build_key(model_path: str | Path) -> str:
    """Names one (library build, model file, CPU) combination; a change of any is probed again."""
    h = hashlib.sha256()
    for lib in sorted(library_dir().glob("*.so*")):
        st = lib.stat()
        h.update(f"{lib.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    model = Path(model_path).resolve()
    h.update(f"{model}:{model.stat().st_size}\n".encode())
    h.update(_cpu_identity().encode())
    return h.hexdigest()[:24]


def probe_command(model_path: str | Path, n_threads: int) -> list[str]:
    """The child that loads the model and evaluates a short prompt (with this process's choice
    of CPU backend: ``GGML_BACKEND_PATH`` is inherited)."""
    cpu_backend.activate()
    return [sys.executable, "-c", _CHILD_CODE, str(model_path), str(n_threads)]


def crash_message(returncode: int) -> str:
    """One line for a child killed by a signal (``returncode`` is minus the signal number)."""
    signum = -returncode
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    words = _SIGNAL_WORDS.get(signum, "killed")
    if signum == signal.SIGILL:
        return (
            f"llama.cpp crashed with {name} ({words}) while evaluating a prompt: the library was "
            f"built for another CPU; {REBUILD_HINT}"
        )
    return f"llama.cpp crashed with {name} ({words}) while evaluating a prompt; {REBUILD_HINT}"


def run_probe(argv: list[str], timeout: float = 300.0) -> ProbeResult:
    """Run a probe child and interpret how it ended. Never raises for a crashed child."""
    env = {**os.environ, "PYTHONFAULTHANDLER": ""}  # a faulthandler dump would hide nothing useful
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return ProbeResult(False, f"llama.cpp did not finish a 20-token prompt in {timeout:.0f} s")
    if proc.returncode < 0:
        return ProbeResult(False, crash_message(proc.returncode))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return ProbeResult(False, f"the llama.cpp check failed ({last}); {REBUILD_HINT}")
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        info = str(data["system_info"])
    except (ValueError, IndexError, KeyError, TypeError):
        return ProbeResult(False, f"the llama.cpp check printed no result; {REBUILD_HINT}")
    return ProbeResult(True, f"evaluated a {data.get('tokens', '?')}-token prompt", info, cpu_features(info))


_CHECKED: set[str] = set()
_CHECK_LOCK = threading.Lock()


def ensure_llama_runs(model_path: str | Path, n_threads: int, cache_dir: str | Path) -> None:
    """``ModelError`` with the fix if this library cannot evaluate a prompt on this CPU (a damaged
    model file, checked first, is a ``ModelFileError``). Once per (library, model, CPU), through a
    marker in ``cache_dir``; ``NEWSAGENT_SKIP_LLAMA_PROBE=1`` skips it."""
    if os.environ.get("NEWSAGENT_SKIP_LLAMA_PROBE") == "1":
        return
    key = build_key(model_path)
    with _CHECK_LOCK:
        if key in _CHECKED:
            return
        marker = Path(cache_dir) / "llama-probe" / f"{key}.ok"
        if not marker.exists():
            result = run_probe(probe_command(model_path, n_threads))
            if not result.ok:
                read_header(model_path)  # a damaged model file is named as such, not the build
                raise ModelError(result.message)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(result.system_info + "\n", encoding="utf-8")
        _CHECKED.add(key)
