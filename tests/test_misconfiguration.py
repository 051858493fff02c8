"""Silent misconfiguration: misspelt settings, flags that errors recommend, reads that create
indexes, options after the command. Real CLI (typer's runner), real Chroma, real MiniLM."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from agent import Agent
from agent.cli import app
from agent.cli.app import GLOBAL_SETTINGS
from agent.errors import IndexNotFoundError, InvalidArgumentError
from agent.settings import Settings
from agent.settings_sources import section_of

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"
FLOOD = EXAMPLES / "2026-03-12_millbrook_flood_followup.txt"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def flood_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("flood") / "index"
    code, out, err = run("--index", str(index), "ingest", str(FLOOD))
    assert code == 0, out + err
    return index


# --- item 4: unknown keywords to Agent(...) ------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "closest"),
    [({"index_dir": "/tmp/x"}, "index_path"), ({"top_kk": 3}, "top_k"), ({"chroma_uri": "h"}, "chroma_url")],
)
def test_a_misspelt_setting_names_the_closest_one(
    kwargs: dict[str, Any], closest: str, tmp_path: Path
) -> None:
    wrong = next(iter(kwargs))
    with pytest.raises(InvalidArgumentError, match=rf"unknown setting '{wrong}'.*'{closest}'") as e:
        Agent(**kwargs)
    assert "\n" not in str(e.value)
    from agent.settings import Settings

    with pytest.raises(InvalidArgumentError, match=closest):  # with a Settings object too
        Agent(Settings(index_path=tmp_path / "i"), **kwargs)


def test_known_settings_flat_or_by_section_are_accepted(tmp_path: Path) -> None:
    agent = Agent(index_path=tmp_path / "i", top_k=3, answer={"max_answer_tokens": 90})
    assert agent.settings.retrieval.top_k == 3 and agent.settings.index.index_path == tmp_path / "i"
    assert agent.settings.answer.max_answer_tokens == 90


# --- item 5: every flag an error message recommends exists ---------------------------------------

#: Flags of other programs that messages tell people to run (pip, a Chroma server).
OTHER_TOOLS = re.compile(r"(pip install|chroma run|scripts/setup\.sh)[^;`)\n]*")
OTHER_TOOL_FLAGS = {"--force-reinstall", "--no-deps", "--path"}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def suggested_flags() -> dict[str, str]:
    """Every ``--flag`` in a string of the package's code (messages, fixes, option names;
    not docstrings), mapped to one place it appears."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "agent").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                text = OTHER_TOOLS.sub("", node.value)
                for m in FLAG.finditer(text):
                    if m.group() not in OTHER_TOOL_FLAGS:
                        found.setdefault(m.group(), f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def _commands() -> tuple[Any, Any, dict[str, Any]]:
    """The CLI as click objects (typer vendors click: reached through typer's own API); a group's
    commands as "group command" (``agent watch run``)."""
    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    cmds = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}  # type: ignore[attr-defined]
    for name, cmd in list(cmds.items()):
        if hasattr(cmd, "list_commands"):
            sub = typer.Context(cmd, parent=ctx, info_name=name)
            cmds |= {f"{name} {s}": cmd.get_command(sub, s) for s in cmd.list_commands(sub)}
    return group, ctx, {k: v for k, v in cmds.items() if v is not None}


def _parses(cmd: Any, name: str, ctx: Any, required: list[str], flag: str, param: Any) -> bool:
    """Whether ``agent NAME ... FLAG VALUE`` parses, for a value of the option's type (tried
    in turn: a flag takes none; numbers, a format name, a date, a KEY=VALUE for the rest)."""
    values: list[list[str]] = [[]] if param.is_flag else [["3"], ["2.5"], ["md"], ["2026-03-01"], ["top_k=3"]]
    for value in values:
        try:
            sub = cmd.make_context(name, [*required, flag, *value], parent=ctx)
        except Exception:  # noqa: BLE001 - click's usage errors: try the next kind of value
            continue
        if sub.get_parameter_source(param.name or "").name == "COMMANDLINE":
            return True
    return False


SETTING_SAMPLES = {
    "index": "some/index", "chroma_url": "http://127.0.0.1:9", "provider": "local",
    "model": "qwen2.5-0.5b", "model_path": "x.gguf", "base_url": "http://127.0.0.1:9/v1",
    "embedder": "local", "threads": "2", "fetch_timeout": "42.5", "max_fetch_bytes": "1234567",
    "max_file_bytes": "7654321", "preset": "fast",
}


