"""The read-side interface the interviewer needs from a question bank.

`interviewer.bank.ChromaBank` implements it over Chroma; `InMemorySource` implements it over a
list, for tests and for tools that already hold parsed questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from interviewer.models import Difficulty, Question


@dataclass(frozen=True)
class SearchHit:
    question: Question
    similarity: float  # cosine similarity in [-1, 1]


class QuestionSource(Protocol):
    def count(self) -> int: ...

    def get(self, question_id: str) -> Question | None: ...

    def list(
        self,
        *,
        categories: Sequence[str] | None = None,
        difficulty: Difficulty | None = None,
    ) -> list[Question]: ...

    def search(
        self, text: str, *, k: int = 5, categories: Sequence[str] | None = None
    ) -> list[SearchHit]: ...

    def categories(self) -> dict[str, int]: ...


def _matches(q: Question, categories: Sequence[str] | None, difficulty: Difficulty | None) -> bool:
    if categories and q.category not in categories:
        return False
    return difficulty is None or q.difficulty == difficulty


class InMemorySource:
    """A QuestionSource over a list of questions; search uses an injected embed function."""

    def __init__(self, questions: Iterable[Question], embed=None) -> None:
        self._questions = {q.id: q for q in questions}
        self._embed = embed
        self._vectors: np.ndarray | None = None

    def count(self) -> int:
        return len(self._questions)

    def get(self, question_id: str) -> Question | None:
        return self._questions.get(question_id)

    def list(
        self,
        *,
        categories: Sequence[str] | None = None,
        difficulty: Difficulty | None = None,
    ) -> list[Question]:
        return [q for q in self._questions.values() if _matches(q, categories, difficulty)]

    def search(
        self, text: str, *, k: int = 5, categories: Sequence[str] | None = None
    ) -> list[SearchHit]:
        if self._embed is None:
            raise RuntimeError("InMemorySource.search needs an embed function")
        questions = list(self._questions.values())
        if self._vectors is None:
            self._vectors = np.asarray(self._embed([q.text for q in questions]))
        sims = self._vectors @ np.asarray(self._embed([text]))[0]
        order = np.argsort(-sims)
        hits = [SearchHit(questions[i], float(sims[i])) for i in order]
        return [h for h in hits if _matches(h.question, categories, None)][:k]

    def categories(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for q in self._questions.values():
            counts[q.category] = counts.get(q.category, 0) + 1
        return dict(sorted(counts.items()))
