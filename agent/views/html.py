"""Render results as self-contained HTML: one Jinja2 template per result type, autoescaped.

A page holds the result, its numbered sources and, for each article it refers to that the
caller supplied, the article's text with every citation's span wrapped in ``<mark>``. Results
carry citations, not articles, so the caller passes the articles: a list, or a lookup such as
``Agent.get`` (an article no longer in the index is left out). Without articles the page shows
the quotes only. A citation is marked only where the article's text still holds its quote at
its stored span; otherwise its ``[n]`` leads to the quote in the Sources list.

This module imports no result type (``agent.types`` imports it): it reads results through the
attributes below, and ``VIEWS`` says, per result class name, which template renders it and which
citations and articles it has. A new result type is one entry there plus one template that
extends ``base.html`` and uses ``macros.html``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from agent.errors import ArticleNotFoundError, InvalidArgumentError
from agent.safetext import http_url
from agent.text.dates import as_utc
from agent.views.spans import Run, Span, runs


class CitationLike(Protocol):
    """What a page reads of an ``agent.types.Citation``."""

    n: int
    article_id: str
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    quote: str
    start: int
    end: int


class ArticleLike(Protocol):
    """What a page reads of an ``agent.types.Article``."""

    id: str
    title: str
    text: str
    source: str | None
    url: str | None
    published: datetime | None


#: The articles a page may embed: given, looked up by id (``Agent.get``), or none (quotes only).
ArticleSource = Iterable[ArticleLike] | Callable[[str], ArticleLike] | None


@dataclass(frozen=True)
class View:
    """How one result type becomes a page: its template, its citations (closest-sentence
    citations with ``n == 0`` included) and the ids of the articles it refers to, in page order."""

    template: str
    citations: Callable[[Any], Sequence[CitationLike]]
    article_ids: Callable[[Any], Sequence[str]]


def _answer_citations(answer: Any) -> list[CitationLike]:
    return [*answer.citations, *([answer.closest] if answer.closest is not None else [])]


def _cited_then_used_ids(result: Any) -> list[str]:
    """A briefing's or digest's articles: those it cites (a digest's figure change cites an
    earlier day's article it does not cover), then the rest of those it drew on."""
    return [c.article_id for c in result.citations()] + [a.article_id for a in result.articles]


VIEWS: dict[str, View] = {
    "Answer": View("answer.html", _answer_citations, lambda a: [c.article_id for c in _answer_citations(a)]),
    "ArticleSummary": View("summary.html", lambda s: s.citations(), lambda s: [s.article_id]),
    "Briefing": View("briefing.html", lambda b: b.citations(), _cited_then_used_ids),
    "Digest": View("digest.html", lambda d: d.citations(), _cited_then_used_ids),
}


@dataclass(frozen=True)
class CiteView:
    """One citation as a page shows it; ``href`` is its marked span when the article is embedded
    and holds the quote there, else its entry in the Sources list."""

    n: int
    quote: str
    start: int
    end: int
    title: str
    outlet: str
    date: str
    url: str | None
    raw_url: str
    href: str
    located: bool
    article_anchor: str | None


@dataclass(frozen=True)
class ArticleView:
    """One embedded article: its text cut into runs at the citations' spans."""

    anchor: str
    article_id: str
    title: str
    outlet: str
    date: str
    url: str | None
    raw_url: str
    runs: list[Run]
    cited: list[int]


@dataclass
class Page:
    """What every template gets beside the result: its citations by number and its articles."""

    cites: dict[int, CiteView] = field(default_factory=dict)
    articles: list[ArticleView] = field(default_factory=list)

    def article(self, article_id: str) -> ArticleView | None:
        return next((a for a in self.articles if a.article_id == article_id), None)

    def split(self, text: str) -> list[str | int]:
        """``text`` with its ``[n]`` markers as numbers (those with a citation) between strings."""
        parts: list[str | int] = []
        pos = 0
        for m in _MARKER.finditer(text):
            n = int(m.group(1))
            if n not in self.cites:
                continue
            parts += [text[pos : m.start()], n]
            pos = m.end()
        parts.append(text[pos:])
        return [p for p in parts if p != ""]


_MARKER = re.compile(r"\[(\d{1,4})\]")
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def anchor_of(article_id: str) -> str:
    """The HTML id of an embedded article: ``a-<id>`` when the id is plain, else a hash of it."""
    if _SAFE_ID.fullmatch(article_id):
        return f"a-{article_id}"
    return "a-" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:16]


