"""What the engine hands the front ends: one `TurnResult` per step, and its errors.

Plain pydantic models, no behaviour: a front end renders `messages`, shows `prompt` and
`progress`, draws a grade card for `closed_index`, and checks `done`.
"""

from __future__ import annotations

from pydantic import BaseModel

from interviewer.agent.phrasing import Message
from interviewer.models import Grade


class SetupError(ValueError):
    """The session cannot start as configured; the message says what to change."""


class GradingError(RuntimeError):
    """The grader failed on an answer; it is kept as a pending answer and can be resent."""


class Progress(BaseModel):
    current: int  # 1-based number of the question now out (or the last one)
    total: int
    completed: int  # questions closed so far


class Prompt(BaseModel):
    """What the candidate is being asked right now."""

    question_id: str
    text: str
    category: str
    difficulty: str
    kind: str
    index: int  # 1-based
    total: int
    follow_up: str | None = None
    hints_used: int = 0


class TurnResult(BaseModel):
    """Everything a front end needs to render one step of the interview."""

    session_id: str
    messages: list[Message]
    grade: Grade | None = None  # the grade of the answer just given, if any
    question_score: float | None = None  # set when a question closed in this step
    prompt: Prompt | None = None  # None once the session is finished
    progress: Progress
    done: bool
    command: str | None = None
    saved: bool  # whether this step changed the stored session
    grader: str  # the session's grader label
    # The events a front end draws: the question closed with a score in this step (its grade
    # card follows), and the follow-up asked in this step.
    closed_index: int | None = None
    follow_up: str | None = None
