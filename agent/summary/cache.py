"""Summaries cached on disk per (content hash, model, prompt versions).

Why: a summary costs a model call; a summary asked for again is read back without loading the
model, and ``summarize_ahead`` fills this cache. Keyed by content, so an edited article (or a
changed prompt file) is redone; writes are atomic, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from agent.prompting import load_prompt
from agent.settings import Settings, SummarySettings
from agent.summary.fulltext import COVERAGE_PROMPT_NAME, PROMPT_NAME
from agent.summary.notes import NOTES_PROMPT_NAME
from agent.summary.sentence_summary import PROMPT_NAME as KEY_PROMPT_NAME
from agent.text.hashing import sha256_hex
from agent.types import Article, ArticleSummary

log = logging.getLogger(__name__)


#: The stored ``ArticleSummary``'s shape: part of the key, so a file of another shape is never read.
FORMAT = 2


def prompt_version() -> str:
    """What a summary records as its prompt: every file it may use (key sentences, then map,
    merge and coverage for text summarised in full), so a changed prompt file is a new key."""
    names = (KEY_PROMPT_NAME, PROMPT_NAME, NOTES_PROMPT_NAME, COVERAGE_PROMPT_NAME)
    return "+".join(load_prompt(n).id for n in names)


def article_hash(article: Article) -> str:
    if article.content_hash:
        return article.content_hash
    blob = json.dumps([article.title, article.text, article.url, str(article.published)])
    return sha256_hex(blob)


def cache_path(article: Article, model_label: str, settings: Settings) -> Path:
    """``<cache_dir>/summaries/<content hash>-<model label>-<prompt version>-f<FORMAT>.json``;
    hashed when the name would be unreasonably long. Keyed by content, so an edited article is
    redone."""
    label = re.sub(r"[^A-Za-z0-9._@+-]+", "_", model_label).strip("_") or "model"
    version = re.sub(r"[^A-Za-z0-9._@+-]+", "_", prompt_version())
    budget = settings.summary.key_sentence_budget
    if budget != SummarySettings.model_fields["key_sentence_budget"].default:
        version += f"+ks{budget}"  # another budget shows other sentences: not the same summary
    name = f"{article_hash(article)}-{label}-{version}-f{FORMAT}"
    if len(name) > 150:
        name = sha256_hex(name)
    return Path(settings.cache_dir) / "summaries" / f"{name}.json"


def load_cached(path: Path, article: Article) -> ArticleSummary | None:
    try:
        summary = ArticleSummary.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        if path.exists():
            log.warning("ignoring unreadable cached summary %s: %s", path, exc)
        return None
    # The article id may differ for the same content (e.g. ingested from another path): re-key.
    if summary.article_id != article.id:
        summary.article_id = article.id
        for group in (summary.key_points, summary.key_figures, summary.dates_events, summary.quotes):
            for item in group:
                for c in item.citations:
                    c.article_id = article.id
    return summary


def save_cached(path: Path, summary: ArticleSummary) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(summary.model_dump_json(indent=1), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader never sees half a file
    except OSError as exc:
        log.warning("could not cache summary at %s: %s", path, exc)
