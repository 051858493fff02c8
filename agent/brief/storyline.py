"""Briefings by storyline: one model call per storyline over its key sentences, cited by id.

The flow (``briefing_by_storylines``): select the window's articles → each article's key
sentences (``agent.summary.select``, model-free) → storylines (``agent.brief.storylines``,
model-free) → one call per storyline that sees its articles' key sentences numbered
``[1]``..``[m]`` and writes a heading, sentences and key figures, every citation an ``enum`` of
the ids shown → checks → disagreements. No per-article summary pass: that was most of a
briefing's time.

What is checked, as before: a sentence must cite a shown id and may state only numbers its cited
sentences (or their article's title/date) contain, else it is dropped and counted
(``agent.brief.citing.resolve_sentences``); a figure's value must be written in its cited
sentence (else the shown sentence that does write it is cited, else it is flagged and never used
for a conflict). Disagreements: figures for the same measure with different numbers
(``agent.brief.conflicts.find_conflicts``, phrased by the model with a plain fallback) and the
model-free sentence pairs of each storyline (``agent.brief.claims``, ``agent.brief.sentence_pairs``).
Every citation is a whole sentence of its article, verbatim at its span by construction. The
overview is the lead sentence of each storyline (no extra call).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.brief.articles import ModelOnDemand, embedder_of
from agent.brief.call_cache import CachedCalls, Call
from agent.brief.citing import Cite, article_citer, renumber_briefing, resolve_sentences
from agent.brief.claims import MAX_CLAIM_CONFLICTS, same_pair, storyline_sentence_conflicts
from agent.brief.conflicts import MAX_CONFLICTS, FigureConflict, find_conflicts, write_disagreements
from agent.brief.request import BriefingRequest
from agent.brief.storylines import ArticleKeys, article_keys, group, pick
from agent.prompting import load_prompt
from agent.settings import Settings
from agent.summary.notes import Note
from agent.summary.schema import array_schema, object_schema, string_schema
from agent.summary.sentence_summary import unit_of
from agent.summary.verify import figure_check
from agent.text.fence import attribute, neutralise
from agent.text.mentions import words_around
from agent.text.numbers import figure_candidates
from agent.text.sentences import Sentence
from agent.types import (
    Article,
    Briefing,
    BriefingArticle,
    BriefingSection,
    BriefingSentence,
    Disagreement,
    KeyFigure,
)
from agent.untrusted import defang, defang_sentence, tainted_spans

PROMPT_NAME = "brief_storyline"
STORY_MAX_TOKENS = 700
MAX_STORY_FIGURES = 4
MAX_OVERVIEW = 5
#: Sentences the model writes for a storyline of one article (see ``story_schema``).
SINGLE_ARTICLE_SENTENCES = 2

class Story:
    """One storyline's shown sentences: id ``k`` is ``picks[k - 1]`` = (article index into
    ``keys``, sentence); ``notes`` are the same sentences as ``agent.summary.notes.Note`` (id ``"k"``)
    so the briefing's number check and id resolution apply unchanged."""

    def __init__(
        self,
        keys: Sequence[ArticleKeys],
        picks: Sequence[tuple[int, Sentence]],
        cite: Cite,
    ) -> None:
        self.keys = list(keys)
        self.picks = list(picks)
        self.notes = [
            Note(
                str(k),
                " ".join(self.keys[i].text_of(s).split()),
                [cite(self.keys[i].article, (s.start, s.end))],
                self.keys[i].article.id,
            )
            for k, (i, s) in enumerate(self.picks, start=1)
        ]

    @property
    def ids(self) -> list[int]:
        return list(range(1, len(self.picks) + 1))

    def text_of(self, k: int) -> str:
        i, s = self.picks[k - 1]
        return self.keys[i].text_of(s)

    def format(self) -> str:
        blocks = []
        for i, k in enumerate(self.keys):
            tainted = tainted_spans(k.article.text)
            shown = [
                (n, defang_sentence(k.article.text, s.start, s.end, tainted))
                for n, (j, s) in enumerate(self.picks, start=1)
                if j == i
            ]
            lines = [f"[{n}] {neutralise(' '.join(body.split()), 'article')}" for n, body in shown]
            if not lines:
                continue
            a = k.article
            date = a.published.date().isoformat() if a.published else "unknown"
            title, source = attribute(defang(a.title)), attribute(defang(a.source or "unknown"))
            head = f'<article title="{title}" source="{source}" date="{date}">'
            blocks.append("\n".join([head, *lines, "</article>"]))
        return "\n\n".join(blocks)


def story_messages(story: Story) -> list[BaseMessage]:
    prompt = load_prompt(PROMPT_NAME)
    return [
        SystemMessage(content=prompt.system),
        HumanMessage(content=prompt.user.format(articles=story.format())),
    ]


