"""A digest: what is new since the previous one, ``make_digest``. A briefing with memory.

select → sentences → copies → group → continuity → write → changes → disagreements → keep:

- select: the window's articles (``agent.digest.window``), those about ``topic`` when given;
- sentences: each article's key sentences, as a briefing picks them (``agent.brief.briefing``);
- copies and group: wire copy merged into items, items grouped into storylines, ranked
  (``agent.digest.storylines``);
- continuity: each storyline matched to an earlier digest's (``agent.digest.continuity``); what
  the earlier digests told is taken out of the sentences the model sees (``agent.digest.told``),
  so an update says only what is new;
- write: the best ``max_written`` storylines with something new get one cached call each, as a
  briefing's storylines do (``agent.brief.sections``: cited ids, numbers checked); the others
  show their best new sentence verbatim; a storyline with nothing new is named only;
- changes: figures that moved since the earlier digest, both readings cited (``agent.digest.changes``);
- disagreements: between today's reports of one storyline, as a briefing finds them;
- keep: the digest and its memory in one file (``agent.digest.store``) for the next digest.

Every model reply is cached by its exact input, so the same digest made again (same window, same
earlier digests) makes no call and loads no model.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel

from agent.brief.articles import Progress, embedder_of, ticker
from agent.brief.briefing import all_article_keys, storyline_disagreements
from agent.brief.call_cache import CachedCalls
from agent.brief.citing import CitationNumbers, Cite, article_citer
from agent.brief.grouping import KEYS_PER_ARTICLE_BUDGET, ArticleKeys, pick
from agent.brief.sections import PROMPT_NAME, Story, story_figures, write_story
from agent.digest.changes import find_changes, write_changes
from agent.digest.continuity import Continuation, Continuity
from agent.digest.footer import make_footer
from agent.digest.memory import MAX_FIGURES, DigestMemory, KeptDigest, StorylineMemory, rounded
from agent.digest.store import DigestStore
from agent.digest.storylines import Storyline, merge_copies, storylines_of
from agent.digest.told import Told, fingerprint
from agent.digest.window import Since, on_topic, resolve_since, window_articles
from agent.prompting import load_prompt
from agent.settings import Settings
from agent.summary.notes import NOTES_PROMPT_NAME
from agent.summary.select import key_sentences, sentence_vectors
from agent.text.dates import as_utc
from agent.text.hashing import short_hash
from agent.types import (
    BriefingArticle,
    BriefingSentence,
    ContinuedFrom,
    Digest,
    DigestStoryline,
    Disagreement,
    KeyFigure,
    SeenArticle,
    WatchReport,
)
from agent.types.digests import day_label
from agent.usage import records_usage

log = logging.getLogger(__name__)

MAX_ARTICLES = 40
#: Storylines written up by the model; the others show their best new sentence.
MAX_WRITTEN = 10


@dataclass(frozen=True)
class DigestRequest:
    """What a digest is asked for and what it reads.

    ``model`` returns the chat model, called only for a reply the cache does not hold;
    ``sightings(since)`` and ``runs(since)`` are the watch runs' (``Watcher.changed``,
    ``Watcher.runs``); ``keep=False`` makes the digest without keeping it.
    """

    store: Any
    retriever: Any
    model: Callable[[], BaseChatModel]
    settings: Settings
    sightings: Callable[[datetime], Sequence[SeenArticle]]
    runs: Callable[[datetime], Sequence[WatchReport]]
    since: Since = "last"
    until: datetime | None = None
    topic: str | None = None
    max_articles: int = MAX_ARTICLES
    max_written: int = MAX_WRITTEN
    progress: Progress | None = None
    embedder: Any = None
    refresh: bool = False
    keep: bool = True


@dataclass
class _Line:
    """One storyline while the digest is made: its items' keys with the told sentences taken
    out (``fresh``), the earlier storyline it continues, and what is written for it."""

    storyline: Storyline
    fresh: list[ArticleKeys]
    continues: Continuation | None
    section: DigestStoryline | None = None
    figures: dict[str, list[KeyFigure]] | None = None  # set when the model wrote the section
    dropped: int = 0  # the model's sentences dropped (no valid citation, a number not cited)


@records_usage  # result.usage: tokens of all calls made (none when every reply was cached)
def make_digest(request: DigestRequest) -> Digest:
    """The digest ``request`` asks for, kept for the next one unless ``request.keep`` is False.

    ``progress(step, i, n)`` steps: ``select``, ``sentences`` (i of N articles), ``group``,
    ``write`` (i of the storylines written). See the module docstring for the steps.
    """
    from agent.models.structured import model_name_of  # lazy: agent.models is slow to import

    settings, tick = request.settings, ticker(request.progress)
    until = as_utc(request.until) if request.until else datetime.now(UTC)
    kept = DigestStore(settings)
    last = kept.last(request.topic) if request.since == "last" else None
    since = resolve_since(request.since, until, last.until if last else None)

    tick("select", 0, 1)
    seen = list(request.sightings(since))
    articles, left_out = window_articles(request.store, seen, since, until, request.max_articles)
    emb = embedder_of(request.embedder, request.store, request.retriever)
    if request.topic and request.topic.strip():
        articles = on_topic(request.store, emb, request.topic, articles)
    tick("select", 1, 1)
    earlier = kept.earlier(since)
    told = Told(fp for k in earlier for m in k.memory.storylines for fp in m.told)

    keys = all_article_keys(articles, tick)
    tick("group", 0, 1)
    items = merge_copies(keys)
    vectors = sentence_vectors([item.shown.describe() for item in items], emb)
    seen_at = {s.article_id: as_utc(s.changed) for s in seen}
    lines = _lines(storylines_of(items, vectors, seen_at), told, Continuity(earlier))
    tick("group", 1, 1)

    calls = CachedCalls(Path(settings.cache_dir) / "briefing_calls", model_name_of(None, settings),
                        request.model, refresh=request.refresh)
    cite = article_citer(settings)
    _write(lines, cite, calls, request.max_written, tick)
    _add_changes(lines, cite, emb, calls)
    written = [ln for ln in lines if ln.figures is not None]
    sections = [ln.section for ln in lines if ln.section is not None]
    digest = Digest(
        id=_digest_id(request.topic, since, until, articles),
        title=_title(request.topic, until),
        topic=request.topic,
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        model=model_name_of(calls.model, settings) if calls.calls or calls.hits else "",
        prompt_version=f"{load_prompt(PROMPT_NAME).id}+{load_prompt(NOTES_PROMPT_NAME).id}",
        storylines=[ln.section for ln in written if ln.section is not None],
        more=[ln.section for ln in lines if ln.section is not None and ln.figures is None
              and ln.section.sentences],
        nothing_new=[sec for sec in sections if not sec.sentences],
        disagreements=_disagreements(written, emb, settings, calls),
        articles=[BriefingArticle.of(a) for a in articles],
        footer=make_footer(request.runs(since), seen, [a.id for a in articles], since, until),
        compared_with=[k.digest.id for k in earlier],
        left_out=left_out,
        repeated=sum(_repeated(item.shown, told) for ln in lines for item in ln.storyline.items),
        dropped=sum(ln.dropped for ln in lines),
    )
    _number(digest)
    if request.keep and articles:
        _keep(kept, digest, lines, cite, request.store)
    return digest


def _lines(storylines: list[Storyline], told: Told, continuity: Continuity) -> list[_Line]:
    out = []
    for line in storylines:
        fps = _fingerprints(line)
        fresh = [_fresh_keys(item.shown, told) for item in line.items]
        out.append(_Line(line, fresh, continuity.match(line.vector, line.article_ids, fps)))
    return out


def _fingerprints(line: Storyline) -> list[str]:
    """Every sentence of the storyline's articles (copies too), as ``agent.digest.told`` keeps them."""
    fps = (fingerprint(k.text_of(s)) for item in line.items for k in item.keys for s in k.sentences)
    return list(dict.fromkeys(fp for fp in fps if fp))


