"""newsagent: ask questions about news articles and get answers that cite verbatim passages.

``from agent import Agent`` is the public surface; the result types and errors are exported
here too so callers never import from submodules.
"""

from agent.api import Agent
from agent.chat import ChatSession, ChatTurn
from agent.errors import NewsAgentError
from agent.settings import Settings
from agent.types import (
    Answer,
    Article,
    ArticleSummary,
    Briefing,
    Chunk,
    Citation,
    IngestItem,
    IngestReport,
    Passage,
)

__all__ = [
    "Agent",
    "Answer",
    "Article",
    "ArticleSummary",
    "Briefing",
    "ChatSession",
    "ChatTurn",
    "Chunk",
    "Citation",
    "IngestItem",
    "IngestReport",
    "NewsAgentError",
    "Passage",
    "Settings",
]
__version__ = "0.1.0"
