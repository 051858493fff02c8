"""Shared test set-up: offline environment, the shared evaluation data, isolated settings, and
fake chat models registered by name."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# A developer's own key or server must never leak into tests of the offline default.
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST"):
    os.environ.pop(var, None)

REPO = Path(__file__).resolve().parents[1]
# ``../shared/data`` beside the checkout; a git worktree (``/work/wt/<name>``) finds it further up.
SHARED_DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)
SEED_ARTICLE = SHARED_DATA / "seed" / "putin_xi_summit_2024.txt"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; a user's clone has none, so skip there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not present at {SHARED_DATA} (only in the project workspace)")
    return SHARED_DATA


@pytest.fixture
def seed_article() -> Path:
    if not SEED_ARTICLE.is_file():
        pytest.skip(f"seed article not present at {SEED_ARTICLE} (only in the project workspace)")
    return SEED_ARTICLE


@pytest.fixture
def register_model() -> Iterator[Callable[[str, BaseChatModel], str]]:
    """``register_model(name, model)`` puts ``model`` in the real model registry under ``name``
    (``agent.models.registry.register``), so ``agent --model NAME ...`` or ``Agent(model=NAME)``
    runs the whole path with it, real index and embedder included; returns ``name``. The
    registry is restored after the test."""
    from agent.models.registry import REGISTRY, ModelSpec, register

    saved = dict(REGISTRY)

    def add(name: str, model: BaseChatModel) -> str:
        register(ModelSpec(name=name, description=f"test fake ({type(model).__name__})", package_pattern="",
                           part_count=0, version="", sha256="", size=0, make=lambda _settings: model))
        return name

    yield add
    REGISTRY.clear()
    REGISTRY.update(saved)
