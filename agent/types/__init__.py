"""The typed objects that flow through newsagent: articles, chunks, passages, answers,
summaries and briefings.

Everything a user gets back from the Python API is one of these pydantic models, so it can be
printed (``.to_markdown()``), serialised (``.model_dump()``) or validated. One module per
thing returned, all re-exported here so callers import from ``agent.types``:

* ``articles`` — ``Article`` and ``Chunk``: what ingest stores and retrieval reads back.
* ``answers`` — ``Passage``, ``Citation`` (article, character span, verbatim quote),
  ``RetrievalInfo`` and ``Answer``: what ``Agent.ask`` returns.
* ``ingest`` — ``IngestItem`` and ``IngestReport``: what ``Agent.ingest`` returns.
* ``reindex`` — ``VectorHealth`` and ``ReindexReport``: what ``Agent.reindex`` returns.
* ``summaries`` — ``ArticleSummary`` and its cited items: what ``Agent.summarize`` returns.
* ``briefings`` — ``Briefing`` and its sections: what ``Agent.brief`` returns.
* ``digests`` — ``Digest``, its storylines, figure changes and footer: what ``Agent.digest``
  returns; ``DigestRecord``: a kept digest as ``agent digest --list`` shows it.
* ``watch`` — ``WatchedFeed``, ``FeedCheck``, ``WatchReport`` and ``SeenArticle``: what
  ``Agent.watch`` returns.
* ``markdown`` — the ``[n]`` marks and Sources list summaries and briefings share.
"""

from agent.types.answers import (
    Answer,
    AnswerStatus,
    Citation,
    ConsideredPassage,
    Passage,
    RetrievalInfo,
)
from agent.types.articles import Article, Chunk
from agent.types.briefings import (
    Briefing,
    BriefingArticle,
    BriefingSection,
    BriefingSentence,
    Disagreement,
    DisagreementClaim,
)
from agent.types.digests import (
    ContinuedFrom,
    Digest,
    DigestFooter,
    DigestRecord,
    DigestStoryline,
    FeedFailure,
    FigureChange,
    FigureReading,
)
from agent.types.ingest import IngestItem, IngestReport, IngestStatus
from agent.types.reindex import ReindexReport, VectorHealth
from agent.types.summaries import (
    ArticleSummary,
    DateEvent,
    KeyFigure,
    KeyPoint,
    SummaryQuote,
    shows_unit,
)
from agent.types.watch import FeedCheck, SeenArticle, WatchedFeed, WatchReport

__all__ = [
    "Answer", "AnswerStatus", "Article", "ArticleSummary", "Briefing", "BriefingArticle",
    "BriefingSection", "BriefingSentence", "Chunk", "Citation", "ConsideredPassage", "ContinuedFrom",
    "DateEvent", "Digest", "DigestFooter", "DigestRecord", "DigestStoryline", "FeedFailure",
    "FigureChange", "FigureReading",
    "Disagreement", "DisagreementClaim", "IngestItem", "IngestReport", "IngestStatus", "KeyFigure",
    "KeyPoint", "Passage", "ReindexReport", "RetrievalInfo", "SummaryQuote", "VectorHealth",
    "shows_unit", "FeedCheck", "SeenArticle", "WatchReport", "WatchedFeed",
]
