"""The offline grader on the team's interview-answer set (eval/interview_answers/*.jsonl).

Each line is an answer to a bundled bank question with a human score (0-5) and a band. The
grader must rank answers like the humans did and must give nothing to non-answers.
Measured when this test was written: Spearman 0.72 over 180 answers; the floor leaves room
for small changes without hiding a real regression.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from eval.metrics import spearman
from interviewer.models import normalise_text

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
ANSWER_FILES = sorted((REPO / "eval" / "interview_answers").glob("*.jsonl"))
SPEARMAN_FLOOR = 0.65
MUST_FAIL = ("off_topic", "injection", "non_answer")


@pytest.fixture(scope="module")
def graded():
    if not ANSWER_FILES:
        pytest.skip("eval/interview_answers/*.jsonl is absent")
    parse = pytest.importorskip("ingest.parse").parse_file
    bank = {}
    for path in sorted((REPO / "bank").glob("*.md")):
        for question in parse(path):
            bank[normalise_text(question.text)] = question
    lines = [
        json.loads(line)
        for path in ANSWER_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    unmatched = [r["question"] for r in lines if normalise_text(r["question"]) not in bank]
    assert not unmatched, f"answers whose question is not in bank/*.md: {unmatched[:3]}"

    from interviewer.grading import OfflineGrader

    grader = OfflineGrader()
    return [(r, grader.grade(bank[normalise_text(r["question"])], r["answer"])) for r in lines]


def test_scores_rank_like_the_human_scores(graded):
    human = [r["human_score"] for r, _ in graded]
    ours = [g.score for _, g in graded]
    rho = spearman(human, ours)
    assert rho >= SPEARMAN_FLOOR, f"Spearman {rho:.3f} < {SPEARMAN_FLOOR}"


def test_non_answers_never_score_above_one(graded):
    bad = [
        (r["band"], g.score, r["answer"][:80])
        for r, g in graded
        if r["band"] in MUST_FAIL and g.score > 1.0
    ]
    assert not bad
    assert any(r["band"] in MUST_FAIL for r, _ in graded)


def test_bands_are_in_order(graded):
    by_band: dict[str, list[float]] = defaultdict(list)
    for r, g in graded:
        by_band[r["band"]].append(g.score)
    mean = {band: sum(s) / len(s) for band, s in by_band.items()}
    order = [b for b in ("excellent", "good", "partial", "poor") if b in mean]
    assert [mean[b] for b in order] == sorted((mean[b] for b in order), reverse=True), mean
