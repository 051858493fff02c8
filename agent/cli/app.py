"""The ``agent`` command line: the typer app, its global options and its commands.

Thin on purpose: each command (ingest.py, ask.py, summaries.py, chat.py, install.py, reindex.py,
serve.py, watch.py, digest.py) parses flags into ``Settings`` overrides, calls one ``Agent`` method and
renders the result with rich. Every exception that reaches a command's edge is one red line with
its fix and exit status 1: ours by ``common.run``, anything else by ``GlobalOptionsGroup.invoke``
(worded by ``failures.py``); ``-v`` adds the traceback. An argument that is not UTF-8 text is
refused before any command runs. The command modules never import this one (app → commands →
common, render, slash).
"""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from agent.cli.ask import ask, search
from agent.cli.chat import chat
from agent.cli.common import err_console, fail
from agent.cli.digest import digest
from agent.cli.failures import SETTINGS_KEY, describe, is_control_flow
from agent.cli.ingest import ingest, list_articles, remove, show, stats
from agent.cli.install import config, doctor, models
from agent.cli.reindex import reindex
from agent.cli.serve import serve
from agent.cli.summaries import brief, summarize
from agent.cli.watch import watch_app
from agent.errors import InvalidArgumentError, NewsAgentError
from agent.quiet import quiet_libraries
from agent.settings import setting_keyword
from agent.text.undecodable import undecodable

# The command line's own defaults, set before any command loads chromadb or a Hugging Face
# library: no telemetry, no network for model files (an environment variable still wins).
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Global option (parameter name) → the setting it overrides.
GLOBAL_SETTINGS = {
    "preset": "preset",
    "index": "index_path",
    "chroma_url": "chroma_url",
    "provider": "provider",
    "model": "model",
    "model_path": "model_path",
    "base_url": "base_url",
    "embedder": "embedder",
    "threads": "threads",
    "fetch_timeout": "fetch_timeout",
    "max_fetch_bytes": "max_fetch_bytes",
    "max_file_bytes": "max_file_bytes",
}
GLOBAL_PANEL = "Global options (also accepted before the command)"


def parse_assignments(values: list[str] | None) -> dict[str, str]:
    """``--set retrieval.top_k=8`` (repeatable) → ``{"top_k": "8"}``: any setting, by its
    ``section.field`` name or its flat name; pydantic converts the text to the field's type.
    A malformed or unknown one is one red line and exit status 2."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise InvalidArgumentError(
                    f"--set {item!r} is not KEY=VALUE; write e.g. --set retrieval.top_k=8"
                )
            out[setting_keyword(key.strip())] = value.strip()
        except InvalidArgumentError as exc:
            fail(str(exc), 2)
    return out


def _late_global(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """A global option given after the command: record it like ``main`` does."""
    source = ctx.get_parameter_source(param.name or "")
    if ctx.resilient_parsing or getattr(source, "name", "") != "COMMANDLINE":
        return value
    root = ctx.find_root()
    if param.name == "verbose":
        root.params["verbose"] = bool(value)
        _configure_logging(bool(value))
    elif param.name == "assignments":
        root.ensure_object(dict).update(parse_assignments(value))
    elif param.name in GLOBAL_SETTINGS:
        root.ensure_object(dict)[GLOBAL_SETTINGS[param.name]] = value
    return value


class GlobalOptionsGroup(TyperGroup):
    """The ``agent`` group: every global option is also accepted after the command
    (``agent ask "..." --index DIR``). Each command gets a copy of the group's options when it is
    looked up, storing its value where the group's callback does (the one typed last wins); a
    command's own option of the same name keeps precedence.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Refuse an argument that is not UTF-8 text (bytes the terminal could not decode reach
        Python as lone surrogates, which no index or model can take): one line naming it."""
        for i, arg in enumerate(args):
            shown = undecodable(arg)
            if shown is None:
                continue
            after = f" (after {args[i - 1]})" if i and args[i - 1].startswith("-") else ""
            message = (
                f"the argument '{shown[:80]}'{after} is not UTF-8 text; retype it, or use a UTF-8 "
                "terminal (e.g. LANG=C.UTF-8)"
            )
            fail(message, 2)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; any exception that escaped it (a library's, an OS error, a bug) becomes
        one red line naming the fix (``failures.describe``) and exit status 1; ``-v`` adds the
        traceback."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if is_control_flow(exc):
                raise
            if ctx.params.get("verbose") and not isinstance(exc, NewsAgentError):
                err_console.print_exception()
            fail(describe(exc, ctx.meta.get(SETTINGS_KEY)), 1)  # make_agent leaves the settings there

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None or getattr(cmd, "_with_global_options", False):
            return cmd
        taken = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        names = {p.name for p in cmd.params}
        for p in self.params:
            if p.param_type_name != "option" or p.name in names or taken & {*p.opts, *p.secondary_opts}:
                continue
            late: Any = copy.copy(p)
            late.expose_value = False
            late.callback = _late_global
            late.rich_help_panel = GLOBAL_PANEL
            cmd.params.append(late)
        setattr(cmd, "_with_global_options", True)  # noqa: B010 - a marker on a click object
        return cmd


app = typer.Typer(
    cls=GlobalOptionsGroup,
    name="agent",
    help=(
        "newsagent: ingest news articles, ask questions with verified citations.\n\n"
        "Quick start (offline, embedded default models):\n\n"
        "  agent ingest examples/articles\n\n"
        '  agent ask "How much rain fell before the River Ash flood?"\n\n'
        "Settings come from defaults < ~/.config/newsagent/config.toml or ./newsagent.toml "
        "< NEWSAGENT_* env vars < --preset < these flags. See `agent config`."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def _configure_logging(verbose: bool) -> None:
    """Our messages at WARNING (DEBUG with -v); libraries' chatter only with -v (``agent.quiet``)."""
    level = logging.DEBUG if verbose else logging.WARNING
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    elif verbose:  # -v given after the command, once logging was set up for the default
        root.setLevel(level)
    quiet_libraries(verbose=verbose)


