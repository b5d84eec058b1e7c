"""Parser for question lists: numbered category headings with bulleted questions, no answers.

Real lists are messy. This one copes with:
- bold markers glued to words (`**Bagging**and**Boosting**`), repaired to `Bagging and Boosting`;
- bullets wrapped over several lines;
- several questions run together in one bullet, split where `? -` or `. -` joins them
  (a follow-up sentence such as "How do they differ?" stays with its question);
- prose paragraphs that are not questions (an introduction or closing remark), which are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.detect import CATEGORY_HEADING
from ingest.errors import BankFormatError
from ingest.markdown import repair_bold, scan_lines, split_front_matter
from interviewer.models import Difficulty, Question, QuestionKind

BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
HEADING = re.compile(r"^#{1,6}\s")
# Two questions glued into one bullet: sentence end, then " - ", then the next question.
RUN_TOGETHER = re.compile(r"(?<=[?.])\s+-\s+(?=\S)")
BEHAVIOURAL = re.compile(
    r"\b(tell me about a time|describe a time|a (?:machine learning )?project you worked on|"
    r"your (?:own )?experience|walk me through a project|a time when you)\b",
    re.I,
)


def _category_name(raw: str) -> str:
    return repair_bold(raw).strip().rstrip(":").strip()


def kind_of(text: str) -> QuestionKind:
    """Questions about the candidate's own past are behavioural; the rest are technical."""
    return QuestionKind.behavioural if BEHAVIOURAL.search(text) else QuestionKind.technical


def parse_list(
    path: Path, text: str, source: str, difficulty: Difficulty = Difficulty.medium
) -> list[Question]:
    """Parse a question list; questions carry no reference yet (ingest retrieves one)."""
    _, rest, consumed = split_front_matter(path, text)
    lines = scan_lines(path, rest, offset=consumed)

    # First gather bullets as (category, first line number, joined text).
    bullets: list[tuple[str, int, str]] = []
    counts: dict[str, tuple[int, int]] = {}  # category -> (heading line, bullets)
    category: str | None = None
    current: list[str] | None = None
    for line in lines:
        stripped = line.text.strip()
        if line.in_code:
            current = None
            continue
        heading = CATEGORY_HEADING.match(line.text)
        if heading and HEADING.match(line.text):
            category = _category_name(heading.group(1))
            if not category:
                raise BankFormatError(path, line.number, "a category name after the number")
            counts[category] = (line.number, 0)
            current = None
            continue
        bullet = BULLET.match(line.text)
        if bullet:
            if category is None:
                raise BankFormatError(
                    path,
                    line.number,
                    "a numbered category heading such as `### 1. **Category**` before the "
                    "first question",
                    stripped,
                )
            current = [bullet.group(1)]
            bullets.append((category, line.number, bullet.group(1)))
            counts[category] = (counts[category][0], counts[category][1] + 1)
        elif not stripped:
            current = None
        elif current is not None:
            # A wrapped bullet: the next line continues it.
            current.append(stripped)
            cat, number, _ = bullets[-1]
            bullets[-1] = (cat, number, "\n".join(current))
        # Any other paragraph (intro, closing remark) is prose, not a question.

    for name, (heading_line, n) in counts.items():
        if n == 0:
            raise BankFormatError(
                path, heading_line, f"`- ` bulleted questions under the category {name!r}"
            )
    if not bullets:
        raise BankFormatError(path, None, "at least one `- ` bulleted question")

    questions: list[Question] = []
    seen: set[str] = set()
    for cat, number, raw in bullets:
        starts = [0] + [m.end() for m in RUN_TOGETHER.finditer(raw)]
        for start, part in zip(starts, RUN_TOGETHER.split(raw), strict=True):
            question_text = repair_bold(part)
            if not question_text:
                continue
            question = Question.create(
                question_text,
                source,
                category=cat,
                difficulty=difficulty,
                kind=kind_of(question_text),
                line=number + raw.count("\n", 0, start),
            )
            if question.id not in seen:
                seen.add(question.id)
                questions.append(question)
    return questions