def story_schema(story: Story) -> dict[str, Any]:
    """Heading and 1-5 cited sentences (at most 2 for a one-article storyline): all the model
    writes. Figures are read from the sentences (``story_figures``), as in a summary: the
    model's figure list was ~30 % of a storyline's generated tokens and the values had to be
    checked against the sentences anyway. A one-article storyline is one item of a digest (its
    article's own summary has the points); the 1.5B always wrote the maximum, and two sentences
    instead of three cut a 30-article briefing's generated tokens (docs/benchmarks.md)."""
    ids = story.ids
    n_articles = len({i for i, _ in story.picks})
    hi = max(1, min(len(ids), SINGLE_ARTICLE_SENTENCES if n_articles == 1 else 5))
    sources = {"type": "array", "items": {"type": "integer", "enum": ids}, "minItems": 1, "maxItems": 3}
    return object_schema(
        {
            "heading": string_schema("at most 8 words"),
            "sentences": array_schema(object_schema({"text": string_schema(), "sources": sources}), 1, hi),
        }
    )


def story_figures(story: Story) -> dict[str, list[KeyFigure]]:
    """The figures each article's shown sentences write (money, percentages, counted
    quantities; ``agent.text.numbers.figure_candidates``), by article id, each citing the sentence that
    writes it, with the words around it as what it measures; at most ``MAX_STORY_FIGURES``
    an article. Verbatim by construction, so a conflict is between two numbers the articles
    really print."""
    out: dict[str, list[KeyFigure]] = {}
    for k in story.ids:
        text = story.text_of(k)
        note = story.notes[k - 1]
        have = out.setdefault(note.article_id, [])
        for value in figure_candidates(defang(text)):
            if len(have) >= MAX_STORY_FIGURES or any(x.value.lower() == value.lower() for x in have):
                continue
            at = text.lower().find(value.lower())
            if at < 0:  # defanging changed the text around the value
                continue
            reason = figure_check(value, text)
            have.append(
                KeyFigure(
                    value=value,
                    unit=unit_of(value),
                    what=words_around(text, at, at + len(value)),
                    citations=list(note.citations),
                    flagged=reason is not None,
                    flag_reason=reason,
                )
            )
    return {aid: figs for aid, figs in out.items() if figs}


def write_story(
    story: Story, call: Call
) -> tuple[str, list[BriefingSentence], dict[str, list[KeyFigure]], int]:
    """One storyline's heading, checked sentences, figures by article, and sentences dropped."""
    raw = call(story_messages(story), story_schema(story), STORY_MAX_TOKENS)
    sentences, dropped = resolve_sentences(raw.get("sentences"), story.notes)
    return " ".join(str(raw.get("heading") or "").split()), sentences, story_figures(story), dropped


def write_sections(
    groups: list[list[int]],
    keys: list[ArticleKeys],
    cite: Cite,
    call: Call,
    tick: Callable[[str, int, int], None],
) -> tuple[list[BriefingSection], dict[str, list[KeyFigure]], int]:
    """One section per storyline that yields a checked sentence; the figures by article; and the
    sentences dropped."""
    sections: list[BriefingSection] = []
    figures: dict[str, list[KeyFigure]] = {}
    dropped = 0
    tick("write", 0, len(groups))
    for n, g in enumerate(groups, start=1):
        gk = [keys[i] for i in g]
        story = Story(gk, pick(gk), cite)
        if story.picks:
            heading, sentences, figs, d = write_story(story, call)
            dropped += d
            for aid, fs in figs.items():
                figures.setdefault(aid, []).extend(fs)
            if sentences:
                sections.append(
                    BriefingSection(
                        heading=heading or gk[0].article.title,
                        sentences=sentences,
                        article_ids=[k.article.id for k in gk],
                    )
                )
        tick("write", n, len(groups))
    return sections, figures, dropped


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


def all_article_keys(articles: list[Article], tick: Callable[[str, int, int], None]) -> list[ArticleKeys]:
    """Each article's key sentences, ticking ``sentences``. Bag-of-words vectors pick them as
    well as MiniLM does (bench/bench_select.py) at a fraction of the cost; MiniLM is kept for
    grouping, one vector per article."""
    keys: list[ArticleKeys] = []
    tick("sentences", 0, len(articles))
    for i, a in enumerate(articles, start=1):
        keys.append(article_keys(a))
        tick("sentences", i, len(articles))
    return keys


def briefing_by_storylines(request: BriefingRequest) -> Briefing:
    """See ``agent.brief.brief.make_briefing`` (``method="storylines"``)."""
    from agent.models.structured import model_name_of  # lazy: agent.models costs ~1 s

    settings, topic, since, until = request.settings, request.topic, request.since, request.until
    store, retriever, model, refresh = request.store, request.retriever, request.model, request.refresh
    embedder = request.embedder
    tick = request.tick()
    articles = request.select(tick)

    get_model = ModelOnDemand(model)
    label = model_name_of(get_model.loaded, settings)
    calls = CachedCalls(Path(settings.cache_dir) / "briefing_calls", label, get_model, refresh=refresh)

    emb = embedder_of(embedder, store, retriever)
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
        model=model_name_of(get_model.loaded, settings) if get_model.loaded is not None else label,
        prompt_version=f"{load_prompt(PROMPT_NAME).id}+{load_prompt('brief').id}",
        overview=overview,
        sections=sections,
        disagreements=disagreements,
        articles=[BriefingArticle.of(a) for a in articles],
        dropped=dropped,
    )
    return renumber_briefing(briefing)


__all__ = [
    "Story",
    "briefing_by_storylines",
    "story_figures",
    "story_messages",
    "story_schema",
    "write_story",
]