@app.callback()
def main(
    ctx: typer.Context,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="Settings chosen together: fast (0.5B model, smaller budget), thorough (more passages), "
            "or a .toml file. Flags beside it win. `agent config --presets` lists them.",
        ),
    ] = None,
    index: Annotated[
        Path | None, typer.Option("--index", help="Folder of the embedded Chroma index [./index].")
    ] = None,
    chroma_url: Annotated[
        str | None,
        typer.Option("--chroma-url", help="Use a Chroma server instead, e.g. http://127.0.0.1:8000."),
    ] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="auto | local | openai.")] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model name (see `agent models`) or server model id."),
    ] = None,
    model_path: Annotated[Path | None, typer.Option("--model-path", help="Use any local GGUF file.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."),
    ] = None,
    embedder: Annotated[
        str | None, typer.Option("--embedder", help="local (offline MiniLM) | openai.")
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="CPU threads for llama.cpp.")] = None,
    fetch_timeout: Annotated[
        float | None,
        typer.Option("--fetch-timeout", help="Seconds before a URL fetch gives up [15].", min=0.1),
    ] = None,
    max_fetch_bytes: Annotated[
        int | None,
        typer.Option("--max-fetch-bytes", help="Largest page or feed fetched, in bytes [10000000].", min=1),
    ] = None,
    max_file_bytes: Annotated[
        int | None,
        typer.Option("--max-file-bytes", help="Largest local file ingested, in bytes [20000000].", min=1),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Any setting, repeatable: `--set retrieval.top_k=8 --set answer.max_answer_tokens=200`. "
            "`agent config` lists every KEY with its value and meaning.",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Global options go before or after the command: `agent --index my_index ask ...`."""
    given = {setting: ctx.params[name] for name, setting in GLOBAL_SETTINGS.items()}
    flags = {setting: value for setting, value in given.items() if value is not None}
    ctx.obj = {**parse_assignments(assignments), **flags}  # a named flag beats --set of the same
    _configure_logging(verbose)


# Registered in this order, which is the order `agent --help` lists them in.
app.command()(ingest)
app.command()(ask)
app.command()(search)
app.command("list")(list_articles)
app.command()(show)
app.command()(remove)
app.command()(stats)
app.command()(reindex)
app.command()(config)
app.command()(models)
app.command()(doctor)
app.command()(summarize)
app.command()(brief)
app.command()(digest)
app.command()(chat)
# A group of its own, with the global options after its commands too (`agent watch run --index X`).
app.add_typer(watch_app, cls=GlobalOptionsGroup)
app.command()(serve)
