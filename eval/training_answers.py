"""The blind, separately graded training answers that the score and vagueness fits read.

train.csv (the 32 training questions) and train2.csv (the 62 questions added to the bank with
the probes): written from the question alone by one helper, graded 0-5 by another; no question
of the held-out categories, dev or test.
"""

from __future__ import annotations

import csv
from pathlib import Path

ANSWERS_DIR = Path(__file__).resolve().parent / "data" / "answers"
TRAINING_SETS = ("train.csv", "train2.csv")
BANK_DIR = Path(__file__).resolve().parent.parent / "bank"


def training_answers() -> list[dict[str, str]]:
    """Every row of TRAINING_SETS, in order (question, kind, student_answer, human_score...)."""
    rows: list[dict[str, str]] = []
    for name in TRAINING_SETS:
        with (ANSWERS_DIR / name).open(newline="", encoding="utf-8") as fh:
            rows += [{**r, "source": name} for r in csv.DictReader(fh)]
    return rows


def bank_index():
    """The bundled bank, looked up by question text (eval.interview_eval.BankIndex)."""
    from .interview_eval import BankIndex

    return BankIndex.from_paths([BANK_DIR])
