"""How a practice session is set up: the candidate's choices, validated once."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from interviewer.models import Difficulty


class Mode(StrEnum):
    """`practice` gives feedback after each answer; `interview` only at the end."""

    practice = "practice"
    interview = "interview"


class DifficultySetting(StrEnum):
    """A `Difficulty` level kept for the whole session, or adaptive."""

    easy = Difficulty.easy.value
    medium = Difficulty.medium.value
    hard = Difficulty.hard.value
    # Harder after strong answers, easier after weak ones (see state.next_level).
    adaptive = "adaptive"

    @property
    def fixed(self) -> Difficulty | None:
        """The one difficulty to ask, or None when adaptive."""
        return None if self is DifficultySetting.adaptive else Difficulty(self.value)


MAX_QUESTIONS = 50
MAX_FOLLOW_UPS = 3


class SessionConfig(BaseModel):
    """Everything the candidate chooses before the first question."""

    categories: list[str] = Field(default_factory=list, description="Empty means all.")
    difficulty: DifficultySetting = DifficultySetting.adaptive
    questions: int = Field(default=5, ge=1, le=MAX_QUESTIONS)
    mode: Mode = Mode.practice
    follow_ups: int = Field(default=1, ge=0, le=MAX_FOLLOW_UPS)
    focus: str | None = Field(default=None, max_length=500)
    # The grader kind the candidate asked for ("offline" or "llm"); the label shown comes from
    # the grader itself.
    grader: str = "offline"
    # Who is practising: the spaced-repetition history is per candidate.
    candidate: str = "default"
    # Fixes the tie-breaking jitter in question choice, so a session is reproducible.
    seed: int | None = None
    # A re-drill: the questions are the points session `redrill_of` left missed or wrong
    # (agent/drill.py), not the bank's.
    redrill_of: str | None = Field(default=None, max_length=64)

    @field_validator("categories")
    @classmethod
    def _unique_categories(cls, categories: list[str]) -> list[str]:
        seen: list[str] = []
        for c in categories:
            c = c.strip()
            if c and c not in seen:
                seen.append(c)
        return seen

    @field_validator("focus")
    @classmethod
    def _blank_focus_is_none(cls, focus: str | None) -> str | None:
        return focus.strip() or None if focus else None
