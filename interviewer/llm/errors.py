"""What can go wrong talking to a chat model, sorted into kinds, and said in words.

`classify_error` sorts whatever a client raised and `describe` says it in words; `LLMError` is
the one error the port raises, carrying that kind and two redacted messages: a short one for a
grade's fallback label, and a longer one naming the server and how to fix it, for the
connection check.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from urllib.parse import urlparse


class LLMConfigError(ValueError):
    """The settings cannot produce a chat model; the message says which variable to set."""


class LLMErrorKind(StrEnum):
    timeout = "timeout"
    connection = "connection"
    rate_limit = "rate_limit"
    server = "server"
    auth = "auth"
    not_found = "not_found"
    rejected = "rejected"
    bad_response = "bad_response"
    other = "other"


RETRYABLE = frozenset({LLMErrorKind.connection, LLMErrorKind.rate_limit, LLMErrorKind.server})


class LLMError(Exception):
    """A chat-model call gave no usable reply.

    `message` (also `str(error)`) is one line for the candidate ("LLM server failed with HTTP
    500 (3 attempts)"); `detail` says the same with the server's address and the fix ("is
    Ollama running? `ollama serve`"). Both are redacted before they get here.
    """

    def __init__(
        self,
        kind: LLMErrorKind,
        message: str,
        *,
        detail: str | None = None,
        attempts: int = 1,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail or message
        self.attempts = attempts
        self.status = status


class StreamCut(ConnectionError):
    """The server ended a streamed reply before it finished (no finish reason)."""


def status_code(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def classify_error(exc: BaseException) -> LLMErrorKind:
    """Sort an exception from a chat-model call into what the caller should do about it.

    Checks the `openai` types only if that SDK is already imported (it is, if it raised), so
    classifying costs no import.
    """
    openai = sys.modules.get("openai")
    if isinstance(exc, TimeoutError) or (
        openai is not None and isinstance(exc, openai.APITimeoutError)
    ):
        return LLMErrorKind.timeout
    if isinstance(exc, ConnectionError) or (
        openai is not None and isinstance(exc, openai.APIConnectionError)
    ):
        return LLMErrorKind.connection
    code = status_code(exc)
    if code is not None:
        if code == 429:
            return LLMErrorKind.rate_limit
        if code >= 500:
            return LLMErrorKind.server
        if code in (401, 403):
            return LLMErrorKind.auth
        if code == 404:
            return LLMErrorKind.not_found
        return LLMErrorKind.rejected
    if isinstance(exc, ValueError) or (
        openai is not None and isinstance(exc, openai.APIResponseValidationError)
    ):
        # A 200 whose body is not the JSON the client expects (a proxy's HTML page, say).
        return LLMErrorKind.bad_response
    return LLMErrorKind.other


def start_hint(base_url: str) -> str:
    """How to start the server that usually listens at `base_url`'s port."""
    port = urlparse(base_url).port
    if port == 11434:
        return "is Ollama running? `ollama serve`"
    if port == 1234:
        return "is LM Studio's local server started (Developer tab > Start Server)?"
    if port == 8000:
        return "is vLLM running? `vllm serve MODEL`"
    if port == 8080:
        return "is llama.cpp's server running? `llama-server -m MODEL.gguf`"
    return "is the server running, and is INTERVIEWER_LLM_BASE_URL right?"


def refused(exc: BaseException) -> bool:
    """True when the cause chain holds a refused TCP connection (nothing listening)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError) or "refused" in str(current).lower():
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def describe(
    exc: BaseException,
    *,
    attempts: int = 1,
    base_url: str = "the LLM server",
    model: str = "",
    timeout: float = 30.0,
    waited: float | None = None,
) -> tuple[str, str]:
    """(message, detail) for a failed call: the short reason a grade shows when it fell back
    ("...; graded offline"), and the line naming the server and the fix.

    Not redacted: the caller redacts with the secrets it holds."""
    code = status_code(exc)
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    lost = "lost the connection to the LLM server in the middle of its reply"
    words = {
        LLMErrorKind.timeout: (
            f"LLM timed out after {timeout if waited is None else waited:g} s",
            f"no reply from {base_url} within {timeout:g} s: the model may still be loading; "
            "try again, or raise INTERVIEWER_LLM_TIMEOUT",
        ),
        LLMErrorKind.connection: (
            (lost if isinstance(exc, StreamCut) else "could not reach the LLM server") + tries,
            ("connection refused" if refused(exc) else "could not connect")
            + f" at {base_url}: {start_hint(base_url)}",
        ),
        LLMErrorKind.auth: (
            f"LLM rejected the API key (HTTP {code}); check INTERVIEWER_LLM_API_KEY",
            f"{base_url} rejected the API key (HTTP {code}): check INTERVIEWER_LLM_API_KEY",
        ),
        LLMErrorKind.not_found: (
            "LLM model or endpoint not found (HTTP 404); check INTERVIEWER_LLM_MODEL and "
            "INTERVIEWER_LLM_BASE_URL",
            f"HTTP 404 from {base_url}: model '{model}' is not served there (Ollama: "
            f"`ollama pull {model}`; or set INTERVIEWER_LLM_MODEL), or the base URL lacks '/v1'",
        ),
        LLMErrorKind.rate_limit: (
            f"LLM rate-limited the request (HTTP 429){tries}",
            f"rate limited by {base_url} (HTTP 429): wait a minute, or check your quota",
        ),
        LLMErrorKind.server: (
            f"LLM server failed with HTTP {code}{tries}",
            f"{base_url} failed with HTTP {code}: the server is in trouble; try again",
        ),
        LLMErrorKind.rejected: (
            f"LLM rejected the request (HTTP {code})",
            f"{base_url} rejected the request (HTTP {code}): {exc}",
        ),
        LLMErrorKind.bad_response: (
            "LLM server sent a reply that is not chat-completions JSON",
            f"{base_url} answered with something that is not an OpenAI chat-completions reply: "
            "is INTERVIEWER_LLM_BASE_URL the API root (usually ending in '/v1')?",
        ),
    }
    other = (
        f"LLM call failed ({type(exc).__name__})",
        f"calling {base_url} failed: {type(exc).__name__}: {exc}",
    )
    return words.get(classify_error(exc), other)
