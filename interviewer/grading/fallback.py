"""A grader that never leaves the candidate without a grade: when the primary (the LLM grader)
fails, the fallback (the offline grader) grades the answer, and the grade says so.

The label is what the product shows: `fallback=True`, the reason in words ending "; graded
offline", and grader "offline", so a session and an evaluation are labelled by what really
graded them.
"""

from __future__ import annotations

import logging

from interviewer.llm import redact
from interviewer.models import Grade, Question

from .base import (
    Criteria,
    Grader,
    GradingFailure,
    OnText,
    StreamingGrader,
    streams_text,
    warm_up_parts,
)

log = logging.getLogger(__name__)

FALLBACK_GRADER = "offline"


class FallbackGrader:
    """`primary` grades; on its `GradingFailure`, `fallback` does, labelled as a fallback.

    A question with nothing to grade against goes straight to the fallback, whose refusal
    (`UngradableQuestion`) is the honest answer. Streams when the primary does.
    """

    def __init__(self, primary: Grader, fallback: Grader) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    @property
    def streams_text(self) -> bool:
        return streams_text(self.primary)

    def warm_up(self) -> None:
        """Load what both graders need locally (the fallback's models, the primary's support
        check) before the first answer arrives."""
        warm_up_parts(self.primary, self.fallback)

    def grade(
        self, question: Question, answer: str, *, criteria: Criteria = None, on_text: OnText = None
    ) -> Grade:
        if not question.gradable:
            return self.fallback.grade(question, answer, criteria=criteria)
        primary = self.primary
        try:
            if (
                on_text is not None
                and isinstance(primary, StreamingGrader)
                and primary.streams_text
            ):
                return primary.grade(question, answer, criteria=criteria, on_text=on_text)
            return primary.grade(question, answer, criteria=criteria)
        except GradingFailure as failure:
            return self._fall_back(question, answer, criteria, failure.reason)

    def _fall_back(self, question: Question, answer: str, criteria: Criteria, reason: str) -> Grade:
        reason = redact(f"{reason}; graded offline")
        log.warning("LLM grading failed, using the offline grader: %s", reason)
        grade = self.fallback.grade(question, answer, criteria=criteria)
        return grade.model_copy(
            update={"fallback": True, "fallback_reason": reason, "grader": FALLBACK_GRADER}
        )
