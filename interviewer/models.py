"""Domain models shared by ingest, grading, the interviewer and the UI.

Everything here is plain pydantic v2: no I/O, no heavy imports.
"""

from __future__ import annotations

import hashlib
import unicodedata
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


class QuestionKind(StrEnum):
    technical = "technical"
    behavioural = "behavioural"


class ReferenceOrigin(StrEnum):
    """Where a reference answer came from. `none` means nothing may grade against it offline."""

    authored = "authored"
    retrieved = "retrieved"
    generated = "generated"
    none = "none"


# A behavioural or open-ended question is graded against this rubric instead of a reference.
BEHAVIOURAL_RUBRIC: tuple[str, ...] = (
    "Structure: sets the situation and task, then what they did and the result, in order.",
    "Specifics: concrete details of their own actions, such as data, models, metrics or numbers.",
    "Outcome: a measurable result or impact, and what they learned or would do differently.",
)


def normalise_text(text: str) -> str:
    """Lower-case, NFKC, collapse whitespace and strip trailing punctuation: the id basis."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = " ".join(text.split())  # the whitespace `\\s` matches, at C speed
    return text.rstrip(" ?.!:")


def question_id(text: str, source: str) -> str:
    """Stable id from the normalised question text and its source name.

    The source is the file's name, not its absolute path, so a bank ingested from another
    checkout keeps its ids.
    """
    digest = hashlib.sha256(f"{source}\n{normalise_text(text)}".encode()).hexdigest()
    return f"q_{digest[:16]}"


class ReferenceAnswer(BaseModel):
    """The material an answer is graded against."""

    text: str = ""
    key_points: list[str] = Field(default_factory=list)
    origin: ReferenceOrigin = ReferenceOrigin.authored
    # For a retrieved reference: the id of the question or section it came from, and how close.
    retrieved_from: str | None = None
    similarity: float | None = None
    # Other complete answers that are equally acceptable (SemEval questions list several);
    # the offline grader matches an answer against the closest one.
    alternatives: list[str] = Field(default_factory=list)
    # Authored follow-up questions, aligned with `key_points`: probes[i] holds the probes for
    # key point i (possibly none). Banks without probes leave this empty.
    probes: list[list[str]] = Field(default_factory=list)

    @field_validator("key_points")
    @classmethod
    def _strip_points(cls, points: list[str]) -> list[str]:
        return [p.strip() for p in points if p and p.strip()]

    @model_validator(mode="after")
    def _check(self) -> ReferenceAnswer:
        if self.origin is ReferenceOrigin.none:
            return self
        if not 1 <= len(self.key_points) <= 6:
            raise ValueError(f"a reference needs 1-6 key points, got {len(self.key_points)}")
        if len(self.probes) > len(self.key_points):
            raise ValueError(
                f"{len(self.probes)} follow-up lists for {len(self.key_points)} key points: "
                "give at most one list per key point, in the same order"
            )
        if self.origin is ReferenceOrigin.retrieved and (
            self.retrieved_from is None or self.similarity is None
        ):
            raise ValueError("a retrieved reference must record retrieved_from and similarity")
        return self

    def probes_for(self, index: int) -> list[str]:
        """The authored probes of key point `index` (empty when none were written)."""
        return [p for p in self.probes[index] if p.strip()] if index < len(self.probes) else []

    @property
    def usable(self) -> bool:
        """True when an answer can be graded against this reference."""
        return self.origin is not ReferenceOrigin.none and bool(self.key_points)


class Question(BaseModel):
    """One interview question, as parsed from a bank file."""

    id: str
    text: str
    category: str
    difficulty: Difficulty = Difficulty.medium
    tags: list[str] = Field(default_factory=list)
    kind: QuestionKind = QuestionKind.technical
    source: str
    line: int = Field(ge=1)
    reference: ReferenceAnswer = Field(
        default_factory=lambda: ReferenceAnswer(origin=ReferenceOrigin.none)
    )
    # Behavioural questions carry a rubric instead of a reference answer.
    rubric: list[str] = Field(default_factory=list)

    @classmethod
    def create(cls, text: str, source: str, **fields: Any) -> Question:
        """Build a question with its id derived from text and source."""
        return cls(id=question_id(text, source), text=text, source=source, **fields)

    @property
    def gradable(self) -> bool:
        """True when there is something honest to grade an answer against."""
        return self.kind is QuestionKind.behavioural or self.reference.usable

    @property
    def criteria(self) -> list[str]:
        """What an answer is checked against: key points, or the rubric for behavioural ones."""
        if self.kind is QuestionKind.behavioural:
            return self.rubric or list(BEHAVIOURAL_RUBRIC)
        return self.reference.key_points


class ScoreBands(BaseModel):
    """The one definition of what a 0-5 score means: strong from `strong`, a pass (SemEval's
    "correct", adaptive difficulty holding its level) from `passing`, "needs work" below."""

    strong: float = 4.0
    passing: float = 2.5

    def level(self, score: float | None) -> str:
        if score is None:
            return "not scored"
        if score >= self.strong:
            return "strong"
        if score >= self.passing:
            return "partial"
        return "needs work"

    def colour(self, score: float | None) -> str:
        return {"strong": "green", "partial": "orange", "needs work": "red"}.get(
            self.level(score), "gray"
        )


SCORE_BANDS = ScoreBands()


class Verdict(StrEnum):
    covered = "covered"
    partly = "partly"
    missed = "missed"
    contradicted = "contradicted"


# Credit each verdict earns towards the score; a contradiction earns nothing.
VERDICT_CREDIT: dict[Verdict, float] = {
    Verdict.covered: 1.0,
    Verdict.partly: 0.5,
    Verdict.missed: 0.0,
    Verdict.contradicted: 0.0,
}


class KeyPointVerdict(BaseModel):
    key_point: str
    verdict: Verdict
    # A quote from the candidate's answer that supports the verdict, or None.
    evidence: str | None = None


class GraderKind(StrEnum):
    offline = "offline"
    llm = "llm"


class InterviewerNotes(BaseModel):
    """What an LLM grader suggests the interviewer say next, so one call serves the whole turn.

    The interviewer checks these before use (no leaked answers, the follow-up must target a missed
    key point) and falls back to its templates otherwise.
    """

    acknowledgement: str | None = None
    follow_up_question: str | None = None
    follow_up_key_point: str | None = None


class Grade(BaseModel):
    """The outcome of grading one answer."""

    score: float = Field(ge=0, le=5)
    verdicts: list[KeyPointVerdict] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    feedback: str = ""
    reference_id: str | None = None
    reference_origin: ReferenceOrigin = ReferenceOrigin.none
    # "offline" or the LLM's model name.
    grader: str = GraderKind.offline.value
    confidence: float = Field(default=0.5, ge=0, le=1)
    # True when the configured grader failed and this grade came from the offline fallback.
    fallback: bool = False
    fallback_reason: str | None = None
    # Guard that capped the score (empty, idk, restated, off_topic, gibberish, injection), if any.
    flags: list[str] = Field(default_factory=list)
    # Points taken off for hints, already applied to `score`.
    hint_penalty: float = 0.0
    # Only set by LLM graders; see InterviewerNotes.
    notes: InterviewerNotes | None = None

    @field_validator("score")
    @classmethod
    def _one_decimal(cls, score: float) -> float:
        return round(score, 1)

    @property
    def missed_points(self) -> list[str]:
        return [
            v.key_point
            for v in self.verdicts
            if v.verdict in (Verdict.missed, Verdict.contradicted, Verdict.partly)
        ]

    @property
    def covered_points(self) -> list[str]:
        return [v.key_point for v in self.verdicts if v.verdict is Verdict.covered]
