"""The Starlette app of ``agent serve``: server-rendered pages over one ``Agent``, no script.

Pages: ``/`` (the ask box), ``/ask?q=…`` (the answer, streamed), ``/articles`` and
``/articles/{id}`` (the index), ``/articles/{id}/summary`` (streamed), ``/brief`` (the form)
and ``/brief/make?…`` (streamed), ``/digests`` (the kept digests, newest first),
``/digests/{id}`` (one, read from its file: no model) and ``/digests/make`` (a digest now, streamed).

A model page is one streamed HTML document: its head and the form first, then a status line
("waiting: 1 request ahead of yours", "reading the sources"), the answer's text as the model
writes it, and last the verified result, rendered by the same template as ``to_html`` with the
cited articles embedded. CSS (``:has``) shows only the newest status and hides the draft once
the result is there, so the page needs no JavaScript. Model work goes through one
``ModelWorker``: one job at a time, in order. The ``Guard`` middleware checks Host, Origin and
the token before any route runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from markupsafe import escape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.api import Agent
from agent.errors import ArticleNotFoundError, DigestNotFoundError, NewsAgentError
from agent.serve.guard import Guard, GuardMiddleware
from agent.serve.jobs import Emit, Job, JobStopped, ModelWorker
from agent.text.dates import parse_user_date
from agent.types.briefings import BRIEF_STEPS
from agent.views.html import environment, render, render_article, render_content

log = logging.getLogger(__name__)

#: Where a streamed page's head ends and its tail begins (a comment in serve/job.html).
STREAM_MARK = "<!-- stream -->"
#: Served pages run no script and load nothing from elsewhere.
HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
ARTICLES_SHOWN = 500


class BadInput(NewsAgentError):
    """A form value the page cannot use (a date that is no date)."""


class Server:
    """The app's state: the agent, its model worker, what the pages show of them."""

    def __init__(self, agent: Agent, url: str) -> None:
        self.agent = agent
        self.url = url
        self.worker = ModelWorker()

    def context(self, **more: Any) -> dict[str, Any]:
        """What every served template gets: ``serve`` (this object) plus ``more``."""
        return {"serve": self, **more}

    @property
    def model_label(self) -> str:
        return self.agent.settings.resolved_model

    def page(self, template: str, status: int = 200, **more: Any) -> HTMLResponse:
        html = environment().get_template(template).render(**self.context(**more))
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def stream(self, job: Job[str], template: str, **more: Any) -> StreamingResponse:
        """The streamed page of ``job``: ``template`` up to its stream mark, the job's status
        lines and draft text, the job's result (HTML it rendered), the rest of the template."""
        whole = environment().get_template(template).render(**self.context(job=job, **more))
        head, mark, tail = whole.partition(STREAM_MARK)
        if not mark:
            raise ValueError(f"template {template} has no {STREAM_MARK!r} where the job's output goes")
        return StreamingResponse(_job_body(head, tail, job), media_type="text/html; charset=utf-8",
                                 headers={**HEADERS, "x-accel-buffering": "no"})

    def warm(self) -> None:
        """Queue the model's load (and the index's first read) so the first question does not
        wait for it; a failure is logged here and reported again by the first question."""

        def load(emit: Emit) -> None:
            try:
                self.agent.search("news", k=1)
                _ = self.agent.chat_model
            except NewsAgentError as exc:
                log.warning("%s", exc)

        self.worker.submit("loading the model", load)


def _status(kind: str, text: str) -> str:
    return f'<p class="status {kind}" role="status">{escape(text)}</p>\n'


async def _job_body(head: str, tail: str, job: Job[str]) -> AsyncIterator[str]:
    yield head
    if job.ahead:
        n = job.ahead
        yield _status("queued", f"Waiting for the model: {n} request{'s' if n > 1 else ''} ahead of yours.")
    drafting = False
    try:
        async for kind, text in job.stream():
            if kind == "text":
                if not drafting:
                    drafting = True
                    # a closed marker first: Chromium restyles :has() for an element it has
                    # finished parsing, and the draft stays open while it streams
                    yield '<span class="drafting" hidden></span><div class="draft" aria-live="polite">'
                yield str(escape(text))
            elif not drafting:  # "started", "progress": a new status line replaces the last
                yield _status("running", text[:1].upper() + text[1:] + "…")
        if drafting:
            yield "</div>\n"
        try:
            yield await job.future
        except JobStopped:
            yield '<p class="error" role="alert">The server is stopping; this was not finished.</p>\n'
        except NewsAgentError as exc:
            yield f'<p class="error" role="alert">{escape(str(exc))}</p>\n'
        except Exception:
            log.exception("agent serve: %s failed", job.label)
            yield '<p class="error" role="alert">Something went wrong; the server log has the details.</p>\n'
        yield tail
    finally:
        job.abandoned = True  # a page closed before its turn: the worker skips the job


