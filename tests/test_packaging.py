"""The wheel ships every package of the source tree (setuptools lists them by hand here)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_agent_package_is_listed_in_pyproject() -> None:
    """A package missing from ``[tool.setuptools] packages`` imports from a checkout but is
    absent from an installed wheel: `agent` would fail on a user's machine only."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "agent").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), f"add these to pyproject.toml packages: {sorted(found - listed)}"
    assert "agent.prompts" in listed and (ROOT / "prompts" / "answer.md").is_file()
