"""Time-aware retrieval: questions are asked *as of* a moment, and "this week" means that week.

The naive pipeline's typical news error is the right topic from the wrong week: retrieval does
not know when "now" is and the model never sees dates. Here:

* the question's time phrase (``agent.timewindow``) becomes a publication-date filter, and the
  phrase is removed from the search text (it only adds noise to the embedding);
* an explicit ``as_of`` (replaying a past day) caps every search at the end of that day: articles
  published later are never used;
* a *soft* window ("recently", "lately") that finds nothing is widened, then dropped;
* a *precise* window ("last week", "yesterday", "in March") that finds nothing is **not** relaxed
  for answering — that is exactly how another week's figure gets borrowed. Retrieval looks
  outside the window only to tell the user where the nearest coverage is, and the answer is
  ``not_in_sources``;
* with no time phrase, a mild recency preference orders otherwise equal passages (no cut);
* the model is told today's date and the window, and every passage shows its date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from agent.retrieve import Retriever
from agent.timewindow import TimeWindow, resolve_time, strip_time_phrase
from agent.types import ConsideredPassage, Passage, RetrievalInfo

SOFT_KINDS = frozenset({"recent"})
# Largest re-ordering bonus for the newest passage, in RRF score units. Adjacent RRF ranks differ
# by ~0.0003 near the top (1/61 - 1/62), so 0.0008 moves a passage up two or three places at most.
RECENCY_BONUS = 0.0008


@dataclass
class TemporalRetrieval:
    passages: list[Passage]
    info: RetrievalInfo
    note: str = ""
    nearest: list[Passage] = field(default_factory=list)  # outside a precise window, for the message


def _fmt(d: datetime) -> str:
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


def nothing_in_window_text(label: str, nearest: Passage | None) -> str:
    """The answer when a precise window has no coverage: say so, and where the closest match is.
    An undated article cannot be placed in or out of the window (QuAIL's articles carry no
    dates), so it is not called "outside that period"."""
    text = f"The indexed articles have nothing on this from {label}."
    if nearest is None:
        return text
    if nearest.published is None:
        return text + (
            f' The closest match, "{nearest.title}", has no publication date, so it cannot be '
            "placed in that period; ask without the time phrase to search it."
        )
    when = nearest.published.date().isoformat()
    return text + f' The nearest coverage is "{nearest.title}" ({when}), outside that period.'


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

    Explicit ``since``/``until`` filters win over a phrase in the question.
    """
    replay = as_of is not None
    moment = as_of or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    cap = datetime.combine(moment.date(), time.min, tzinfo=moment.tzinfo) + timedelta(days=1)
    hard_until = _earlier(until, cap) if replay else until

    window = None if (since or until) else resolve_time(question, moment)
    if window is not None and window.kind == "future":
        window = None
    query = strip_time_phrase(question, window) if window else question
    query = query if query.strip() else question

    filters = {
        name: str(value)
        for name, value in (("source", source), ("since", since), ("until", hard_until))
        if value
    }
    if article_ids:
        filters["article_ids"] = ",".join(article_ids)
    info = RetrievalInfo(as_of=moment, query=query, filters=filters)
    # Today's date only when time matters to the question (a time phrase, or a replayed day):
    # measured on QuAIL, where passages are undated, a standing "Today's date" made the model
    # turn "on Monday" into today's calendar date — an invented fact the verifier then rejected.
    note = f"Today's date: {_fmt(moment)}.\n" if (replay or window is not None) else ""

    def search(lo: datetime | None, hi: datetime | None, *, gate: bool = True) -> list[Passage]:
        return retriever.retrieve(
            query, k=k, source=source, since=lo, until=hi, article_ids=article_ids, gate=gate
        )

    passages: list[Passage]
    nearest: list[Passage] = []
    if window is None:
        passages = prefer_recent(search(since, hard_until))
    else:
        info.time_phrase = window.phrase
        info.window_since, info.window_until = window.since, window.until
        lo, hi = _later(since, window.since), _earlier(hard_until, window.until)
        # the store's `until` is inclusive; the window's is exclusive
        hi_incl = hi - timedelta(seconds=1) if hi is not None else None
        passages = search(lo, hi_incl)
        note += f'The question\'s "{window.phrase}" means {window_label(window)}.\n'
        if not passages and window.kind in SOFT_KINDS:
            wider = window.widened()
            while wider is not None and not passages:
                w_hi = _earlier(hard_until, wider.until)
                passages = search(_later(since, wider.since), w_hi - timedelta(seconds=1) if w_hi else None)
                info.fallback = "widened"
                wider = wider.widened()
            if not passages:
                passages = prefer_recent(search(since, hard_until))
                info.fallback = "dropped"
        elif not passages:
            nearest = search(since, hard_until)
            info.fallback = "nearest_only" if nearest else "none"
    info.passages = [
        ConsideredPassage(
            chunk_id=p.chunk_id, article_id=p.article_id, title=p.title, published=p.published, score=p.score
        )
        for p in passages
    ]
    return TemporalRetrieval(passages=passages, info=info, note=note, nearest=nearest)
