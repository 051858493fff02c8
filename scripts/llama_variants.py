"""Keep only the named x86-64 CPU variants in a llama-cpp-python source tree's ggml build.

ggml's ``GGML_CPU_ALL_VARIANTS`` compiles its CPU code for 13 x86-64 families; each costs about
as much as the rest of llama.cpp. ``scripts/setup.sh`` keeps the families that change speed for
the quantised models we ship (see ``X86_VARIANTS`` there) and drops the rest before building.

    python scripts/llama_variants.py SOURCE_DIR x64 haswell ...

Exits 2, naming the file, when the list in the source does not look as expected (a new
llama.cpp version), so the build never silently differs from what the script says it keeps.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CMAKE = Path("vendor/llama.cpp/ggml/src/CMakeLists.txt")
X86_BLOCK = re.compile(
    r'(if \(GGML_SYSTEM_ARCH STREQUAL "x86"\)\n)(?P<body>.*?)(\n\s*elseif\s*\(GGML_SYSTEM_ARCH STREQUAL "ARM"\))',
    re.S,
)
VARIANT = re.compile(r"^\s*ggml_add_cpu_backend_variant\((?P<name>[\w.]+)\b")


def keep_variants(source: Path, keep: list[str]) -> list[str]:
    """Rewrite the x86 variant list in place; returns the names dropped."""
    path = source / CMAKE
    text = path.read_text()
    start = text.find("if (GGML_CPU_ALL_VARIANTS)")
    match = X86_BLOCK.search(text, start) if start >= 0 else None
    if match is None:
        sys.exit(f"llama_variants.py: no x86 variant list in {path}; update scripts/llama_variants.py")
    lines = match["body"].split("\n")
    names = [m["name"] for line in lines if (m := VARIANT.match(line))]
    missing = [name for name in keep if name not in names]
    if missing:
        sys.exit(f"llama_variants.py: {path} has no variant {', '.join(missing)} (it has {', '.join(names)})")
    kept = [line for line in lines if not ((m := VARIANT.match(line)) and m["name"] not in keep)]
    body = "\n".join(kept)
    path.write_text(text[: match.start("body")] + body + text[match.end("body") :])
    return [name for name in names if name not in keep]


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    dropped = keep_variants(Path(sys.argv[1]), sys.argv[2:])
    print(f"    x86-64 variants built: {' '.join(sys.argv[2:])} (not built: {' '.join(dropped)})")
