"""How ``Settings`` reads its sources: flat names put in their sections, env vars, config files,
presets, and the checks on names.

Why a module of its own: ``agent.settings`` is the list of fields a user reads; this is the
machinery under it. Every function takes the settings class, so nothing here imports
``agent.settings`` (no import circle) and the sections are read off the class, never listed
twice.

The rule everything here follows: each field of a section has a name unique across sections,
so a *flat* name (``top_k``) says which section it is in (``retrieval``). A source's values are
nested (``{"retrieval": {"top_k": 8}}``) before pydantic-settings merges the sources, so a
flat name given in a higher source beats the sectioned form in a lower one.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from agent.errors import InvalidArgumentError
from agent.preset_files import read_preset

ENV_PREFIX = "NEWSAGENT_"

#: Conventional names other tools use, accepted as keywords and as environment variables.
ALIASES = {"OPENAI_API_KEY": "openai_api_key", "OPENAI_BASE_URL": "base_url", "CHROMA_HOST": "chroma_url"}


def sections(cls: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The section fields of ``cls`` (those whose type is a model) by name."""
    found: dict[str, type[BaseModel]] = {}
    for name, field in cls.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found[name] = kind
    return found


def section_of(cls: type[BaseModel]) -> dict[str, str]:
    """Flat field name → its section (``top_k`` → ``retrieval``)."""
    return {field: name for name, kind in sections(cls).items() for field in kind.model_fields}


def deep_merge(low: Mapping[str, Any], high: Mapping[str, Any]) -> dict[str, Any]:
    """``low`` with ``high`` on top; dicts are merged key by key, anything else replaced."""
    out = dict(low)
    for key, value in high.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def nest(cls: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every flat name moved into its section.

    A section may be given as a dict or as its model (only the fields set on it count, so
    ``retrieval=RetrievalSettings(top_k=8)`` changes ``top_k`` alone). Where a flat name and
    its section both set a field, the flat name wins. Unknown keys are kept for the model to
    ignore (config files) or for ``check_names`` to reject (keywords).
    """
    parts, where = sections(cls), section_of(cls)
    out: dict[str, Any] = {}
    flat: list[tuple[str, str, Any]] = []
    for key, value in values.items():
        key = ALIASES.get(key, key)
        if key in parts:
            if isinstance(value, BaseModel):
                value = value.model_dump(exclude_unset=True)
            out[key] = deep_merge(out.get(key, {}), value) if isinstance(value, Mapping) else value
        elif key in where:
            flat.append((where[key], key, value))
        else:
            out[key] = value
    for section, key, value in flat:
        current = out.get(section, {})
        if isinstance(current, Mapping):
            out[section] = {**current, key: value}
    return out


class NestedSource(PydanticBaseSettingsSource):
    """A source whose values are nested (``nest``) before the merge."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self.values = nest(settings_cls, values)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns every value at once

    def __call__(self) -> dict[str, Any]:
        return self.values


def read_config_files(cls: type[BaseModel], files: Iterable[Path]) -> dict[str, Any]:
    """The config files' settings, each nested, a later file's on top (``./newsagent.toml`` beats
    the user's, whichever of the flat or sectioned forms either uses)."""
    merged: dict[str, Any] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidArgumentError(
                f"config file {path} is not readable TOML: {exc}; fix or remove it"
            ) from None
        merged = deep_merge(merged, nest(cls, data))
    return merged


class EnvSource(PydanticBaseSettingsSource):
    """``NEWSAGENT_<SECTION>__<FIELD>``, ``NEWSAGENT_<FIELD>`` (the flat name every earlier
    version read) and the conventional ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` and
    ``CHROMA_HOST``, in that order of preference; names are case-insensitive."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns every value at once

    def __call__(self) -> dict[str, Any]:
        env = {k.upper(): v for k, v in os.environ.items()}
        conventional: dict[str, list[str]] = {}
        for alias, field in ALIASES.items():
            conventional.setdefault(field, []).append(alias)
        parts = sections(self.settings_cls)
        out: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            if name not in parts and f"{ENV_PREFIX}{name.upper()}" in env:
                out[name] = env[f"{ENV_PREFIX}{name.upper()}"]
        for section, kind in parts.items():
            for field in kind.model_fields:
                names = [f"{ENV_PREFIX}{section.upper()}__{field.upper()}", f"{ENV_PREFIX}{field.upper()}"]
                for candidate in [*names, *conventional.get(field, [])]:
                    if candidate in env:
                        out.setdefault(section, {})[field] = env[candidate]
                        break
        return out


class PresetSource(PydanticBaseSettingsSource):
    """The chosen preset's settings, between the keywords and the environment.

    The name comes from the keywords, else ``NEWSAGENT_PRESET``, else a config file; the file's
    keys are checked like keywords (a misspelt key in your preset is an error, not ignored).
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        init: PydanticBaseSettingsSource,
        config: Mapping[str, Any],
    ) -> None:
        super().__init__(settings_cls)
        self.init, self.config_values = init, config

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns the whole preset at once

    def __call__(self) -> dict[str, Any]:
        name = getattr(self.init, "init_kwargs", {}).get("preset")
        if name is None:
            name = os.environ.get(f"{ENV_PREFIX}PRESET") or self.config_values.get("preset")
        if not name:
            return {}
        _, values = read_preset(str(name))
        check_names(self.settings_cls, values)
        return nest(self.settings_cls, values)


