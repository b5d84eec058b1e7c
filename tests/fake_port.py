"""A scripted fake of the `ChatModel` port: queued replies out, every call it received kept.

    model = FakeChatPort().enqueue('{"feedback": ...}', Scripted(delay=1.0), LLMError(...))
    grader = LLMGrader(model)
    model.calls[0].messages      # the ChatRequest of the first call: its ChatMessages,
    model.calls[0].max_tokens    # and its options: json_mode, timeout, on_text
    model.usage[0]               # Usage(input_tokens=..., output_tokens=..., total_tokens=...)

Like simonw/llm's mock model, it implements the backend's one method (`execute`), and keeps
the port's promises as the real adapter does: a scripted `delay` longer than the
call's `timeout` waits out the timeout and raises `LLMError` (kind timeout, "LLM timed out
after T s"); with `on_text`, the reply is handed over as it grows, word by word or in pieces
of `Scripted.chunk_size` characters (so a piece can end inside a JSON escape). Errors are
scripted as `LLMError`s, the only error the port raises.

Token counts are approximate (about four characters a token) but deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from interviewer.llm import ChatModel, ChatRequest, LLMError, LLMErrorKind, Reply, TextHook, Usage
from tests.fake_openai_server import count_tokens


@dataclass
class Scripted:
    """One scripted reply: wait `delay` seconds first, or raise `error` instead of replying.

    `usage=False` reports no token counts (as llama.cpp's streams do)."""

    text: str = ""
    delay: float = 0.0
    error: LLMError | None = None
    chunk_size: int = 0
    finish_reason: str | None = "stop"
    usage: bool = True


class PortScriptExhausted(AssertionError):
    """The code under test made more calls than the test scripted."""


def pieces(text: str, size: int) -> list[str]:
    """The reply as a stream delivers it: `size` characters a piece, or word by word."""
    if size > 0:
        return [text[i : i + size] for i in range(0, len(text), size)]
    return [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]


class FakeChatPort(ChatModel):
    """Returns queued replies in order and records each request it receives."""

    def __init__(self, name: str = "fake-chat") -> None:
        self.name = name
        self.replies: list[str | Scripted | LLMError] = []
        self.calls: list[ChatRequest] = []
        self.usage: list[Usage] = []

    def enqueue(self, *replies: str | Scripted | LLMError) -> FakeChatPort:
        self.replies.extend(replies)
        return self

    @property
    def remaining(self) -> int:
        return len(self.replies)

    @property
    def modes(self) -> list[str]:
        """How each call was made: "complete", or "stream" (with an `on_text` hook)."""
        return ["complete" if c.on_text is None else "stream" for c in self.calls]

    def execute(self, request: ChatRequest) -> Reply:
        self.calls.append(request)
        if not self.replies:
            raise PortScriptExhausted(f"FakeChatPort: call {len(self.calls)} has no scripted reply")
        scripted = self.replies.pop(0)
        if isinstance(scripted, LLMError):
            raise scripted
        if isinstance(scripted, str):
            scripted = Scripted(scripted)
        timeout = request.timeout
        if scripted.delay:
            if timeout is not None and scripted.delay > timeout:
                time.sleep(timeout)
                raise LLMError(LLMErrorKind.timeout, f"LLM timed out after {timeout:g} s")
            time.sleep(scripted.delay)
        if scripted.error is not None:
            raise scripted.error
        if request.on_text is not None:
            self._stream(scripted, request.on_text)
        usage = None
        if scripted.usage:
            prompt = count_tokens("\n".join(m.content for m in request.messages))
            completion = count_tokens(scripted.text)
            usage = Usage(prompt, completion, prompt + completion)
            self.usage.append(usage)
        return Reply(scripted.text, usage, scripted.finish_reason)

    @staticmethod
    def _stream(scripted: Scripted, on_text: TextHook) -> None:
        so_far = ""
        for piece in pieces(scripted.text, scripted.chunk_size):
            so_far += piece
            try:
                on_text(so_far)
            except Exception:
                return  # a hook that raises is dropped, as the port promises
