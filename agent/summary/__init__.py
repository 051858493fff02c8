"""One article → a structured, cited ``ArticleSummary``; every item backed by a verified quote.

``summarize_article`` (``summarize``) reads the cache (``cache``), picks the key sentences
(``select``), has the model cite them (``sentence_summary``; ``fulltext`` when the text cannot be
split so) and checks every item against the article (``verify``); ``ahead`` fills the cache.
"""

from agent.summary.ahead import AheadReport, summarize_ahead
from agent.summary.summarize import summarize_article

__all__ = ["AheadReport", "summarize_ahead", "summarize_article"]
