"""Time-aware retrieval: questions are asked *as of* a moment, and "this week" means that week.

Retrieval that does not know when "now" is finds the right topic from the wrong week. Here:

* the question's time phrase (``agent.retrieve.timephrase``) becomes a publication-date filter, and
  the phrase is removed from the search text (it only adds noise to the embedding);
* an explicit ``as_of`` (replaying a past day) caps every search at the end of that day: articles
  published later are never used;
* a *soft* window ("recently", "lately") that finds nothing is widened, then dropped;
* a *precise* window ("last week", "yesterday", "last year") that finds nothing is **never
  silently** relaxed, since that is how another week's figure gets borrowed. When a relevant
  article lies within one window length of it (and not after the as-of moment), its day's
  passages are returned with a ``lead`` sentence that says so (``fallback="nearest"``); an undated
  best match is returned the same way outside a replay (``fallback="undated"``); otherwise no
  passages, and ``nearest`` names the closest coverage for the refusal (``agent.answer`` words it);
* a date or month naming an *event* ("the January 6 attack") searches coverage published from
  that date to the as-of day, articles that mention the date first;
* an article dated with a day and no time of day (stored as midnight) belongs to that whole
  calendar day in the as-of moment's time zone, not to the UTC instant its midnight falls on;
* with no time phrase, a mild recency preference orders otherwise equal passages (no cut);
* the model is told today's date and the window, and every passage shows its date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from agent.retrieve.hybrid import Retriever
from agent.retrieve.timephrase import resolve_time, strip_time_phrase
from agent.retrieve.windows import TimeWindow
from agent.text.dates import check_in_range
from agent.types import ConsideredPassage, Passage, RetrievalInfo

SOFT_KINDS = frozenset({"recent"})
# Largest re-ordering bonus for the newest passage, in blended-score units (0-1, see
# agent.retrieve.hybrid.fuse_scores): two reports of a weekly series in one rolling week score
# within a few hundredths of each other and the model reads the first, so the newer one should
# lead; a match better by more than this keeps its place (a preference, not a cut).
RECENCY_BONUS = 0.1


@dataclass
class TemporalRetrieval:
    """What one question's retrieval found; ``agent.answer.from_retrieval`` makes the answer."""

    passages: list[Passage]
    info: RetrievalInfo
    note: str = ""  # trusted context for the prompt: today's date, the window, the fallback
    nearest: list[Passage] = field(default_factory=list)  # outside a precise window, for the refusal
    lead: str = ""  # the answer's first sentence when the passages are the nearest or undated coverage
    window_text: str = ""  # the window as answers name it ("13 June – 16 June 2026")


def _fmt(d: date) -> str:
    """A day as answers name it: "12 June 2026"."""
    return f"{d.day} {d.strftime('%B %Y')}"


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def prefer_recent(passages: list[Passage]) -> list[Passage]:
    """Stable re-order with a small bonus for newer passages; undated ones get none."""
    stamps = [p.published.timestamp() for p in passages if p.published]
    if len(stamps) < 2 or max(stamps) == min(stamps):
        return passages
    lo, hi = min(stamps), max(stamps)

    def key(p: Passage) -> float:
        bonus = RECENCY_BONUS * (p.published.timestamp() - lo) / (hi - lo) if p.published else 0.0
        return -(p.score + bonus)

    return sorted(passages, key=key)


def window_label(window: TimeWindow) -> str:
    """The window in words, as answers and refusals name it: "13 June – 16 June 2026"."""
    if window.since and window.until:
        last = window.until - timedelta(microseconds=1)
        if window.since.date() == last.date():
            return _fmt(window.since)
        return f"{_fmt(window.since)} – {_fmt(last)}"
    if window.since:
        return f"since {_fmt(window.since)}"
    if window.until:
        return f"before {_fmt(window.until)}"
    return window.phrase


