"""The chat-model factory: one LangChain `ChatOpenAI` for OpenAI or any OpenAI-compatible server.

Ollama, vLLM, llama.cpp and LM Studio all speak the OpenAI chat-completions API, so one client
covers them through `base_url`. The SDK is imported inside the functions: importing this module
costs nothing and opens no connection.

The API key lives in a `SecretStr` from settings until the moment the client is built; every
message this module produces goes through `redact()` first.

Local servers are not OpenAI (see `WireStyle`): llama.cpp ignores `max_completion_tokens` and
keeps generating after its client has gone, so every call carries a plain `max_tokens` cap;
some chat templates drop system messages, so instructions travel in the user message; and a
JSON mode is asked for where it is accepted.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from pydantic import SecretStr

from interviewer.settings import LLMProvider, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Where Ollama serves its OpenAI-compatible API; the default for a local server.
OLLAMA_BASE_URL = "http://127.0.0.1:11434/v1"
# Local servers ignore the key, but the OpenAI client insists on one.
PLACEHOLDER_API_KEY = "not-needed"


class LLMConfigError(ValueError):
    """The settings cannot produce a chat model; the message says which variable to set."""


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of `check_connection`, for the UI's "test connection" button."""

    ok: bool
    message: str


# o-series models count their hidden reasoning in max_completion_tokens: room for it.
REASONING_ALLOWANCE = 4096
CONNECTION_CHECK_TOKENS = 16


@dataclass(frozen=True)
class WireStyle:
    """How to ask one kind of server for a capped (and, where possible, JSON) reply.

    - `openai`: OpenAI itself takes `max_completion_tokens` (LangChain's `max_tokens` becomes
      that); every other server gets a plain `max_tokens`, the one llama.cpp, Ollama, vLLM
      and LM Studio all honour.
    - `reasoning`: an o-series model, whose cap must leave room for hidden reasoning.
    - `fold_system`: send the system prompt as the start of the user message, because some
      chat templates (Gemma's, for one) drop or reject system messages.
    - `json_mode`: ask for `response_format: {"type": "json_object"}` (grammar-constrained on
      llama.cpp and Ollama); the grader stops asking once a server refuses it.
    """

    openai: bool = False
    reasoning: bool = False
    fold_system: bool = False
    json_mode: bool = True

    def call_kwargs(self, max_tokens: int, *, json_mode: bool = False) -> dict[str, Any]:
        """Keyword arguments for `chat_model.invoke(...)` / `.stream(...)`.

        Extras go in `extra_body`, not as LangChain arguments: LangChain renames `max_tokens`
        and sends a `response_format` through the SDK's parse path, which raises on a reply
        cut at the cap instead of returning it.
        """
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if self.openai:
            kwargs["max_tokens"] = max_tokens + (REASONING_ALLOWANCE if self.reasoning else 0)
        else:
            extra["max_tokens"] = max_tokens
        if json_mode:
            extra["response_format"] = {"type": "json_object"}
        if extra:
            kwargs["extra_body"] = extra
        return kwargs


def is_reasoning_model(model: str) -> bool:
    """o1, o3-mini, ...: they accept only the default temperature and reason before replying."""
    return re.match(r"o\d", model.strip().lower()) is not None


def wire_style(settings: Settings) -> WireStyle:
    openai = settings.llm_provider is LLMProvider.openai
    return WireStyle(
        openai=openai, reasoning=is_reasoning_model(settings.llm_model), fold_system=not openai
    )


# -- secrets -----------------------------------------------------------------------------------

_KEY_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-*.]{6,}"),
    re.compile(r"(?i)(bearer\s+)[^\s'\",]+"),
    re.compile(r"(?i)(api[_-]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
)
REDACTED = "***"


def redact(text: str, *secrets: SecretStr | str | None) -> str:
    """Remove the given secrets, and anything shaped like an API key, from `text`.

    Secrets shorter than four characters are left alone: replacing every "x" would wreck the
    message and such a value protects nothing.
    """
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


# -- configuration -----------------------------------------------------------------------------


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


