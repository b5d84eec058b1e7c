"""The read-side interface the interviewer needs from a question bank.

`interviewer.bank.ChromaBank` implements it over Chroma; `InMemorySource` implements it over a
list, for tests and for tools that already hold parsed questions.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from interviewer.models import Difficulty, Question

if TYPE_CHECKING:
    from interviewer.settings import Settings

T = TypeVar("T")


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
    ) -> builtins.list[Question]: ...

    def search(
        self, text: str, *, k: int = 5, categories: Sequence[str] | None = None
    ) -> builtins.list[SearchHit]: ...

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
    ) -> builtins.list[Question]:
        return [q for q in self._questions.values() if _matches(q, categories, difficulty)]

    def search(
        self, text: str, *, k: int = 5, categories: Sequence[str] | None = None
    ) -> builtins.list[SearchHit]:
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


# -- when the bank cannot be read ----------------------------------------------------------------


class SourceUnavailable(RuntimeError):
    """The question bank could not be read (say, a Chroma server that went away)."""


def _reason(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    first = first if len(first) <= 160 else first[:160] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class GuardedSource:
    """A QuestionSource whose every failure is one `SourceUnavailable`, never a raw
    `httpx.ConnectError` with a 200-line traceback: callers catch one type and say one line."""

    def __init__(self, inner: QuestionSource) -> None:
        self.inner = inner

    def _call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        try:
            return fn(*args, **kwargs)
        except SourceUnavailable:
            raise
        except Exception as exc:  # any backend error: Chroma, HTTP, a broken file
            reason = _reason(exc)
            raise SourceUnavailable(f"the question bank could not be read ({reason})") from exc

    def count(self) -> int:
        return self._call(self.inner.count)

    def get(self, question_id: str) -> Question | None:
        return self._call(self.inner.get, question_id)

    def list(
        self,
        *,
        categories: Sequence[str] | None = None,
        difficulty: Difficulty | None = None,
    ) -> builtins.list[Question]:
        return self._call(self.inner.list, categories=categories, difficulty=difficulty)

    def search(
        self, text: str, *, k: int = 5, categories: Sequence[str] | None = None
    ) -> builtins.list[SearchHit]:
        return self._call(self.inner.search, text, k=k, categories=categories)

    def categories(self) -> dict[str, int]:
        return self._call(self.inner.categories)


def guarded(source: QuestionSource) -> GuardedSource:
    return source if isinstance(source, GuardedSource) else GuardedSource(source)


def bank_outage_message(problem: str, settings: Settings, next_step: str) -> str:
    """One line: what failed, where the bank lives, and how to carry on."""
    if settings.chroma_host and settings.chroma_port:
        where = (
            f"the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
            "(INTERVIEWER_CHROMA_HOST/PORT)"
        )
        fix = "start the Chroma server again, or fix INTERVIEWER_CHROMA_HOST/PORT"
    else:
        where = f"the Chroma store in {settings.chroma_dir}"
        fix = "check that folder (or set INTERVIEWER_CHROMA_HOST/PORT for a Chroma server)"
    return f"Cannot reach {where}: {problem}. Fix: {fix}, then {next_step}."