def is_date_only(published: datetime) -> bool:
    """A publication date given as a day with no time of day (stored as that day's midnight)."""
    return published.timetz().replace(tzinfo=None) == time(0)


def effective_published(published: datetime, zone: tzinfo) -> datetime:
    """When an article counts as published, in ``zone``: a date-only article ("12 June") counts
    from the local midnight that starts that day, so it belongs to the whole 12 June of the
    as-of zone — not to 11 June in New York because its midnight UTC is 20:00 there."""
    if is_date_only(published):
        return datetime.combine(published.date(), time(0), tzinfo=zone)
    return published


def _within(p: Passage, lo: datetime | None, hi: datetime | None, zone: tzinfo) -> bool:
    """``lo <= published < hi`` (either open); undated passages are inside only an open window."""
    if p.published is None:
        return lo is None and hi is None
    at = effective_published(p.published, zone)
    return (lo is None or at >= lo) and (hi is None or at < hi)


def _mentions(window: TimeWindow) -> re.Pattern[str] | None:
    """How an article names the event date of ``window``: "6 January", "Jan. 6", "2021-01-06",
    or for a month, its name."""
    if window.event_since is None or window.event_until is None:
        return None
    d = window.event_since
    month = d.strftime("%B")
    names = rf"(?:{month}|{month[:3]}\.?)"
    if (window.event_until - d) <= timedelta(days=1):
        day = rf"0?{d.day}(?:st|nd|rd|th)?"
        return re.compile(
            rf"\b(?:{names}\s+{day}\b|{day}\s+(?:of\s+)?{names}\b|{d.date().isoformat()})", re.I
        )
    return re.compile(rf"\b{month}\b", re.I)


def prefer_mentions(passages: list[Passage], window: TimeWindow) -> list[Passage]:
    """Stable re-order: passages that mention the event date first (an event question)."""
    pattern = _mentions(window)
    if pattern is None:
        return passages
    return sorted(passages, key=lambda p: pattern.search(p.text) is None)


def retrieve_as_of(
    retriever: Retriever,
    question: str,
    *,
    k: int,
    as_of: datetime | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    article_ids: list[str] | None = None,
) -> TemporalRetrieval:
    """Retrieve for ``question`` asked at ``as_of`` (now when None), honouring its time phrase.

    Explicit ``since``/``until`` filters win over a phrase in the question. Windows are local
    days in ``as_of``'s time zone (UTC when it has none). A date too near year 1 or 9999 for a
    window to be computed around it is an ``InvalidArgumentError`` naming it.
    """
    for name, value in (("as_of", as_of), ("since", since), ("until", until)):
        if value is not None:
            check_in_range(value, name)
    replay = as_of is not None
    moment = as_of or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = moment.tzinfo
    assert zone is not None
    cap = datetime.combine(moment.date(), time.min, tzinfo=zone) + timedelta(days=1)
    hard_until = _earlier(until, cap) if replay else until

    window = None if (since or until) else resolve_time(question, moment, tz=zone)
    if window is not None and window.kind == "future":
        window = None
    # The time phrase only adds noise to the search text, except an event's date, which is part
    # of how articles name the event ("the January 6 attack").
    query = strip_time_phrase(question, window) if window and window.kind != "event" else question
    query = query if query.strip() else question

    filters = _filters_shown(source, since, hard_until, article_ids)
    info = RetrievalInfo(as_of=moment, query=query, filters=filters)
    # Today's date only when time matters to the question (a time phrase, or a replayed day):
    # with undated passages, a standing "Today's date" leads a small model to turn "on Monday"
    # into today's calendar date, an invented fact.
    note = f"Today's date: {_fmt(moment)}.\n" if (replay or window is not None) else ""
    # A date-only article's midnight UTC may lie up to a day from its local day: ask the store
    # for a margin around [lo, hi) and keep what belongs by ``effective_published``.
    offset = zone.utcoffset(moment) or timedelta(0)
    margin = abs(offset) + timedelta(hours=1) if offset else timedelta(0)
    search = _Search(retriever, query, k, source, article_ids, zone, margin)
    span = _Span(since, hard_until + timedelta(seconds=1) if hard_until is not None else None, cap)

    if window is None:
        found = TemporalRetrieval(passages=prefer_recent(search(since, span.hi_all)), info=info, note=note)
    else:
        found = _retrieve_in_window(search, window, span, info, note, moment=moment, replay=replay)
    info.passages = [
        ConsideredPassage(
            chunk_id=p.chunk_id, article_id=p.article_id, title=p.title, published=p.published, score=p.score
        )
        for p in found.passages
    ]
    return found


