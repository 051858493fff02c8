"""docs/architecture.md against the code: every module is on the page, every path the page names
exists, and every import points down the layers it lists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")

#: The page's layers, top first (its opening list): an import may only point to a later one.
LAYERS = [
    ["__main__"],
    ["cli", "serve", "__init__"],
    ["api", "doctor"],
    ["chat", "lazy", "threads"],
    ["watch", "digest"],
    ["brief"],
    ["answer"],
    ["summary"],
    ["retrieve", "ingest"],
    ["index", "models"],
    ["prompting", "untrusted", "types"],
    ["views", "usage"],
    ["safetext", "text", "tokens", "quiet", "settings", "presets"],
    ["settings_sources"],
    ["errors"],
]
#: Imports the page names as its exceptions (importer, imported).
UPWARD = {("errors", "types")}


def modules() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "agent").rglob("*.py"))


def test_every_module_is_on_the_page() -> None:
    missing = [m for m in modules() if not re.search(rf"(?<![\w/]){re.escape(m)}(?![\w/])", DOC)]
    assert not missing, f"add these to docs/architecture.md: {missing}"


def test_every_path_the_page_names_exists() -> None:
    named = set(re.findall(r"(?<![\w./])((?:agent|prompts|bench|tests|scripts|docs)/[\w./*-]*[\w*/])", DOC))
    absent = [n for n in named if not (list(ROOT.glob(n)) if "*" in n else (ROOT / n).exists())]
    assert named and not absent, f"docs/architecture.md names paths that do not exist: {absent}"
    bases = {Path(m).name for m in modules()}
    unknown = set(re.findall(r"(?<![\w/.])(\w+\.py)", DOC)) - bases
    assert not unknown, f"docs/architecture.md names modules that do not exist: {unknown}"


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_imports_point_down_the_layers() -> None:
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    upward: list[str] = []
    for path in (ROOT / "agent").rglob("*.py"):
        src = _unit(".".join(path.relative_to(ROOT).with_suffix("").parts))
        assert src in rank, f"place agent/{src} in docs/architecture.md's layers and in LAYERS here"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("agent"):
                targets = [node.module] if node.module != "agent" else [f"agent.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("agent")]
            else:
                continue
            for target in targets:
                dst = _unit(target)
                assert dst in rank, f"place agent/{dst} in docs/architecture.md's layers and in LAYERS here"
                if dst == src or (src, dst) in UPWARD or (src, dst) == ("cli", "serve"):
                    continue  # cli/serve.py is the command that starts the web app
                if rank[dst] <= rank[src]:
                    upward.append(f"{path.relative_to(ROOT)}:{node.lineno} imports agent.{dst}")
    assert not upward, upward
