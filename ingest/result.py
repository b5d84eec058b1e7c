"""What reading one bank file produces: its questions, and every block it skipped, with why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from interviewer.models import Question


@dataclass(frozen=True)
class Skipped:
    """A block of the file that was not stored as a question (or an answer that was not kept).

    `ambiguous` marks blocks that might have been meant as questions; `--strict` refuses a
    file that has any. The rest (a table of contents, a legend, an introduction) are expected.
    """

    line: int
    reason: str
    excerpt: str = ""
    ambiguous: bool = False


@dataclass
class ParsedBank:
    path: Path
    layout: str  # a human name: "Q&A document", "markdown (bold questions)", "CSV", ...
    questions: list[Question]
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def ambiguous(self) -> list[Skipped]:
        return [s for s in self.skipped if s.ambiguous]


def excerpt(text: str, limit: int = 80) -> str:
    """One line of the block, short enough for a report row."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