def _filters_shown(
    source: str | None, since: datetime | None, until: datetime | None, article_ids: list[str] | None
) -> dict[str, str]:
    """The explicit filters as ``RetrievalInfo.filters`` reports them (strings, unset ones left out)."""
    filters = {
        name: str(value) for name, value in (("source", source), ("since", since), ("until", until)) if value
    }
    if article_ids:
        filters["article_ids"] = ",".join(article_ids)
    return filters


@dataclass(frozen=True)
class _Search:
    """One question's search bounded by publication time: ``search(lo, hi)`` = passages in
    ``[lo, hi)`` (``hi`` exclusive; the store's ``until`` is inclusive), best first."""

    retriever: Retriever
    query: str
    k: int
    source: str | None
    article_ids: list[str] | None
    zone: tzinfo
    margin: timedelta  # asked of the store around [lo, hi); date-only articles are then re-placed

    def __call__(self, lo: datetime | None, hi: datetime | None, *, n: int | None = None) -> list[Passage]:
        q_lo = lo - self.margin if lo is not None else None
        q_hi = hi + self.margin - timedelta(seconds=1) if hi is not None else None
        got = self.retriever.retrieve(
            self.query, k=self.k if n is None else n, source=self.source, since=q_lo, until=q_hi,
            article_ids=self.article_ids,
        )
        return [p for p in got if _within(p, lo, hi, self.zone)] if self.margin else got


@dataclass(frozen=True)
class _Span:
    """The caller's bounds: explicit ``since``, ``hi_all`` (exclusive: the explicit ``until`` or, in a
    replay, the end of the as-of day), and ``cap`` (the end of the as-of day)."""

    since: datetime | None
    hi_all: datetime | None
    cap: datetime


def _retrieve_in_window(
    search: _Search,
    window: TimeWindow,
    span: _Span,
    info: RetrievalInfo,
    note: str,
    *,
    moment: datetime,
    replay: bool,
) -> TemporalRetrieval:
    """Search the question's window; an empty one is widened (soft) or explained (precise)."""
    info.time_phrase = window.phrase
    info.window_since, info.window_until = window.since, window.until
    info.time_reading = "event" if window.kind == "event" else "publication"
    lo, hi = _later(span.since, window.since), _earlier(span.hi_all, window.until)
    label = window_label(window)
    if window.kind == "event":
        passages = prefer_mentions(search(lo, hi, n=2 * search.k), window)[: search.k]
        assert window.event_since is not None and window.event_until is not None
        event = window_label(TimeWindow(window.event_since, window.event_until, window.phrase, ""))
        note += (
            f'The question\'s "{window.phrase}" is the date of the event ({event}); the passages '
            f"are coverage published from then to today.\n"
        )
    else:
        passages = search(lo, hi)
        if window.kind == "rolling":
            # "this week" asked on a weekly report's day also holds last week's report (day
            # 7 back): among equals, the newer one comes first, as the prompt asks the model.
            passages = prefer_recent(passages)
        note += f'The question\'s "{window.phrase}" means {label}.\n'
    found = TemporalRetrieval(passages=passages, info=info, note=note, window_text=label)
    if not passages and window.kind in SOFT_KINDS:
        _widen(found, search, window, span)
    elif not passages:
        _outside_window(found, search, window, span, moment=moment, replay=replay)
    return found


