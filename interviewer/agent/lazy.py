"""A grader built on first use, so the first question shows before torch or LangChain load."""

from __future__ import annotations

import threading
from collections.abc import Callable

from interviewer.grading.base import Grader
from interviewer.models import Grade, Question


class LazyGrader:
    """Builds the real grader on first use, so the first question shows before heavy imports."""

    def __init__(self, factory: Callable[[], Grader], name: str) -> None:
        self._factory = factory
        self._grader: Grader | None = None
        self._lock = threading.Lock()
        self.name = name

    def get(self) -> Grader:
        # The warm-up thread and the first answer may race to build it: build once.
        with self._lock:
            if self._grader is None:
                self._grader = self._factory()
                self.name = self._grader.name
        return self._grader

    @property
    def ready(self) -> bool:
        return self._grader is not None

    def grade(self, question: Question, answer: str, *, criteria: list[str] | None = None) -> Grade:
        return self.get().grade(question, answer, criteria=criteria)

    def prepare(self, question: Question, criteria: list[str] | None = None) -> None:
        prepare = getattr(self.get(), "prepare", None)
        if prepare is not None:
            prepare(question, criteria=criteria)
