"""From settings to a server: which URL, which key, and whether the settings describe one."""

from __future__ import annotations

import re

from pydantic import SecretStr

from interviewer.settings import LLMProvider, Settings

from .errors import LLMConfigError

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Where Ollama serves its OpenAI-compatible API; the default for a local server.
OLLAMA_BASE_URL = "http://127.0.0.1:11434/v1"
# Local servers ignore the key, but the OpenAI client insists on one.
PLACEHOLDER_API_KEY = "not-needed"


def is_reasoning_model(model: str) -> bool:
    """o1, o3-mini, ...: they accept only the default temperature and reason before replying."""
    return re.match(r"o\d", model.strip().lower()) is not None


def repeatable_temperature(settings: Settings) -> float | None:
    """Temperature 0 for repeatable replies, except o-series models, which accept only the
    default (None keeps the server's)."""
    return None if is_reasoning_model(settings.llm_model) else 0.0


def resolve_base_url(settings: Settings) -> str:
    """The chat-completions base URL the settings point at."""
    if settings.llm_base_url:
        return settings.llm_base_url.rstrip("/")
    if settings.llm_provider is LLMProvider.openai:
        return OPENAI_BASE_URL
    return OLLAMA_BASE_URL


def resolve_api_key(settings: Settings) -> SecretStr:
    """The key to send: the configured one, or a placeholder for a local server."""
    key = settings.llm_api_key
    if key is not None and key.get_secret_value().strip():
        return SecretStr(key.get_secret_value().strip())
    if settings.llm_provider is LLMProvider.openai:
        raise LLMConfigError(
            "INTERVIEWER_LLM_PROVIDER=openai needs an API key: set INTERVIEWER_LLM_API_KEY "
            "(in the environment or in .env), or use INTERVIEWER_LLM_PROVIDER=openai-compatible "
            "with INTERVIEWER_LLM_BASE_URL for a local server such as Ollama."
        )
    return SecretStr(PLACEHOLDER_API_KEY)


def check_configured(settings: Settings) -> None:
    """Raise `LLMConfigError`, naming the variable to set, unless the settings describe a
    usable chat model. Opens no connection."""
    if not settings.llm_enabled:
        raise LLMConfigError(
            "The LLM is off (INTERVIEWER_LLM_PROVIDER=none). Set INTERVIEWER_LLM_PROVIDER to "
            "'openai' or 'openai-compatible' to use one."
        )
    if not settings.llm_model.strip():
        raise LLMConfigError("INTERVIEWER_LLM_MODEL is empty: set it to a model name.")
    resolve_api_key(settings)
