"""Structured, cited summaries of one article: ``summarize_article(article, model, settings)``.

Every key point, figure and dated event shown carries a verified verbatim quote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.errors import InvalidArgumentError
from agent.ingest.chunk import chunk_text
from agent.settings import Settings
from agent.summary import sentence_summary as ss
from agent.summary.cache import article_hash, cache_path, load_cached, prompt_version, save_cached
from agent.summary.fulltext import coverage_gaps, full_text_items, output_tokens, text_budget
from agent.summary.schema import MAX_KEY_POINTS
from agent.summary.select import key_sentences
from agent.summary.verify import Items, Verifier, renumber, sort_entities
from agent.text.numbers import figure_candidates
from agent.text.sentences import Sentence, segment
from agent.tokens import count_tokens
from agent.types import Article, ArticleSummary, Chunk
from agent.untrusted import defang
from agent.usage import records_usage

#: Reply cap of a key-sentence summary (headline, 3-4 cited points, names, quote speakers).
KEY_SENTENCE_MAX_TOKENS = 500


def sentence_parts(article: Article, sentences: Sequence[Sentence]) -> list[Chunk]:
    """The article's sentences as token-counted spans, for splitting it into thirds.

    An article is a handful of index chunks, so chunk-bounded thirds would be lopsided;
    sentence-bounded ones are about equal in tokens, as ``coverage_gaps`` means them."""
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
    call (a text the segmenter cannot split), which leaves the full-text path."""
    from agent.models.structured import structured_call  # lazy: agent.models is slow to import

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
    # Ids instead of quotes, figures and dates found without the model: a reply is short, so
    # one that rambles is cut at KEY_SENTENCE_MAX_TOKENS.
    max_tokens = min(KEY_SENTENCE_MAX_TOKENS, output_tokens(settings, prompt_tokens))
    raw = structured_call(chat, messages, schema, max_tokens=max_tokens)
    items = ss.verify(raw, shown, verifier, candidates)
    gaps = coverage_gaps(sentence_parts(article, all_sentences), items.key_points)
    ss.fill_gaps(items.key_points, shown, gaps, verifier, items.headline)
    return items


def assemble_summary(
    article: Article, items: Items, label: str, dropped: int, n_parts: int
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
        summary_points=min(items.summary_points, MAX_KEY_POINTS),
        key_points=items.key_points[:MAX_KEY_POINTS],
        people=people,
        organisations=organisations,
        places=places,
        key_figures=items.key_figures,
        dates_events=items.dates_events,
        quotes=items.quotes,
        model=label,
        prompt_version=prompt_version(),
        dropped=dropped,
        parts=n_parts,
        generated_at=datetime.now(UTC),
    )
    renumber(summary)
    return summary


@records_usage  # result.usage: tokens of the calls made (zero for a cached summary)
def summarize_article(
    article: Article,
    model: Callable[[], BaseChatModel],
    settings: Settings,
    *,
    refresh: bool = False,
    embedder: Any = None,
) -> ArticleSummary:
    """A structured summary of ``article`` in which every key point, figure, event and quote is
    backed by a verified verbatim quote (``Citation.quote == article.text[start:end]``).

    The model cites the key sentences by id (``embedder`` gives their vectors, else
    bag-of-words); text the segmenter cannot split so is summarised over its full text. ``model``
    is called only on a cache miss (``settings.cache_dir / "summaries"``, keyed by the settings'
    label), so a cached summary loads no model; ``refresh=True`` ignores the cache.
    """
    from agent.models.structured import model_name_of  # lazy: agent.models is slow to import

    if not article.text.strip():
        raise InvalidArgumentError(f"article {article.id!r} has no text to summarise; re-ingest it")
    path = cache_path(article, model_name_of(None, settings), settings)
    if not refresh:
        cached = load_cached(path, article)
        if cached is not None:
            return cached

    chat = model()
    label = model_name_of(chat, settings)
    path = cache_path(article, label, settings)

    chunks = chunk_text(article.id, article.text, max(1, settings.ingest.chunk_tokens))
    verifier = Verifier(article, chunks)
    key = _key_sentence_items(article, chat, settings, verifier, embedder)
    if key is not None:
        items, extra_dropped, n_parts = key, 0, 1  # the key sentences already cover every third
    else:
        items, extra_dropped, n_parts = full_text_items(article, chat, settings, verifier, chunks)
    summary = assemble_summary(article, items, label, verifier.dropped + extra_dropped, n_parts)
    save_cached(path, summary)
    return summary
