"""One-call summaries over an article's key sentences, cited by sentence id.

Reading the whole article and copying a quote per item is where a summary's time goes, and a
re-worded quote fails verification. So the model reads only the key sentences
(``agent.summary.select``), numbered ``[1]``..``[m]``, and cites ids from an ``enum`` of exactly
those; the quote shown is the cited sentence, verbatim by construction. A key point stating a
number none of its sentences states is re-cited to the shown sentence that does, or dropped.
Figures, dates and direct quotes are read from the sentences, not written by the model.
``summarize_article`` takes this path whenever the key sentences fit one call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.prompting import load_prompt
from agent.summary.schema import HEADLINE_WORDS, MIN_KEY_POINTS, array_schema, object_schema, string_schema
from agent.summary.verify import Items, Verifier, clip_headline, figure_check, one_line, verified_names
from agent.text.fence import attribute, neutralise
from agent.text.mentions import date_mentions, quoted_span, speaker_of, words_around
from agent.text.numbers import digits_in, numbers_in
from agent.text.sentences import Sentence
from agent.types import Article, Citation, DateEvent, KeyFigure, KeyPoint, SummaryQuote
from agent.untrusted import defang, defang_sentence, tainted_spans

PROMPT_NAME = "summarize_sentences"
MAX_POINTS = 4
#: Names per list: a small model pads every list to its limit ("Veep" as a place), and every
#: name is reply tokens.
MAX_NAMES = 2
MAX_FIGURES = 6
MAX_DATES = 3
MAX_QUOTES = 2
MAX_SOURCES = 3


class Shown:
    """The key sentences of one article as the model sees them: id ``k`` (1-based) is
    ``sentences[k - 1]``; ``number[k]`` is its 1-based position among all the article's
    sentences (what a citation's ``sentence_ids`` records, stable across selections)."""

    def __init__(
        self, article: Article, sentences: Sequence[Sentence], all_sentences: Sequence[Sentence]
    ) -> None:
        self.article = article
        self.sentences = list(sentences)
        index = {(s.start, s.end): i + 1 for i, s in enumerate(all_sentences)}
        self.number = {k: index.get((s.start, s.end), 0) for k, s in enumerate(self.sentences, start=1)}

    @property
    def ids(self) -> list[int]:
        return list(range(1, len(self.sentences) + 1))

    def text_of(self, sid: int) -> str:
        s = self.sentences[sid - 1]
        return self.article.text[s.start : s.end]

    def span(self, sid: int) -> tuple[int, int]:
        s = self.sentences[sid - 1]
        return s.start, s.end

    def format(self) -> str:
        """One ``[id] sentence`` line each; ``…`` marks sentences left out between two shown."""
        lines: list[str] = []
        prev: int | None = None
        tainted = tainted_spans(self.article.text)
        for k, s in enumerate(self.sentences, start=1):
            n = self.number[k]
            if prev is not None and n > prev + 1:
                lines.append("…")
            prev = n
            body = " ".join(defang_sentence(self.article.text, s.start, s.end, tainted).split())
            lines.append(f"[{k}] {neutralise(body, 'article')}")
        return "\n".join(lines)

    def clean(self, sid: int) -> bool:
        """Whether sentence ``sid`` reaches the model unchanged (no instruction-like text was
        removed from it): only such a sentence may be shown to the reader without the model —
        as a gap-filling key point, a figure, a date or a quote."""
        if not hasattr(self, "_tainted"):
            self._tainted = tainted_spans(self.article.text)
        s = self.sentences[sid - 1]
        raw = self.article.text[s.start : s.end]
        shown = defang_sentence(self.article.text, s.start, s.end, self._tainted)
        return " ".join(shown.split()) == " ".join(raw.split())


def messages(article: Article, shown: Shown) -> list[BaseMessage]:
    """Fixed system prompt + the fenced, numbered key sentences (instruction-like text removed)."""
    prompt = load_prompt(PROMPT_NAME)
    user = prompt.user.format(
        title=attribute(defang(article.title)),  # a title or feed name can carry an attack too
        source=attribute(defang(article.source or "unknown")),
        date=article.published.date().isoformat() if article.published else "unknown",
        sentences=shown.format(),
    )
    return [SystemMessage(content=prompt.system), HumanMessage(content=user)]


def schema(shown: Shown) -> dict[str, Any]:
    """The JSON the model fills: a headline, 3-4 cited points (together the summary paragraph)
    and names, every citation an ``enum`` of the shown ids. No more, since every token written
    costs time on a small local model."""
    ids = shown.ids
    sid = {"type": "integer", "enum": ids}
    sources = {"type": "array", "items": sid, "minItems": 1, "maxItems": MAX_SOURCES}
    lo = max(1, min(MIN_KEY_POINTS, len(ids)))
    point = object_schema({"text": string_schema(), "sources": sources})
    return object_schema(
        {
            "headline": string_schema(f"at most {HEADLINE_WORDS} words"),
            "points": array_schema(point, lo, max(lo, min(MAX_POINTS, len(ids)))),
            "people": array_schema(string_schema(), 0, MAX_NAMES),
            "organisations": array_schema(string_schema(), 0, MAX_NAMES),
            "places": array_schema(string_schema(), 0, MAX_NAMES),
        }
    )


def figures_of(shown: Shown, figures: Sequence[str], v: Verifier) -> list[KeyFigure]:
    """The figures (``figures``: the candidates found in the shown text) each cited to the first
    shown sentence that writes it, with the words around it as what it measures: verbatim, so
    never flagged unless the sentence check itself disagrees."""
    out: list[KeyFigure] = []
    for value in figures:
        k = next((j for j in shown.ids if value.lower() in shown.text_of(j).lower() and shown.clean(j)), None)
        if k is None:
            continue
        text = shown.text_of(k)
        at = text.lower().index(value.lower())
        reason = figure_check(value, text)
        out.append(
            KeyFigure(
                value=value,
                unit=unit_of(value),
                what=words_around(text, at, at + len(value)),
                citations=[_cite(shown, v, k)],
                flagged=reason is not None,
                flag_reason=reason,
            )
        )
        if len(out) == MAX_FIGURES:
            break
    return out


def unit_of(value: str) -> str:
    """The unit a figure's own text writes: currency sign, percent; else none (a counted noun
    such as "300 people" is part of the value)."""
    v = value.lower()
    for sign, unit in (("$", "USD"), ("£", "GBP"), ("€", "EUR")):
        if sign in v:
            return unit
    return "percent" if "%" in v or "per cent" in v or "percent" in v else ""


def dates_of(shown: Shown, v: Verifier) -> list[DateEvent]:
    """The dates the shown sentences write ("May 16", "on Tuesday", "March 2020"), each with the
    words around it as its event and the sentence as its citation; the article's own dateline
    repeated in every report is not an event, so a date is listed once."""
    out: list[DateEvent] = []
    seen: set[str] = set()
    for k in filter(shown.clean, shown.ids):
        text = shown.text_of(k)
        for a, b in date_mentions(text):
            date = " ".join(text[a:b].split())
            if date.lower() in seen:
                continue
            seen.add(date.lower())
            out.append(DateEvent(date=date, event=words_around(text, a, b), citations=[_cite(shown, v, k)]))
            if len(out) == MAX_DATES:
                return out
    return out


def quotes_of(shown: Shown, v: Verifier) -> list[SummaryQuote]:
    """The first ``MAX_QUOTES`` shown sentences holding a direct quote: the quoted words,
    verbatim at their span, and the speaker the sentence names ("…," said X), else none."""
    out: list[SummaryQuote] = []
    for k in filter(shown.clean, shown.ids):
        text = shown.text_of(k)
        q = quoted_span(text)
        if q is None:
            continue
        a, _ = shown.span(k)
        c = v.citation((a + q[0], a + q[1]))
        c = c.model_copy(update={"sentence_ids": [shown.number[k]]})
        speaker = speaker_of(text, *q)
        speaker = speaker if v.name_in_article(speaker) else ""
        out.append(SummaryQuote(text=c.quote, speaker=speaker, citations=[c]))
        if len(out) == MAX_QUOTES:
            break
    return out


def fill_gaps(
    key_points: list[KeyPoint], shown: Shown, gaps: Sequence[tuple[int, int]], v: Verifier, headline: str = ""
) -> None:
    """For each third of the article no point cites (``gaps``), one shown sentence of it as a
    key point, verbatim and cited to itself: the one saying most of what the headline claims and
    the points do not, then most of what the points do not. A small model writes its points from
    the opening and may headline what none says; this covers both without a model call."""
    said = set().union(*(_words(k.text) for k in key_points)) if key_points else set()
    claim = _words(headline) - said
    cited = {(c.start, c.end) for kp in key_points for c in kp.citations}
    for start, end in gaps:
        inside = [
            j
            for j in filter(shown.clean, shown.ids)
            if start <= shown.span(j)[0] < end and shown.span(j) not in cited
        ]
        if inside:
            k = max(inside, key=lambda j: (len(_words(shown.text_of(j)) & claim), _new(shown, j, said), -j))
            _add(key_points, shown, v, k)
            cited.add(shown.span(k))
    # The headline is the one claim without a citation: when it says what no point says, the
    # shown sentence that says most of it is added too.
    claim = _words(headline) - set().union(*(_words(k.text) for k in key_points)) if key_points else set()
    backing = [
        j
        for j in filter(shown.clean, shown.ids)
        if shown.span(j) not in cited and _words(shown.text_of(j)) & claim
    ]
    if backing:
        _add(key_points, shown, v, max(backing, key=lambda j: (len(_words(shown.text_of(j)) & claim), -j)))


def _add(key_points: list[KeyPoint], shown: Shown, v: Verifier, k: int) -> None:
    text = " ".join(shown.text_of(k).split())
    key_points.append(KeyPoint(text=text, citations=[_cite(shown, v, k)]))


def _new(shown: Shown, j: int, said: set[str]) -> int:
    """How many words sentence ``j`` has that the points do not."""
    return len(_words(shown.text_of(j)) - said)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{4,}", text.lower()))


def _cite(shown: Shown, v: Verifier, k: int) -> Citation:
    c = v.citation(shown.span(k))
    return c.model_copy(update={"sentence_ids": [shown.number[k]]})


def _ids(raw: Any, shown: Shown) -> list[int]:
    out: list[int] = []
    for x in raw if isinstance(raw, list) else [raw]:
        try:
            k = int(x)
        except (TypeError, ValueError):
            continue
        if 1 <= k <= len(shown.sentences) and k not in out:
            out.append(k)
    return out


MAX_POINT_WORDS = 40  # the prompt asks for at most 16; a point this long has run on


def _runs_on(text: str) -> bool:
    """A point that is not one short sentence: a small model may keep writing inside the string,
    several sentences and even the JSON that should follow (``'sources':[3,4] ,``)."""
    return len(text.split()) > MAX_POINT_WORDS or re.search(r"""["']sources["']\s*:""", text) is not None


def _sentence(text: str) -> str:
    """A point as a sentence of the summary paragraph: a small model often leaves off the full stop."""
    return text + "." if text and not text.endswith((".", "!", "?", '"', "\u201d", "'", "\u2019")) else text


def verify(raw: dict[str, Any], shown: Shown, v: Verifier, figures: Sequence[str] = ()) -> Items:
    """The model's items kept only where their sentence ids check out (``v`` is the article's
    ``agent.summary.verify.Verifier``: it makes the citations and counts what is dropped). The summary is
    the kept points, so a point dropped for an unstated number leaves the summary too."""
    title_numbers = numbers_in(shown.article.title)
    key_points: list[KeyPoint] = []
    for kp in raw.get("points") or raw.get("key_points") or []:
        text = _sentence(one_line(kp.get("text")))
        ids = _ids(kp.get("sources"), shown)
        if not text or not ids or _runs_on(text):
            v.dropped += 1
            continue
        missing = digits_in(text) - title_numbers - set().union(*(numbers_in(shown.text_of(k)) for k in ids))
        for n in sorted(missing):  # a number the cited sentences do not state: cite the one that does
            extra = next((k for k in shown.ids if n in numbers_in(shown.text_of(k))), None)
            if extra is None:
                break
            ids.append(extra)
            missing = missing - numbers_in(shown.text_of(extra))
        if missing:
            v.dropped += 1
            continue
        key_points.append(KeyPoint(text=text, citations=[_cite(shown, v, k) for k in dict.fromkeys(ids)]))

    return Items(
        headline=clip_headline(one_line(raw.get("headline"))),
        summary=" ".join(k.text for k in key_points),
        key_points=key_points,
        people=verified_names(raw.get("people"), v),
        organisations=verified_names(raw.get("organisations"), v),
        places=verified_names(raw.get("places"), v),
        key_figures=figures_of(shown, figures, v),
        dates_events=dates_of(shown, v),
        quotes=quotes_of(shown, v),
        summary_points=len(key_points),
    )
