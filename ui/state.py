"""What the web UI remembers between reruns, and the pure logic around it.

Streamlit reruns the page script on every click, so the page keeps the live `InterviewSession`
and its transcript in `st.session_state`. Everything here is plain Python over the engine's
models: no Streamlit calls, so it is tested directly. The API key the candidate types lives in
`st.session_state` only; `LLMChoice` carries it as a SecretStr and nothing here writes it out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from interviewer.agent import (
    SCORE_BANDS,
    Grade,
    Message,
    MessageKind,
    Outcome,
    PointStatus,
    QuestionRecord,
    SessionState,
    Verdict,
    point_feedback,
    question_message,
)

# The spaced-repetition history is per candidate; the UI practises as one person.
CANDIDATE = "default"
SESSION_PARAM = "session"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

SYMBOLS: dict[Verdict, str] = {
    Verdict.covered: "✓",
    Verdict.partly: "~",
    Verdict.missed: "✗",
    Verdict.contradicted: "⚠",
}
COLOURS: dict[Verdict, str] = {
    Verdict.covered: "green",
    Verdict.partly: "orange",
    Verdict.missed: "red",
    Verdict.contradicted: "violet",
}
# How the buttons and the candidate's typed commands show in the transcript.
COMMAND_LABELS = {
    "hint": "Can I have a hint?",
    "skip": "Let's skip this one.",
    "idk": "I don't know.",
    "end": "Let's end the interview here.",
    "repeat": "Could you repeat the question?",
    "help": "What can I type?",
}


# -- the transcript ----------------------------------------------------------------------------


@dataclass
class Turn:
    """One bubble in the chat: the candidate's input, or what the interviewer said back.

    `closed` is the index of the question this reply closed, so the page can show its grade
    card from the session state (records never change once closed).
    """

    role: str  # "user" | "assistant"
    text: str = ""
    messages: list[Message] = field(default_factory=list)
    closed: int | None = None
    command: str | None = None


def user_label(text: str, command: str | None) -> str:
    """What the candidate's bubble shows: the answer, or the command they chose."""
    if command:
        return COMMAND_LABELS.get(command, command)
    return text


def messages_from_json(reply_json: str | None) -> list[Message]:
    if not reply_json:
        return []
    return [Message.model_validate(m) for m in json.loads(reply_json)]


def transcript_from_turns(state: SessionState, turns: Sequence[Any]) -> list[Turn]:
    """Rebuild the chat from the stored turns (a refresh, or resuming from History).

    The opening words are not stored, so the chat starts at the first question. A question's
    grade card goes after the last stored turn that touched it, which is the one that closed it.
    """
    if not state.records:
        return []
    out = [Turn(role="assistant", messages=[question_message(state, 0)])]
    last_turn_of: dict[int, int] = {}
    for n, t in enumerate(turns):
        last_turn_of[t.question_index] = n
    for n, t in enumerate(turns):
        command = None if t.kind in ("answer", "follow_up_answer") else t.kind
        out.append(Turn(role="user", text=t.answer or "", command=command))
        closed = None
        i = t.question_index
        if last_turn_of.get(i) == n and i < len(state.records):
            rec = state.records[i]
            if not rec.open and rec.scored:
                closed = i
        out.append(Turn(role="assistant", messages=messages_from_json(t.reply_json), closed=closed))
    return out


# -- the grade card ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckItem:
    point: str
    verdict: Verdict
    after_follow_up: bool = False
    evidence: str | None = None
    probe: str | None = None

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.verdict]

    @property
    def colour(self) -> str:
        return COLOURS[self.verdict]


def checklist(rec: QuestionRecord) -> list[CheckItem]:
    """Each key point (or rubric criterion) with its final verdict, the candidate's words that
    earned or contradicted it, and a probe to practise a point still open.

    The first answer's verdict stands unless a follow-up on that point covered it; a skipped
    question has every point missed (`drill.point_feedback` is the one rule)."""
    if rec.grade is None:
        return [CheckItem(point, Verdict.missed) for point in rec.criteria]
    verdicts = {
        PointStatus.covered: Verdict.covered,
        PointStatus.covered_later: Verdict.covered,
        PointStatus.partly: Verdict.partly,
        PointStatus.contradicted: Verdict.contradicted,
        PointStatus.missed: Verdict.missed,
    }
    return [
        CheckItem(
            fb.key_point,
            verdicts[fb.status],
            fb.status is PointStatus.covered_later,
            fb.quote,
            fb.probe,
        )
        for fb in point_feedback(rec)
    ]


def outcome_label(rec: QuestionRecord) -> str:
    return {
        Outcome.answered: "answered",
        Outcome.skipped: "skipped",
        Outcome.idk: "you said you don't know",
        Outcome.unanswered: "not answered",
    }.get(rec.outcome, "open")  # type: ignore[arg-type]


def score_level(score: float | None) -> str:
    """A word for the score, matching its colour (`ScoreBands`)."""
    return SCORE_BANDS.level(score)


def score_colour(score: float | None) -> str:
    return SCORE_BANDS.colour(score)


# -- the grader badge --------------------------------------------------------------------------


def grader_badge(name: str) -> str:
    """ "offline grader", or the LLM model's name."""
    return "offline grader" if name in ("offline", "") else f"LLM · {name}"


def last_fallback(state: SessionState | None) -> Grade | None:
    """The most recent grade in the session, if it came from the offline fallback."""
    if state is None:
        return None
    grades = [
        g
        for rec in state.records
        for g in (rec.grade, *(f.grade for f in rec.follow_ups))
        if g is not None and g.grader != "rule"  # "I don't know" needs no grader
    ]
    if grades and grades[-1].fallback:
        return grades[-1]
    return None


# -- LLM settings from the sidebar -------------------------------------------------------------


@dataclass(frozen=True)
class LLMChoice:
    """The LLM the candidate picked in the sidebar. The key is held as a SecretStr."""

    provider: str = "none"
    model: str = ""
    base_url: str = ""
    api_key: SecretStr | None = None

    @property
    def enabled(self) -> bool:
        return self.provider != "none"

    @property
    def grader_kind(self) -> str:
        return "llm" if self.enabled else "offline"

    def overrides(self) -> dict[str, Any]:
        """Settings fields to override; blank fields keep the environment's values."""
        out: dict[str, Any] = {"llm_provider": self.provider}
        if self.model.strip():
            out["llm_model"] = self.model.strip()
        if self.base_url.strip():
            out["llm_base_url"] = self.base_url.strip()
        if self.api_key is not None and self.api_key.get_secret_value().strip():
            out["llm_api_key"] = self.api_key
        return out

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"LLMChoice(provider={self.provider!r}, model={self.model!r})"


# -- small helpers -----------------------------------------------------------------------------


def session_from_params(params: Mapping[str, Any]) -> str | None:
    """The session id in the URL (?session=...), if it looks like one."""
    value = params.get(SESSION_PARAM)
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, str) and _SESSION_ID.match(value.strip()):
        return value.strip()
    return None


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")


def escape_markdown(text: str) -> str:
    """Show the candidate's own text literally (no markdown, links, images or maths)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def is_card_message(message: Message) -> bool:
    """Messages the grade card replaces in practice mode (it shows the same, better)."""
    return message.kind in (MessageKind.feedback, MessageKind.model_answer)