def day(value: datetime | None) -> str:
    """A publication date as the page prints it (ISO day), or "" when undated."""
    return value.date().isoformat() if value is not None else ""


def minute(value: datetime) -> str:
    """A moment as a page prints it: ``2026-03-05 12:00 UTC`` (a naive time is taken as UTC)."""
    return f"{as_utc(value).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def gather(ids: Sequence[str], articles: ArticleSource) -> dict[str, ArticleLike]:
    """The articles among ``ids`` that ``articles`` supplies, by id (each looked up once)."""
    wanted = list(dict.fromkeys(ids))
    if articles is None:
        return {}
    if callable(articles):
        found: dict[str, ArticleLike] = {}
        for aid in wanted:
            try:
                found[aid] = articles(aid)
            except ArticleNotFoundError:  # removed since the result was made: quotes only
                continue
        return found
    given = {a.id: a for a in articles}
    return {aid: given[aid] for aid in wanted if aid in given}


def build_page(
    citations: Sequence[CitationLike], article_ids: Sequence[str], articles: ArticleSource
) -> Page:
    """Citations checked against the supplied articles' texts, and each article cut into runs."""
    found = gather(article_ids, articles)
    spans: dict[str, list[Span]] = {aid: [] for aid in found}
    cites: dict[int, CiteView] = {}
    for c in citations:
        if c.n in cites:
            continue
        art = found.get(c.article_id)
        located = art is not None and 0 <= c.start < c.end and art.text[c.start : c.end] == c.quote
        if located:
            spans[c.article_id].append(Span(c.n, c.start, c.end))
        cites[c.n] = CiteView(
            n=c.n, quote=c.quote, start=c.start, end=c.end, title=c.title, outlet=c.source or "",
            date=day(c.published), url=http_url(c.url), raw_url=c.url or "",
            href=f"#q-{c.n}" if located else f"#src-{c.n}", located=located,
            article_anchor=anchor_of(c.article_id) if art is not None else None,
        )
    views = [
        ArticleView(
            anchor=anchor_of(aid), article_id=aid, title=a.title, outlet=a.source or "",
            date=day(a.published), url=http_url(a.url), raw_url=a.url or "",
            runs=runs(a.text, spans[aid]), cited=sorted(s.n for s in spans[aid]),
        )
        for aid, a in found.items()
    ]
    return Page(cites=cites, articles=views)


@functools.cache
def environment() -> Any:
    """The Jinja2 environment over agent/views/templates (autoescape on for every template)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("agent.views", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["day"] = day
    env.filters["minute"] = minute
    env.filters["http_url"] = http_url
    return env


def view_of(result: object) -> View:
    try:
        return VIEWS[type(result).__name__]
    except KeyError:
        raise InvalidArgumentError(
            f"no HTML view for {type(result).__name__}; views exist for {', '.join(VIEWS)}"
        ) from None


def render(result: object, articles: ArticleSource = None, **context: Any) -> str:
    """``result`` as a whole self-contained page (styles inline, no script, nothing fetched)."""
    view = view_of(result)
    page = build_page(view.citations(result), view.article_ids(result), articles)
    html: str = environment().get_template(view.template).render(result=result, page=page, **context)
    return html


def render_content(result: object, articles: ArticleSource = None, **context: Any) -> str:
    """Only the ``content`` block of ``result``'s page, for a page that already has the styles
    (``agent serve`` streams it after the answer's draft)."""
    view = view_of(result)
    page = build_page(view.citations(result), view.article_ids(result), articles)
    return render_block(view.template, "content", result=result, page=page, **context)


def render_block(template: str, block: str, **context: Any) -> str:
    """One block of ``template`` rendered with ``context``."""
    tmpl = environment().get_template(template)
    return "".join(tmpl.blocks[block](tmpl.new_context(context)))


def render_article(article: ArticleLike, **context: Any) -> str:
    """One article as a page: its title, outlet, date, link and text (nothing marked).
    ``context`` is passed to the template (``agent serve`` adds its ``serve`` state)."""
    page = build_page([], [article.id], [article])
    html: str = environment().get_template("article.html").render(
        article=page.articles[0], page=page, **context
    )
    return html
