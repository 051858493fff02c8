"""``agent config``, ``agent models`` and ``agent doctor``: the installation and its settings."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.table import Table

from agent.cli.common import console, make_agent, run
from agent.doctor import run_checks, versions
from agent.settings import CONFIG_FILES, Settings, setting_descriptions
from agent.settings_sources import USER_PRESETS, available_presets, read_preset


def config(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as one JSON object.")] = False,
    presets: Annotated[bool, typer.Option("--presets", help="List the presets and what each sets.")] = False,
) -> None:
    """Print the effective settings (secrets masked) and where they can be set."""
    if presets:
        _print_presets(as_json)
        return
    agent = make_agent(ctx)
    if as_json:
        console.print_json(json.dumps(agent.settings.masked(), default=str))
        return
    meaning = setting_descriptions()
    table = Table("setting", "value", "what it is", box=None)
    for key, value in dotted(agent.settings.masked()).items():
        table.add_row(key, str(value), meaning.get(key, "derived from the settings above"))
    console.print(table)
    files = ", ".join(f"{p}{'' if p.is_file() else ' (absent)'}" for p in CONFIG_FILES)
    console.print(
        f"[dim]config files: {files} (`\\[retrieval]` tables); env vars: "
        "NEWSAGENT_<SECTION>__<FIELD>; flags: --set section.field=value[/dim]"
    )


def dotted(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"retrieval": {"top_k": 5}}`` → ``{"retrieval.top_k": 5}``: the names ``--set`` takes."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.update(dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _print_presets(as_json: bool) -> None:
    """Each preset's name, what it is for, what it sets and where its file is."""
    rows: list[dict[str, object]] = []
    for name, path in available_presets().items():
        description, values = run(functools.partial(read_preset, Settings, name))
        rows.append({"name": name, "description": description, "settings": values, "file": str(path)})
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table("preset", "sets", "what for", box=None)
    for r in rows:
        shown = r["settings"]
        sets = ", ".join(f"{k}={v}" for k, v in dotted(shown).items()) if isinstance(shown, dict) else ""
        table.add_row(str(r["name"]), sets, str(r["description"]))
    console.print(table)
    console.print(f"[dim]use: agent --preset NAME ...; your own: {USER_PRESETS}/NAME.toml[/dim]")


def models(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the local models: which is active, whether its file is assembled and verified."""
    # Lazy: agent.models loads the model stack (langchain, llama.cpp bindings), seconds that
    # every command and `agent --help` would pay at the top.
    from agent.models import list_models

    agent = make_agent(ctx)
    rows = run(lambda: list_models(agent.settings))
    if as_json:
        console.print_json(json.dumps([r.model_dump() for r in rows]))
        return
    table = Table("", "name", "aliases", "parts installed", "file", "description", box=None)
    for r in rows:
        state = (
            "[green]verified[/green]"
            if r.verified
            else ("present" if r.file_present else "[dim]not yet assembled[/dim]")
        )
        table.add_row(
            "*" if r.active else "",
            r.name,
            ", ".join(r.aliases),
            "yes" if r.installed else "[red]no[/red]",
            state,
            r.description,
        )
    console.print(table)
    s = agent.settings
    if s.resolved_provider == "openai":
        console.print(
            f"[dim]active provider: openai ({s.models.base_url or 'api.openai.com'}), "
            f"model {s.resolved_model}[/dim]"
        )
    elif s.models.model_path:
        console.print(f"[dim]active: local file {s.models.model_path}[/dim]")
    console.print(
        "[dim]local model files are assembled on first use (hash-checked); see `agent doctor`[/dim]"
    )


def doctor(
    ctx: typer.Context,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Skip loading the chat model (and the child-process CPU check); "
                     "compare the model file's hash marker instead of rehashing it."),
    ] = False,
) -> None:
    """Check the installation end to end (tokenizer, llama.cpp, model file, embedder, chat model,
    index). Each line says what was checked: a packaged model's SHA-256 against its pinned hash,
    a --model-path file's GGUF header and size, every index record against its vector."""
    agent = make_agent(ctx)
    console.print("[dim]" + ", ".join(f"{k} {v}" for k, v in versions().items()) + "[/dim]")
    results = run_checks(agent.settings, quick=quick)
    for c in results:
        mark = "[green]ok[/green]  " if c.ok else "[red]FAIL[/red]"
        console.print(f"{mark} [bold]{c.name}[/bold]: {c.detail}", highlight=False, soft_wrap=True)
        if c.fix and (not c.ok or c.fix.startswith("add")):
            console.print(f"      [yellow]fix:[/yellow] {c.fix}", highlight=False)
    if not all(c.ok for c in results):
        raise typer.Exit(1)
