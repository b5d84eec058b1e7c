"""A scripted fake LangChain chat model: queued replies out, every conversation it was sent kept.
It stands behind the real adapter in the adapter's tests (the rest fake the port itself, with
tests/fake_port.py).

    model = FakeChatModel().enqueue('{"feedback": ...}', FakeReply(error=TimeoutError()))
    port = LangChainChatModel(model, name="fake-chat")
    model.calls[0]        # the messages of the first call
    model.usage[0]        # {"input_tokens": ..., "output_tokens": ..., "total_tokens": ...}
    model.modes[0]        # "invoke" or "stream": how the first call was made
    model.options[0]      # the keyword arguments it came with (max_tokens, extra_body, ...)

`.stream()` yields the reply word by word, or in pieces of `FakeReply.chunk_size` characters
(so a chunk can end inside a JSON escape), waiting `FakeReply.chunk_delay` seconds before each,
then a last chunk with the finish reason and the usage (none when `FakeReply.cut_after` cuts
the stream short).

Token counts are approximate (about four characters a token) but deterministic, and they are
reported the way real chat models report them: `AIMessage.usage_metadata`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from tests.fake_openai_server import count_tokens
from tests.fake_port import pieces


@dataclass
class FakeReply:
    """A reply with extras: wait `delay` seconds first, or raise `error` instead of replying.

    When streamed: `chunk_size` characters a chunk (0: word by word), `chunk_delay` seconds
    before each chunk.
    """

    content: str = ""
    delay: float = 0.0
    error: BaseException | None = None
    chunk_size: int = 0
    chunk_delay: float = 0.0
    # Streamed: stop after this many chunks, with no finish reason (a cut-off stream).
    cut_after: int | None = None
    finish_reason: str = "stop"


class ScriptExhausted(AssertionError):
    """The code under test made more calls than the test scripted."""


def message_text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else message.text


def usage_for(messages: list[BaseMessage], reply: str) -> UsageMetadata:
    prompt = count_tokens("\n".join(message_text(m) for m in messages))
    completion = count_tokens(reply)
    return UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
    )


class FakeChatModel(BaseChatModel):
    """Returns queued replies in order and records each conversation it receives."""

    replies: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    usage: list[UsageMetadata] = Field(default_factory=list)
    modes: list[str] = Field(default_factory=list)
    options: list[dict[str, Any]] = Field(default_factory=list)
    model_name: str = "fake-chat"

    @property
    def _llm_type(self) -> str:
        return "fake-chat"

    def enqueue(self, *replies: str | FakeReply) -> FakeChatModel:
        self.replies.extend(replies)
        return self

    @property
    def remaining(self) -> int:
        return len(self.replies)

    def _next(
        self, messages: list[BaseMessage], options: dict[str, Any], mode: str = "invoke"
    ) -> FakeReply:
        self.calls.append(list(messages))
        self.modes.append(mode)
        self.options.append(options)
        if not self.replies:
            raise ScriptExhausted(f"FakeChatModel: call {len(self.calls)} has no scripted reply")
        reply = self.replies.pop(0)
        if isinstance(reply, str):
            reply = FakeReply(content=reply)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.error is not None:
            raise reply.error
        self.usage.append(usage_for(messages, reply.content))
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages, kwargs)
        message = AIMessage(
            content=reply.content,
            usage_metadata=self.usage[-1],
            response_metadata={"finish_reason": reply.finish_reason},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._next(messages, kwargs, "stream")
        parts = pieces(reply.content, reply.chunk_size)
        if reply.cut_after is not None:
            parts = parts[: reply.cut_after]
        for piece in parts:
            if reply.chunk_delay:
                time.sleep(reply.chunk_delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        if reply.cut_after is not None:
            return  # cut off: no finish reason, no usage
        # The finish reason and the usage arrive on a final empty chunk, as OpenAI sends them.
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=self.usage[-1],
                response_metadata={"finish_reason": reply.finish_reason},
            )
        )
