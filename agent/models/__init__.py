"""Chat models: the embedded llama.cpp model or an OpenAI-compatible server.

Use ``get_chat_model(settings)`` for a LangChain ``BaseChatModel`` (loaded once per
process) and ``structured_call(...)`` for schema-constrained JSON on either path.
"""

from agent.models.registry import (
    DEFAULT_MODEL,
    REGISTRY,
    ModelRow,
    ModelSpec,
    check_model_file,
    ensure_model,
    list_models,
    register,
    resolve_spec,
    verify,
)
from agent.models.structured import (
    get_chat_model,
    model_label,
    remembered_method,
    structured_call,
)

__all__ = [
    "DEFAULT_MODEL",
    "REGISTRY",
    "ModelRow",
    "ModelSpec",
    "check_model_file",
    "ensure_model",
    "get_chat_model",
    "list_models",
    "model_label",
    "register",
    "remembered_method",
    "resolve_spec",
    "structured_call",
    "verify",
]
