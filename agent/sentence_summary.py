"""One-call summaries over an article's key sentences, cited by sentence id.

Why: a summary used to show the model the whole article and have it copy a 5-20 word quote for
every item. Prompt evaluation and the copied quotes were most of a summary's time (median 94 s
on the 1.5B), and a re-worded quote failed verification. Now:

- the model reads only the article's key sentences (``agent.select``), numbered ``[1]``..``[m]``;
- every item cites sentence ids — an ``enum`` of exactly the ids shown (grammar-constrained on
  the embedded model), so it cannot cite anything else and writes a digit, not a quote;
- the quote shown *is* the cited sentence, ``article.text[start:end]``, verbatim at its span by
  construction; a figure's value must be written in its own cited sentence (else the shown
  sentence that does write it is cited instead, else it is flagged), and a key point stating a
  number none of its sentences states is re-cited the same way or dropped;
- a direct quote is the quoted words of its cited sentence (found, not copied by the model).

``summarize_article`` (agent/summarize.py) uses this path whenever the key sentences fit one
call, which is every article whose sentences the segmenter can split; map-reduce over the full
text remains for the rest (a text with no sentence boundaries).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.prompting import load_prompt
from agent.text.sentences import Sentence
from agent.types import Article, DateEvent, KeyFigure, KeyPoint, SummaryQuote
from agent.untrusted import defang, defang_sentence, tainted_spans

PROMPT_NAME = "summarize_sentences"
MAX_POINTS = 6
MAX_FIGURES = 6
MAX_DATES = 3
MAX_QUOTES = 2
MAX_SOURCES = 3
_QUOTED = re.compile(r"[\"“‘']([^\"“”‘’']{12,}?)[\"”’']")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


class Shown:
    """The key sentences of one article as the model sees them: id ``k`` (1-based) is
    ``sentences[k - 1]``; ``number[k]`` is its 1-based position among all the article's
    sentences (what a citation's ``sentence_ids`` records, stable across selections)."""

    def __init__(self, article: Article, sentences: Sequence[Sentence], all_sentences: Sequence[Sentence]):
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
        from agent.summarize import neutralise

        lines: list[str] = []
        prev: int | None = None
        tainted = tainted_spans(self.article.text)
        for k, s in enumerate(self.sentences, start=1):
            n = self.number[k]
            if prev is not None and n > prev + 1:
                lines.append("…")
            prev = n
            body = " ".join(defang_sentence(self.article.text, s.start, s.end, tainted).split())
            lines.append(f"[{k}] {neutralise(body)}")
        return "\n".join(lines)

    def ids_where(self, pred: Any) -> list[int]:
        return [k for k in self.ids if pred(self.text_of(k))]


def messages(article: Article, shown: Shown) -> list[BaseMessage]:
    """Fixed system prompt + the fenced, numbered key sentences (instruction-like text removed)."""
    from agent.summarize import _attr

    prompt = load_prompt(PROMPT_NAME)
    user = prompt.user.format(
        title=_attr(defang(article.title)),  # a title or feed name can carry an attack too
        source=_attr(defang(article.source or "unknown")),
        date=article.published.date().isoformat() if article.published else "unknown",
        sentences=shown.format(),
    )
    return [SystemMessage(content=prompt.system), HumanMessage(content=user)]


def schema(
    shown: Shown, figures: Sequence[str], *, enum_values: bool = True, min_points: int = 3
) -> dict[str, Any]:
    """The JSON the model fills. Every citation is an ``enum`` of shown ids; figures may only
    cite sentences holding a figure (``figures``: the candidates found in the shown text, also
    the enum of values when ``enum_values``, i.e. on a grammar-backed model), quotes only
    sentences holding quotation marks; a list with nothing to cite has ``maxItems`` 0."""
    from agent.summarize import HEADLINE_WORDS, _arr, _obj, _str

    ids = shown.ids
    sid = {"type": "integer", "enum": ids}
    sources = {"type": "array", "items": sid, "minItems": 1, "maxItems": MAX_SOURCES}
    lo = max(1, min(min_points, len(ids)))
    props: dict[str, Any] = {
        "headline": _str(f"at most {HEADLINE_WORDS} words"),
        "summary": _str("one paragraph, 2 to 4 sentences"),
        "key_points": _arr(
            _obj({"text": _str(), "sources": sources}), lo, max(lo, min(MAX_POINTS, len(ids)))
        ),
        "people": _arr(_str(), 0, 6),
        "organisations": _arr(_str(), 0, 6),
        "places": _arr(_str(), 0, 6),
    }
    # Figures cite only sentences holding a figure, quotes only ones holding quotation marks
    # (all ids when none does: the list then stays empty or its items are dropped).
    fig_ids = shown.ids_where(lambda t: any(f.lower() in t.lower() for f in figures)) or ids
    value = {"type": "string", "enum": list(figures)} if enum_values and figures else _str()
    fig = _obj(
        {"sentence": {"type": "integer", "enum": fig_ids}, "value": value, "unit": _str(), "what": _str()}
    )
    props["key_figures"] = _arr(fig, 0, MAX_FIGURES if figures else 0)
    props["dates_events"] = _arr(_obj({"date": _str(), "event": _str(), "sentence": sid}), 0, MAX_DATES)
    quote_ids = shown.ids_where(lambda t: _QUOTED.search(t) is not None)
    q = _obj({"speaker": _str(), "sentence": {"type": "integer", "enum": quote_ids or ids}})
    props["quotes"] = _arr(q, 0, MAX_QUOTES if quote_ids else 0)
    return _obj(props)


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


def _digits(text: str) -> set[str]:
    from agent.summarize import _norm_number

    return {_norm_number(m.group()) for m in _DIGITS.finditer(text)}


def verify(raw: dict[str, Any], shown: Shown, v: Any) -> Any:
    """The model's items kept only where their sentence ids check out (``v`` is the article's
    ``summarize.Verifier``: it makes the citations and counts what is dropped)."""
    from agent.summarize import _headline, _Items, _names, _s, figure_check, numbers_in

    def cite(k: int) -> Any:
        c = v.citation(shown.span(k))
        return c.model_copy(update={"sentence_ids": [shown.number[k]]})

    title_numbers = numbers_in(shown.article.title)
    key_points: list[KeyPoint] = []
    for kp in raw.get("key_points") or []:
        text = _s(kp.get("text"))
        ids = _ids(kp.get("sources"), shown)
        if not text or not ids:
            v.dropped += 1
            continue
        missing = _digits(text) - title_numbers - set().union(*(numbers_in(shown.text_of(k)) for k in ids))
        for n in sorted(missing):  # a number the cited sentences do not state: cite the one that does
            extra = next((k for k in shown.ids if n in numbers_in(shown.text_of(k))), None)
            if extra is None:
                break
            ids.append(extra)
            missing = missing - numbers_in(shown.text_of(extra))
        if missing:
            v.dropped += 1
            continue
        key_points.append(KeyPoint(text=text, citations=[cite(k) for k in dict.fromkeys(ids)]))

    figures: list[KeyFigure] = []
    seen: set[str] = set()
    for f in raw.get("key_figures") or []:
        value = _s(f.get("value"))
        ids = _ids(f.get("sentence"), shown)
        if not value or value.lower() in seen:
            continue
        k = ids[0] if ids else None
        if k is None or figure_check(value, shown.text_of(k)) is not None:
            # the value's own sentence is its evidence when the cited one does not write it
            k = next((j for j in shown.ids if value.lower() in shown.text_of(j).lower()), k)
        if k is None:
            v.dropped += 1
            continue
        seen.add(value.lower())
        reason = figure_check(value, shown.text_of(k))
        figures.append(
            KeyFigure(
                value=value,
                unit=_s(f.get("unit")),
                what=_s(f.get("what")),
                citations=[cite(k)],
                flagged=reason is not None,
                flag_reason=reason,
            )
        )

    dates: list[DateEvent] = []
    for d in raw.get("dates_events") or []:
        ids = _ids(d.get("sentence"), shown)
        if ids and _s(d.get("date")) and _s(d.get("event")):
            dates.append(
                DateEvent(date=_s(d.get("date")), event=_s(d.get("event")), citations=[cite(ids[0])])
            )
        else:
            v.dropped += 1

    quotes: list[SummaryQuote] = []
    for q in raw.get("quotes") or []:
        ids = _ids(q.get("sentence"), shown)
        m = _QUOTED.search(shown.text_of(ids[0])) if ids else None
        if m is None:
            v.dropped += 1
            continue
        a, b = shown.span(ids[0])
        c = v.citation((a + m.start(1), a + m.end(1)))  # the quoted words, verbatim at their span
        c = c.model_copy(update={"sentence_ids": [shown.number[ids[0]]]})
        speaker = _s(q.get("speaker"))
        if speaker and not v.name_in_article(speaker):
            speaker = ""
        if any(x.citations[0].start == c.start for x in quotes):
            continue
        quotes.append(SummaryQuote(text=c.quote, speaker=speaker, citations=[c]))

    return _Items(
        headline=_headline(_s(raw.get("headline"))),
        summary=_s(raw.get("summary")),
        key_points=key_points,
        people=_names(raw.get("people"), v),
        organisations=_names(raw.get("organisations"), v),
        places=_names(raw.get("places"), v),
        key_figures=figures,
        dates_events=dates,
        quotes=quotes,
    )


__all__ = ["PROMPT_NAME", "Shown", "messages", "schema", "verify"]
