"""A briefing over several articles: ``make_briefing`` (select → group → write → disagreements).

- select: the topic's or the window's articles (``agent.brief.request``);
- group: each article's key sentences and the storylines, without the model
  (``agent.brief.grouping``);
- write: one cached call per storyline over its key sentences, cited by id
  (``agent.brief.sections``); the overview is each storyline's lead sentence;
- disagreements: figures of one measure with different numbers (``agent.brief.conflicts``,
  phrased by the model) and contradicting sentences (``agent.brief.claims``), within a storyline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.brief.articles import Progress, embedder_of
from agent.brief.call_cache import CachedCalls, Call
from agent.brief.citing import article_citer, renumber_briefing
from agent.brief.claims import MAX_CLAIM_CONFLICTS, same_pair, storyline_sentence_conflicts
from agent.brief.conflicts import MAX_CONFLICTS, FigureConflict, find_conflicts, write_disagreements
from agent.brief.grouping import ArticleKeys, article_keys, group
from agent.brief.request import BriefingRequest
from agent.brief.sections import PROMPT_NAME, write_sections
from agent.prompting import load_prompt
from agent.settings import Settings
from agent.summary.notes import NOTES_PROMPT_NAME
from agent.types import Article, Briefing, BriefingArticle, BriefingSection, Disagreement, KeyFigure
from agent.usage import records_usage

MAX_OVERVIEW = 5


@records_usage  # result.usage: tokens of all calls made (none when every reply was cached)
def make_briefing(
    *,
    store: Any,
    retriever: Any,
    model: Callable[[], BaseChatModel],
    settings: Settings,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    max_articles: int = 10,
    progress: Progress | None = None,
    embedder: Any = None,
    refresh: bool = False,
) -> Briefing:
    """A cited briefing over up to ``max_articles`` articles (by topic, else newest in the window).

    Articles are grouped into storylines model-free and each storyline is written by one model
    call over its articles' key sentences, cited by id. ``progress(step, i, n)`` steps:
    ``select``, ``sentences`` (i of N articles), ``group``, ``write`` (i of the calls). Replies
    are cached by their exact input, so a repeated briefing makes no call and loads no model;
    ``refresh=True`` redoes them.
    """
    return briefing_of(
        BriefingRequest(
            store=store, retriever=retriever, model=model, settings=settings, topic=topic, since=since,
            until=until, source=source, max_articles=max_articles, progress=progress,
            embedder=embedder, refresh=refresh,
        )
    )


def briefing_of(request: BriefingRequest) -> Briefing:
    """The briefing ``request`` asks for (what ``make_briefing`` returns)."""
    from agent.models.structured import model_name_of  # lazy: agent.models is slow to import

    settings, topic, since, until = request.settings, request.topic, request.since, request.until
    tick = request.tick()
    articles = request.select(tick)

    folder = Path(settings.cache_dir) / "briefing_calls"
    calls = CachedCalls(folder, model_name_of(None, settings), request.model, refresh=request.refresh)

    emb = embedder_of(request.embedder, request.store, request.retriever)
    keys = all_article_keys(articles, tick)

    tick("group", 0, 1)
    groups = group(keys, emb)
    tick("group", 1, 1)

    sections, figures, dropped = write_sections(groups, keys, article_citer(settings), calls.call, tick)
    disagreements = storyline_disagreements(articles, groups, figures, emb, settings, calls.call)
    overview = (
        [sec.sentences[0].model_copy(deep=True) for sec in sections[:MAX_OVERVIEW]]
        if len(sections) > 1
        else []
    )
    briefing = Briefing(
        title=briefing_title(topic, sections),
        topic=topic,
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        model=model_name_of(calls.model, settings),
        prompt_version=f"{load_prompt(PROMPT_NAME).id}+{load_prompt(NOTES_PROMPT_NAME).id}",
        overview=overview,
        sections=sections,
        disagreements=disagreements,
        articles=[BriefingArticle.of(a) for a in articles],
        dropped=dropped,
    )
    return renumber_briefing(briefing)


def all_article_keys(articles: list[Article], tick: Progress) -> list[ArticleKeys]:
    """Each article's key sentences, ticking ``sentences``; picked with bag-of-words vectors,
    which pick as well as MiniLM for far less (``bench/bench_select.py``): MiniLM embeds one
    description per article, for grouping."""
    keys: list[ArticleKeys] = []
    tick("sentences", 0, len(articles))
    for i, a in enumerate(articles, start=1):
        keys.append(article_keys(a))
        tick("sentences", i, len(articles))
    return keys


def storyline_disagreements(
    articles: list[Article],
    groups: list[list[int]],
    figures: dict[str, list[KeyFigure]],
    emb: Any,
    settings: Settings,
    call: Call,
) -> list[Disagreement]:
    """Figures of one measure with different numbers, then sentence pairs; both only between
    reports of one storyline, never across stories."""
    titles = {a.id: a.title for a in articles}
    conflicts: list[FigureConflict] = []
    for g in groups:
        if emb is not None and len(g) >= 2:
            conflicts += find_conflicts([articles[i] for i in g], figures, emb)
    conflicts = conflicts[:MAX_CONFLICTS]
    disagreements = write_disagreements(call, conflicts, titles)
    claim_conflicts: list[Disagreement] = []
    for g in groups:
        room = MAX_CLAIM_CONFLICTS - len(claim_conflicts)
        if len(g) < 2 or room <= 0:
            continue
        more = storyline_sentence_conflicts([articles[i] for i in g], settings, titles, conflicts, limit=room)
        claim_conflicts += [d for d in more if not any(same_pair(d, e) for e in claim_conflicts)]
    return disagreements + claim_conflicts


def briefing_title(topic: str | None, sections: list[BriefingSection]) -> str:
    """"Briefing: <topic>", else the lead story's heading and how many more there are."""
    lead = sections[0].heading if sections else ""
    title = f"Briefing: {topic}" if topic else (f"News briefing: {lead}" if lead else "News briefing")
    if not topic and len(sections) > 1:
        title += f" and {len(sections) - 1} more {'story' if len(sections) == 2 else 'stories'}"
    return title


__all__ = ["MAX_OVERVIEW", "briefing_of", "make_briefing"]
