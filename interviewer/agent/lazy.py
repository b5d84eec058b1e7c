"""A grader built on first use, so the first question shows before torch or LangChain load."""

from __future__ import annotations

from collections.abc import Callable

from interviewer.grading.base import (
    Criteria,
    Grader,
    OnText,
    PreparingGrader,
    StreamingGrader,
    streams_text,
    warm_up_parts,
)
from interviewer.lazy import Lazy
from interviewer.models import Grade, Question


class LazyGrader:
    """Builds the real grader on first use, so the first question shows before heavy imports."""

    def __init__(self, factory: Callable[[], Grader], name: str) -> None:
        # The warm-up thread and the first answer may race to build it: `Lazy` builds once.
        self._real = Lazy(factory)
        self.name = name

    def get(self) -> Grader:
        real = self._real.get()
        self.name = real.name
        return real

    @property
    def ready(self) -> bool:
        return self._real.built

    @property
    def streams_text(self) -> bool:
        """Whether the real grader streams its feedback (builds it)."""
        return streams_text(self.get())

    def grade(
        self, question: Question, answer: str, *, criteria: Criteria = None, on_text: OnText = None
    ) -> Grade:
        real = self.get()
        if on_text is not None and isinstance(real, StreamingGrader) and real.streams_text:
            return real.grade(question, answer, criteria=criteria, on_text=on_text)
        return real.grade(question, answer, criteria=criteria)

    def prepare(self, question: Question, criteria: Criteria = None) -> None:
        real = self.get()
        if isinstance(real, PreparingGrader):
            real.prepare(question, criteria=criteria)

    def warm_up(self) -> None:
        warm_up_parts(self.get())
