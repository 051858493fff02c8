"""``agent ask`` and ``agent search``: questions over the index, with and without the model."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.common import console, make_agent, parse_date_option, run
from agent.cli.render import OutputFormat, emit, print_answer, print_retrieval, streaming
from agent.safetext import SOURCE_CHARS, TITLE_CHARS, clipped, term
from agent.usage import format_usage


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    article: Annotated[str | None, typer.Option("--article", help="Only this article id.")] = None,
    k: Annotated[
        int | None, typer.Option("-k", min=1, help="Passages to give the model (k ≥ 1) [top_k].")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Ask as of DATE: 'this week' = the 7 days to it; nothing later used."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the time window, filters and passages considered.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole Answer as JSON (= --format json).")
    ] = False,
    format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="rich | md | json | html (a page with the cited articles)."),
    ] = OutputFormat.rich,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
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

      agent ask "What did the council approve?" --format html -o answer.html
    """
    agent = make_agent(ctx)
    since_dt, until_dt = parse_date_option(since, "--since"), parse_date_option(until, "--until")
    as_of_dt = parse_date_option(as_of, "--as-of")
    fmt = OutputFormat.json if as_json else OutputFormat(format)
    # The raw answer streams into a transient live view, then the verified answer (markers
    # renumbered, unsupported claims removed) replaces it, followed by the sources.
    live = fmt is OutputFormat.rich and output is None
    with streaming(console) if live else contextlib.nullcontext(None) as on_text:
        answer = run(
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
    if not live:
        emit(answer, fmt, output, console, articles=agent.get if fmt is OutputFormat.html else None)
        return
    print_answer(console, answer)
    if answer.usage is not None and (show_usage or ctx.find_root().params.get("verbose")):
        console.print(f"[dim]{format_usage(answer.usage)}[/dim]", highlight=False)
    if explain and answer.retrieval is not None:
        print_retrieval(console, answer.retrieval)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in quotes.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Published on/after DATE.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Published on/before DATE.")] = None,
    k: Annotated[int | None, typer.Option("-k", min=1, help="Passages to return (k ≥ 1) [top_k].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines output.")] = False,
) -> None:
    """The passages `ask` would give the model, without any model (retrieval only).

    Examples:

      agent search "flood damage estimate" -k 3
    """
    agent = make_agent(ctx)
    passages = run(
        lambda: agent.search(
            query, k=k, source=source, since=parse_date_option(since, "--since"),
            until=parse_date_option(until, "--until"),
        )
    )
    if as_json:
        for p in passages:
            console.out(p.model_dump_json(), highlight=False)
        return
    for p in passages:
        date = p.published.date().isoformat() if p.published else "undated"
        console.print(
            f"[bold]{p.article_id[:12]}[/bold] {date} · {term(clipped(p.source, SOURCE_CHARS))} · "
            f"{term(clipped(p.title, TITLE_CHARS))}",
            highlight=False, soft_wrap=True,
        )
        console.print(f"  {term(p.text)}", highlight=False, soft_wrap=True)
    console.print(f"[dim]{len(passages)} passage(s)[/dim]")
