"""The one narrow interface every grader implements."""

from __future__ import annotations

from typing import Protocol

from interviewer.hygiene import MAX_ANSWER_CHARS
from interviewer.models import Grade, Question

__all__ = ["MAX_ANSWER_CHARS", "Grader"]


class Grader(Protocol):
    """Grades one free-text answer to one question against its reference or rubric.

    `criteria` narrows grading to some of the question's key points (a follow-up targets the
    points the first answer missed); None means all of them.
    """

    name: str

    def grade(
        self, question: Question, answer: str, *, criteria: list[str] | None = None
    ) -> Grade: ...
