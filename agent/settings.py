"""One settings object for the whole tool, in sections by job.

``Settings`` holds ``preset`` and ``cache_dir`` and six sections: ``index`` (where articles
are stored and how they are embedded), ``models`` (the chat model and how it is run),
``ingest`` (reading and fetching), ``retrieval`` (what the model is shown), ``answer`` (how
long it may write) and ``summary``. Code reads ``settings.retrieval.top_k``.

Every field has one name of its own, so a flat name says which field it means without its
section: ``Settings(top_k=8)``, ``NEWSAGENT_TOP_K=8`` and ``top_k = 8`` in a config file are
``retrieval.top_k``, as are ``Settings(retrieval={"top_k": 8})``,
``NEWSAGENT_RETRIEVAL__TOP_K=8``, ``[retrieval] top_k = 8`` and ``agent --set retrieval.top_k=8``.
The flat names are what every earlier version accepted, and stay.

Precedence, lowest to highest: built-in defaults < config file
(``~/.config/newsagent/config.toml``, then ``./newsagent.toml``) < environment
variables (``NEWSAGENT_<NAME>``, plus the conventional ``OPENAI_API_KEY``,
``OPENAI_BASE_URL`` and ``CHROMA_HOST``) < a preset < CLI flags / keyword overrides.

A preset (``--preset fast``, ``Agent(preset="fast")``, ``NEWSAGENT_PRESET=fast`` or
``preset = "fast"`` in a config file) is a file of settings chosen together
(``agent.preset_files``): chosen by name it beats the ambient config and environment, and
any flag or keyword given beside it beats the preset (``--preset fast --top-k 8``).

Every field is documented, because ``agent config`` prints them and the CLI flags
reuse the descriptions. How the sources are read is in ``agent.settings_sources``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_config_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from agent import settings_sources as sources
from agent.preset_files import read_preset
from agent.settings_sources import EnvSource, NestedSource, PresetSource, deep_merge, read_config_files


def _physical_cores() -> int:
    """Physical cores, not hyper-threads: llama.cpp is slower with more threads than cores."""
    try:
        cores: set[tuple[str, str]] = set()
        phys = core = ""
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as f:
            for line in f:
                if line.startswith("physical id"):
                    phys = line.split(":")[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":")[1].strip()
                    cores.add((phys, core))
        if cores:
            return min(len(cores), os.cpu_count() or 1)
    except OSError:
        pass
    return max(1, os.cpu_count() or 1)


CONFIG_FILES = [
    Path(user_config_dir("newsagent")) / "config.toml",
    Path("newsagent.toml"),
]


class _Section(BaseModel):
    """A settings section: unknown keys are ignored (a config file of another version may carry
    them; keywords and preset files are checked by name before they get here)."""

    model_config = ConfigDict(extra="ignore", validate_default=True, validate_assignment=True)


class IndexSettings(_Section):
    """Where the articles' chunks are stored, and the embedder that indexes them."""

    index_path: Path = Field(Path("index"), description="Folder of the embedded Chroma index.")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (e.g. http://127.0.0.1:8000); overrides index_path."
    )
    collection: str = Field("newsagent", description="Chroma collection name prefix.")
    embedder: Literal["local", "openai"] = Field(
        "local", description="local = all-MiniLM-L6-v2 (ONNX, offline); openai = /v1/embeddings."
    )
    embedding_model: str = Field(
        "text-embedding-3-small", description="Embedding model name when embedder=openai."
    )
    embed_batch_size: int = Field(64, description="Texts per embedding batch.")


class ModelSettings(_Section):
    """The chat model: which one, where it runs, and how it is called."""

    provider: Literal["auto", "local", "openai"] = Field(
        "auto",
        description="auto = openai when an API key or base URL is set, else the local model.",
    )
    model: str | None = Field(
        None,
        description="Model name: a local registry name (qwen2.5-1.5b, qwen2.5-0.5b) or the "
        "OpenAI/server model id. Default: qwen2.5-1.5b locally, gpt-4o-mini on OpenAI.",
    )
    model_path: Path | None = Field(None, description="Any local GGUF file to use instead.")
    openai_api_key: SecretStr | None = Field(
        None, description="API key for OpenAI or a compatible server (env: OPENAI_API_KEY too)."
    )
    base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio).",
    )
    threads: int = Field(default_factory=_physical_cores, description="CPU threads for llama.cpp.")
    n_ctx: int = Field(4096, description="Context window (tokens) for the local model.")
    temperature: float = Field(0.0, description="Sampling temperature.")
    request_timeout: float = Field(120.0, description="Seconds before a model request times out.")
    max_retries: int = Field(3, description="Retries on 429/5xx/timeouts for remote models.")
    prefix_cache: bool = Field(
        True,
        description="Keep the local model's KV state of long system prompts in <cache_dir>/kv, so a "
        "new process (each `agent ask`) does not evaluate the same system prompt again (427 tokens, "
        "~4.6 s for the 1.5B on 2 cores); the newest 8 are kept. NEWSAGENT_PREFIX_CACHE=0 turns it off.",
    )


