"""From the raw entries a reader finds to Questions: one place for the rules every layout shares.

- question text is cleaned once more and must not be empty;
- the same question twice in a file is stored once (the first place it appears, with the first
  real answer found for it);
- an answer that is a placeholder or a bare link is no answer (reported, question kept);
- the category falls back to the file's, then to a keyword guess; the level to the file's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.answers import NO_REFERENCE, points_to_answer_above, reference_from, why_not_an_answer
from ingest.categories import infer_category
from ingest.cleaning import loose_key
from ingest.list_parser import kind_of
from ingest.result import Skipped, excerpt
from interviewer.models import (
    Difficulty,
    Question,
    QuestionKind,
    ReferenceOrigin,
)


@dataclass
class Entry:
    text: str  # already clean
    line: int
    category: str | None = None
    difficulty: Difficulty | None = None
    answer: str = ""
    answer_line: int | None = None
    tags: list[str] = field(default_factory=list)
    key_points: list[str] | None = None


@dataclass(frozen=True)
class Defaults:
    """What the file as a whole declares (front matter, or nothing)."""

    category: str | None = None
    difficulty: Difficulty = Difficulty.medium
    tags: tuple[str, ...] = ()


def build_questions(
    entries: list[Entry], source: str, defaults: Defaults, skipped: list[Skipped]
) -> list[Question]:
    """Questions in file order; duplicates and non-answers are appended to `skipped`."""
    first: dict[str, int] = {}  # normalised text -> index into `kept`
    kept: list[Entry] = []
    for entry in entries:
        if not entry.text:
            skipped.append(Skipped(entry.line, "a question with no text", ambiguous=True))
            continue
        key = loose_key(entry.text)
        if key in first:
            original = kept[first[key]]
            skipped.append(
                Skipped(entry.line, f"the same question as line {original.line}", entry.text)
            )
            if why_not_an_answer(original.answer) and not why_not_an_answer(entry.answer):
                original.answer, original.answer_line = entry.answer, entry.answer_line
            continue
        first[key] = len(kept)
        kept.append(entry)

    questions = []
    above: Entry | None = None  # the last entry with a real answer, for pointer-only answers
    for entry in kept:
        reason = why_not_an_answer(entry.answer)
        answer, points = entry.answer, entry.key_points
        pointer = not reason and points_to_answer_above(answer)
        if pointer and above is None:
            reason = "the answer only points to an answer above it, and none comes before"
        elif pointer and above is not None:
            # A reader follows "refer to the above answer"; so does the grader. The answer
            # that holds the content becomes this question's reference.
            skipped.append(
                Skipped(
                    entry.answer_line or entry.line,
                    "the answer only points to the answer above: that answer (to "
                    f"{excerpt(above.text)!r}, line {above.line}) is its reference",
                    excerpt(entry.answer),
                )
            )
            answer, points = above.answer, points or above.key_points
        elif not reason:
            above = entry
        if reason and entry.answer.strip():
            skipped.append(
                Skipped(
                    entry.answer_line or entry.line,
                    f"{reason}: the question is kept without a reference",
                    excerpt(entry.answer),
                )
            )
        reference = NO_REFERENCE if reason else reference_from(answer, points, checked=True)
        unanswered = reference.origin is ReferenceOrigin.none
        if unanswered and not reason:
            skipped.append(
                Skipped(
                    entry.answer_line or entry.line,
                    "the answer has no text to grade against (only code, images or markup): "
                    "the question is kept without a reference",
                    excerpt(entry.answer),
                )
            )
        kind = kind_of(entry.text) if unanswered else QuestionKind.technical
        tags = entry.tags or list(defaults.tags)
        questions.append(
            Question.create(
                entry.text,
                source,
                category=entry.category or defaults.category or infer_category(entry.text),
                difficulty=entry.difficulty or defaults.difficulty,
                tags=tags,
                kind=kind,
                line=entry.line,
                reference=reference,
            )
        )
    return questions
