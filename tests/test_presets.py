"""Presets: named files of settings (``--preset fast``), between the environment and the flags."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agent.settings as settings_module
import agent.settings_sources as settings_sources
from agent.cli import app
from agent.errors import InvalidArgumentError
from agent.settings import Settings
from agent.settings_sources import available_presets, read_preset

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No config file of this machine and no user presets but the test's own."""
    monkeypatch.setattr(settings_module, "CONFIG_FILES", [])
    user = tmp_path / "presets"
    monkeypatch.setattr(settings_sources, "USER_PRESETS", user)
    for name in ("NEWSAGENT_PRESET", "NEWSAGENT_MODELS__MODEL", "NEWSAGENT_RETRIEVAL__CONTEXT_TOKENS",
                 "NEWSAGENT_RETRIEVAL__TOP_K"):
        monkeypatch.delenv(name, raising=False)
    return user


def test_fast_sets_the_small_model_and_a_smaller_budget() -> None:
    s = Settings(preset="fast")
    assert (s.resolved_model, s.resolved_context_tokens) == ("qwen2.5-0.5b", 600)
    assert Settings().resolved_model == "qwen2.5-1.5b"  # no preset, no change


def test_a_keyword_beats_the_preset_and_the_preset_beats_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSAGENT_RETRIEVAL__CONTEXT_TOKENS", "900")
    monkeypatch.setenv("NEWSAGENT_RETRIEVAL__TOP_K", "3")
    s = Settings(preset="fast", model="qwen2.5-1.5b")
    assert s.models.model == "qwen2.5-1.5b"  # the keyword given beside it
    assert s.retrieval.context_tokens == 600  # the preset over the ambient environment
    assert s.retrieval.top_k == 3  # what the preset does not set still comes from the environment


def test_the_preset_can_come_from_the_environment_or_a_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSAGENT_PRESET", "thorough")
    assert (Settings().retrieval.context_tokens, Settings().retrieval.top_k) == (1000, 8)
    monkeypatch.delenv("NEWSAGENT_PRESET")
    config = tmp_path / "newsagent.toml"
    config.write_text('preset = "fast"\n[retrieval]\ntop_k = 6\n', encoding="utf-8")
    monkeypatch.setattr(settings_module, "CONFIG_FILES", [config])
    s = Settings()
    assert (s.models.model, s.retrieval.top_k) == ("qwen2.5-0.5b", 6)


def test_your_own_preset_by_name_or_path(no_ambient_config: Path, tmp_path: Path) -> None:
    no_ambient_config.mkdir()
    (no_ambient_config / "desk.toml").write_text('description = "the desk"\n[retrieval]\ntop_k = 7\n',
                                                 encoding="utf-8")
    assert Settings(preset="desk").retrieval.top_k == 7
    assert "desk" in available_presets()
    loose = tmp_path / "mine.toml"
    loose.write_text("[retrieval]\ncontext_tokens = 450\n", encoding="utf-8")
    assert Settings(preset=str(loose)).retrieval.context_tokens == 450


def test_unknown_presets_and_misspelt_keys_are_errors_that_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"unknown preset 'fastest'; available: fast, thorough"):
        Settings(preset="fastest")
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        Settings(preset=str(tmp_path / "nowhere.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[retrieval]\ncontxt_tokens = 450\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="did you mean 'retrieval.context_tokens'"):
        Settings(preset=str(bad))
    bad.write_text("context_tokens = 450\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match=r"put it under \[retrieval\]"):
        Settings(preset=str(bad))


def test_shipped_presets_are_described_settings_and_packaged() -> None:
    shipped = available_presets()
    assert {"fast", "thorough"} <= set(shipped)
    for name in shipped:
        description, values = read_preset(Settings, name)  # every key checked, by section
        assert description and values, name
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.toml" in pyproject["tool"]["setuptools"]["package-data"]["agent.presets"]


def test_the_cli_takes_the_preset_before_or_after_the_command(tmp_path: Path) -> None:
    for args in (["--preset", "fast", "config", "--json"], ["config", "--json", "--preset", "fast"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        got = (shown["preset"], shown["resolved_model"], shown["retrieval"]["context_tokens"])
        assert got == ("fast", "qwen2.5-0.5b", 600)
    result = runner.invoke(app, ["--preset", "fast", "--model", "qwen2.5-1.5b", "config", "--json"])
    assert json.loads(result.stdout)["resolved_model"] == "qwen2.5-1.5b"  # the flag beside it wins


def test_the_cli_lists_presets_and_rejects_an_unknown_one_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "--presets", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["fast"]["settings"]["models"]["model"] == "qwen2.5-0.5b" and rows["fast"]["description"]
    result = runner.invoke(app, ["--index", str(tmp_path / "i"), "--preset", "fastest", "stats"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown preset 'fastest'" in result.stderr


@pytest.mark.slow
def test_ask_with_the_fast_preset_answers_with_the_small_model(tmp_path: Path) -> None:
    """End to end: real index and embedder, ``agent --preset fast ask`` answers with the 0.5B."""
    article = tmp_path / "rain.txt"
    article.write_text(
        "Millbrook rainfall record\n\nThe weather office said 94 millimetres of rain fell on Millbrook "
        "in the 36 hours before the flood.\n",
        encoding="utf-8",
    )
    index = str(tmp_path / "index")
    result = runner.invoke(app, ["--index", index, "ingest", str(article), "--json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["--index", index, "--preset", "fast", "ask", "How much rain fell on Millbrook?", "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert "0.5b" in answer["model"].lower(), answer["model"]
    assert answer["status"] != "not_in_sources", result.stdout
