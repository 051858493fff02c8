"""One article → a structured, cited ``ArticleSummary``; every item backed by a verified quote.

One job per module, in the order a summary goes through them:

* ``summarize`` — the entry point ``summarize_article``: cache lookup, the key-sentence call,
  assembly of the ``ArticleSummary``.
* ``select`` — the article's key sentences, chosen without the model.
* ``sentence_summary`` — one call over the key sentences, every item cited by sentence id;
  figures, dates and quotes read from the sentences themselves.
* ``fulltext`` — for text the segmenter cannot split into key sentences that fit one call: the
  whole text with copied evidence quotes, map-reduce when long.
* ``verify`` — the model's quotes, figures and names checked against the article (``Verifier``).
* ``schema`` — the JSON schemas the calls fill; ``notes`` — verified items a second call may
  cite by id only (the merge of a long article's parts, a briefing's figure conflicts).
* ``cache`` — summaries on disk per content hash, model and prompt versions; ``ahead`` — fill
  that cache ahead of the user.
"""

from agent.summary.ahead import AheadReport, summarize_ahead
from agent.summary.summarize import summarize_article

__all__ = ["AheadReport", "summarize_ahead", "summarize_article"]
