"""Nothing the model writes is trusted: its quotes, figures and names checked against the article.

An item whose quote is not in the article is dropped (counted in ``Verifier.dropped``); a figure
whose number is not in its verified quote is kept but ``flagged``; names count only when the
article mentions them. ``Items`` is what one reply leaves once verified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.summary.schema import HEADLINE_WORDS
from agent.text.fold import clean_quote
from agent.text.numbers import digits_in, number_words_in, numbers_in
from agent.text.quotes import find_quote
from agent.text.sentences import sentence_spans
from agent.types import Article, ArticleSummary, Chunk, Citation, DateEvent, KeyFigure, KeyPoint, SummaryQuote


def figure_check(value: str, quote: str) -> str | None:
    """None when every number in ``value`` appears in ``quote``; else why the figure is flagged.

    ``$240 billion`` matches "a new record of $240 billion" and "240bn"; "40%" matches
    "40 percent"; "1.5 times" matches "increased 1.5 times".
    """
    wanted = digits_in(value) or number_words_in(value)
    if not wanted:
        return f"{value!r} contains no number"
    have = numbers_in(quote)
    missing = sorted(wanted - have)
    if missing:
        return f"the number {', '.join(missing)} does not appear in the quoted passage"
    return None


def sentence_with(value: str, text: str) -> tuple[int, int] | None:
    """Span of the sentence of ``text`` (the package's segmenter, ``agent.text.sentences``)
    holding the first verbatim (case-folded) occurrence of ``value``."""
    pos = text.lower().find(value.lower())
    if pos < 0:
        return None
    start, end = pos, pos + len(value)
    for a, b in sentence_spans(text):
        if a <= pos < b:
            start, end = a, max(b, end)
            break
    if end - start > 400:  # a run-on sentence: keep a window around the value
        start, end = max(start, pos - 150), min(end, pos + len(value) + 150)
    return start, end


def chunk_of(chunks: Sequence[Chunk], start: int, article_id: str) -> str:
    """Id of the chunk holding character ``start`` (chunk ids match the index's chunking)."""
    best = f"{article_id}:0"
    for c in chunks:
        if c.start <= start:
            best = c.id
        else:
            break
    return best


class Verifier:
    """Checks the model's quotes against one article and makes ``Citation`` objects.

    Numbers are provisional (one per distinct span); ``renumber`` makes them follow
    display order once the summary is assembled.
    """

    def __init__(self, article: Article, chunks: Sequence[Chunk]) -> None:
        self.article = article
        self.chunks = list(chunks)
        self.dropped = 0
        self._numbers: dict[tuple[int, int], int] = {}

    def citation(self, span: tuple[int, int]) -> Citation:
        n = self._numbers.setdefault(span, len(self._numbers) + 1)
        a = self.article
        start, end = span
        return Citation(
            n=n,
            article_id=a.id,
            title=a.title,
            url=a.url,
            source=a.source,
            published=a.published,
            quote=a.text[start:end],
            start=start,
            end=end,
            chunk_id=chunk_of(self.chunks, start, a.id),
        )

    def cite(self, evidence: Any) -> Citation | None:
        """The citation for ``evidence`` when it is verbatim in the article, else None (counted)."""
        if not isinstance(evidence, str) or not evidence.strip():
            self.dropped += 1
            return None
        span = find_quote(evidence, self.article.text)
        if span is None:
            self.dropped += 1
            return None
        return self.citation(span)

    def name_in_article(self, name: str) -> bool:
        """A person/organisation/place name counts only if the article mentions it."""
        text = self.article.text.casefold()
        name = " ".join(name.split())
        if not name:
            return False
        if name.casefold() in text:
            return True
        # "President Vladimir Putin" when the article says "Vladimir Putin": every long word present
        words = [w for w in re.findall(r"\w+", name.casefold()) if len(w) > 2]
        return bool(words) and all(w in text for w in words)


@dataclass
class Items:
    """Verified items of one model reply (one part of an article, or all of it);
    ``summary_points``: how many of the first key points ``summary`` is made of (0: its own text)."""

    headline: str
    summary: str
    key_points: list[KeyPoint]
    people: list[str]
    organisations: list[str]
    places: list[str]
    key_figures: list[KeyFigure]
    dates_events: list[DateEvent]
    quotes: list[SummaryQuote]
    summary_points: int = 0


def one_line(x: Any) -> str:
    """A model's value as one line of text (whitespace collapsed; None is empty)."""
    return " ".join(str(x).split()) if x is not None else ""


def verified_names(raw: Any, v: Verifier) -> list[str]:
    """The names of ``raw`` the article mentions, once each (others counted in ``v.dropped``)."""
    out: list[str] = []
    for name in raw or []:
        n = clean_quote(one_line(name))
        if not n:
            continue
        if not v.name_in_article(n):
            v.dropped += 1
            continue
        if n.casefold() not in {o.casefold() for o in out}:
            out.append(n)
    return out


# Heads of noun phrases that name a group of people, not a person ("Emergency crews", "Local
# residents", "Police officers"): the small model lists them as people.
_GROUP_HEADS = frozenset(
    (
        "crews", "crew", "officials", "official", "residents", "police", "officers", "firefighters",
        "authorities", "team", "staff", "workers", "people", "volunteers", "engineers", "surveyors",
        "ministers", "leaders", "spokespeople", "spokesperson", "families", "survivors", "victims",
        "investors", "analysts", "economists", "voters", "protesters", "students", "scientists",
        "researchers", "doctors", "nurses", "experts", "farmers", "troops", "soldiers", "forces",
        "services", "council", "government", "committee", "members", "fans", "customers", "passengers"
    )
)


# Heads that make a name a place, not an organisation ("A38 bridge", "Millbrook High Street").
_PLACE_HEADS = frozenset(
    (
        "bridge", "road", "street", "avenue", "lane", "river", "station", "airport", "port", "harbour",
        "harbor", "park", "square", "valley", "hill", "lake", "bay", "island", "motorway", "highway",
        "tunnel", "dam", "estate", "quarter", "district", "county", "province", "region"
    )
)


def _head(name: str) -> str:
    words = re.findall(r"[A-Za-z]+", name)
    return words[-1].casefold() if words else ""


def sort_entities(
    people: list[str], organisations: list[str], places: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """Put each verified name in the list a reader expects: a group of people ("Emergency
    crews") is not a person and is dropped from people; an infrastructure or place name listed
    as an organisation ("A38 bridge") moves to places. A name with no capital letter is not a
    proper name and is dropped from people."""
    kept_people = [
        n for n in people if _head(n) not in _GROUP_HEADS and any(ch.isupper() for ch in n)
    ]
    kept_orgs: list[str] = []
    moved: list[str] = []
    for n in organisations:
        (moved if _head(n) in _PLACE_HEADS else kept_orgs).append(n)
    all_places = list(places)
    for n in moved:
        if n.casefold() not in {p.casefold() for p in all_places}:
            all_places.append(n)
    return kept_people, kept_orgs, all_places


def verified_points(raw: Any, v: Verifier) -> list[KeyPoint]:
    """Key points whose evidence is in the article."""
    key_points: list[KeyPoint] = []
    for kp in raw or []:
        c = v.cite(kp.get("evidence"))
        text = one_line(kp.get("text"))
        if c is not None and text:
            key_points.append(KeyPoint(text=text, citations=[c]))
    return key_points


def verified_figures(raw: Any, v: Verifier) -> list[KeyFigure]:
    """One figure per value, cited; flagged when its quote does not state the number."""
    figures: list[KeyFigure] = []
    seen_values: set[str] = set()
    for f in raw or []:
        value = one_line(f.get("value"))
        if not value or value.lower() in seen_values:
            continue
        c = v.cite(f.get("evidence"))
        if c is None or figure_check(value, c.quote) is not None:
            # The model's evidence is missing or lacks the number: when the value is written in
            # the article, its own sentence is the evidence (verbatim by construction).
            span = sentence_with(value, v.article.text)
            if span is not None:
                c = v.citation(span)
        if c is None:
            continue
        seen_values.add(value.lower())
        reason = figure_check(value, c.quote)
        figures.append(
            KeyFigure(
                value=value,
                unit=one_line(f.get("unit")),
                what=one_line(f.get("what")),
                citations=[c],
                flagged=reason is not None,
                flag_reason=reason,
            )
        )
    return figures


def verified_dates(raw: Any, v: Verifier) -> list[DateEvent]:
    """Dated events whose evidence is in the article."""
    dates: list[DateEvent] = []
    for d in raw or []:
        c = v.cite(d.get("evidence"))
        if c is not None and one_line(d.get("date")) and one_line(d.get("event")):
            date, event = one_line(d.get("date")), one_line(d.get("event"))
            dates.append(DateEvent(date=date, event=event, citations=[c]))
    return dates


def verified_quotes(raw: Any, v: Verifier) -> list[SummaryQuote]:
    """Quotes found verbatim, one per position; a speaker only when the article names them."""
    quotes: list[SummaryQuote] = []
    for q in raw or []:
        c = v.cite(q.get("text"))
        if c is None:
            continue
        speaker = one_line(q.get("speaker"))
        if speaker and not v.name_in_article(speaker):
            speaker = ""  # never attribute a quote to someone the article doesn't name
        if any(existing.citations[0].start == c.start for existing in quotes):
            continue
        quotes.append(SummaryQuote(text=c.quote, speaker=speaker, citations=[c]))
    return quotes


def verify_items(raw: dict[str, Any], v: Verifier) -> Items:
    """Keep what verifies: items whose evidence is in the article (points, figures, dates,
    quotes, then names); flag unsupported figures."""
    key_points = verified_points(raw.get("key_points"), v)
    figures = verified_figures(raw.get("key_figures"), v)
    dates = verified_dates(raw.get("dates_events"), v)
    quotes = verified_quotes(raw.get("quotes"), v)
    return Items(
        headline=clip_headline(one_line(raw.get("headline"))),
        summary=one_line(raw.get("summary")),
        key_points=key_points,
        people=verified_names(raw.get("people"), v),
        organisations=verified_names(raw.get("organisations"), v),
        places=verified_names(raw.get("places"), v),
        key_figures=figures,
        dates_events=dates,
        quotes=quotes,
    )


def clip_headline(text: str) -> str:
    """A headline cut to ``HEADLINE_WORDS`` words."""
    words = clean_quote(text).split()
    return " ".join(words[:HEADLINE_WORDS]).rstrip(",;:") if words else ""


def renumber(summary: ArticleSummary) -> ArticleSummary:
    """Citation numbers 1..m in display order (key points, figures, dates, quotes)."""
    numbers: dict[tuple[int, int], int] = {}

    def fix(cites: list[Citation]) -> list[Citation]:
        out = []
        for c in cites:
            n = numbers.setdefault((c.start, c.end), len(numbers) + 1)
            out.append(c.model_copy(update={"n": n}))
        return out

    for group in (summary.key_points, summary.key_figures, summary.dates_events, summary.quotes):
        for item in group:
            item.citations = fix(item.citations)
    return summary
