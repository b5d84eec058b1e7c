"""The UI's "test connection" button: one tiny request, and in words whether the LLM is usable."""

from __future__ import annotations

import time
from dataclasses import dataclass

from interviewer.settings import Settings

from .config import resolve_base_url
from .errors import LLMConfigError, LLMError, describe
from .langchain import make_chat_port
from .port import ChatMessage
from .redaction import redact

CONNECTION_CHECK_TOKENS = 16
CHECK_PROMPT = "Reply with the single word: ok"


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of `check_connection`."""

    ok: bool
    message: str


def explain_error(exc: BaseException, settings: Settings) -> str:
    """One line that says what went wrong talking to the LLM and how to fix it."""
    _, detail = describe(
        exc,
        base_url=resolve_base_url(settings),
        model=settings.llm_model,
        timeout=settings.llm_timeout,
    )
    return redact(detail, settings.llm_api_key)


def check_connection(settings: Settings) -> ConnectionCheck:
    """Send one tiny chat request and report, in words, whether the LLM is usable.

    No retries: the person pressing the button wants the first answer, not a backoff."""
    try:
        port = make_chat_port(settings, max_retries=0)
    except LLMConfigError as exc:
        return ConnectionCheck(False, redact(str(exc), settings.llm_api_key))
    started = time.perf_counter()
    try:
        port.complete([ChatMessage("user", CHECK_PROMPT)], max_tokens=CONNECTION_CHECK_TOKENS)
    except LLMError as exc:
        return ConnectionCheck(False, exc.detail)
    elapsed = time.perf_counter() - started
    return ConnectionCheck(
        True, f"connected: {settings.llm_model} at {port.base_url} replied in {elapsed:.1f} s"
    )
