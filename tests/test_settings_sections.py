"""Settings in sections: keywords and ``agent --set`` by flat name or by section, the environment
and config files by section, with the documented precedence; misspellings and flat names where a
section is needed are named; ``agent config`` by section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import agent.settings as settings_module
import agent.settings_sources as settings_sources
from agent.cli import app
from agent.errors import InvalidArgumentError
from agent.settings import RetrievalSettings, Settings, setting_descriptions, setting_keyword
from agent.settings_sources import section_of, sections

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config file, preset or NEWSAGENT_* variable of this machine."""
    monkeypatch.setattr(settings_module, "CONFIG_FILES", [])
    monkeypatch.setattr(settings_sources, "USER_PRESETS", tmp_path / "presets")
    import os

    for name in list(os.environ):
        if name.upper().startswith("NEWSAGENT_") or name.upper() in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)


def test_every_field_is_in_one_section_under_a_name_of_its_own() -> None:
    parts = sections(Settings)
    assert set(parts) == {"index", "models", "ingest", "retrieval", "answer", "summary"}
    fields = [f for kind in parts.values() for f in kind.model_fields]
    assert len(fields) == len(set(fields))  # a flat name means one field
    assert not set(fields) & set(Settings.model_fields)
    assert section_of(Settings)["top_k"] == "retrieval"
    assert section_of(Settings)["openai_api_key"] == "models"


def test_flat_and_sectioned_keywords_mean_the_same_field() -> None:
    flat = Settings(top_k=8, model="qwen2.5-0.5b", chunk_tokens=150)
    nested = Settings(retrieval={"top_k": 8}, models={"model": "qwen2.5-0.5b"}, ingest={"chunk_tokens": 150})
    as_model = Settings(retrieval=RetrievalSettings(top_k=8), model="qwen2.5-0.5b", chunk_tokens=150)
    for s in (flat, nested, as_model):
        assert (s.retrieval.top_k, s.models.model, s.ingest.chunk_tokens) == (8, "qwen2.5-0.5b", 150)
        assert s.retrieval.context_tokens is None  # the rest of the section keeps its default
    assert Settings(retrieval={"top_k": 3}, top_k=9).retrieval.top_k == 9  # the flat name wins
    assert Settings.model_validate({"top_k": 4}).retrieval.top_k == 4
    assert Settings.model_validate(flat.model_dump()) == flat  # a dump reads back as it was


def test_environment_by_section_and_conventional_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSAGENT_RETRIEVAL__TOP_K", "4")
    monkeypatch.setenv("newsagent_retrieval__context_tokens", "300")  # case does not matter
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-000000001234")
    monkeypatch.setenv("NEWSAGENT_MODELS__PREFIX_CACHE", "0")
    s = Settings()
    assert (s.retrieval.top_k, s.retrieval.context_tokens, s.models.prefix_cache) == (4, 300, False)
    assert s.resolved_provider == "openai"
    assert Settings(top_k=2).retrieval.top_k == 2  # a keyword beats the environment
    assert Settings(retrieval={"top_k": 2}).retrieval.context_tokens == 300  # section dicts merge
    monkeypatch.setenv("CHROMA_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("NEWSAGENT_INDEX__CHROMA_URL", "http://127.0.0.1:8")
    assert Settings().index.chroma_url == "http://127.0.0.1:8"  # the NEWSAGENT_ name beats the other


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("NEWSAGENT_TOP_K", "NEWSAGENT_TOP_K is not a setting; use NEWSAGENT_RETRIEVAL__TOP_K"),
        ("newsagent_prefix_cache", "NEWSAGENT_PREFIX_CACHE is not a setting; use NEWSAGENT_MODELS__PREFIX"),
    ],
)
def test_a_flat_environment_name_is_an_error_naming_the_sectioned_one(
    name: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, "4")
    with pytest.raises(InvalidArgumentError, match=message):
        Settings()
    out = runner.invoke(app, ["config", "--json"])
    assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output


def test_a_misspelt_sectioned_environment_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSAGENT_RETRIEVAL__TOPK", "4")
    out = runner.invoke(app, ["config", "--json"])
    assert out.exit_code == 2 and "setting retrieval.topk" in out.output


