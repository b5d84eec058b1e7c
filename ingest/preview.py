"""What an ingest would store, as plain data: `interviewer ingest --dry-run` and the bank page's
upload preview both draw this. Pure: it reads ParsedBanks, never the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ingest.cleaning import strip_markup
from ingest.result import ParsedBank, Skipped
from interviewer.models import Difficulty, Question, QuestionKind

ANSWER_START = 120


@dataclass(frozen=True)
class CategoryCount:
    name: str
    questions: int
    with_reference: int

    @property
    def without(self) -> int:
        return self.questions - self.with_reference


@dataclass(frozen=True)
class Sample:
    text: str
    category: str
    difficulty: str
    line: int
    answer_start: str  # the start of the reference, or what happens without one


@dataclass
class BankPreview:
    name: str
    layout: str
    questions: int = 0
    with_reference: int = 0
    categories: list[CategoryCount] = field(default_factory=list)
    difficulties: dict[str, int] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all

    @property
    def without(self) -> int:
        return self.questions - self.with_reference

    @property
    def ambiguous(self) -> list[Skipped]:
        return [s for s in self.skipped if s.ambiguous]


def answer_start(question: Question, limit: int = ANSWER_START) -> str:
    if question.kind is QuestionKind.behavioural and not question.reference.usable:
        return "(behavioural: graded with the rubric)"
    if not question.reference.usable:
        return "(no answer: a similar answered question is looked for, then an LLM, else none)"
    text = strip_markup(" ".join(question.reference.text.split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def pick_samples(questions: list[Question], n: int = 3) -> list[Question]:
    """First, middle and last: spread over the file, the same every time."""
    if len(questions) <= n:
        return list(questions)
    picks = sorted({round(i * (len(questions) - 1) / (n - 1)) for i in range(n)})
    return [questions[i] for i in picks]


def summarise(parsed: ParsedBank, name: str | None = None) -> BankPreview:
    questions = parsed.questions
    per_category: dict[str, list[int]] = {}
    for q in questions:
        counts = per_category.setdefault(q.category, [0, 0])
        counts[0] += 1
        counts[1] += q.gradable
    levels = Counter(q.difficulty.value for q in questions)
    return BankPreview(
        name=name or parsed.path.name,
        layout=parsed.layout,
        questions=len(questions),
        with_reference=sum(q.gradable for q in questions),
        categories=[CategoryCount(c, n, w) for c, (n, w) in per_category.items()],
        difficulties={d.value: levels.get(d.value, 0) for d in Difficulty},
        samples=[
            Sample(q.text, q.category, q.difficulty.value, q.line, answer_start(q))
            for q in pick_samples(questions)
        ],
        skipped=list(parsed.skipped),
    )


def failed(name: str, error: str) -> BankPreview:
    return BankPreview(name=name, layout="", error=error)