def test_every_setup_flag_a_message_recommends_exists() -> None:
    """``bash scripts/setup.sh --rebuild-llama`` (the fix for a llama.cpp crash) must be an option
    setup.sh really takes: its options are the patterns of its ``case "$arg"`` statement."""
    script = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    suggested: dict[str, str] = {}
    for path in sorted((REPO / "agent").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for m in re.finditer(r"scripts/setup\.sh((?:\s+--[a-z][a-z0-9-]*)+)", source):
            for flag in m.group(1).split():
                suggested.setdefault(flag, str(path.relative_to(REPO)))
    assert "--rebuild-llama" in suggested
    for flag, where in suggested.items():
        assert re.search(rf"^\s*{re.escape(flag)}\)", script, re.M), f"{flag} (suggested in {where})"


def test_the_scan_finds_the_flags_that_were_missing() -> None:
    flags = suggested_flags()
    assert {"--fetch-timeout", "--max-fetch-bytes", "--max-file-bytes", "--index", "--since"} <= set(flags)


def test_every_flag_a_message_recommends_parses(tmp_path: Path) -> None:
    group, ctx, cmds = _commands()
    missing = []
    for flag, where in suggested_flags().items():
        if flag in ("--help",):
            continue
        owners = [
            (name, p) for name, cmd in cmds.items() for p in cmd.params
            if p.param_type_name == "option" and flag in (*p.opts, *p.secondary_opts)
        ]
        if not owners:
            missing.append(f"{flag} (suggested at {where})")
            continue
        name, param = owners[0]
        cmd = cmds[name]
        required = ["x" for p in cmd.params if p.param_type_name == "argument" and p.required]
        assert _parses(cmd, name, ctx, required, flag, param), (flag, name, where)
    assert not missing, f"flags recommended by messages that no command accepts: {missing}"


@pytest.mark.parametrize("name", sorted(GLOBAL_SETTINGS))
def test_every_setting_flag_changes_that_setting_before_or_after_the_command(name: str) -> None:
    flag = "--" + name.replace("_", "-")
    value = SETTING_SAMPLES[name]
    for args in (("config", "--json", flag, value), (flag, value, "config", "--json")):
        code, out, err = run(*args)
        assert code == 0, out + err
        shown = json.loads(out)
        setting = GLOBAL_SETTINGS[name]
        section = section_of(Settings).get(setting)
        got = shown[section][setting] if section else shown[setting]
        assert str(got) == value or float(got) == float(value), (args, got)


def test_the_fetch_limits_from_the_messages_reach_the_fetcher(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 400, encoding="utf-8")
    index = str(tmp_path / "index")
    code, out, err = run("ingest", str(big), "--index", index, "--max-file-bytes", "100")
    assert code == 1 and "raise --max-file-bytes" in err
    code, out, err = run("ingest", str(big), "--index", index, "--max-file-bytes", "100000")
    assert code == 0 and "added 1" in out, out + err


# --- item 7: reads never create an index ---------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["stats"], ["list"], ["show", "abc123"], ["ask", "What happened?"], ["search", "flood"]]
)
def test_a_read_on_a_missing_index_says_so_and_creates_nothing(command: list[str], tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    code, out, err = run("--index", str(typo), *command)
    assert code == 1, out + err
    assert f"no index at {typo}" in " ".join(err.split()), err
    assert not typo.exists()


def test_the_api_reads_do_not_create_an_index_either(tmp_path: Path) -> None:
    agent = Agent(index_path=tmp_path / "typo")
    for read in (agent.stats, agent.list, lambda: agent.search("flood"), lambda: agent.ask("Why?"),
                 lambda: agent.get("abc")):
        with pytest.raises(IndexNotFoundError, match="no index at"):
            read()
    assert not (tmp_path / "typo").exists()


def test_ingest_still_creates_the_index(tmp_path: Path) -> None:
    agent = Agent(index_path=tmp_path / "new")
    assert agent.ingest([str(FLOOD)]).added == 1
    assert agent.stats()["articles"] == 1


# --- item 11: small things -------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["-1", "0"])
def test_list_limit_below_one_is_an_error(limit: str, flood_index: Path) -> None:
    code, out, err = run("--index", str(flood_index), "list", "--limit", limit)
    assert code == 2 and "--limit" in err and out == ""
    with pytest.raises(InvalidArgumentError, match="at least 1"):
        Agent(index_path=flood_index).list(limit=int(limit))


def test_config_json_is_the_settings_with_secrets_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret-1234")
    code, out, _ = run("config", "--json")
    data = json.loads(out)
    assert code == 0 and data["models"]["openai_api_key"] == "****1234"
    assert data["resolved_provider"] == "openai"
    assert "sk-test-very-secret" not in out


def test_global_options_work_after_the_command(flood_index: Path, tmp_path: Path) -> None:
    code, out, err = run("stats", "--json", "--index", str(flood_index))
    assert code == 0, err
    assert json.loads(out)["articles"] == 1 and json.loads(out)["location"] == str(flood_index)
    code, out, _ = run("list", "--index", str(flood_index), "--json")
    assert code == 0 and len(out.splitlines()) == 1
    # After the command wins over before it (it is the one typed last).
    code, out, _ = run("--index", str(tmp_path / "nowhere"), "stats", "--index", str(flood_index))
    assert code == 0 and "articles" in out
    # ask: the flag after the question is taken (the missing index is named, not ./index).
    code, _, err = run("ask", "What happened?", "--index", str(tmp_path / "typo"))
    assert code == 1 and "no index at" in err and "No such option" not in err
    # A command's help lists them under their own heading.
    code, out, _ = run("ask", "--help")
    assert code == 0 and "--index" in out and "--chroma-url" in out and "Global options" in out


def test_search_prints_passages_and_json(flood_index: Path) -> None:
    code, out, err = run("search", "rain before the flood", "-k", "2", "--index", str(flood_index), "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert 1 <= len(rows) <= 2 and any("millimetres" in r["text"] for r in rows)
    code, out, _ = run("search", "rain before the flood", "--index", str(flood_index))
    assert code == 0 and "passage(s)" in out


def _run_read_only(index: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``agent --index INDEX ...`` commands with the index on a read-only file system.

    As root (which ignores file modes) the index is bind-mounted read-only in a private mount
    namespace (``unshare -m``); as anyone else it is made read-only with chmod.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    base = [sys.executable, "-m", "agent", "--index", str(index)]
    if os.geteuid() != 0:
        for p in [index, *index.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        return [subprocess.run([*base, *c], capture_output=True, text=True, env=env, timeout=300,
                               check=False) for c in commands]
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a read-only file system")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("running as root, and mount namespaces are not allowed here")
    mount = f"mount --bind {shlex.quote(str(index))} {shlex.quote(str(index))} && " \
            f"mount -o remount,ro,bind {shlex.quote(str(index))} || exit 99"
    out = []
    for c in commands:
        script = f"{mount}; touch {shlex.quote(str(index))}/probe 2>/dev/null && exit 98; " \
                 f"exec {shlex.join([*base, *c])}"
        proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                              env=env, timeout=300, check=False)
        assert proc.returncode not in (98, 99), "the index did not become read-only"
        out.append(proc)
    return out


def test_reads_work_on_a_read_only_index_and_writes_say_why_not(flood_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "ro"
    shutil.copytree(flood_index, index)
    before = sorted(str(p.relative_to(index)) for p in index.rglob("*"))
    stats, listing, search, ask, ingest = _run_read_only(index, [
        ["stats", "--json"], ["list", "--json"], ["search", "rain before the flood", "--json"],
        ["ask", "What is the capital of Peru?", "--json"], ["ingest", str(FLOOD)],
    ])
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 1 and json.loads(stats.stdout)["location"] == str(index)
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == 1, listing.stderr
    assert search.returncode == 0 and "millimetres" in search.stdout, search.stderr
    assert ask.returncode == 0 and json.loads(ask.stdout)["status"] == "not_in_sources", ask.stderr
    for proc in (stats, listing, search, ask):
        assert "readonly" not in proc.stderr and "WARNING" not in proc.stderr, proc.stderr
    assert ingest.returncode == 1 and f"the index at {index} is read-only" in " ".join(ingest.stderr.split())
    assert sorted(str(p.relative_to(index)) for p in index.rglob("*")) == before  # nothing written
