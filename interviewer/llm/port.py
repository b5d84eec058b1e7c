"""The one model interface the rest of the product depends on: `ChatModel.complete`.

Grading, reference generation and the interviewer's closing line talk to a chat model only
through this port, so a scripted fake (tests/fake_port.py) can stand in for any server, and
everything about the wire (deadlines, retries, JSON mode, streaming, error words) lives in one
adapter (`interviewer.llm.langchain`). As in simonw/llm, where `Model.prompt` builds a prompt
and a backend implements `Model.execute`, callers call `complete` and a backend (or a fake)
implements `execute(ChatRequest)`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

Role = Literal["system", "user", "assistant"]

# Receives the reply written so far (the whole text, not the newest piece) each time it grows.
TextHook = Callable[[str], None]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


class Usage(NamedTuple):
    """Token counts of one reply, as the server reported them."""

    input_tokens: int
    output_tokens: int
    total_tokens: int


@dataclass(frozen=True)
class Reply:
    """A finished reply. `usage` is None when the server reports none (llama.cpp's streams);
    `finish_reason` is the server's ("stop", or "length" for a reply cut at `max_tokens`)."""

    text: str
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """One call to a chat model: what `ChatModel.complete` was given."""

    messages: tuple[ChatMessage, ...]
    max_tokens: int
    json_mode: bool = False
    on_text: TextHook | None = None
    timeout: float | None = None


class ChatModel(ABC):
    """A chat model behind one call, `complete`; a backend implements `execute`.

    `complete` sends `messages` and returns the whole reply, capped at `max_tokens`. It raises
    `LLMError` (and nothing else) when no reply can be had; the error's kind says what went
    wrong and its message says it in words, redacted, naming the fix where there is one.

    - `json_mode`: ask the server for a JSON object where it can give one; a server that
      refuses is asked again without it (and not asked again).
    - `on_text`: stream the reply, handing the text so far to the hook as it grows, from a
      worker thread. A retry starts the text again. A hook that raises is dropped (it only
      displays); the reply is still returned whole.
    - `timeout`: a wall-clock deadline in seconds for one attempt (None: the model's own).
    """

    name: str

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int,
        json_mode: bool = False,
        on_text: TextHook | None = None,
        timeout: float | None = None,
    ) -> Reply:
        return self.execute(ChatRequest(tuple(messages), max_tokens, json_mode, on_text, timeout))

    @abstractmethod
    def execute(self, request: ChatRequest) -> Reply:
        """Answer one request, keeping the promises `complete` makes."""
