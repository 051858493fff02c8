"""Where a preset name leads: a file of settings, read before the environment is overridden.

A preset (``--preset fast``, ``Settings(preset="fast")``, ``NEWSAGENT_PRESET=fast``) is a TOML
file of settings chosen together. It is looked up, in order, as a path to a ``.toml`` file, in
``~/.config/newsagent/presets/<name>.toml`` (your own), then among the presets shipped in the
wheel (``agent/presets/*.toml``). Its ``description`` is for ``agent config --presets``; every
other key is a setting. Kept out of ``agent.settings`` so that module stays the field list.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from agent.errors import InvalidArgumentError

USER_PRESETS = Path(user_config_dir("newsagent")) / "presets"


def _shipped() -> dict[str, Path]:
    folder = resources.files("agent.presets")
    return {p.name[: -len(".toml")]: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def available_presets() -> dict[str, Path]:
    """Every preset by name: the shipped ones, then yours (a file of yours wins on a shared name)."""
    found = _shipped()
    if USER_PRESETS.is_dir():
        found.update({p.stem: p for p in sorted(USER_PRESETS.glob("*.toml"))})
    return dict(sorted(found.items()))


def preset_path(name: str) -> Path:
    """The file of preset ``name`` (a name or a path to a ``.toml`` file); ``InvalidArgumentError``
    naming the presets there are when there is none."""
    as_path = Path(name).expanduser()
    if name.endswith(".toml"):
        if as_path.is_file():
            return as_path
        raise InvalidArgumentError(f"preset file {name!r} does not exist; give an existing .toml file")
    known = available_presets()
    if name in known:
        return known[name]
    names = ", ".join(known) or "none"
    raise InvalidArgumentError(
        f"unknown preset {name!r}; available: {names} (or a path to a .toml file of settings)"
    )


def read_preset(name: str) -> tuple[str, dict[str, Any]]:
    """The preset's description and its settings."""
    path = preset_path(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidArgumentError(f"preset {name!r} ({path}) is not readable TOML: {exc}") from None
    description = str(data.pop("description", ""))
    data.pop("preset", None)  # a preset cannot name another one
    return description, data
