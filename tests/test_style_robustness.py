"""The offline grader grades content, not style: the dev answers rewritten as bullet notes, as
transcribed speech and as fast lower-case typing (eval/data/answers/dev_restyled.csv, written
by helpers who never saw the grader; each rewrite keeps its source's human grade).

A regression floor on dev data, the set these choices were made on (the frozen restyled test
set is never read by tests). Measured when written: Spearman 0.808 over all 216; per style
0.778 / 0.831 / 0.844; wrong answers that use the right words average 1.98 / 1.30 / 0.49.
Before the grader read fragments in canonical form: 0.603, and wrong notes averaged 4.08.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from eval.metrics import spearman
from interviewer.models import normalise_text

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
RESTYLED = REPO / "eval" / "data" / "answers" / "dev_restyled.csv"
STYLES = ("bullets", "spoken", "typed_fast")


@pytest.fixture(scope="module")
def graded() -> list[tuple[dict[str, str], float]]:
    from ingest.parse import parse_file
    from interviewer.grading import OfflineGrader

    bank = {
        normalise_text(q.text): q
        for path in sorted((REPO / "bank").glob("*.md"))
        for q in parse_file(path)
    }
    with RESTYLED.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    grader = OfflineGrader()
    return [
        (r, grader.grade(bank[normalise_text(r["question"])], r["student_answer"]).score)
        for r in rows
    ]


def test_every_style_is_ranked_like_the_human_grades(graded):
    human = [float(r["human_score"]) for r, _ in graded]
    assert spearman(human, [s for _, s in graded]) >= 0.78
    for style in STYLES:
        rows = [(float(r["human_score"]), s) for r, s in graded if r["style"] == style]
        assert len(rows) == 72
        assert spearman([h for h, _ in rows], [s for _, s in rows]) >= 0.74, style


def test_wrong_answers_with_the_right_words_score_low_in_every_style(graded):
    means: dict[str, list[float]] = defaultdict(list)
    for r, s in graded:
        if r["kind"] == "wrong_vocab":
            means[r["style"]].append(s)
    for style in STYLES:
        assert sum(means[style]) / len(means[style]) <= 2.2, style
