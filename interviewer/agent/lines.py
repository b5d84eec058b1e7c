"""Session-level lines written by the LLM (`prompts/interviewer_turn.md`): the wrap-up.

Per-answer words come from the notes the LLM grader returns with each grade, so they cost no
extra call. This adds at most ONE call per session, after the last answer is saved, with a
short deadline (`WRAP_UP_DEADLINE`) and a small output cap, and falls back to the fixed
template line on any failure, a timeout, or a line that fails the checks: the candidate
always gets a closing line, and never waits a grading timeout for one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from interviewer.agent.replies import overall_score
from interviewer.agent.state import SessionState
from interviewer.agent.wording import leaks_any

if TYPE_CHECKING:
    from interviewer.llm import ChatModel
    from interviewer.settings import Settings

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
    """Asks the chat model for a line with the interviewer_turn prompt, under a short
    wall-clock deadline and a small output cap; None on any failure (the template stands)."""

    def __init__(self, model: ChatModel, *, timeout: float = WRAP_UP_DEADLINE) -> None:
        self.model = model
        self.timeout = timeout
        self.calls = 0

    def __call__(self, moment: str, facts: list[str]) -> str | None:
        from interviewer.llm import LLMError
        from interviewer.prompts import render_prompt

        messages = render_prompt(
            "interviewer_turn", {"moment": moment, "context": "\n".join(facts)}
        )
        self.calls += 1
        try:
            reply = self.model.complete(messages, max_tokens=LINE_TOKENS, timeout=self.timeout)
        except LLMError:
            return None
        text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", reply.text)
        return re.sub(r"\s+", " ", text).strip().strip('"') or None


def make_line_writer(settings: Settings) -> LLMLineWriter | None:
    """The wrap-up writer the settings describe, or None when they describe no usable LLM
    (the grader reports why). Its own port, without retries: a closing line is a nicety,
    and the deadline is WRAP_UP_DEADLINE at most, not the grading timeout."""
    from interviewer.llm import LLMConfigError, make_chat_port, repeatable_temperature

    try:
        model = make_chat_port(
            settings, temperature=repeatable_temperature(settings), max_retries=0
        )
    except LLMConfigError:
        return None
    return LLMLineWriter(model, timeout=min(WRAP_UP_DEADLINE, settings.llm_timeout))