def _widen(found: TemporalRetrieval, search: _Search, window: TimeWindow, span: _Span) -> None:
    """A soft window that found nothing: widen it step by step, then drop it (``info.fallback``)."""
    wider = window.widened()
    while wider is not None and not found.passages:
        found.passages = search(_later(span.since, wider.since), _earlier(span.hi_all, wider.until))
        found.info.fallback = "widened"
        wider = wider.widened()
    if not found.passages:
        found.passages = prefer_recent(search(span.since, span.hi_all))
        found.info.fallback = "dropped"


def _outside_window(
    found: TemporalRetrieval,
    search: _Search,
    window: TimeWindow,
    span: _Span,
    *,
    moment: datetime,
    replay: bool,
) -> None:
    """A precise window that found nothing: the nearest coverage's passages and a ``lead`` that
    names their day; else an undated best match's passages and a ``lead`` (outside a replay);
    else no passages, and the nearest matches recorded for the refusal."""
    label, zone = found.window_text, search.zone
    near = _nearest_coverage(search, window, span.since, _earlier(span.hi_all, span.cap), moment, zone)
    if near:
        day = effective_published(near[0].published or moment, zone).date()
        found.lead = f"Nothing from {label}; the closest coverage, from {_fmt(day)}, says:"
        found.note += (
            f"No article from {label} matches the question. The passages below are the "
            f"closest coverage, published {_fmt(day)}: answer from them as of that date.\n"
        )
        found.passages, found.nearest = near, near
        found.info.fallback = "nearest"
        return
    nearest = [
        p
        for p in search(span.since, span.hi_all)
        if p.published is None or effective_published(p.published, zone) <= moment
    ]
    found.nearest = nearest
    found.info.fallback = "nearest_only" if nearest else "none"
    undated = [p for p in nearest if p.published is None]
    if not replay and nearest and nearest[0].published is None:
        # The best match has no date: it can be neither placed in the window nor ruled
        # out, so it answers, labelled. Not in a replay: it may postdate the replayed day.
        found.lead = f"Nothing from {label} is indexed; the closest match, an undated article, says:"
        # The window's dates do not apply to undated passages: said beside them, they turn the
        # model away from the sentence whose own "last year" is what was asked.
        found.note = found.note.split("\n", 1)[0] + "\n" + (
            f'No dated article matches the question\'s "{window.phrase}". The passages below are '
            "from undated articles: answer from them as they are written. A time word in a "
            'passage ("last year", "on Monday") counts from that article\'s own date, which is '
            "unknown: repeat it as the passage says it.\n"
        )
        found.passages = undated[: search.k]
        found.info.fallback = "undated"


def _nearest_coverage(
    search: Callable[[datetime | None, datetime | None], list[Passage]],
    window: TimeWindow,
    since: datetime | None,
    hi_cap: datetime | None,
    moment: datetime,
    zone: tzinfo,
) -> list[Passage]:
    """The passages of the closest relevant coverage to an empty precise window, or [].

    Searched: one window length either side of the window (a week for "last week", a year for
    "last year"), never past the as-of day; dropped: undated articles (they cannot be placed) and
    any article published after the as-of moment itself. The most relevant passage found names
    the day; only passages published that same local day are kept, so the one date the answer's
    first sentence gives covers every passage the model may cite.
    An event window or an open one ("before 2020") has no such neighbourhood.
    """
    if window.kind == "event" or window.since is None or window.until is None:
        return []
    span = window.until - window.since
    lo = _later(since, window.since - span)
    hi = _earlier(hi_cap, window.until + span)
    found = [
        p
        for p in search(lo, hi)
        if p.published is not None
        and effective_published(p.published, zone) <= moment
        and not _within(p, window.since, window.until, zone)
    ]
    if not found:
        return []
    assert found[0].published is not None
    day = effective_published(found[0].published, zone).date()
    return [p for p in found if p.published and effective_published(p.published, zone).date() == day]
