"""How ``Settings`` reads what pydantic-settings does not: keywords by flat name, TOML files,
presets, the conventional environment names, and the checks that name a misspelt setting.

Every function takes the settings class, so nothing here imports ``agent.settings`` and the
sections are read off the class, never listed twice. Each field of a section has a name unique
across sections, so a keyword's flat name (``top_k``) says its section (``retrieval``); files
and the environment name the section (``[retrieval]``, ``NEWSAGENT_RETRIEVAL__TOP_K``).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir
from pydantic import BaseModel
from pydantic_settings import PydanticBaseSettingsSource

from agent.errors import InvalidArgumentError

USER_PRESETS = Path(user_config_dir("newsagent")) / "presets"

#: Names other tools use for the same thing, read from the environment under ``NEWSAGENT_*``.
CONVENTIONAL_ENV = {
    "OPENAI_API_KEY": "openai_api_key",
    "OPENAI_BASE_URL": "base_url",
    "CHROMA_HOST": "chroma_url",
}


def sections(cls: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The section fields of ``cls`` (those whose type is a model) by name."""
    found: dict[str, type[BaseModel]] = {}
    for name, field in cls.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found[name] = field.annotation
    return found


def section_of(cls: type[BaseModel]) -> dict[str, str]:
    """Flat field name → its section (``top_k`` → ``retrieval``)."""
    return {field: name for name, kind in sections(cls).items() for field in kind.model_fields}


def unknown_setting(name: str, choices: list[str], origin: str = "") -> InvalidArgumentError:
    """The error for a name that is no setting, naming the closest of ``choices``."""
    close = difflib.get_close_matches(name.lower(), choices, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else "check the spelling"
    where = f"{origin}: " if origin else ""
    return InvalidArgumentError(f"{where}unknown setting {name!r}; {hint} (`agent config` lists them all)")


def by_section(cls: type[BaseModel], values: Mapping[str, Any], origin: str = "") -> dict[str, Any]:
    """``values`` checked name by name, each flat name moved into its section.

    Keywords (no ``origin``) may use flat names, which win over their section's dict; a file
    (``origin`` names it) must use sections. A section may be given as its model: only the
    fields set on it count. An unknown name raises ``InvalidArgumentError``.
    """
    parts, where = sections(cls), section_of(cls)
    out: dict[str, Any] = {}
    flat: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if key in parts:
            if isinstance(value, BaseModel):
                value = value.model_dump(exclude_unset=True)
            fields = [f"{key}.{f}" for f in parts[key].model_fields]
            for field in value if isinstance(value, Mapping) else ():
                if f"{key}.{field}" not in fields:
                    raise unknown_setting(f"{key}.{field}", fields, origin)
            out[key] = dict(value) if isinstance(value, Mapping) else value
        elif key in cls.model_fields:
            out[key] = value
        elif key in where and not origin:
            flat.setdefault(where[key], {})[key] = value
        elif key in where:
            raise InvalidArgumentError(f"{origin}: {key!r} belongs in a section: put it under [{where[key]}]")
        else:
            top = [k for k in cls.model_fields if k not in parts]
            raise unknown_setting(key, [*top, *(where if not origin else parts)], origin)
    for section, named in flat.items():
        out[section] = {**(out.get(section) or {}), **named}
    return out


def merged(low: Mapping[str, Any], high: Mapping[str, Any]) -> dict[str, Any]:
    """``low`` with ``high`` on top, section dicts merged field by field."""
    out = dict(low)
    for key, value in high.items():
        both = isinstance(value, Mapping) and isinstance(out.get(key), Mapping)
        out[key] = {**out[key], **value} if both else value
    return out


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file's table; one that cannot be read is an ``InvalidArgumentError`` naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidArgumentError(f"{what} {path} is not readable TOML: {exc}; fix or remove it") from None


def available_presets() -> dict[str, Path]:
    """Every preset by name: the shipped ones (``agent/presets/*.toml``), then yours in
    ``USER_PRESETS`` (a file of yours wins on a shared name)."""
    found = {p.name[: -len(".toml")]: Path(str(p)) for p in resources.files("agent.presets").iterdir()
             if p.name.endswith(".toml")}
    if USER_PRESETS.is_dir():
        found.update({p.stem: p for p in sorted(USER_PRESETS.glob("*.toml"))})
    return dict(sorted(found.items()))


def preset_file(name: str) -> Path:
    """The file of preset ``name`` (a name or a path to a ``.toml`` file)."""
    if name.endswith(".toml"):
        path = Path(name).expanduser()
        if path.is_file():
            return path
        raise InvalidArgumentError(f"preset file {name!r} does not exist; give an existing .toml file")
    known = available_presets()
    if name in known:
        return known[name]
    names = ", ".join(known) or "none"
    raise InvalidArgumentError(
        f"unknown preset {name!r}; available: {names} (or a path to a .toml file of settings)"
    )


def read_preset(cls: type[BaseModel], name: str) -> tuple[str, dict[str, Any]]:
    """Preset ``name``'s description and its settings, checked; a preset names no other preset."""
    path = preset_file(name)
    data = read_toml(path, "preset file")
    description = str(data.pop("description", ""))
    data.pop("preset", None)
    return description, by_section(cls, data, f"preset {name!r} ({path})")


class ConventionalEnv(PydanticBaseSettingsSource):
    """The environment pydantic-settings' own source does not read: ``OPENAI_API_KEY``,
    ``OPENAI_BASE_URL`` and ``CHROMA_HOST`` (under the ``NEWSAGENT_*`` names). A flat
    ``NEWSAGENT_<FIELD>`` is refused with its sectioned name rather than ignored."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns every value at once

    def __call__(self) -> dict[str, Any]:
        env = {k.upper(): v for k, v in os.environ.items()}
        where = section_of(self.settings_cls)
        for field, section in where.items():
            if f"NEWSAGENT_{field.upper()}" in env:
                raise InvalidArgumentError(
                    f"environment variable NEWSAGENT_{field.upper()} is not a setting; "
                    f"use NEWSAGENT_{section.upper()}__{field.upper()}"
                )
        out: dict[str, dict[str, str]] = {}
        for name, field in CONVENTIONAL_ENV.items():
            if name in env:
                out.setdefault(where[field], {})[field] = env[name]
        return out