def known_names(cls: type[BaseModel]) -> set[str]:
    """Every keyword the settings accept: top-level fields, sections, flat names, aliases."""
    return set(cls.model_fields) | set(section_of(cls)) | set(ALIASES)


def dotted_names(cls: type[BaseModel]) -> list[str]:
    """``section.field`` for every field of a section, and the top-level names, in order."""
    parts = sections(cls)
    names: list[str] = []
    for name in cls.model_fields:
        names.extend(f"{name}.{f}" for f in parts[name].model_fields) if name in parts else names.append(name)
    return names


def _closest(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` was most likely meant to be: by letters, else by shared words
    ("index_dir" is closer to "index_path" by its words than by its letters)."""
    choices = sorted(known)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if close:
        return close[0]
    words = set(name.lower().replace(".", "_").split("_"))
    scored = sorted(choices, key=lambda k: (-len(words & set(k.lower().replace(".", "_").split("_"))), k))
    if scored and words & set(scored[0].lower().replace(".", "_").split("_")):
        return scored[0]
    return None


def _unknown(name: str, known: Iterable[str]) -> InvalidArgumentError:
    close = _closest(name, known)
    hint = f"did you mean {close!r}?" if close else "check the spelling"
    return InvalidArgumentError(f"unknown setting {name!r}; {hint} (`agent config` lists them all)")


def check_names(cls: type[BaseModel], values: Mapping[str, Any] | Iterable[str]) -> None:
    """Raise ``InvalidArgumentError`` for a name that is no setting (a section's dict is checked
    key by key against that section's fields)."""
    known, parts = known_names(cls), sections(cls)
    items = values.items() if isinstance(values, Mapping) else ((name, None) for name in values)
    for name, value in items:
        if name not in known:  # a field is the likelier meaning than a section: index_dir → index_path
            fields = known - set(parts)
            raise _unknown(name, fields if _closest(name, fields) else known)
        if name in parts and isinstance(value, Mapping):
            for key in value:
                if key not in parts[name].model_fields:
                    raise _unknown(f"{name}.{key}", (f"{name}.{f}" for f in parts[name].model_fields))


def flat_name(cls: type[BaseModel], key: str) -> str:
    """The flat name of ``section.field`` (or of a flat or top-level name, unchanged)."""
    parts, where = sections(cls), section_of(cls)
    section, _, field = key.rpartition(".")
    if section and section in parts and field in parts[section].model_fields:
        return field
    if not section and (key in where or (key in cls.model_fields and key not in parts)):
        return key
    raise _unknown(key, dotted_names(cls))


def descriptions(cls: type[BaseModel]) -> dict[str, str]:
    """``section.field`` (or a top-level name) → its description."""
    parts = sections(cls)
    out: dict[str, str] = {}
    for name in dotted_names(cls):
        section, _, field = name.rpartition(".")
        info = parts[section].model_fields[field] if section else cls.model_fields[name]
        out[name] = (info.description or "").strip()
    return out