def _fresh_keys(keys: ArticleKeys, told: Told) -> ArticleKeys:
    """``keys`` with the sentences an earlier digest told taken out, the key sentences chosen
    again among the rest (as ``agent.brief.grouping.article_keys`` chooses them)."""
    if not len(told):
        return keys
    left = [s for s in keys.sentences if not told.repeats(keys.text_of(s))]
    if len(left) == len(keys.sentences):
        return keys
    key = key_sentences(keys.article.text, budget_tokens=KEYS_PER_ARTICLE_BUDGET, sentences=left,
                        in_article_order=False) if left else []
    return ArticleKeys(keys.article, keys.sentences, key)


def _repeated(keys: ArticleKeys, told: Told) -> int:
    return sum(1 for s in keys.key if told.repeats(keys.text_of(s))) if len(told) else 0


def _base_section(ln: _Line, heading: str, sentences: list[BriefingSentence]) -> DigestStoryline:
    line = ln.storyline
    c = ln.continues
    return DigestStoryline(
        heading=heading,
        sentences=sentences,
        article_ids=line.article_ids,
        sources=line.outlets,
        copies=line.copies,
        independent_sources=line.independent_sources,
        newest=line.newest,
        update=ContinuedFrom(digest_id=c.kept.digest.id, told_until=c.kept.until, heading=c.memory.heading)
        if c is not None else None,
    )


