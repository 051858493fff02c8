"""The ``agent`` command line: thin on purpose.

Each command parses flags into ``Settings`` overrides, calls one ``Agent`` method and
renders the result with rich. Errors the user can fix (``NewsAgentError``) are printed as
one red line and exit with status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from agent.errors import NewsAgentError
from agent.safetext import term, visible
from agent.text.dates import parse_user_date

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Global option (parameter name) → the setting it overrides.
GLOBAL_SETTINGS = {
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


def _late_global(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """A global option given after the command: record it like ``main`` does."""
    source = ctx.get_parameter_source(param.name or "")
    if ctx.resilient_parsing or getattr(source, "name", "") != "COMMANDLINE":
        return value
    root = ctx.find_root()
    if param.name == "verbose":
        root.params["verbose"] = bool(value)
        _configure_logging(bool(value))
    elif param.name in GLOBAL_SETTINGS:
        root.ensure_object(dict)[GLOBAL_SETTINGS[param.name]] = value
    return value


class GlobalOptionsGroup(TyperGroup):
    """The ``agent`` group: every global option is also accepted after the command.

    People type ``agent ask "..." --index DIR``; click only knows a group's options before the
    subcommand. Rather than repeating the global option definitions in every command, each
    command gets a copy of the group's own options (same names, types and help, under their
    own help heading) when it is looked up; a copy stores its value where the group's callback
    stores the one given before the command, so ``_agent(ctx)`` sees either (the one typed
    last wins). A command's own option of the same name keeps precedence.
    """

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
        "< NEWSAGENT_* env vars < these flags. See `agent config`."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


def _run(fn: Callable[[], T]) -> T:
    """Call ``fn``; turn a NewsAgentError into one red line and exit status 1."""
    try:
        return fn()
    except NewsAgentError as exc:
        err_console.print(f"[red]error:[/red] {term(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _parse_date(value: str | None, name: str) -> datetime | None:
    """A date or date-time option (``agent.text.dates``); a bare date given to ``--until`` means
    the end of that day ("on or before 2026-03-12" includes articles published on the 12th)."""
    if value is None:
        return None
    try:
        return parse_user_date(value, end_of_day=name == "--until")
    except ValueError:
        err_console.print(
            f"[red]error:[/red] {term(f'{name} {value!r} is not a date; use e.g. 2026-03-14')}",
            highlight=False,
        )
        raise typer.Exit(2) from None


# --- global options --------------------------------------------------------------------
def _configure_logging(verbose: bool) -> None:
    """Our messages at WARNING (DEBUG with -v); libraries' chatter only with -v.

    bm25s logs "Building index from tokens" at DEBUG on every ask and sets its logger's level
    itself; trafilatura warns "discarding data: None" about pages it extracts fine. Neither
    means anything to the user, so below -v their loggers show errors only.
    """
    level = logging.DEBUG if verbose else logging.WARNING
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    elif verbose:  # -v given after the command, once logging was set up for the default
        root.setLevel(level)
    from agent.quiet import quiet_libraries

    quiet_libraries(verbose=verbose)


@app.callback()
def main(
    ctx: typer.Context,
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
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Global options go before or after the command: `agent --index my_index ask ...`."""
    given = {
        "index": index,
        "chroma_url": chroma_url,
        "provider": provider,
        "model": model,
        "model_path": model_path,
        "base_url": base_url,
        "embedder": embedder,
        "threads": threads,
        "fetch_timeout": fetch_timeout,
        "max_fetch_bytes": max_fetch_bytes,
        "max_file_bytes": max_file_bytes,
    }
    ctx.obj = {GLOBAL_SETTINGS[k]: v for k, v in given.items() if v is not None}
    _configure_logging(verbose)


