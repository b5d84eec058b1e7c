"""The one narrow interface every grader implements."""

from __future__ import annotations

from typing import Protocol

from interviewer.models import Grade, Question

# Answers longer than this are cut before grading; the cut is reported in the grade's flags.
MAX_ANSWER_CHARS = 20_000


class Grader(Protocol):
    """Grades one free-text answer to one question against its reference or rubric.

    `criteria` narrows grading to some of the question's key points (a follow-up targets the
    points the first answer missed); None means all of them.
    """

    name: str

    def grade(
        self, question: Question, answer: str, *, criteria: list[str] | None = None
    ) -> Grade: ...