def _write(lines: list[_Line], cite: Cite, calls: CachedCalls, max_written: int, tick: Progress) -> None:
    """Sections for every storyline: written up by the model (the first ``max_written`` with
    something new), the best new sentence verbatim, or the heading only (nothing new)."""
    todo = [ln for ln in lines if any(k.key for k in ln.fresh)][:max_written]
    tick("write", 0, len(todo))
    for n, ln in enumerate(todo, start=1):
        shown = [k for k in ln.fresh if k.key]
        story = Story(shown, pick(shown), cite)
        heading, sentences, figs, ln.dropped = write_story(story, calls.call)
        if sentences:
            ln.section = _base_section(ln, heading or shown[0].article.title, sentences)
            ln.figures = figs
        tick("write", n, len(todo))
    for ln in lines:
        if ln.section is not None:
            continue
        best = next((k for k in ln.fresh if k.key), None)
        if best is None:
            ln.section = _base_section(ln, ln.storyline.items[0].shown.article.title, [])
            continue
        s = best.key[0]
        sentence = BriefingSentence(text=" ".join(best.text_of(s).split()),
                                    citations=[cite(best.article, (s.start, s.end))])
        ln.section = _base_section(ln, best.article.title, [sentence])


def _all_key_figures(keys: Sequence[ArticleKeys], cite: Cite) -> list[KeyFigure]:
    picks = [(i, s) for i, k in enumerate(keys) for s in k.key]
    if not picks:
        return []
    return [f for fs in story_figures(Story(keys, picks, cite)).values() for f in fs]


def _add_changes(lines: list[_Line], cite: Cite, emb: Any, calls: CachedCalls) -> None:
    """Each continuing storyline's figures that moved since the storyline it continues, added
    to its section; all of them named in one call."""
    pairs = []
    for ln in lines:
        if ln.continues is None or ln.section is None or not ln.section.sentences:
            continue
        after = _all_key_figures([k for k in ln.fresh if k.key], cite)
        pairs += [(ln.section, pair) for pair in find_changes(ln.continues.memory.figures, after, emb)]
    for (section, _), change in zip(pairs, write_changes(calls.call, [p for _, p in pairs]), strict=True):
        section.changes.append(change)


def _disagreements(
    written: list[_Line], emb: Any, settings: Settings, calls: CachedCalls
) -> list[Disagreement]:
    """What the reports of one written storyline disagree on, as a briefing finds it (each
    item's shown copy stands for its outlets)."""
    shown = [item.shown.article for ln in written for item in ln.storyline.items]
    groups, at = [], 0
    for ln in written:
        groups.append(list(range(at, at + len(ln.storyline.items))))
        at += len(ln.storyline.items)
    figures = {aid: fs for ln in written for aid, fs in (ln.figures or {}).items()}
    return storyline_disagreements(shown, groups, figures, emb, settings, calls.call)


def _title(topic: str | None, until: datetime) -> str:
    """"Digest: 5 March 2026", or "Digest: <topic>, 5 March 2026"."""
    day = day_label(until.date())
    return f"Digest: {topic.strip()}, {day}" if topic and topic.strip() else f"Digest: {day}"


def _number(digest: Digest) -> None:
    """Citation numbers 1..m in reading order (storylines, also new, disagreements)."""
    fix = CitationNumbers()
    for sec in [*digest.storylines, *digest.more]:
        for s in sec.sentences:
            s.citations = fix(s.citations)
        for ch in sec.changes:
            ch.before.citations = fix(ch.before.citations)
            ch.after.citations = fix(ch.after.citations)
    for d in digest.disagreements:
        for c in d.claims:
            c.citations = fix(c.citations)


def _digest_id(topic: str | None, since: datetime, until: datetime, articles: Sequence[Any]) -> str:
    blob = json.dumps([topic, since.isoformat(), until.isoformat(), sorted(a.id for a in articles)])
    return f"{until:%Y%m%dT%H%M%S}Z-{short_hash(blob)[:8]}"


def _memory(lines: list[_Line], cite: Cite) -> DigestMemory:
    out = []
    for ln in lines:
        line = ln.storyline
        figures = _all_key_figures([item.shown for item in line.items], cite)
        if ln.continues is not None:
            figures += ln.continues.memory.figures
        out.append(StorylineMemory(
            heading=ln.section.heading if ln.section is not None else line.items[0].shown.article.title,
            article_ids=line.article_ids,
            vector=rounded(np.asarray(line.vector)),
            told=_fingerprints(line),
            figures=figures[:MAX_FIGURES],
        ))
    return DigestMemory(storylines=out)


def _keep(kept: DigestStore, digest: Digest, lines: list[_Line], cite: Cite, store: Any) -> None:
    """Keep ``digest`` with its memory; a read-only index has nowhere to: it is only returned."""
    if getattr(store, "read_only", False):
        log.warning("the index is read-only: this digest is not kept, so the next one cannot "
                    "compare with it")
        return
    digest.kept_at = str(kept.path_of(digest))
    kept.save(KeptDigest(digest=digest, memory=_memory(lines, cite)))


__all__ = ["MAX_ARTICLES", "MAX_WRITTEN", "DigestRequest", "make_digest"]
