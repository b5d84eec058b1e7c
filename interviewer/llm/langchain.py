"""The one adapter from the `ChatModel` port to a server: LangChain's `ChatOpenAI`, for OpenAI or
any OpenAI-compatible server (Ollama, vLLM, llama.cpp and LM Studio all speak its API, so one
client covers them through `base_url`).

Everything about talking to the server lives here: the wall-clock deadline, retries with
backoff (Retry-After honoured), JSON mode and the fallback when a server refuses it, the wire
style (`WireStyle`), streaming, a stream cut off mid-reply, usage, error classification and
key redaction. The SDK is imported inside the functions: importing this module costs nothing
and opens no connection, and `make_chat_port` builds its client on the first call.

The API key lives in a `SecretStr` from settings until the moment the client is built; every
message this module produces goes through `redact()` first.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from interviewer.settings import LLMProvider, Settings

from .config import check_configured, resolve_api_key, resolve_base_url
from .deadline import DeadlineExceeded, run_with_deadline
from .errors import (
    RETRYABLE,
    LLMError,
    LLMErrorKind,
    StreamCut,
    classify_error,
    describe,
    status_code,
)
from .port import ChatMessage, ChatModel, ChatRequest, Reply, TextHook, Usage
from .redaction import redact
from .wire import WireStyle, fold_system, wire_style

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

# A server's Retry-After is honoured, but never waited on for longer than this (seconds).
MAX_RETRY_AFTER = 20.0


def to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def make_chat_model(
    settings: Settings,
    *,
    streaming: bool = False,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> BaseChatModel:
    """Build the LangChain chat model the settings describe (raises `LLMConfigError`).

    `max_retries=0`: the adapter retries with its own backoff, and SDK retries hidden
    underneath would multiply the wait. `temperature=None` keeps the server's default,
    because some OpenAI models reject any other value. `max_tokens` caps every reply, in the
    parameter this kind of server honours (see `WireStyle`); the adapter sizes the cap per
    call instead.
    """
    check_configured(settings)
    api_key = resolve_api_key(settings)
    base_url = resolve_base_url(settings)

    from langchain_openai import ChatOpenAI

    openai_itself = settings.llm_provider is LLMProvider.openai
    extra_body = None
    if max_tokens is not None and not openai_itself:
        extra_body, max_tokens = {"max_tokens": max_tokens}, None
    # Explicit base_url and api_key: the client must not pick up OPENAI_* or gateway variables
    # from the environment behind the user's back.
    return ChatOpenAI(  # type: ignore[call-arg]  # langchain-openai's stubs miss max_tokens
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


class LangChainChatModel(ChatModel):
    """The `ChatModel` port over a LangChain chat model.

    `timeout` is the default wall-clock deadline per attempt, enforced here as well as by the
    HTTP client, so a slow stream or a hung local server cannot stall the interview. Retries
    (`max_retries`, exponential backoff from `backoff` seconds, a server's Retry-After
    honoured up to MAX_RETRY_AFTER) cover 429, 5xx, connection errors and streams cut off
    mid-reply; a timeout is not retried, since the user is waiting.

    A call that wants JSON asks for JSON mode while `json_mode` holds; a server that answers
    that request with HTTP 400 is asked again without it, and not asked again for the rest of
    this adapter's life (`json_mode` turns False).

    `model` answers plain calls and `stream_model` (default `model`) streamed ones: ChatOpenAI
    built with streaming=False refuses to stream at all, and one built with streaming=True
    streams every invoke too. `build(streaming)` instead builds them on first use.
    """

    def __init__(
        self,
        model: BaseChatModel | None = None,
        *,
        name: str,
        stream_model: BaseChatModel | None = None,
        build: Callable[[bool], BaseChatModel] | None = None,
        wire: WireStyle | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
        base_url: str = "the LLM server",
        secrets: Iterable[SecretStr | str | None] = (),
    ) -> None:
        if model is None and build is None:
            raise ValueError("LangChainChatModel needs a chat model or a way to build one")
        self.name = name
        self.wire = wire or WireStyle()
        self.json_mode = self.wire.json_mode
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.backoff = backoff
        self.base_url = base_url
        self._secrets = tuple(secrets)
        self._build = build
        self._models: dict[bool, BaseChatModel] = {}
        if model is not None:
            self._models[False] = model
            self._models[True] = stream_model or model
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LangChainChatModel(name={self.name!r}, base_url={self.base_url!r})"

    def _model(self, streaming: bool) -> BaseChatModel:
        with self._lock:  # a prefetch and an answer may race to build it: build once
            if streaming not in self._models:
                assert self._build is not None
                self._models[streaming] = self._build(streaming)
            return self._models[streaming]

    @property
    def chat_model(self) -> BaseChatModel:
        return self._model(False)

    @property
    def stream_model(self) -> BaseChatModel:
        return self._model(True)

    # -- the port: complete() builds the request ------------------------------------------

    def execute(self, request: ChatRequest) -> Reply:
        messages = request.messages
        deadline = self.timeout if request.timeout is None else request.timeout
        sent = to_langchain(fold_system(messages) if self.wire.fold_system else messages)
        # Build the client before the clock starts: the first call imports the SDK (seconds on
        # a cold disk), which is not the server's time and must not count as a timeout.
        self._model(request.on_text is not None)
        attempt = 0
        while True:
            asked_json = request.json_mode and self.json_mode
            options = self.wire.call_kwargs(request.max_tokens, json_mode=asked_json)
            work = functools.partial(self._call, sent, options, request.on_text)
            started = time.monotonic()
            try:
                return run_with_deadline(work, deadline)
            except DeadlineExceeded:
                raise self._timed_out(deadline, deadline, attempt + 1) from None
            except Exception as exc:
                if asked_json and status_code(exc) == 400:
                    # Not a failure of the model: this server refuses response_format. Ask
                    # again without it (no attempt used) and never ask for it again.
                    log.info("the LLM server refused JSON mode; continuing without it")
                    self.json_mode = False
                    continue
                kind = classify_error(exc)
                if kind is LLMErrorKind.timeout:
                    waited = round(time.monotonic() - started, 1)
                    raise self._timed_out(waited, deadline, attempt + 1) from None
                if kind in RETRYABLE and attempt < self.max_retries:
                    delay = self._delay(attempt, exc)
                    log.info("LLM call failed (%s); retrying in %.1f s", kind.value, delay)
                    self.sleep(delay)
                    attempt += 1
                    continue
                raise self._failed(kind, exc, attempt + 1, deadline) from None

    # -- one attempt -----------------------------------------------------------------------

    def _call(
        self,
        messages: list[BaseMessage],
        options: dict[str, Any],
        on_text: TextHook | None,
        abandoned: threading.Event,
    ) -> Reply:
        if on_text is None:
            return _reply(self.chat_model.invoke(messages, **options))
        return self._stream(messages, options, on_text, abandoned)

    def _stream(
        self,
        messages: list[BaseMessage],
        options: dict[str, Any],
        on_text: TextHook,
        abandoned: threading.Event,
    ) -> Reply:
        """Stream one attempt, handing the text so far to `on_text`; returns the whole reply.

        The chunks are summed into one message, so the text and the token usage come out as
        from `invoke`. A hook that raises is dropped (it only displays); the call goes on. A
        stream that stops without a finish reason, or breaks after it started, raises
        `StreamCut`: half a reply is a lost connection, not an invalid answer.
        """
        hook: TextHook | None = on_text
        message: Any = None
        text = ""
        chunks = self.stream_model.stream(messages, **options)
        try:
            for chunk in chunks:
                if abandoned.is_set():
                    break  # past the deadline: the caller has already moved on
                message = chunk if message is None else message + chunk
                piece = _text(chunk)
                if not piece:
                    continue
                text += piece
                if hook is not None:
                    try:
                        hook(text)
                    except Exception as exc:
                        log.warning(
                            "streamed-text hook failed (%s); not streaming", type(exc).__name__
                        )
                        hook = None
        except Exception as exc:
            if message is None or classify_error(exc) is not LLMErrorKind.connection:
                raise  # it never started: an ordinary failure, classified by the caller
            raise StreamCut(f"the stream broke off: {exc}") from exc
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # ends the HTTP stream if we stopped early
        if abandoned.is_set():
            return Reply(text)  # nobody is waiting for it
        if message is None or _finish_reason(message) is None:
            raise StreamCut("the stream ended before the reply was finished")
        return _reply(message)

    # -- failures --------------------------------------------------------------------------

    def _delay(self, attempt: int, exc: BaseException) -> float:
        delay = self.backoff * 2**attempt
        hinted = _retry_after(exc)
        if hinted is not None:
            delay = min(max(delay, hinted), MAX_RETRY_AFTER)
        return delay

    def _redact(self, text: str) -> str:
        return redact(text, *self._secrets)

    def _timed_out(self, waited: float, deadline: float, attempts: int) -> LLMError:
        return self._failed(LLMErrorKind.timeout, TimeoutError(), attempts, deadline, waited)

    def _failed(
        self,
        kind: LLMErrorKind,
        exc: BaseException,
        attempts: int,
        deadline: float | None = None,
        waited: float | None = None,
    ) -> LLMError:
        timeout = self.timeout if deadline is None else deadline
        message, detail = describe(
            exc,
            attempts=attempts,
            waited=waited,
            base_url=self.base_url,
            model=self.name,
            timeout=timeout,
        )
        return LLMError(
            kind,
            self._redact(message),
            detail=self._redact(detail),
            attempts=attempts,
            status=status_code(exc),
        )


def _text(message: Any) -> str:
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return text
    content = getattr(message, "content", "")
    return content if isinstance(content, str) else str(content)


def _finish_reason(message: Any) -> str | None:
    metadata = getattr(message, "response_metadata", None) or {}
    reason = metadata.get("finish_reason")
    return reason if isinstance(reason, str) else None


def _usage(message: Any) -> Usage | None:
    usage = getattr(message, "usage_metadata", None) or {}
    prompt, completion, total = (
        usage.get(k) for k in ("input_tokens", "output_tokens", "total_tokens")
    )
    if isinstance(prompt, int) and isinstance(completion, int) and isinstance(total, int):
        return Usage(prompt, completion, total)
    return None  # unknown, not invented


def _reply(message: Any) -> Reply:
    return Reply(_text(message), _usage(message), _finish_reason(message))


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def make_chat_port(
    settings: Settings,
    *,
    temperature: float | None = None,
    max_retries: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LangChainChatModel:
    """The chat-model port the settings describe, built without a connection or an SDK import
    (raises `LLMConfigError` if the settings describe none).

    `temperature` None keeps the server's default (see `repeatable_temperature`);
    `max_retries` None takes INTERVIEWER_LLM_MAX_RETRIES.
    """
    check_configured(settings)

    def build(streaming: bool) -> BaseChatModel:
        return make_chat_model(settings, streaming=streaming, temperature=temperature)

    return LangChainChatModel(
        build=build,
        name=settings.llm_model,
        wire=wire_style(settings),
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries if max_retries is None else max_retries,
        sleep=sleep,
        base_url=resolve_base_url(settings),
        secrets=(settings.llm_api_key,),
    )
