"""What retrieval found → the ``Answer``: the refusals, and the answers labelled with where they
come from.

Retrieval (``agent.retrieve.as_of``) reports facts: the passages, the window and its label, the
nearest coverage and the lead sentence that names it. This module turns them into what the
reader sees:

* nothing retrieved → ``not_in_sources`` without calling the model; when the question had a
  dated window, the text says the window is empty and where the nearest coverage is;
* passages from the nearest coverage or an undated article → the model's answer after the lead
  ("Nothing from 13 June – 16 June 2026; the closest coverage, from 12 June 2026, says: …"),
  status ``partial``; if the model found nothing there either, the refusal naming that coverage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.answer.ask import answer_question, not_in_sources
from agent.settings import Settings
from agent.types import Answer, Passage

if TYPE_CHECKING:  # agent.retrieve.as_of loads the retriever's libraries
    from langchain_core.language_models import BaseChatModel

    from agent.retrieve.as_of import TemporalRetrieval


def answer_from_retrieval(
    question: str,
    found: TemporalRetrieval,
    model: Callable[[], BaseChatModel],
    settings: Settings,
    *,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """The answer to ``question`` from ``found``, with ``answer.retrieval`` saying what was searched.

    ``model()`` gives the chat model; it is called (and a lazy model loaded) only when there are
    passages. ``on_text`` receives the lead sentence first, then the answer text as it streams.
    """
    if not found.passages:
        return nothing_found(question, found, settings.resolved_model)
    if found.lead and on_text:
        on_text(found.lead + " ")
    answer = answer_question(question, found.passages, model, settings, on_text=on_text, note=found.note)
    return labelled(answer, found)


def nothing_found(question: str, found: TemporalRetrieval, model: str = "") -> Answer:
    """The refusal when retrieval found no passage; a window with a start is named in it."""
    answer = not_in_sources(question, 0, model)
    if found.info.time_phrase and found.info.window_since is not None:
        answer.text = nothing_in_window_text(found.window_text, found.nearest[0] if found.nearest else None)
    answer.retrieval = found.info
    return answer


def labelled(answer: Answer, found: TemporalRetrieval) -> Answer:
    """``answer`` from ``found``'s passages: after the lead sentence, status ``partial``, when the
    passages are the nearest coverage or undated; else the refusal naming that coverage (nothing
    cited, ``retrieval.fallback`` ``nearest_only``)."""
    answer.retrieval = found.info
    if not found.lead:
        return answer
    if answer.status != "not_in_sources" and answer.citations:
        answer.text = f"{found.lead} {answer.text.strip()}"
        answer.status = "partial"
        return answer
    if answer.status == "unverified":
        # Already marked as not confirmed (a duration estimate, a claim no sentence carries):
        # shown after the lead, which says where it comes from, rather than hidden by a refusal.
        answer.text = f"{found.lead} {answer.text.strip()}"
        return answer
    answer.text = nothing_in_window_text(found.window_text, found.nearest[0] if found.nearest else None)
    answer.status = "not_in_sources"
    answer.citations = []
    answer.retrieval.fallback = "nearest_only"
    return answer


def nothing_in_window_text(label: str, nearest: Passage | None) -> str:
    """The refusal for an empty precise window ``label``, naming the closest match. An undated
    article cannot be placed in or out of the window, so it is not called "outside that period"."""
    text = f"The indexed articles have nothing on this from {label}."
    if nearest is None:
        return text
    if nearest.published is None:
        return text + (
            f' The closest match, "{nearest.title}", has no publication date, so it cannot be '
            "placed in that period; ask without the time phrase to search it."
        )
    when = nearest.published.date().isoformat()
    return text + f' The nearest coverage is "{nearest.title}" ({when}), outside that period.'
