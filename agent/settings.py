"""One settings object for the whole tool, in sections by job.

``Settings`` holds ``preset`` and ``cache_dir`` and six sections: ``index`` (where articles
are stored and how they are embedded), ``models`` (the chat model and how it is run),
``ingest`` (reading and fetching), ``retrieval`` (what the model is shown), ``answer`` (how
long it may write) and ``summary``. Code reads ``settings.retrieval.top_k``.

Where a setting comes from, lowest to highest: defaults < config files
(``~/.config/newsagent/config.toml``, then ``./newsagent.toml``; ``[retrieval] top_k = 8``)
< the environment (``NEWSAGENT_RETRIEVAL__TOP_K=8``; ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``CHROMA_HOST``) < a preset < keywords and flags (``Settings(top_k=8)`` or
``Settings(retrieval={"top_k": 8})``; ``agent --set retrieval.top_k=8``). A preset
(``--preset fast``, ``preset="fast"``, ``NEWSAGENT_PRESET``, ``preset = "fast"`` in a config
file) is a TOML file of settings chosen together. A name that is no setting is an error naming
the closest one. Every field is described: ``agent config`` prints the descriptions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_config_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, InitSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from agent.settings_sources import (
    ConventionalEnv,
    by_section,
    merged,
    read_preset,
    read_toml,
    sections,
    unknown_setting,
)


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
    """A settings section: a key that is no field of it is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)


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
        description="Keep the local model's evaluated system prompts (KV states, the newest 8) in "
        "<cache_dir>/kv, so a new process does not evaluate the same system prompt again.",
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
        description="Chunks indexed per article at most (0 = no limit); the rest of a longer text "
        "is stored but not indexed, and the ingest report says so.",
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
        description="Token budget for the passages retrieved per question (the sentences shown to the "
        "model are chosen from them: retrieval.shown_tokens). Default 1000.",
    )
    shown_tokens: int | None = Field(
        None,
        ge=0,
        description="Token budget for the sentences of those passages the model is shown: the best "
        "matches for the question, each with the sentence before it. Default: 300 with the embedded "
        "model (its prompt evaluation is most of an answer's time); every sentence with an "
        "OpenAI-compatible model. 0 shows every sentence.",
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
        description="Tokens of an article's key sentences the summariser reads in its one call "
        "(more: fuller points, a slower call).",
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
        env_prefix="NEWSAGENT_", env_nested_delimiter="__", extra="forbid", validate_default=True
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
        """Keywords by flat name or by section; a name that is no setting raises
        ``InvalidArgumentError`` naming the closest one."""
        super().__init__(**by_section(type(self), values))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: keywords, the preset, the environment, ``./newsagent.toml``, the user's
        config file. The preset is named by a keyword, else ``NEWSAGENT_PRESET``, else a file."""
        files = [
            by_section(settings_cls, read_toml(p, "config file"), f"config file {p}")
            for p in reversed(CONFIG_FILES)
            if p.is_file()
        ]
        named = [getattr(init_settings, "init_kwargs", {}), env_settings(), *files]
        name = next((n["preset"] for n in named if n.get("preset")), None)
        preset = read_preset(settings_cls, str(name))[1] if name else {}
        return (
            init_settings,
            InitSettingsSource(settings_cls, preset),
            env_settings,
            ConventionalEnv(settings_cls),
            *(InitSettingsSource(settings_cls, f) for f in files),
        )

    def updated(self, **overrides: Any) -> Settings:
        """A copy with ``overrides`` (as ``Settings`` takes them) on top; a ``preset`` among them
        goes under the other overrides, as in ``Settings(preset=..., ...)``."""
        values = self.model_dump()
        if overrides.get("preset"):
            values = merged(values, read_preset(type(self), str(overrides["preset"]))[1])
        return type(self)(**merged(values, by_section(type(self), overrides)))

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
        """The passage budget: the setting, else 1000."""
        if self.retrieval.context_tokens is not None:
            return self.retrieval.context_tokens
        return 1000

    @property
    def resolved_shown_tokens(self) -> int | None:
        """The budget of sentences shown to the model, None for every sentence: the setting (0
        means every sentence), else 300 with the local model, whose prompt evaluation is most of
        an answer's time, and every sentence with a remote one."""
        if self.retrieval.shown_tokens is not None:
            return self.retrieval.shown_tokens or None
        return 300 if self.resolved_provider == "local" else None

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
        data["resolved_shown_tokens"] = self.resolved_shown_tokens
        return data


def setting_descriptions() -> dict[str, str]:
    """``section.field`` (or a top-level name) → its description, in declaration order: the
    names ``agent config`` shows and ``agent --set`` takes."""
    parts = sections(Settings)
    out: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        fields = parts[name].model_fields.items() if name in parts else [("", info)]
        out.update({f"{name}.{f}" if f else name: (i.description or "").strip() for f, i in fields})
    return out


def setting_keyword(key: str) -> str:
    """The keyword ``Settings`` takes for ``section.field`` or a flat name (``agent --set``); a key
    that is no setting raises ``InvalidArgumentError`` naming the closest one."""
    names = setting_descriptions()
    if key in names:
        return key.rpartition(".")[2]
    flat = {name.rpartition(".")[2]: name for name in names if "." in name}
    if key in flat:
        return key
    moved = flat.get(key.rpartition(".")[2])  # a field named in the wrong section
    raise unknown_setting(key, [moved] if moved else [*names, *flat])


__all__ = [
    "CONFIG_FILES",
    "AnswerSettings",
    "IndexSettings",
    "IngestSettings",
    "ModelSettings",
    "RetrievalSettings",
    "Settings",
    "SummarySettings",
    "setting_descriptions",
    "setting_keyword",
]
