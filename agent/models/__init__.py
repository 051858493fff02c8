"""Chat models: the embedded llama.cpp model or an OpenAI-compatible server.

Use ``get_chat_model(settings)`` for a LangChain ``BaseChatModel`` (loaded once per
process) and ``structured_call(...)`` for schema-constrained JSON on either path.
"""

from agent.models.registry import check_model_file, ensure_model, list_models
from agent.models.structured import get_chat_model, model_label, structured_call

__all__ = [
    "check_model_file", "ensure_model", "get_chat_model", "list_models", "model_label", "structured_call",
]
