"""Multi-article briefings: ``make_briefing`` (select → storylines → write → disagreements).

Two designs: ``method="storylines"`` (default, ``agent.brief.storyline``) writes each storyline
from its articles' key sentences in one cached call; ``method="summaries"``
(``briefing_from_summaries``, the earlier design, kept for comparison in
bench/bench_summaries.py) summarises every article (cached), groups the summaries into
storylines by embedding and writes each section and the overview from the summaries' verified
key points as notes. Either way every sentence cites verified quotes (``agent.brief.citing``) and
the "what the sources disagree on" section comes from ``agent.brief.conflicts``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.brief.articles import ModelOnDemand, Progress, embedder_of
from agent.brief.citing import renumber_briefing, resolve_sentences
from agent.brief.claims import (
    MAX_CLAIM_CONFLICTS,
    find_claim_conflicts,
    same_pair,
    storyline_sentence_conflicts,
)
from agent.brief.conflicts import WRITE_MAX_TOKENS, find_conflicts, unit_vectors, write_disagreements
from agent.brief.request import BriefingRequest
from agent.brief.storyline import briefing_by_storylines
from agent.brief.storylines import cluster
from agent.errors import InvalidArgumentError
from agent.prompting import load_prompt
from agent.settings import Settings
from agent.summary.notes import Note, fit_notes, note_messages, notes_budget, summary_notes
from agent.summary.schema import array_schema, cited_schema, object_schema, string_schema
from agent.summary.summarize import ModelOrFactory, summarize_article
from agent.types import (
    Article,
    ArticleSummary,
    Briefing,
    BriefingArticle,
    BriefingSection,
    BriefingSentence,
    Disagreement,
)
from agent.usage import records_usage

STORY_THRESHOLD = 0.45  # cosine (MiniLM) above which two summaries are the same storyline


def group_storylines(
    summaries: Sequence[ArticleSummary], embedder: Any, threshold: float = STORY_THRESHOLD
) -> list[list[int]]:
    """Indices of ``summaries`` grouped by storyline (embedding of headline + summary)."""
    if len(summaries) < 2:
        return [list(range(len(summaries)))] if summaries else []
    texts = [f"{s.headline}. {s.summary}" for s in summaries]
    return cluster(unit_vectors(embedder, texts), threshold)


def _write_section(
    model: BaseChatModel, notes: list[Note], n_articles: int
) -> tuple[str, list[BriefingSentence], int]:
    from agent.models.structured import structured_call  # lazy: agent.models costs ~1 s

    hi = max(2, min(5, len(notes)))
    schema = object_schema(
        {"heading": string_schema(), "sentences": array_schema(cited_schema([n.id for n in notes]), 1, hi)}
    )
    task = (
        f"The notes above come from {n_articles} article(s) about one storyline. Write this "
        f"storyline's section of a news briefing: a heading of at most 8 words and 1 to {hi} "
        "short sentences (at most 30 words each, in your own words: do not copy the notes) covering "
        "the most important facts, each sentence citing the ids of the notes that support it. "
        "State only numbers that the cited notes contain."
    )
    raw = structured_call(model, note_messages(notes, task), schema, max_tokens=WRITE_MAX_TOKENS)
    sentences, dropped = resolve_sentences(raw.get("sentences"), notes)
    return " ".join(str(raw.get("heading") or "").split()), sentences, dropped


def _write_overview(
    model: BaseChatModel, notes: list[Note], topic: str | None
) -> tuple[str, list[BriefingSentence], int]:
    from agent.models.structured import structured_call  # lazy: agent.models costs ~1 s

    lo, hi = min(3, len(notes)), 5
    schema = object_schema(
        {"title": string_schema(), "overview": array_schema(cited_schema([n.id for n in notes]), lo, hi)}
    )
    about = f" about {topic!r}" if topic else ""
    task = (
        f"Write the title (at most 10 words) of a news briefing{about} covering these notes, and an "
        f"overview of {lo} to {hi} short sentences (at most 30 words each, in your own words: do not "
        "copy the notes) giving the most important developments across all the articles, each "
        "sentence citing the ids of the notes that support it. State only numbers that the cited "
        "notes contain."
    )
    raw = structured_call(model, note_messages(notes, task), schema, max_tokens=WRITE_MAX_TOKENS)
    sentences, dropped = resolve_sentences(raw.get("overview"), notes)
    return " ".join(str(raw.get("title") or "").split()), sentences, dropped


@records_usage  # result.usage: tokens of all calls made (none when every reply was cached)
def make_briefing(
    *,
    store: Any,
    retriever: Any,
    model: ModelOrFactory,
    settings: Settings,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    max_articles: int = 10,
    progress: Progress | None = None,
    embedder: Any = None,
    refresh: bool = False,
    method: str = "storylines",
) -> Briefing:
    """A cited briefing over up to ``max_articles`` articles (by topic, else newest in the window).

    ``method="storylines"`` (default): articles are grouped into storylines model-free and each
    storyline is written by one model call over its articles' key sentences, cited by id (no
    per-article summary pass). ``progress(step, i, n)`` steps: ``select``, ``sentences`` (i of N
    articles), ``group``, ``write`` (i of the calls). Replies are cached by their exact input,
    so a repeated briefing makes no call and loads no model; ``refresh=True`` redoes them.
    ``method="summaries"`` is the earlier design (summarise every article, write from the
    summaries' key points), kept for comparison in bench/bench_summaries.py.
    """
    request = BriefingRequest(
        store=store, retriever=retriever, model=model, settings=settings, topic=topic, since=since,
        until=until, source=source, max_articles=max_articles, progress=progress, embedder=embedder,
        refresh=refresh,
    )
    if method == "summaries":
        return briefing_from_summaries(request)
    if method != "storylines":
        raise InvalidArgumentError(f"unknown briefing method {method!r}; use 'storylines' or 'summaries'")
    return briefing_by_storylines(request)


class WriteSteps:
    """The ``write`` step's progress: ``step()`` after each writing call, of ``total``."""

    def __init__(self, tick: Callable[[str, int, int], None], total: int) -> None:
        self.tick, self.total, self.done = tick, total, 0
        tick("write", 0, total)

    def step(self) -> None:
        self.done += 1
        self.tick("write", self.done, self.total)


def summarise_all(
    articles: list[Article],
    get_model: ModelOnDemand,
    settings: Settings,
    refresh: bool,
    tick: Callable[[str, int, int], None],
) -> list[ArticleSummary]:
    """Each article's full-text summary (from the cache when present), ticking ``summarise``."""
    summaries: list[ArticleSummary] = []
    tick("summarise", 0, len(articles))
    for i, article in enumerate(articles, start=1):
        # A model object is passed as such (its own name keys the cache); a factory stays lazy.
        summarizer: ModelOrFactory = get_model.loaded if get_model.loaded is not None else get_model
        summaries.append(
            summarize_article(article, summarizer, settings, refresh=refresh, method="full_text")
        )
        tick("summarise", i, len(articles))
    return summaries


def summary_section(
    get_model: ModelOnDemand, group_summaries: list[ArticleSummary], settings: Settings
) -> tuple[BriefingSection | None, int]:
    """One storyline's section written from its summaries' notes (None when nothing verified),
    and the sentences dropped."""
    notes = fit_notes(summary_notes(group_summaries), notes_budget(settings, WRITE_MAX_TOKENS))
    if not notes:
        return None, 0
    heading, sentences, dropped = _write_section(get_model(), notes, len(group_summaries))
    if not sentences:
        return None, dropped
    section = BriefingSection(
        heading=heading or group_summaries[0].headline,
        sentences=sentences,
        article_ids=[s.article_id for s in group_summaries],
    )
    return section, dropped


def summary_claim_conflicts(
    get_model: ModelOnDemand,
    articles: list[Article],
    stories: list[Article],
    group_summaries: list[ArticleSummary],
    settings: Settings,
    figure_conflicts: list[Any],
    found: list[Disagreement],
) -> list[Disagreement]:
    """A storyline's contradicting claims, new to ``found``: sentence-level pairs first (they do
    not depend on which key points the model chose), then a model call over the key points.
    ``stories`` are the storyline's articles; ``articles`` all of the briefing's."""
    titles = {a.id: a.title for a in articles}
    room = MAX_CLAIM_CONFLICTS - len(found)
    new = storyline_sentence_conflicts(stories, settings, titles, figure_conflicts, limit=room)
    room -= len(new)
    point_notes = fit_notes(
        summary_notes(group_summaries, figures=False), notes_budget(settings, WRITE_MAX_TOKENS)
    )
    if room > 0 and len({n.article_id for n in point_notes}) >= 2:
        more = find_claim_conflicts(
            get_model(),
            point_notes,
            titles,
            figure_conflicts=figure_conflicts,
            published={a.id: a.published for a in articles},
            texts={a.id: a.text for a in articles},
            limit=room,
        )
        new += [d for d in more if not any(same_pair(d, e) for e in found + new)]
    return new


def summary_sections(
    get_model: ModelOnDemand,
    articles: list[Article],
    summaries: list[ArticleSummary],
    groups: list[list[int]],
    settings: Settings,
    figure_conflicts: list[Any],
    steps: WriteSteps,
) -> tuple[list[BriefingSection], list[Disagreement], int]:
    """Per storyline: its section, then (two or more articles) its contradicting claims; and the
    sentences dropped."""
    dropped = 0
    sections: list[BriefingSection] = []
    claim_conflicts: list[Disagreement] = []
    for g in groups:
        group_summaries = [summaries[i] for i in g]
        section, d = summary_section(get_model, group_summaries, settings)
        dropped += d
        if section is not None:
            sections.append(section)
        steps.step()
        if len(g) >= 2:
            stories = [articles[i] for i in g]
            claim_conflicts += summary_claim_conflicts(
                get_model, articles, stories, group_summaries, settings, figure_conflicts, claim_conflicts
            )
            steps.step()
    return sections, claim_conflicts, dropped


def summary_overview(
    get_model: ModelOnDemand, summaries: list[ArticleSummary], settings: Settings, topic: str | None
) -> tuple[str, list[BriefingSentence], int]:
    """The title and overview written from every summary's first points; sentences dropped."""
    overview_notes = fit_notes(
        summary_notes(summaries, points=3, figures=False), notes_budget(settings, WRITE_MAX_TOKENS)
    )
    if not overview_notes:
        return "", [], 0
    return _write_overview(get_model(), overview_notes, topic)


def briefing_from_summaries(request: BriefingRequest) -> Briefing:
    """The earlier briefing design: summarise every article, then write from the summaries.

    ``progress(step, i, n)`` is called with steps ``select``, ``summarise`` (i of N articles),
    ``group`` and ``write`` (i of the writing calls). ``model`` may be a factory (it is only
    built once articles were found). Summaries come from the on-disk cache when present.
    """
    from agent.models.structured import model_name_of  # lazy: the models layer is slow to import

    settings, topic, since, until = request.settings, request.topic, request.since, request.until
    store, retriever, model, refresh = request.store, request.retriever, request.model, request.refresh
    tick = request.tick()
    articles = request.select(tick)
    get_model = ModelOnDemand(model)
    summaries = summarise_all(articles, get_model, settings, refresh, tick)

    emb = embedder_of(request.embedder, store, retriever)
    tick("group", 0, 1)
    groups = group_storylines(summaries, emb) if emb is not None else [[i] for i in range(len(summaries))]
    texts = {a.id: a.text for a in articles}
    conflicts = find_conflicts(summaries, emb, texts=texts) if emb is not None else []
    tick("group", 1, 1)

    multi = [g for g in groups if len(g) >= 2]  # storylines where articles can contradict
    steps = WriteSteps(tick, len(groups) + len(multi) + 1 + (1 if conflicts else 0))
    sections, claim_conflicts, dropped = summary_sections(
        get_model, articles, summaries, groups, settings, conflicts, steps
    )

    title, overview, d = summary_overview(get_model, summaries, settings, topic)
    dropped += d
    steps.step()

    disagreements: list[Disagreement] = []
    if conflicts:
        disagreements = write_disagreements(get_model(), conflicts, {a.id: a.title for a in articles})
        steps.step()
    disagreements += claim_conflicts

    briefing = Briefing(
        title=title or (f"Briefing: {topic}" if topic else "News briefing"),
        topic=topic,
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        model=model_name_of(get_model.loaded, settings),
        prompt_version=f"{load_prompt('brief').id}+{load_prompt('summarize').id}",
        overview=overview,
        sections=sections,
        disagreements=disagreements,
        articles=[
            BriefingArticle.of(a, s.headline) for a, s in zip(articles, summaries, strict=True)
        ],
        dropped=dropped,
    )
    return renumber_briefing(briefing)


__all__ = ["briefing_from_summaries", "group_storylines", "make_briefing"]