class IngestSettings(_Section):
    """Reading files and fetching pages: chunk size, size limits, fetch politeness."""

    chunk_tokens: int = Field(
        180,
        description="Target chunk size in cl100k tokens (MiniLM reads at most 256 word-pieces).",
    )
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds before a URL fetch gives up.")
    max_fetch_bytes: int = Field(10_000_000, ge=1, description="Largest page or feed fetched, in bytes.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest local file ingested, in bytes.")
    max_chunks_per_article: int = Field(
        200,
        ge=0,
        description="Chunks indexed per article at most (0 = no limit). ~36,000 tokens: a long "
        "feature is ~60 chunks; the rest of a longer text is stored but not indexed, and the "
        "ingest report says so. A 5 MB one-line file would otherwise embed ~7,000 chunks.",
    )
    allow_private_fetch: bool = Field(
        False,
        description="Let links from feeds and redirects reach loopback, private (RFC 1918, "
        "fc00::/7), link-local and metadata addresses (a feed on your intranet). A URL you "
        "give yourself may always reach them.",
    )
    fetch_concurrency: int = Field(
        8, ge=1, description="Feed entry pages fetched at the same time, at most."
    )
    fetch_per_host: int = Field(
        4, ge=1, description="Of those, at most this many from one host (politeness)."
    )
    user_agent: str = Field(
        "newsagent/0.1 (+https://pypi.org/project/newsagent/)",
        description="User-Agent sent when fetching URLs.",
    )


class RetrievalSettings(_Section):
    """What the model is shown for a question."""

    top_k: int = Field(5, ge=1, description="Passages given to the model per question.")
    context_tokens: int | None = Field(
        None,
        ge=100,
        description="Token budget for retrieved passages in the prompt. Default: 700 with the embedded "
        "model (prompt evaluation is most of a local answer's time, ~92 tokens/s for the 1.5B on 2 "
        "cores; 700 keeps the first streamed token under ~8 s), 1000 with an OpenAI-compatible model.",
    )


class AnswerSettings(_Section):
    """How much the model may write, and how much of a conversation it reads."""

    max_answer_tokens: int = Field(400, ge=1, description="Upper bound on generated tokens per answer.")
    chat_history_tokens: int = Field(
        600,
        ge=0,
        description="Token budget for the conversation history the chat model reads when it rewrites "
        "a follow-up into a standalone question; the oldest turns are dropped first.",
    )


class SummarySettings(_Section):
    """How much of an article the summariser reads."""

    key_sentence_budget: int = Field(
        380,
        ge=50,
        description="Tokens of an article's key sentences the summariser reads in its one call. "
        "Measured on 8 FRANK articles, 1.5B, 2 cores (docs/benchmarks.md): 380 gave ROUGE-1 32.9 "
        "of the points in 19.7 s median, 300 gave 30.1 in 17.8 s.",
    )