def _agent(ctx: typer.Context, **more: Any) -> Any:
    from pydantic import ValidationError

    from agent.core import Agent

    overrides = {**(ctx.obj or {}), **{k: v for k, v in more.items() if v is not None}}
    try:
        return Agent(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        err_console.print(f"[red]error:[/red] setting {where}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from None


# --- ingest ------------------------------------------------------------------------------
@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(help="Files (.txt .md .html .jsonl), folders, article URLs or RSS/Atom feeds."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    allow_private_fetch: Annotated[
        bool | None,
        typer.Option("--allow-private-fetch", help="Let feed links and redirects reach private, "
                     "loopback and link-local addresses (a feed on your intranet)."),
    ] = None,
    max_chunks_per_article: Annotated[
        int | None,
        typer.Option("--max-chunks-per-article", min=0,
                     help="Index at most N chunks of one article (0 = no limit) [200]."),
    ] = None,
    summarize_after: Annotated[
        bool,
        typer.Option("--summarize", help="Then summarise the added and updated articles, so later "
                     "`summarize` and `brief` read the cache (Ctrl-C keeps the finished ones)."),
    ] = False,
) -> None:
    """Add articles to the index. Unchanged articles are skipped; changed ones replaced.

    Examples:

      agent ingest examples/articles

      agent ingest examples/articles --summarize   # summaries ready before the first briefing

      agent ingest notes.md https://example.com/news/story.html

      agent ingest https://example.com/feed.xml --json
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from agent.types import Article, IngestItem

    agent = _agent(ctx, allow_private_fetch=allow_private_fetch,
                   max_chunks_per_article=max_chunks_per_article)
    quiet = as_json or not sys.stderr.isatty()
    with Progress(
        SpinnerColumn(),
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)
        chunk_task = bar.add_task("", total=None, visible=False)
        announced: set[str] = set()

        def progress(item: IngestItem) -> None:
            bar.update(task, advance=1, description=term((item.title or item.input)[:50]))
            bar.update(chunk_task, visible=False)
            if item.status == "failed" and not as_json:
                err_console.print(f"[red]failed:[/red] {term(item.error)}", highlight=False,
                                  soft_wrap=True)
            if item.truncated_at is not None and not as_json:
                err_console.print(f"[yellow]note:[/yellow] {term(item.input)}: {term(item.note)}",
                                  highlight=False, soft_wrap=True)
            for warning in [] if as_json else item.warnings:  # one line per problem, kept article
                err_console.print(
                    f"[yellow]warning:[/yellow] {term(item.input)}: {term(warning)}",
                    highlight=False, soft_wrap=True,
                )

        def chunk_progress(article: Article, done: int, total: int) -> None:
            # The per-article bar: a long article's chunks are minutes of embedding on a CPU.
            bar.update(chunk_task, visible=True, completed=done, total=total,
                       description=term(f"embedding chunks of {article.title[:40]}"))
            if quiet and not as_json and total >= 200 and article.id not in announced:
                announced.add(article.id)  # no live bar (not a terminal): say it once
                err_console.print(f"embedding {total:,} chunks of {term(article.title[:60])}…",
                                  highlight=False, soft_wrap=True)

        report = _run(lambda: agent.ingest(paths, progress=progress, chunk_progress=chunk_progress))
    if as_json:
        console.print_json(report.model_dump_json())
    else:
        console.print(
            f"[green]added {report.added}[/green], updated {report.updated}, "
            f"unchanged {report.unchanged}, "
            f"[{'red' if report.failed else 'default'}]failed {report.failed}[/]"
            + (f", [yellow]truncated {report.truncated}[/yellow]" if report.truncated else "")
            + (f", {report.controls_removed} control character(s) removed"
               if report.controls_removed else "")
            + (f", [yellow]{report.warnings} warning(s)[/yellow]" if report.warnings else "")
            + f" ({report.chunks} chunks in {report.seconds:.1f}s)"
        )
    if summarize_after:
        _summarize_new(agent, report, quiet=as_json)
    if report.failed:
        raise typer.Exit(1)


def _summarize_new(agent: Any, report: Any, *, quiet: bool) -> None:
    """``ingest --summarize``: summarise what the ingest added or changed, with a bar and an ETA."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    ids = [i.article_id for i in report.items if i.status in ("added", "updated") and i.article_id]
    if not ids:
        return
    with Progress(TextColumn("summarising"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, disable=quiet, transient=True) as bar:
        task = bar.add_task("", total=len(ids))
        ahead = _run(lambda: agent.summarize_ahead(
            ids, progress=lambda done, total, eta: bar.update(task, completed=done)))
    if not quiet:
        failed = f", [red]failed {len(ahead.failed)}[/red]" if ahead.failed else ""
        stopped = " (interrupted: the finished ones are cached)" if ahead.interrupted else ""
        err_console.print(f"summarised {ahead.summarised}, already cached {ahead.cached}{failed} "
                          f"in {ahead.seconds:.0f}s{stopped}", highlight=False)
        for article_id, why in ahead.failed:
            err_console.print(f"[red]summary failed:[/red] {article_id[:12]}: {term(why)}",
                              highlight=False, soft_wrap=True)


# --- ask ---------------------------------------------------------------------------------
@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    article: Annotated[str | None, typer.Option("--article", help="Only this article id.")] = None,
    k: Annotated[int | None, typer.Option("-k", help="Passages to give the model.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Ask as of DATE: 'this week' = the 7 days to it; nothing later used."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the time window, filters and passages considered.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole Answer as JSON.")] = False,
    show_usage: Annotated[
        bool, typer.Option("--usage", help="Print the tokens used and their approximate cost (also with -v).")
    ] = False,
) -> None:
    """Answer a question from the indexed articles, citing verbatim quotes.

    Relative time is resolved against today, or against --as-of to replay a past day's news.
    Windows are whole days in the as-of time zone; nothing published after the as-of moment is used:

    - "this week", "the past week", "these days", "the past few days": the last 7 days, today included
    - "last week", "the previous week": the 7 days before those (7 to 13 days back)
    - "so far this week", "earlier this week", "since Monday": the calendar week, from Monday
    - "today", "yesterday", "on Monday", "last Monday", "this weekend", "last weekend": those days
    - "recently", "lately", "the latest": the last 14 days (widened when empty)
    - "this month", "last month", "this year", "last year": calendar months and years
    - "on January 6", "in March", "the March 2020 lockdown": the event, so coverage from that date on
    - "since 1 March", "before 2020", "between 3 and 10 March": publication dates

    When a window holds nothing relevant, the answer comes from the closest coverage within one
    window length and its first sentence says so ("Nothing from …; the closest coverage, from …,
    says: …"); with nothing near, the answer says so. --explain shows the reading used.

    Examples:

      agent ask "What was the trade volume between Russia and China last year?"

      agent ask "What did the council approve?" --source "Riverside Herald" --since 2026-03-01

      agent ask "Who won?" --json | jq .citations

      agent ask "How many homes were affected this week?" --as-of 2026-03-13 --explain
    """
    from agent.render import print_answer, streaming

    agent = _agent(ctx)
    since_dt, until_dt = _parse_date(since, "--since"), _parse_date(until, "--until")
    as_of_dt = _parse_date(as_of, "--as-of")
    # The raw answer streams into a transient live view, then the verified answer (markers
    # renumbered, unsupported claims removed) replaces it, followed by the sources.
    with contextlib.nullcontext(None) if as_json else streaming(console) as on_text:
        answer = _run(
            lambda: agent.ask(
                question,
                k=k,
                source=source,
                since=since_dt,
                until=until_dt,
                article=article,
                as_of=as_of_dt,
                on_text=on_text,
            )
        )
    if as_json:
        console.print_json(answer.model_dump_json())
        return
    print_answer(console, answer)
    if answer.usage is not None and (show_usage or ctx.find_root().params.get("verbose")):
        from agent.usage import format_usage

        console.print(f"[dim]{format_usage(answer.usage)}[/dim]", highlight=False)
    if explain and answer.retrieval is not None:
        from agent.render import print_retrieval

        print_retrieval(console, answer.retrieval)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in quotes.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    k: Annotated[int | None, typer.Option("-k", min=1, help="Passages to return.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines output.")] = False,
) -> None:
    """The passages `ask` would give the model, without any model (retrieval only).

    Examples:

      agent search "flood damage estimate" -k 3
    """
    from rich.markup import escape

    agent = _agent(ctx)
    passages = _run(
        lambda: agent.search(
            query, k=k, source=source, since=_parse_date(since, "--since"),
            until=_parse_date(until, "--until"),
        )
    )
    if as_json:
        for p in passages:
            console.out(p.model_dump_json(), highlight=False)
        return
    for p in passages:
        date = p.published.date().isoformat() if p.published else "undated"
        console.print(
            f"[bold]{p.article_id[:12]}[/bold] {date} · {escape(p.source or '')} · {escape(p.title)}",
            highlight=False, soft_wrap=True,
        )
        console.print(f"  {escape(p.text)}", highlight=False, soft_wrap=True)
    console.print(f"[dim]{len(passages)} passage(s)[/dim]")


# --- manage ------------------------------------------------------------------------------
@app.command("list")
def list_articles(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="At most N articles (N ≥ 1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines output.")] = False,
) -> None:
    """List indexed articles, newest first."""
    agent = _agent(ctx)
    articles = _run(
        lambda: agent.list(
            source=source,
            since=_parse_date(since, "--since"),
            until=_parse_date(until, "--until"),
            limit=limit,
        )
    )
    if as_json:
        for a in articles:
            console.out(a.model_dump_json(exclude={"text"}), highlight=False)
        return
    table = Table("id", "published", "source", "title", box=None)
    for a in articles:
        table.add_row(
            a.id[:12], a.published.date().isoformat() if a.published else "", term(a.source),
            term(a.title),
        )
    console.print(table)
    console.print(f"[dim]{len(articles)} article(s)[/dim]")


@app.command()
def show(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id or unique prefix (see `agent list`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one article's metadata and cleaned text."""
    agent = _agent(ctx)
    a = _run(lambda: agent.get(article_id))
    if as_json:
        console.print_json(a.model_dump_json())
        return
    console.print(f"[bold]{term(a.title)}[/bold]")
    meta = [a.source, a.published.isoformat() if a.published else None, a.author, a.url]
    console.print("[dim]" + " · ".join(term(m) for m in meta if m)
                  + f"[/dim]\n[dim]id {term(a.id)}[/dim]\n")
    console.out(visible(a.text), highlight=False)


@app.command()
def remove(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id or unique prefix.")],
) -> None:
    """Remove an article and its chunks from the index."""
    agent = _agent(ctx)
    article = _run(lambda: agent.get(article_id))
    _run(lambda: agent.remove(article.id))
    console.print(f"removed {article.id[:12]} {term(article.title)}")


@app.command()
def stats(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts of articles and chunks, sources, date range, and which embedder built the index."""
    agent = _agent(ctx)
    data = _run(agent.stats)
    if as_json:
        console.print_json(json.dumps(data, default=str))
        return
    table = Table(box=None, show_header=False)
    for key, value in data.items():
        table.add_row(f"[bold]{term(key)}[/bold]", term(str(value)))
    console.print(table)


@app.command()
def config(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the settings as one JSON object.")] = False,
) -> None:
    """Print the effective settings (secrets masked) and where they can be set."""
    from agent.settings import CONFIG_FILES

    agent = _agent(ctx)
    if as_json:
        console.print_json(json.dumps(agent.settings.masked(), default=str))
        return
    table = Table("setting", "value", box=None)
    for key, value in agent.settings.masked().items():
        table.add_row(key, str(value))
    console.print(table)
    files = ", ".join(f"{p}{'' if p.is_file() else ' (absent)'}" for p in CONFIG_FILES)
    console.print(f"[dim]config files: {files}; env vars: NEWSAGENT_<SETTING>[/dim]")


@app.command()
def models(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the local models: which is active, whether its file is assembled and verified."""
    from agent.models import list_models

    agent = _agent(ctx)
    rows = _run(lambda: list_models(agent.settings))
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
            f"[dim]active provider: openai ({s.base_url or 'api.openai.com'}), model {s.resolved_model}[/dim]"
        )
    elif s.model_path:
        console.print(f"[dim]active: local file {s.model_path}[/dim]")
    console.print(
        "[dim]local model files are assembled on first use (hash-checked); see `agent doctor`[/dim]"
    )


@app.command()
def doctor(
    ctx: typer.Context,
    quick: Annotated[
        bool, typer.Option("--quick", help="Skip loading the chat model (and the child-process CPU check).")
    ] = False,
) -> None:
    """Check the installation end to end (tokenizer, llama.cpp, embedder, model file, index)."""
    from agent.doctor import run_checks, versions

    agent = _agent(ctx)
    console.print("[dim]" + ", ".join(f"{k} {v}" for k, v in versions().items()) + "[/dim]")
    results = run_checks(agent.settings, skip={"chat model", "llama.cpp on this CPU"} if quick else None)
    for c in results:
        mark = "[green]ok[/green]  " if c.ok else "[red]FAIL[/red]"
        console.print(f"{mark} [bold]{c.name}[/bold]: {c.detail}", highlight=False, soft_wrap=True)
        if c.fix and (not c.ok or c.fix.startswith("add")):
            console.print(f"      [yellow]fix:[/yellow] {c.fix}", highlight=False)
    if not all(c.ok for c in results):
        raise typer.Exit(1)


def _register_summary_commands() -> None:
    from agent.cli_summaries import brief, summarize

    app.command()(summarize)
    app.command()(brief)


def _register_chat_command() -> None:
    from agent.cli_chat import chat

    app.command()(chat)


_register_summary_commands()
_register_chat_command()

if __name__ == "__main__":  # pragma: no cover
    app()
