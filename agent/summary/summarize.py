"""Structured, cited summaries of one article: ``summarize_article(article, model, settings)``.

How it stays honest: every key point, figure and dated event the reader sees carries a
verified verbatim quote (``agent.summary.verify``). The common path shows the model the
article's key sentences (``agent.summary.select``) and has it cite them by id
(``agent.summary.sentence_summary``); text that cannot be split so is summarised over the full
text, in parts when long (``agent.summary.fulltext``). Summaries are cached
(``agent.summary.cache``); ``refresh=True`` forces a redo.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel

from agent.errors import InvalidArgumentError
from agent.ingest.chunk import chunk_text
from agent.settings import Settings, SummarySettings
from agent.summary import sentence_summary as ss
from agent.summary.cache import article_hash, cache_path, load_cached, prompt_version, save_cached
from agent.summary.fulltext import (
    coverage_gaps,
    fill_coverage_gaps,
    merge_parts,
    split_parts,
    summary_messages,
    text_budget,
)
from agent.summary.schema import MAX_KEY_POINTS, summary_schema
from agent.summary.select import key_sentences
from agent.summary.verify import Items, Verifier, renumber, sort_entities, verify_items
from agent.text.numbers import figure_candidates
from agent.text.sentences import Sentence, segment
from agent.tokens import count_tokens
from agent.types import Article, ArticleSummary, Chunk
from agent.untrusted import defang
from agent.usage import records_usage

MIN_OUTPUT_TOKENS = 400
ModelOrFactory = BaseChatModel | Callable[[], BaseChatModel]
SummaryMethod = Literal["key_sentences", "full_text"]


# The most a summary reply may use. Measured on FRANK (CNN/DM): with long copied evidence a
# 640-word article's reply reached 1,400 tokens and was cut off mid-JSON (no summary at all);
# most replies stop far earlier, so the ceiling costs nothing unless it is needed.
SUMMARY_OUTPUT_CEILING = 2400


def _output_tokens(settings: Settings, prompt_tokens: int) -> int:
    """All the context the prompt leaves (its tiktoken count padded 20 % for the model's own
    tokenizer), up to ``SUMMARY_OUTPUT_CEILING``: a reply cut off is a failed summary."""
    room = settings.models.n_ctx - int(prompt_tokens * 1.2) - 64
    return max(MIN_OUTPUT_TOKENS, min(SUMMARY_OUTPUT_CEILING, room))


def _grammar_backed(model: BaseChatModel) -> bool:
    """Whether the model decodes under the schema's grammar, so an enum of figure values binds."""
    from agent.models.capabilities import supports_grammar  # lazy: agent.models costs ~1 s

    return supports_grammar(model)


#: Tokens of key sentences a summary shows the model by default (``summary.key_sentence_budget``;
#: see agent/summary/select.py and the FRANK bench).
KEY_SENTENCE_BUDGET: int = SummarySettings.model_fields["key_sentence_budget"].default


#: Reply cap of a key-sentence summary (headline, 3-4 cited points, names, quote speakers).
KEY_SENTENCE_MAX_TOKENS = 500


def sentence_parts(article: Article, sentences: Sequence[Sentence]) -> list[Chunk]:
    """The article's sentences as token-counted spans, for splitting it into thirds.

    Why not the index chunks: a news article is 4-6 chunks of ~180 tokens, so chunk-bounded
    "thirds" are lopsided, and a point from the end of the first third could count for the
    middle one. On the seed article (AVX-512 host, 2026-12-02) the trade sentence at character
    1,052 "covered" a middle third whose real content, the nuclear cooperation, no point cited.
    Sentence-bounded thirds are about equal in tokens, as ``coverage_gaps`` means them."""
    return [
        Chunk(
            article_id=article.id,
            n=i,
            start=s.start,
            end=s.end,
            text=article.text[s.start : s.end],
            tokens=count_tokens(article.text[s.start : s.end]),
        )
        for i, s in enumerate(sentences)
    ]


def _key_sentence_items(
    article: Article, chat: BaseChatModel, settings: Settings, verifier: Verifier, embedder: Any
) -> Items | None:
    """One call over the article's key sentences, cited by id; None when they do not fit one
    call (a text the segmenter cannot split), which leaves the map-reduce path."""
    from agent.models.structured import structured_call  # lazy: agent.models costs ~1 s

    all_sentences = segment(article.text)
    budget = min(settings.summary.key_sentence_budget, text_budget(settings))
    key = key_sentences(article.text, embedder=embedder, budget_tokens=budget, sentences=all_sentences)
    shown_text = " ".join(article.text[s.start : s.end] for s in key)
    if not key or count_tokens(shown_text) > text_budget(settings):
        return None
    shown = ss.Shown(article, key, all_sentences)
    messages = ss.messages(article, shown)
    prompt_tokens = sum(count_tokens(str(m.content)) for m in messages)
    candidates = figure_candidates(defang(shown_text))
    schema = ss.schema(shown)
    # Ids instead of quotes, figures and dates found without the model: a reply is ~150-300
    # tokens, so one that rambles is cut at KEY_SENTENCE_MAX_TOKENS.
    max_tokens = min(KEY_SENTENCE_MAX_TOKENS, _output_tokens(settings, prompt_tokens))
    raw = structured_call(chat, messages, schema, max_tokens=max_tokens)
    items = ss.verify(raw, shown, verifier, candidates)
    gaps = coverage_gaps(sentence_parts(article, all_sentences), items.key_points)
    ss.fill_gaps(items.key_points, shown, gaps, verifier, items.headline)
    return items


