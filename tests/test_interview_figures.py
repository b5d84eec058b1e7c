"""The figures a blind interview answer set is judged by (eval/interview_eval.py): pure."""

from __future__ import annotations

import pytest

from eval.datasets import GradedAnswer
from eval.harness import Prediction
from eval.interview_eval import (
    agreement,
    false_contradictions,
    interview_figures,
    kind_means,
    pair_order,
)
from interviewer.models import Grade, KeyPointVerdict, Verdict


def prediction(
    question: str, human: float, score: float | None, kind: str = "strong"
) -> Prediction:
    row = GradedAnswer(
        question_id=question,
        question=question,
        reference_answer="",
        alternatives=[],
        student_answer="an answer",
        row={"human_score": str(human), "kind": kind, "held_out": "false"},
    )
    return Prediction(row=row, score=score)


def test_pair_order_counts_only_pairs_far_apart_and_ties_as_half():
    rows = [
        prediction("q1", 5, 4.0),
        prediction("q1", 1, 1.0),  # right order with the 5
        prediction("q1", 4, 4.0),  # grade gap 1 from the 5: not a pair; a tie with it anyway
        prediction("q2", 0, 3.0),
        prediction("q2", 5, 3.0),  # a tie: half
    ]
    # pairs: (5,1) agree, (1,4) agree, (0,5) tie -> 2.5 / 3
    assert pair_order(rows, target_column="human_score") == {"pairs": 3, "pair_order": 0.8333}


def test_agreement_reports_intervals_over_questions_and_skips_ungraded_rows():
    rows = [prediction(f"q{i % 4}", h, h * 0.8 + 0.3) for i, h in enumerate([0, 1, 2, 3, 4, 5] * 2)]
    rows.append(prediction("q9", 5, None))
    out = agreement(rows, target_column="human_score", n_boot=200)
    assert out["n"] == 12 and out["spearman"] == pytest.approx(1.0)
    assert out["mae"] == pytest.approx(
        sum(abs(h * 0.2 - 0.3) for h in [0, 1, 2, 3, 4, 5]) / 6, abs=1e-3
    )
    low, high = out["ci"]["mae"]
    assert low <= out["mae"] <= high


def test_figures_per_kind_and_per_group():
    rows = [
        prediction("q1", 5, 4.5, "strong"),
        prediction("q1", 0, 2.0, "wrong_vocab"),
        prediction("q2", 4, 3.5, "strong"),
        prediction("q2", 1, 1.0, "wrong_vocab"),
    ]
    kinds = kind_means(rows, kind_column="kind", target_column="human_score")
    assert kinds["wrong_vocab"] == {"n": 2, "grader_mean": 1.5, "human_mean": 0.5}
    result = interview_figures(
        rows, target_column="human_score", kind_column="kind", group_column="held_out"
    )
    assert set(result["groups"]) == {"false"} and result["all"]["pairs"] == 2


def graded(human: float, *verdicts: Verdict) -> Prediction:
    grade = Grade(
        score=3.0,
        verdicts=[
            KeyPointVerdict(key_point=f"point {i}", verdict=v) for i, v in enumerate(verdicts)
        ],
        feedback="",
        grader="offline",
    )
    p = prediction("q1", human, 3.0)
    return Prediction(row=p.row, score=p.score, grade=grade)


def test_false_contradictions_count_good_answers_marked_contradicted():
    rows = [
        graded(5, Verdict.covered, Verdict.contradicted),  # a false alarm
        graded(4, Verdict.covered, Verdict.missed),
        graded(1, Verdict.contradicted),  # a weak answer: a contradiction may be right
        prediction("q2", 5, None),  # not graded: not counted
    ]
    assert false_contradictions(rows, target_column="human_score") == {
        "good_answers": 2,
        "good_with_contradiction": 1,
    }