def make_chat_model(
    settings: Settings,
    *,
    streaming: bool = False,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> BaseChatModel:
    """Build the chat model the settings describe.

    `max_retries=0`: the grader retries with its own backoff and fallback, and SDK retries
    hidden underneath would multiply the wait. `temperature=None` keeps the server's default,
    because some OpenAI models reject any other value. `max_tokens` caps every reply, in the
    parameter this kind of server honours (see `WireStyle`); callers that size the cap per
    call pass `WireStyle.call_kwargs` to `invoke` instead.
    """
    if not settings.llm_enabled:
        raise LLMConfigError(
            "The LLM is off (INTERVIEWER_LLM_PROVIDER=none). Set INTERVIEWER_LLM_PROVIDER to "
            "'openai' or 'openai-compatible' to use one."
        )
    if not settings.llm_model.strip():
        raise LLMConfigError("INTERVIEWER_LLM_MODEL is empty: set it to a model name.")
    api_key = resolve_api_key(settings)
    base_url = resolve_base_url(settings)

    from langchain_openai import ChatOpenAI

    openai_itself = settings.llm_provider is LLMProvider.openai
    extra_body = None
    if max_tokens is not None and not openai_itself:
        extra_body, max_tokens = {"max_tokens": max_tokens}, None
    # Explicit base_url and api_key: the client must not pick up OPENAI_* or gateway variables
    # from the environment behind the user's back.
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=base_url,
        api_key=api_key,
        timeout=settings.llm_timeout,
        max_retries=0,
        streaming=streaming,
        # Token counts on streamed replies too, so the interviewer can count prompt tokens.
        stream_usage=True,
        temperature=temperature,
        max_tokens=max_tokens,
        extra_body=extra_body,
    )


# -- errors ------------------------------------------------------------------------------------


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


RETRYABLE = frozenset({LLMErrorKind.connection, LLMErrorKind.rate_limit, LLMErrorKind.server})


def _start_hint(base_url: str) -> str:
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


def _refused(exc: BaseException) -> bool:
    """True when the cause chain holds a refused TCP connection (nothing listening)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError) or "refused" in str(current).lower():
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def explain_error(exc: BaseException, settings: Settings) -> str:
    """One line that says what went wrong talking to the LLM and how to fix it."""
    base_url = resolve_base_url(settings)
    model = settings.llm_model
    kind = classify_error(exc)
    code = status_code(exc)
    if kind is LLMErrorKind.timeout:
        message = (
            f"no reply from {base_url} within {settings.llm_timeout:g} s: the model may still "
            f"be loading; try again, or raise INTERVIEWER_LLM_TIMEOUT"
        )
    elif kind is LLMErrorKind.connection:
        what = "connection refused" if _refused(exc) else "could not connect"
        message = f"{what} at {base_url}: {_start_hint(base_url)}"
    elif kind is LLMErrorKind.auth:
        message = f"{base_url} rejected the API key (HTTP {code}): check INTERVIEWER_LLM_API_KEY"
    elif kind is LLMErrorKind.not_found:
        message = (
            f"HTTP 404 from {base_url}: model '{model}' is not served there (Ollama: "
            f"`ollama pull {model}`; or set INTERVIEWER_LLM_MODEL), or the base URL lacks '/v1'"
        )
    elif kind is LLMErrorKind.rate_limit:
        message = f"rate limited by {base_url} (HTTP 429): wait a minute, or check your quota"
    elif kind is LLMErrorKind.server:
        message = f"{base_url} failed with HTTP {code}: the server is in trouble; try again"
    elif kind is LLMErrorKind.rejected:
        message = f"{base_url} rejected the request (HTTP {code}): {exc}"
    elif kind is LLMErrorKind.bad_response:
        message = (
            f"{base_url} answered with something that is not an OpenAI chat-completions reply: "
            f"is INTERVIEWER_LLM_BASE_URL the API root (usually ending in '/v1')?"
        )
    else:
        message = f"calling {base_url} failed: {type(exc).__name__}: {exc}"
    return redact(message, settings.llm_api_key)


def check_connection(settings: Settings) -> ConnectionCheck:
    """Send one tiny chat request and report, in words, whether the LLM is usable."""
    try:
        model = make_chat_model(settings, max_tokens=CONNECTION_CHECK_TOKENS)
    except LLMConfigError as exc:
        return ConnectionCheck(False, redact(str(exc), settings.llm_api_key))
    base_url = resolve_base_url(settings)
    started = time.perf_counter()
    try:
        model.invoke("Reply with the single word: ok")
    except Exception as exc:
        return ConnectionCheck(False, explain_error(exc, settings))
    elapsed = time.perf_counter() - started
    return ConnectionCheck(
        True, f"connected: {settings.llm_model} at {base_url} replied in {elapsed:.1f} s"
    )
