"""Choose llama.cpp's CPU code for the CPU we are running on, at run time.

A library compiled for one CPU is slow elsewhere (portable AVX2) or crashes (``-march=native``
dies with SIGILL on a VM advertising AMX it does not allow), so ``scripts/setup.sh`` builds ggml's
CPU backend once per CPU family (``libggml-cpu-haswell.so``, ``-zen4.so``, …). ggml does not look
for them in the package's ``lib`` folder, so :func:`activate` scores them with ggml's own
``ggml_backend_score`` (CPUID) and sets ``GGML_BACKEND_PATH`` to the winner, for this process and
its children. Never chosen: AMX (CPUID may advertise it where the OS does not allow it) and
AVX-512 unless ``/proc/cpuinfo`` lists ``avx512f``. A single-backend build is left alone.
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ModelError

ENV_VAR = "GGML_BACKEND_PATH"
PREFIX = "libggml-cpu-"

# Bits of ggml's x86 score (ggml-cpu/arch/x86/cpu-feats.cpp): a variant compiled with a feature
# adds its bit, and scores 0 where CPUID lacks it.
SCORE_AVX512 = 1 << 7
SCORE_AMX_INT8 = 1 << 11


@dataclass(frozen=True)
class Variant:
    """One compiled CPU backend and what ggml's score says about it on this CPU."""

    path: Path
    score: int

    @property
    def name(self) -> str:
        """``zen4`` for ``libggml-cpu-zen4.so``."""
        return self.path.name[len(PREFIX) :].split(".so")[0]


def variant_files(lib_dir: Path) -> list[Path]:
    """The per-CPU backends in a library folder; empty for a build with one built-in CPU backend."""
    return sorted(p for p in lib_dir.glob(f"{PREFIX}*.so*") if p.is_file())


def kernel_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str] | None:
    """The CPU flags the kernel reports (it hides what it does not enable); None if unreadable."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None


def is_safe(score: int, flags: set[str] | None) -> bool:
    """Whether a variant with this score may run here. Pure: unit-tested without a library."""
    if score <= 0 or score & SCORE_AMX_INT8:
        return False
    return not (score & SCORE_AVX512 and flags is not None and "avx512f" not in flags)


def best_variant(variants: list[Variant], flags: set[str] | None) -> Variant | None:
    """The highest-scoring safe variant (ggml's own rule, minus what :func:`is_safe` refuses)."""
    safe = [v for v in variants if is_safe(v.score, flags)]
    return max(safe, key=lambda v: v.score, default=None)


def score_variants(paths: list[Path]) -> list[Variant]:
    """Ask each variant library for its score on this CPU (ggml's ``ggml_backend_score``).

    The caller must have imported ``llama_cpp`` first: the variants need ``libggml-base``, which
    they find already loaded rather than by a search path."""
    scored: list[Variant] = []
    for path in paths:
        try:
            lib = ctypes.CDLL(str(path))
            score_fn = lib.ggml_backend_score
        except (OSError, AttributeError):
            continue
        score_fn.restype = ctypes.c_int
        scored.append(Variant(path, int(score_fn())))
    return scored


_LOCK = threading.Lock()
_CHOSEN: dict[str, Variant | None] = {}


def activate(lib_dir: Path | None = None) -> Variant | None:
    """Point ggml at the best CPU variant before a model loads (idempotent): the variant, or None
    for a single-backend build or a user's own ``GGML_BACKEND_PATH``; ``ModelError`` naming the fix
    when no variant can run here."""
    if lib_dir is None:
        import llama_cpp  # loads libggml-base, which the variants link against

        lib_dir = Path(llama_cpp.__file__).resolve().parent / "lib"
    key = str(lib_dir)
    with _LOCK:
        if key in _CHOSEN:
            return _CHOSEN[key]
        paths = variant_files(lib_dir)
        if not paths and not any(lib_dir.glob("libggml-cpu.so*")):
            raise ModelError(
                f"llama.cpp's CPU backend is missing from {lib_dir} (a build whose per-CPU "
                "libraries were installed elsewhere); re-run `bash scripts/setup.sh --rebuild-llama`"
            )
        chosen: Variant | None = None
        if paths and not os.environ.get(ENV_VAR):
            chosen = best_variant(score_variants(paths), kernel_flags())
            if chosen is None:
                raise ModelError(
                    f"none of llama.cpp's CPU backends in {lib_dir} can run on this CPU; "
                    "re-run `bash scripts/setup.sh --rebuild-llama`"
                )
            os.environ[ENV_VAR] = str(chosen.path)
        _CHOSEN[key] = chosen
        return chosen


def describe() -> str:
    """One line for ``agent doctor``: which variant runs here, or that the build has one."""
    chosen = activate()
    if chosen is not None:
        return f"CPU backend {chosen.name} (chosen at run time)"
    if os.environ.get(ENV_VAR):
        return f"CPU backend from {ENV_VAR}={os.environ[ENV_VAR]}"
    return "one built-in CPU backend"


if __name__ == "__main__":
    # `GGML_BACKEND_PATH=$(python -m agent.models.cpu_backend) python -m llama_cpp.server ...`:
    # llama.cpp's own server from this virtualenv, on the variant newsagent would use.
    variant = activate()
    print(variant.path if variant else os.environ.get(ENV_VAR, ""))
