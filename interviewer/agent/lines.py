"""Session-level lines written by the LLM (`prompts/interviewer_turn.md`): the wrap-up.

Per-answer words come from the notes the LLM grader returns with each grade, so they cost no
extra call. This adds at most ONE call per session, after the last answer is saved, with a
short deadline (`WRAP_UP_DEADLINE`) and a small output cap, and falls back to the fixed
template line on any failure, a timeout, or a line that fails the checks: the candidate
always gets a closing line, and never waits a grading timeout for one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from interviewer.agent.replies import overall_score
from interviewer.agent.state import SessionState
from interviewer.agent.wording import leaks_any

if TYPE_CHECKING:
    from interviewer.llm import WireStyle

LineWriter = Callable[[str, list[str]], str | None]
MAX_LINE_CHARS = 300
# A 300-character line is about 75 tokens; the cap keeps a rambling local model short.
LINE_TOKENS = 100
# Seconds to wait for the closing line before the template line is shown instead.
WRAP_UP_DEADLINE = 8.0


def wrap_up_facts(state: SessionState) -> list[str]:
    """Plain facts the wrap-up line may state: nothing about any question's content."""
    scored = [r for r in state.records if r.scored]
    facts = [f"questions answered: {len(scored)} of {state.total}"]
    overall = overall_score(state.records)
    if overall is not None:
        facts.append(f"session average: {overall:.1f} / 5")
    facts.append(f"mode: {state.config.mode.value}")
    if state.end_reason and state.end_reason != "completed":
        facts.append("the candidate ended the session early")
    return facts


def valid_line(text: str | None, state: SessionState) -> bool:
    """Short, one paragraph, asks nothing, and states no key point of the session."""
    if not text or not text.strip() or len(text) > MAX_LINE_CHARS or "?" in text:
        return False
    claims = [c for r in state.records for c in r.criteria]
    return not leaks_any(text, claims)


class LLMLineWriter:
    """Calls the chat model with the interviewer_turn prompt, with a wall-clock deadline and
    an output cap (sent as `wire` says this server honours it)."""

    def __init__(
        self,
        chat_model: Callable[[], Any],
        *,
        timeout: float = WRAP_UP_DEADLINE,
        wire: WireStyle | None = None,
    ) -> None:
        from interviewer.llm import WireStyle

        self._chat_model = chat_model
        self.timeout = timeout
        self.wire = wire or WireStyle()
        self.calls = 0

    def __call__(self, moment: str, facts: list[str]) -> str | None:
        from interviewer.grading.llm import to_langchain
        from interviewer.prompts import render_prompt

        messages = to_langchain(
            render_prompt("interviewer_turn", {"moment": moment, "context": "\n".join(facts)}),
            fold=self.wire.fold_system,
        )
        options = self.wire.call_kwargs(LINE_TOKENS)
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["reply"] = self._chat_model().invoke(messages, **options)
            except Exception as exc:  # any failure means: use the template
                outcome["error"] = exc

        self.calls += 1
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(self.timeout)
        reply = outcome.get("reply")
        if reply is None:
            return None
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
        return re.sub(r"\s+", " ", text).strip().strip('"') or None
