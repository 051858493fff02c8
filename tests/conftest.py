"""Shared test set-up: offline environment, the shared evaluation data, isolated settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