def test_config_files_in_tables_under_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user, local = tmp_path / "config.toml", tmp_path / "newsagent.toml"
    user.write_text('[retrieval]\ntop_k = 7\ncontext_tokens = 500\n[answer]\nmax_answer_tokens = 222\n',
                    encoding="utf-8")
    local.write_text('[retrieval]\ntop_k = 9\n', encoding="utf-8")
    monkeypatch.setattr(settings_module, "CONFIG_FILES", [user, local])
    s = Settings()
    assert (s.retrieval.top_k, s.answer.max_answer_tokens) == (9, 222)  # ./newsagent.toml beats the user's
    assert s.retrieval.context_tokens == 500  # the same table in two files merges field by field
    monkeypatch.setenv("NEWSAGENT_ANSWER__MAX_ANSWER_TOKENS", "111")
    assert Settings().answer.max_answer_tokens == 111


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("top_k = 7\n", r"'top_k' belongs in a section: put it under \[retrieval\]"),
        ("[retrieval]\ntopk = 7\n", "unknown setting 'retrieval.topk'; did you mean 'retrieval.top_k'"),
        ("[retreival]\ntop_k = 7\n", "unknown setting 'retreival'; did you mean 'retrieval'"),
    ],
)
def test_a_config_file_key_that_is_no_setting_is_an_error_naming_the_file(
    text: str, message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "newsagent.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setattr(settings_module, "CONFIG_FILES", [config])
    with pytest.raises(InvalidArgumentError, match=f"config file {config}: {message}"):
        Settings()


def test_an_unreadable_config_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "newsagent.toml"
    bad.write_text("top_k = = 3\n", encoding="utf-8")
    monkeypatch.setattr(settings_module, "CONFIG_FILES", [bad])
    with pytest.raises(InvalidArgumentError, match="newsagent.toml is not readable TOML"):
        Settings()


def test_misspellings_name_the_closest_setting() -> None:
    given: dict[str, Any]
    for given, meant in (
        ({"index_dir": "x"}, "index_path"),
        ({"topk": 3}, "top_k"),
        ({"retrieval": {"topk": 3}}, "retrieval.top_k"),
        ({"retrieval": RetrievalSettings(), "OPENAI_API_KEY": "k"}, "openai_api_key"),
    ):
        with pytest.raises(InvalidArgumentError, match=f"did you mean '{meant}'"):
            Settings(**given)
        with pytest.raises(InvalidArgumentError, match=f"did you mean '{meant}'"):
            Settings().updated(**given)
    assert setting_keyword("retrieval.top_k") == setting_keyword("top_k") == "top_k"
    assert setting_keyword("cache_dir") == "cache_dir"
    with pytest.raises(InvalidArgumentError, match="did you mean 'retrieval.top_k'"):
        setting_keyword("retrival.top_k")
    with pytest.raises(InvalidArgumentError, match="did you mean 'retrieval.top_k'"):
        setting_keyword("models.top_k")  # a real field, in another section


def test_updated_is_a_copy_with_overrides_and_a_preset_under_them() -> None:
    base = Settings(top_k=3, model="qwen2.5-1.5b")
    wider = base.updated(context_tokens=900)
    assert (wider.retrieval.context_tokens, wider.retrieval.top_k) == (900, 3)
    assert base.retrieval.context_tokens is None  # the original is unchanged
    thorough = base.updated(preset="thorough", top_k=4)
    assert (thorough.retrieval.context_tokens, thorough.retrieval.top_k) == (1000, 4)
    assert thorough.models.model == "qwen2.5-1.5b"


def test_every_field_has_a_description_for_agent_config() -> None:
    described = setting_descriptions()
    assert "retrieval.top_k" in described and "cache_dir" in described
    assert all(described.values()), [k for k, v in described.items() if not v]


def test_set_flag_reaches_any_setting_before_or_after_the_command() -> None:
    args = ["--set", "retrieval.top_k=8", "config", "--json", "--set", "max_answer_tokens=99"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["retrieval"]["top_k"], data["answer"]["max_answer_tokens"]) == (8, 99)
    named = runner.invoke(app, ["--set", "index.index_path=/tmp/a", "--index", "/tmp/b", "config", "--json"])
    assert json.loads(named.output)["index"]["index_path"] == "/tmp/b"  # the named flag wins


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "retrival.top_k=3"], "did you mean 'retrieval.top_k'"),
        (["--set", "top_k"], "is not KEY=VALUE"),
        (["--set", "top_k=many"], "setting retrieval.top_k"),
        (["--set", "top_k=0"], "setting retrieval.top_k"),
    ],
)
def test_a_bad_set_flag_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    out = runner.invoke(app, [*args, "config"])
    assert out.exit_code == 2
    assert message in out.output and "Traceback" not in out.output


def test_config_table_lists_settings_by_section_with_their_meaning() -> None:
    out = runner.invoke(app, ["config"])
    assert out.exit_code == 0, out.output
    assert "retrieval.top_k" in out.output and "Passages given" in out.output
    assert "--set section.field=value" in out.output and "[retrieval]" in out.output