class Settings(BaseSettings):
    """Every knob newsagent has. Build one with ``Settings(**overrides)``.

    .. code-block:: python

        from agent import Settings

        s = Settings(top_k=8, model="qwen2.5-0.5b")   # flat names, or by section:
        s = Settings(retrieval={"top_k": 8}, models={"model": "qwen2.5-0.5b"})
        s.retrieval.top_k                              # 8
        s.updated(context_tokens=600).retrieval        # a copy with one more override
    """

    model_config = SettingsConfigDict(
        env_prefix="NEWSAGENT_",
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
    )

    preset: str | None = Field(
        None,
        description="A named set of settings (`agent config --presets` lists them: fast = the "
        "0.5B model and a smaller passage budget) or a path to a .toml file of settings.",
    )
    cache_dir: Path = Field(
        Path(user_cache_dir("newsagent")),
        description="Where assembled model files and other caches live.",
    )
    index: IndexSettings = Field(default_factory=IndexSettings, description=IndexSettings.__doc__)
    models: ModelSettings = Field(default_factory=ModelSettings, description=ModelSettings.__doc__)
    ingest: IngestSettings = Field(default_factory=IngestSettings, description=IngestSettings.__doc__)
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description=RetrievalSettings.__doc__
    )
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description=AnswerSettings.__doc__)
    summary: SummarySettings = Field(default_factory=SummarySettings, description=SummarySettings.__doc__)

    def __init__(self, **values: Any) -> None:
        """Flat names are put in their sections first: pydantic-settings drops a keyword that is
        not a field of this class (``top_k`` is a field of ``retrieval``)."""
        super().__init__(**sources.nest(type(self), values))

    @model_validator(mode="before")
    @classmethod
    def _flat_names_in_sections(cls, data: Any) -> Any:
        """The same for ``Settings.model_validate({"top_k": 8})``, which skips ``__init__``."""
        return sources.nest(cls, data) if isinstance(data, Mapping) else data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: keywords, the preset, the environment, config files. Each source's flat
        names are put in their sections before pydantic-settings merges them, so ``top_k`` from
        a keyword beats ``[retrieval] top_k`` from a file."""
        config = read_config_files(settings_cls, (p for p in CONFIG_FILES if p.is_file()))
        return (
            init_settings,
            PresetSource(settings_cls, init_settings, config),
            EnvSource(settings_cls),
            NestedSource(settings_cls, config),
        )

    def updated(self, **overrides: Any) -> Settings:
        """A copy with ``overrides`` (flat names or sections) on top; a ``preset`` among them is
        applied under the other overrides, as it would be in ``Settings(preset=..., ...)``."""
        check_setting_names(overrides)
        merged = self.model_dump()
        if overrides.get("preset"):
            values = read_preset(str(overrides["preset"]))[1]
            check_setting_names(values)
            merged = deep_merge(merged, sources.nest(Settings, values))
        return Settings(**deep_merge(merged, sources.nest(Settings, overrides)))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Settings:
        """pydantic's copy (no validation), with flat names in ``update`` put in their sections:
        ``s.model_copy(update={"top_k": 8})`` would otherwise set a stray attribute and leave
        ``s.retrieval.top_k`` as it was (a caller of the flat settings would not notice)."""
        if not update:
            return super().model_copy(deep=deep)
        nested = sources.nest(type(self), update)
        for name, kind in sources.sections(type(self)).items():
            part = nested.get(name)
            if isinstance(part, Mapping):
                nested[name] = getattr(self, name).model_copy(update=dict(part), deep=deep)
            elif part is not None and not isinstance(part, kind):
                raise TypeError(f"settings section {name!r} must be a mapping or {kind.__name__}")
        return super().model_copy(update=nested, deep=deep)

    # --- derived -----------------------------------------------------------------
    @property
    def resolved_provider(self) -> Literal["local", "openai"]:
        models = self.models
        if models.provider != "auto":
            return models.provider
        if models.openai_api_key is not None or models.base_url:
            return "openai"
        return "local"

    @property
    def resolved_model(self) -> str:
        if self.models.model:
            return self.models.model
        return "gpt-4o-mini" if self.resolved_provider == "openai" else "qwen2.5-1.5b"

    @property
    def resolved_context_tokens(self) -> int:
        """The passage budget: the setting, else 700 locally (latency) or 1000 (recall) remotely.

        Measured (docs/benchmarks.md): on the BBC index the local 1.5B's first streamed token
        comes at 7.4 s median with 700 vs ~11 s with 1000; on QuAIL the gold article is among
        the passages for 0.77 vs 0.83 of questions. A remote model evaluates prompts fast, so
        it gets the larger budget.
        """
        if self.retrieval.context_tokens is not None:
            return self.retrieval.context_tokens
        return 700 if self.resolved_provider == "local" else 1000

    def masked(self) -> dict[str, Any]:
        """The effective settings by section, secrets masked, for ``agent config`` and logs."""
        data = self.model_dump(mode="json")
        key = self.models.openai_api_key
        if key is not None:
            secret = key.get_secret_value()
            data["models"]["openai_api_key"] = f"****{secret[-4:]}" if len(secret) >= 12 else "****"
        data["resolved_provider"] = self.resolved_provider
        data["resolved_model"] = self.resolved_model
        data["resolved_context_tokens"] = self.resolved_context_tokens
        return data


def setting_names() -> set[str]:
    """Every keyword ``Settings(...)`` accepts: flat field names, sections, conventional aliases."""
    return sources.known_names(Settings)


def check_setting_names(values: Mapping[str, Any] | Iterable[str]) -> None:
    """Raise ``InvalidArgumentError`` for a keyword that is no setting, naming the closest one.

    Why: ``Settings`` ignores unknown keys (config files and the environment may carry keys of
    other versions), so a misspelt ``Agent(index_dir=...)`` would silently use ``./index``.
    Keywords given in code and preset files are checked here instead (a section's dict by its
    keys too); config files keep their tolerance.
    """
    sources.check_names(Settings, values)


def dotted_setting(key: str) -> str:
    """The flat name of ``section.field`` or of a flat name (``agent --set``); an unknown one
    raises ``InvalidArgumentError`` naming the closest."""
    return sources.flat_name(Settings, key)


def setting_descriptions() -> dict[str, str]:
    """``section.field`` (or a top-level name) → its description, in declaration order."""
    return sources.descriptions(Settings)

__all__ = [
    "CONFIG_FILES",
    "AnswerSettings",
    "IndexSettings",
    "IngestSettings",
    "ModelSettings",
    "RetrievalSettings",
    "Settings",
    "SummarySettings",
    "check_setting_names",
    "dotted_setting",
    "setting_descriptions",
    "setting_names",
]
