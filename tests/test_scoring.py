"""Which score model grades an answer, and the key-point subsets the multi model is fitted on."""

from __future__ import annotations

import random

import numpy as np
import pytest

from eval.fit_scoring import with_point_subset
from interviewer.grading.calibration import LogisticModel
from interviewer.grading.judge import Thresholds
from interviewer.grading.scoring import FEATURES, ScoreModel, graded_as_single
from interviewer.models import Question, ReferenceAnswer

POINT = "Bagging trains models on bootstrap samples and averages them, which lowers variance."
COMMUNITY = (
    "Ensembles combine several models. " + POINT + " Boosting is different: it fits models in "
    "sequence, each on the errors of the last."
)


def test_a_follow_up_point_is_graded_as_single() -> None:
    assert graded_as_single([POINT], COMMUNITY, narrowed=True)


def test_a_reference_that_is_its_one_point_is_graded_as_single() -> None:
    # SemEval rows: the reference answer is the key point (whitespace aside).
    assert graded_as_single([POINT], f"  {POINT.replace(' ', '  ')}\n", narrowed=False)


def test_one_point_drawn_from_a_longer_answer_is_graded_like_a_question() -> None:
    assert not graded_as_single([POINT], COMMUNITY, narrowed=False)


def test_several_points_are_never_single() -> None:
    assert not graded_as_single([POINT, POINT], POINT, narrowed=True)


def _model(intercept: float) -> LogisticModel:
    n = len(FEATURES)
    return LogisticModel(mean=np.zeros(n), scale=np.ones(n), coef=np.zeros(n), intercept=intercept)


def test_score_uses_the_model_it_is_told() -> None:
    model = ScoreModel(
        thresholds=Thresholds(covered=0.5, partly=0.25, contradicted=0.3),
        single=_model(2.0),
        multi=_model(-2.0),
    )
    x = np.zeros(len(FEATURES))
    assert model.score(x, single=True) == pytest.approx(5 / (1 + np.exp(-2.0)))
    assert model.score(x, single=False) == pytest.approx(5 / (1 + np.exp(2.0)))


def _question(points: list[str]) -> Question:
    return Question(
        id="q1",
        text="Why do ensembles help?",
        category="Ensembles",
        source="t.md",
        line=1,
        reference=ReferenceAnswer(
            text=" ".join(points), key_points=points, probes=[[f"probe {p}"] for p in points]
        ),
    )


def test_a_point_subset_keeps_order_and_drops_probes() -> None:
    points = [f"Point {i} is a claim about ensembles." for i in range(5)]
    q = _question(points)
    sub = with_point_subset(q, 2, random.Random(0))
    kept = sub.reference.key_points
    assert len(kept) == 2 and kept == sorted(kept, key=points.index)
    assert sub.reference.probes == []
    assert sub.text == q.text and q.reference.key_points == points  # the original is untouched


def test_a_point_subset_is_reproducible_and_whole_when_too_large() -> None:
    q = _question([f"Point {i} is a claim." for i in range(5)])
    a = with_point_subset(q, 3, random.Random(7)).reference.key_points
    b = with_point_subset(q, 3, random.Random(7)).reference.key_points
    assert a == b
    assert with_point_subset(q, 5, random.Random(0)) is q