def _full_text_items(
    article: Article, chat: BaseChatModel, settings: Settings, verifier: Verifier, chunks: list[Chunk]
) -> tuple[Items, int, int]:
    """The earlier method: the whole text in one call (a coverage call per third no point
    cites), or map-reduce over parts when it does not fit; the items, the extra items dropped
    by the merge, and the number of parts."""
    from agent.models.structured import structured_call  # lazy: agent.models costs ~1 s

    budget = text_budget(settings)
    spans = [(0, len(article.text))] if count_tokens(article.text) <= budget else split_parts(chunks, budget)
    parts: list[Items] = []
    for i, (start, end) in enumerate(spans, start=1):
        part = (i, len(spans)) if len(spans) > 1 else None
        messages = summary_messages(article, article.text[start:end], part)
        prompt_tokens = sum(count_tokens(str(m.content)) for m in messages)
        # A grammar (the local model's) can hold figure values to the ones written in the
        # article; elsewhere (servers, fakes) the list is left out and verification decides.
        candidates = figure_candidates(defang(article.text[start:end])) if _grammar_backed(chat) else []
        schema = summary_schema(2, 5, candidates) if part else summary_schema(figures=candidates)
        raw = structured_call(chat, messages, schema, max_tokens=_output_tokens(settings, prompt_tokens))
        parts.append(verify_items(raw, verifier))  # verified against the FULL article text
    if len(parts) == 1:
        items = parts[0]
        items.key_points = fill_coverage_gaps(items.key_points, chunks, verifier, chat)
        return items, 0, 1
    items, extra_dropped = merge_parts(parts, article, chat, settings)
    return items, extra_dropped, len(parts)


def _assemble(
    article: Article, items: Items, label: str, method: SummaryMethod, dropped: int, n_parts: int
) -> ArticleSummary:
    """The ``ArticleSummary`` of verified ``items``, its entities sorted, its citations numbered."""
    people, organisations, places = sort_entities(items.people, items.organisations, items.places)
    summary = ArticleSummary(
        article_id=article.id,
        title=article.title,
        source=article.source,
        url=article.url,
        published=article.published,
        content_hash=article_hash(article),
        headline=items.headline or article.title,
        summary=items.summary,
        key_points=items.key_points[:MAX_KEY_POINTS],
        people=people,
        organisations=organisations,
        places=places,
        key_figures=items.key_figures,
        dates_events=items.dates_events,
        quotes=items.quotes,
        model=label,
        prompt_version=prompt_version(method),
        dropped=dropped,
        parts=n_parts,
        generated_at=datetime.now(UTC),
    )
    renumber(summary)
    return summary


@records_usage  # result.usage: tokens of the calls made (zero for a cached summary)
def summarize_article(
    article: Article,
    model: ModelOrFactory,
    settings: Settings,
    *,
    refresh: bool = False,
    embedder: Any = None,
    method: SummaryMethod = "key_sentences",
) -> ArticleSummary:
    """A structured summary of ``article`` in which every key point, figure, event and quote is
    backed by a verified verbatim quote (``Citation.quote == article.text[start:end]``).

    The model reads the article's key sentences (``agent.summary.select``; ``embedder`` gives their
    vectors, else bag-of-words) and cites them by id (``agent.summary.sentence_summary``); only text
    the segmenter cannot split into sentences that fit is summarised in parts (map-reduce).
    ``method="full_text"`` is the earlier design (whole article, copied evidence quotes, a
    coverage call per uncovered third), kept for comparison in bench/bench_summaries.py.
    ``model`` may be a zero-argument factory, so a cached summary never loads a model.
    Cached under ``settings.cache_dir / "summaries"``; ``refresh=True`` ignores the cache.
    """
    from agent.models.structured import model_name_of  # lazy: agent.models costs ~1 s

    if not article.text.strip():
        raise InvalidArgumentError(f"article {article.id!r} has no text to summarise; re-ingest it")
    label_model = model if isinstance(model, BaseChatModel) else None
    label = model_name_of(label_model, settings)
    if method not in ("key_sentences", "full_text"):
        raise InvalidArgumentError(f"unknown summary method {method!r}; use 'key_sentences' or 'full_text'")
    path = cache_path(article, label, settings, method)
    if not refresh:
        cached = load_cached(path, article)
        if cached is not None:
            return cached

    chat = model if isinstance(model, BaseChatModel) else model()
    label = model_name_of(chat, settings)
    path = cache_path(article, label, settings, method)

    chunks = chunk_text(article.id, article.text, max(1, settings.ingest.chunk_tokens))
    verifier = Verifier(article, chunks)
    key = None
    if method == "key_sentences":
        key = _key_sentence_items(article, chat, settings, verifier, embedder)
    if key is not None:
        items, extra_dropped, n_parts = key, 0, 1  # the key sentences already cover every third
    else:
        items, extra_dropped, n_parts = _full_text_items(article, chat, settings, verifier, chunks)
    summary = _assemble(article, items, label, method, verifier.dropped + extra_dropped, n_parts)
    save_cached(path, summary)
    return summary


__all__ = ["KEY_SENTENCE_BUDGET", "ModelOrFactory", "SummaryMethod", "summarize_article"]
