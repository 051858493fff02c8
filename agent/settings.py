"""One settings object for the whole tool.

Precedence, lowest to highest: built-in defaults < config file
(``~/.config/newsagent/config.toml``, then ``./newsagent.toml``) < environment
variables (``NEWSAGENT_<NAME>``, plus the conventional ``OPENAI_API_KEY``,
``OPENAI_BASE_URL`` and ``CHROMA_HOST``) < a preset < CLI flags / keyword overrides.

A preset (``--preset fast``, ``Agent(preset="fast")``, ``NEWSAGENT_PRESET=fast`` or
``preset = "fast"`` in a config file) is a file of settings chosen together
(``agent.preset_files``): chosen by name it beats the ambient config and environment, and
any flag or keyword given beside it beats the preset (``--preset fast --top-k 8``).

Every field is documented, because ``agent config`` prints them and the CLI flags
reuse the descriptions.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_config_dir
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from agent.errors import InvalidArgumentError
from agent.preset_files import read_preset


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


class Settings(BaseSettings):
    """Every knob newsagent has. Build one with ``Settings(**overrides)``."""

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

    # --- storage -----------------------------------------------------------------
    index_path: Path = Field(Path("index"), description="Folder of the embedded Chroma index.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); overrides index_path.",
        validation_alias=AliasChoices("chroma_url", "NEWSAGENT_CHROMA_URL", "CHROMA_HOST"),
    )
    collection: str = Field("newsagent", description="Chroma collection name prefix.")
    cache_dir: Path = Field(
        Path(user_cache_dir("newsagent")),
        description="Where assembled model files and other caches live.",
    )

    # --- embeddings --------------------------------------------------------------
    embedder: Literal["local", "openai"] = Field(
        "local", description="local = all-MiniLM-L6-v2 (ONNX, offline); openai = /v1/embeddings."
    )
    embedding_model: str = Field(
        "text-embedding-3-small", description="Embedding model name when embedder=openai."
    )
    embed_batch_size: int = Field(64, description="Texts per embedding batch.")

    # --- chat model --------------------------------------------------------------
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
        None,
        description="API key for OpenAI or a compatible server.",
        validation_alias=AliasChoices("openai_api_key", "NEWSAGENT_OPENAI_API_KEY", "OPENAI_API_KEY"),
    )
    base_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio).",
        validation_alias=AliasChoices("base_url", "NEWSAGENT_BASE_URL", "OPENAI_BASE_URL"),
    )
    threads: int = Field(default_factory=_physical_cores, description="CPU threads for llama.cpp.")
    n_ctx: int = Field(4096, description="Context window (tokens) for the local model.")
    temperature: float = Field(0.0, description="Sampling temperature.")
    max_answer_tokens: int = Field(400, description="Upper bound on generated tokens per answer.")
    request_timeout: float = Field(120.0, description="Seconds before a model request times out.")
    max_retries: int = Field(3, description="Retries on 429/5xx/timeouts for remote models.")
    prefix_cache: bool = Field(
        True,
        description="Keep the local model's KV state of long system prompts in <cache_dir>/kv, so a "
        "new process (each `agent ask`) does not evaluate the same system prompt again (427 tokens, "
        "~4.6 s for the 1.5B on 2 cores); the newest 8 are kept. NEWSAGENT_PREFIX_CACHE=0 turns it off.",
    )

    # --- ingest ------------------------------------------------------------------
    chunk_tokens: int = Field(
        180,
        description="Target chunk size in cl100k tokens (MiniLM reads at most 256 word-pieces).",
    )
    fetch_timeout: float = Field(15.0, description="Seconds before a URL fetch gives up.")
    max_fetch_bytes: int = Field(10_000_000, description="Largest page or feed fetched, in bytes.")
    max_file_bytes: int = Field(20_000_000, description="Largest local file ingested, in bytes.")
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

    # --- retrieval ---------------------------------------------------------------
    top_k: int = Field(5, description="Passages given to the model per question.")
    context_tokens: int | None = Field(
        None,
        ge=100,
        description="Token budget for retrieved passages in the prompt. Default: 700 with the embedded "
        "model (prompt evaluation is most of a local answer's time, ~92 tokens/s for the 1.5B on 2 "
        "cores; 700 keeps the first streamed token under ~8 s), 1000 with an OpenAI-compatible model.",
    )

    # --- chat --------------------------------------------------------------------
    chat_history_tokens: int = Field(
        600,
        ge=0,
        description="Token budget for the conversation history the chat model reads when it rewrites "
        "a follow-up into a standalone question; the oldest turns are dropped first.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [p for p in CONFIG_FILES if p.is_file()]
        toml = TomlConfigSettingsSource(settings_cls, toml_file=files) if files else None
        preset = PresetSettingsSource(settings_cls, init_settings, toml)
        sources: list[PydanticBaseSettingsSource] = [init_settings, preset, env_settings]
        if toml is not None:
            sources.append(toml)
        return tuple(sources)

    # --- derived -----------------------------------------------------------------
    @property
    def resolved_provider(self) -> Literal["local", "openai"]:
        if self.provider != "auto":
            return self.provider
        if self.openai_api_key is not None or self.base_url:
            return "openai"
        return "local"

    @property
    def resolved_model(self) -> str:
        if self.model:
            return self.model
        return "gpt-4o-mini" if self.resolved_provider == "openai" else "qwen2.5-1.5b"

    @property
    def resolved_context_tokens(self) -> int:
        """The passage budget: the setting, else 700 locally (latency) or 1000 (recall) remotely.

        Measured (docs/benchmarks.md): on the BBC index the local 1.5B's first streamed token
        comes at 7.4 s median with 700 vs ~11 s with 1000; on QuAIL the gold article is among
        the passages for 0.77 vs 0.83 of questions. A remote model evaluates prompts fast, so
        it gets the larger budget.
        """
        if self.context_tokens is not None:
            return self.context_tokens
        return 700 if self.resolved_provider == "local" else 1000

    def masked(self) -> dict[str, Any]:
        """The effective settings with secrets masked, for ``agent config`` and logs."""
        data = self.model_dump(mode="json")
        if self.openai_api_key is not None:
            key = self.openai_api_key.get_secret_value()
            data["openai_api_key"] = f"****{key[-4:]}" if len(key) >= 12 else "****"
        data["resolved_provider"] = self.resolved_provider
        data["resolved_model"] = self.resolved_model
        data["resolved_context_tokens"] = self.resolved_context_tokens
        return data


class PresetSettingsSource(PydanticBaseSettingsSource):
    """The chosen preset's settings, between the keywords and the environment.

    The name comes from the keywords, else ``NEWSAGENT_PRESET``, else a config file; the file's
    keys are checked like keywords (a misspelt key in your preset is an error, not ignored).
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        init: PydanticBaseSettingsSource,
        toml: PydanticBaseSettingsSource | None,
    ) -> None:
        super().__init__(settings_cls)
        self.init, self.toml = init, toml

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns the whole preset at once

    def __call__(self) -> dict[str, Any]:
        name = getattr(self.init, "init_kwargs", {}).get("preset")
        if name is None:
            name = os.environ.get("NEWSAGENT_PRESET") or (self.toml() if self.toml else {}).get("preset")
        if not name:
            return {}
        _, values = read_preset(str(name))
        check_setting_names(values)
        return values


def setting_names() -> set[str]:
    """Every keyword ``Settings(...)`` accepts: the field names and their aliases."""
    names = set(Settings.model_fields)
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(a for a in alias.choices if isinstance(a, str))
        elif isinstance(alias, str):
            names.add(alias)
    return names


def check_setting_names(names: Iterable[str]) -> None:
    """Raise ``InvalidArgumentError`` for a keyword that is no setting, naming the closest one.

    Why: ``Settings`` ignores unknown keys (config files and the environment may carry keys of
    other versions), so a misspelt ``Agent(index_dir=...)`` would silently use ``./index``.
    Keywords given in code are checked here instead; config files keep their tolerance.
    """
    known = setting_names()
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
        if not close:  # "index_dir" is closer to "index_path" by its words than by its letters
            words = set(name.lower().split("_"))
            scored = sorted(known, key=lambda k: (-len(words & set(k.lower().split("_"))), k))
            close = scored[:1] if words & set(scored[0].lower().split("_")) else []
        hint = f"did you mean {close[0]!r}?" if close else "check the spelling"
        raise InvalidArgumentError(f"unknown setting {name!r}; {hint} (`agent config` lists them all)")
