"""The one narrow interface every grader implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

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


# -- capabilities a grader may declare ----------------------------------------------------------
# A caller that can use one checks for it by its protocol (`isinstance(grader, StreamingGrader)`),
# not by probing attribute names: the protocol is where the signature is written down.

# The key points to grade against (None: all of the question's), and the hook that receives the
# feedback written so far (unescaped) each time it grows.
Criteria = list[str] | None
FeedbackHook = Callable[[str], None]
OnText = FeedbackHook | None


@runtime_checkable
class StreamingGrader(Grader, Protocol):
    """A grader that can show its feedback while writing it.

    With `on_text`, `grade` hands the feedback so far to the hook as it grows (from a worker
    thread, so the hook must be thread-safe; a re-ask or retry starts the text again). Display
    only: the grade returned is the same as without the hook. `streams_text` is False when
    this grader cannot stream after all (a wrapper around one that does not).
    """

    streams_text: bool

    def grade(
        self, question: Question, answer: str, *, criteria: Criteria = None, on_text: OnText = None
    ) -> Grade: ...


@runtime_checkable
class PreparingGrader(Grader, Protocol):
    """A grader that can do a question's share of the work (embedding its reference and key
    points) before the answer arrives, while the candidate reads it."""

    def prepare(self, question: Question, criteria: Criteria = None) -> None: ...


@runtime_checkable
class WarmsUp(Protocol):
    """A part (grader, support check) that can load its models before the first answer."""

    def warm_up(self) -> None: ...


def streams_text(grader: object) -> bool:
    """Whether `grader.grade` takes `on_text` and streams its feedback through it."""
    return isinstance(grader, StreamingGrader) and grader.streams_text


def warm_up_parts(*parts: object) -> None:
    """Warm up each part that declares `WarmsUp`; the others have nothing to load."""
    for part in parts:
        if isinstance(part, WarmsUp):
            part.warm_up()


class GradingFailure(Exception):
    """A grader could not produce a usable grade; `reason` says why, for the candidate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
