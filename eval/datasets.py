"""Load human-graded answer CSVs (SemEval-2013 Task 7 and any CSV of the same shape).

The SemEval files live in `../shared/datasets/` next to the checkout (override the shared
folder with INTERVIEWER_SHARED_DIR). They are read in place and never copied into the repo.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEMEVAL_FILES = {"scients": "scients.csv", "beetle": "beetle.csv"}
REQUIRED_COLUMNS = ("question", "reference_answer", "student_answer")
# Beetle tags each reference with its quality: "... [BEST] ||| ... [MINIMAL]".
_TAG_RE = re.compile(r"\s*\[(?:BEST|GOOD|MINIMAL|KEYWORD|[A-Z_]+)\]\s*$")
csv.field_size_limit(10_000_000)


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message says how to fix it."""


def shared_dir() -> Path:
    """The shared folder: $INTERVIEWER_SHARED_DIR, else `../shared` next to the repo."""
    env = os.environ.get("INTERVIEWER_SHARED_DIR")
    return Path(env).expanduser() if env else REPO_ROOT.parent / "shared"


def datasets_dir() -> Path:
    return shared_dir() / "datasets"


def semeval_path(name: str) -> Path:
    """Path of a SemEval CSV by short name ("scients" or "beetle")."""
    if name not in SEMEVAL_FILES:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {sorted(SEMEVAL_FILES)}")
    return datasets_dir() / SEMEVAL_FILES[name]


def semeval_available() -> bool:
    return all((datasets_dir() / f).is_file() for f in SEMEVAL_FILES.values())


def parse_alternatives(all_reference_answers: str, reference_answer: str) -> list[str]:
    """Every acceptable reference, tags stripped, the main reference first, no duplicates."""
    found = [reference_answer.strip()]
    for part in (all_reference_answers or "").split("|||"):
        text = _TAG_RE.sub("", part).strip()
        if text:
            found.append(text)
    seen: set[str] = set()
    out = []
    for text in found:
        key = text.lower()
        if text and key not in seen:
            seen.add(key)
            out.append(text)
    return out


@dataclass
class GradedAnswer:
    """One row: a question, its reference(s), a student's answer and the human grade."""

    question_id: str
    question: str
    reference_answer: str
    alternatives: list[str]
    student_answer: str
    # The original CSV row, kept so --predictions can write every input column back.
    row: dict[str, str] = field(repr=False)

    def value(self, column: str) -> str:
        return self.row.get(column, "")


def resolve_dataset(spec: str) -> Path:
    """A CSV path, or a SemEval short name ("scients", "beetle") in the shared folder."""
    path = semeval_path(spec) if spec in SEMEVAL_FILES else Path(spec).expanduser()
    if not path.is_file():
        hint = (
            f"Fix: put the SemEval CSVs in {datasets_dir()} or set INTERVIEWER_SHARED_DIR."
            if spec in SEMEVAL_FILES or path.name in SEMEVAL_FILES.values()
            else "Fix: pass the path of a CSV with question, reference_answer and "
            "student_answer columns."
        )
        raise DatasetError(f"dataset {str(path)!r} not found. {hint}")
    return path


def iter_rows(path: Path, required: tuple[str, ...] = REQUIRED_COLUMNS) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            hint = (
                " (with --bank, only question and student_answer are needed)"
                if required == REQUIRED_COLUMNS
                else ""
            )
            raise DatasetError(
                f"{path}: missing column(s) {', '.join(missing)}; a grading CSV needs "
                f"{', '.join(required)} plus a target or label column{hint}."
            )
        yield from reader


def load_answers(
    path: Path | str,
    *,
    split: str | None = None,
    limit: int | None = None,
    required: tuple[str, ...] | None = None,
) -> list[GradedAnswer]:
    """Rows of a grading CSV, optionally one `split` only and the first `limit` rows.
    `required` overrides the columns a row must have (default: question, reference_answer,
    student_answer)."""
    path = resolve_dataset(str(path))
    out: list[GradedAnswer] = []
    columns_checked = False
    for i, row in enumerate(iter_rows(path, required or REQUIRED_COLUMNS)):
        if not columns_checked:
            columns_checked = True
            if split is not None and "split" not in row:
                raise DatasetError(f"{path}: --split given but the CSV has no 'split' column")
        if split is not None and row.get("split") != split:
            continue
        reference = (row.get("reference_answer") or "").strip()
        out.append(
            GradedAnswer(
                question_id=row.get("question_id") or f"row{i}",
                question=(row.get("question") or "").strip(),
                reference_answer=reference,
                alternatives=parse_alternatives(row.get("all_reference_answers", ""), reference),
                student_answer=row.get("student_answer") or "",
                row=row,
            )
        )
        if limit is not None and len(out) >= limit:
            break
    if split is not None and not out:
        raise DatasetError(f"{path}: no rows with split == {split!r}")
    return out


def load_semeval(name: str, split: str | None = None) -> list[GradedAnswer]:
    """All rows of a SemEval file, optionally one split."""
    return load_answers(semeval_path(name), split=split)
