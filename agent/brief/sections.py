"""A briefing's sections: one model call per storyline over its articles' key sentences.

The call (``write_story``) sees the storyline's key sentences numbered ``[1]``..``[m]`` and
writes a heading and sentences, every citation an ``enum`` of the ids shown. A sentence must
cite a shown id and may state only numbers its cited sentences (or their article's title or
date) contain, else it is dropped and counted (``agent.brief.citing.resolve_sentences``). Key
figures are read from the shown sentences, never written by the model (``story_figures``), so
every citation is a whole sentence of its article, verbatim at its span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.brief.articles import Progress
from agent.brief.call_cache import Call
from agent.brief.citing import Cite, resolve_sentences
from agent.brief.grouping import ArticleKeys, pick
from agent.prompting import load_prompt
from agent.summary.notes import Note
from agent.summary.schema import array_schema, object_schema, string_schema
from agent.summary.sentence_summary import unit_of
from agent.summary.verify import figure_check
from agent.text.fence import attribute, neutralise
from agent.text.mentions import words_around
from agent.text.numbers import figure_candidates
from agent.text.sentences import Sentence
from agent.types import (
    BriefingSection,
    BriefingSentence,
    KeyFigure,
)
from agent.untrusted import defang, defang_sentence, tainted_spans

PROMPT_NAME = "brief_storyline"
STORY_MAX_TOKENS = 700
MAX_STORY_FIGURES = 4
#: Sentences the model writes for a storyline of one article (see ``story_schema``).
SINGLE_ARTICLE_SENTENCES = 2

class Story:
    """One storyline's shown sentences: id ``k`` is ``picks[k - 1]`` = (article index into
    ``keys``, sentence); ``notes`` are the same sentences as ``agent.summary.notes.Note`` (id
    ``"k"``), what the briefing's id resolution and number check read."""

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
    """Heading and 1-5 cited sentences (at most ``SINGLE_ARTICLE_SENTENCES`` for a one-article
    storyline, one item of a digest): all the model writes, since every token it writes costs
    time. Figures are read from the sentences instead (``story_figures``)."""
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
    tick: Progress,
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


__all__ = [
    "PROMPT_NAME",
    "SINGLE_ARTICLE_SENTENCES",
    "Story",
    "story_figures",
    "story_messages",
    "story_schema",
    "write_sections",
    "write_story",
]