def _date(value: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        return parse_user_date(value.strip(), end_of_day=end_of_day)
    except ValueError:
        raise BadInput(f"{name} {value!r} is not a date; use e.g. 2026-03-14") from None


def _step_progress(emit: Emit) -> Callable[[str, int, int], None]:
    """A briefing's or digest's ``progress(step, i, n)`` as the job's status lines."""

    def progress(step: str, i: int, n: int) -> None:
        label = BRIEF_STEPS.get(step, step)
        emit("progress", f"{label} ({i}/{n})" if n else label)

    return progress


def _text(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


def routes(server: Server) -> list[Route]:
    """The app's routes, each a closure over ``server``."""
    agent = server.agent

    async def home(request: Request) -> Response:
        return server.page("serve/home.html", title="Ask", form={})

    async def ask(request: Request) -> Response:
        q = _text(request, "q")
        if not q:
            return RedirectResponse("/", status_code=303)
        form = {k: _text(request, k) for k in ("q", "source", "since", "until")}
        try:
            since = _date(form["since"], "since")
            until = _date(form["until"], "until", end_of_day=True)
        except BadInput as exc:
            return server.page("serve/home.html", 400, title="Ask", form=form, error=str(exc))

        def answer(emit: Emit) -> str:
            emit("progress", "reading the sources")
            result = agent.ask(q, source=form["source"] or None, since=since, until=until,
                               on_text=lambda t: emit("text", t))
            return render_content(result, agent.get)

        job = server.worker.submit("answering", answer)
        return server.stream(job, "serve/job.html", title=q, form=form, kind="ask")

    async def articles(request: Request) -> Response:
        try:
            found = await asyncio.to_thread(agent.list, limit=ARTICLES_SHOWN)
        except NewsAgentError as exc:
            return server.page("serve/message.html", 500, title="Articles", message=str(exc))
        return server.page("serve/articles.html", title="Articles", articles=found, limit=ARTICLES_SHOWN)

    async def article(request: Request) -> Response:
        try:
            found = await asyncio.to_thread(agent.get, request.path_params["article_id"])
        except ArticleNotFoundError as exc:
            return server.page("serve/message.html", 404, title="Not found", message=str(exc))
        html = render_article(found, **server.context(summary_href=f"/articles/{found.id}/summary"))
        return HTMLResponse(html, headers=HEADERS)

    async def summary(request: Request) -> Response:
        article_id = request.path_params["article_id"]

        def summarise(emit: Emit) -> str:
            emit("progress", "summarising the article")
            return render_content(agent.summarize(article_id), agent.get)

        job = server.worker.submit("summarising", summarise)
        return server.stream(job, "serve/job.html", title="Summary", form={}, kind="summary")

    async def brief_form(request: Request) -> Response:
        return server.page("serve/brief.html", title="Briefing", form={})

    async def brief(request: Request) -> Response:
        form = {k: _text(request, k) for k in ("topic", "since", "until")}
        try:
            since = _date(form["since"], "since")
            until = _date(form["until"], "until", end_of_day=True)
        except BadInput as exc:
            return server.page("serve/brief.html", 400, title="Briefing", form=form, error=str(exc))

        def make(emit: Emit) -> str:
            result = agent.brief(form["topic"] or None, since=since, until=until,
                                 progress=_step_progress(emit))
            return render_content(result, agent.get)

        job = server.worker.submit("writing a briefing", make)
        title = form["topic"] or "Briefing"
        return server.stream(job, "serve/job.html", title=title, form=form, kind="brief")

    async def digests(request: Request) -> Response:
        try:
            kept = await asyncio.to_thread(agent.digests)
        except NewsAgentError as exc:
            return server.page("serve/message.html", 500, title="Digests", message=str(exc))
        return server.page("serve/digests.html", title="Digests", digests=list(reversed(kept)))

    async def digest(request: Request) -> Response:
        def read() -> str:
            kept = agent.kept_digest(request.path_params["digest_id"])
            return render(kept, agent.get, **server.context())

        try:
            html = await asyncio.to_thread(read)
        except DigestNotFoundError as exc:
            return server.page("serve/message.html", 404, title="Not found", message=str(exc))
        except NewsAgentError as exc:
            return server.page("serve/message.html", 500, title="Digest", message=str(exc))
        return HTMLResponse(html, headers=HEADERS)

    async def make_digest(request: Request) -> Response:
        def make(emit: Emit) -> str:
            return render_content(agent.digest(progress=_step_progress(emit)), agent.get)

        job = server.worker.submit("making a digest", make)
        return server.stream(job, "serve/job.html", title="Digest", form={}, kind="digest")

    return [
        Route("/", home),
        Route("/ask", ask),
        Route("/articles", articles),
        Route("/articles/{article_id}", article),
        Route("/articles/{article_id}/summary", summary),
        Route("/brief", brief_form),
        Route("/brief/make", brief),
        Route("/digests", digests),
        Route("/digests/make", make_digest),
        Route("/digests/{digest_id}", digest),
    ]


def create_app(agent: Agent, guard: Guard, url: str, *, warm: bool = True) -> Starlette:
    """The app serving ``agent`` behind ``guard``; ``url`` is what the start line printed.
    ``warm`` queues the model's load as the app starts."""
    server = Server(agent, url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm:
            server.warm()
        yield
        server.worker.stop()

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("not found\n", status_code=404, headers=HEADERS)

    app = Starlette(
        routes=routes(server),
        middleware=[Middleware(GuardMiddleware, guard=guard)],
        exception_handlers={404: not_found},
        lifespan=lifespan,
    )
    app.state.server = server
    return app
