"""The chat-model port (`ChatModel.complete`) and its one adapter, over LangChain's ChatOpenAI.

Grading, reference generation and the interviewer's lines depend on the port alone; the
adapter (`make_chat_port`) owns the wire. Importing this package is light: the SDK loads on
the first call.

    port = make_chat_port(settings, temperature=repeatable_temperature(settings))
    reply = port.complete([ChatMessage("user", "Hello")], max_tokens=50)
    reply.text, reply.usage, reply.finish_reason
"""

from __future__ import annotations

from .config import (
    OLLAMA_BASE_URL,
    OPENAI_BASE_URL,
    PLACEHOLDER_API_KEY,
    check_configured,
    is_reasoning_model,
    repeatable_temperature,
    resolve_api_key,
    resolve_base_url,
)
from .connection import CONNECTION_CHECK_TOKENS, ConnectionCheck, check_connection, explain_error
from .errors import (
    RETRYABLE,
    LLMConfigError,
    LLMError,
    LLMErrorKind,
    classify_error,
    status_code,
)
from .langchain import LangChainChatModel, make_chat_model, make_chat_port
from .port import ChatMessage, ChatModel, ChatRequest, Reply, Role, TextHook, Usage
from .redaction import REDACTED, redact
from .wire import REASONING_ALLOWANCE, WireStyle, fold_system, wire_style

__all__ = [
    "CONNECTION_CHECK_TOKENS",
    "OLLAMA_BASE_URL",
    "OPENAI_BASE_URL",
    "PLACEHOLDER_API_KEY",
    "REASONING_ALLOWANCE",
    "REDACTED",
    "RETRYABLE",
    "ChatMessage",
    "ChatModel",
    "ChatRequest",
    "ConnectionCheck",
    "LLMConfigError",
    "LLMError",
    "LLMErrorKind",
    "LangChainChatModel",
    "Reply",
    "Role",
    "TextHook",
    "Usage",
    "WireStyle",
    "check_configured",
    "check_connection",
    "classify_error",
    "explain_error",
    "fold_system",
    "is_reasoning_model",
    "make_chat_model",
    "make_chat_port",
    "redact",
    "repeatable_temperature",
    "resolve_api_key",
    "resolve_base_url",
    "status_code",
    "wire_style",
]
