"""How to ask one kind of server for a capped (and, where possible, JSON) reply.

Local servers are not OpenAI: llama.cpp ignores `max_completion_tokens` and keeps generating
after its client has gone, so every call carries a plain `max_tokens` cap; some chat templates
drop system messages, so instructions travel in the user message; and a JSON mode is asked for
where it is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from interviewer.settings import LLMProvider, Settings

from .config import is_reasoning_model
from .port import ChatMessage

# o-series models count their hidden reasoning in max_completion_tokens: room for it.
REASONING_ALLOWANCE = 4096


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
      llama.cpp and Ollama) when a call wants JSON; the adapter stops asking once a server
      refuses it.
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


def wire_style(settings: Settings) -> WireStyle:
    openai = settings.llm_provider is LLMProvider.openai
    return WireStyle(
        openai=openai, reasoning=is_reasoning_model(settings.llm_model), fold_system=not openai
    )


def fold_system(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """System parts moved to the start of the first user message, for servers whose chat
    template drops system messages (the instructions would silently vanish)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not system or not rest or rest[0].role != "user":
        return list(messages)
    return [ChatMessage("user", f"{system}\n\n{rest[0].content}"), *rest[1:]]
