"""The calibration's runtime models: JSON round trip, logit averaging, speed, old files."""

from __future__ import annotations

import json
import math

import numpy as np

from interviewer.grading.calibration import (
    BinaryModel,
    Calibration,
    LogisticModel,
    TreeEnsemble,
    VerdictThresholds,
    load_calibration,
)
from interviewer.grading.features import FEATURE_NAMES

N = len(FEATURE_NAMES)


def _stump(feature: int, threshold: float, low: float, high: float) -> dict[str, np.ndarray]:
    return {
        "feature": np.array([feature, -2, -2]),
        "threshold": np.array([threshold, -2.0, -2.0]),
        "left": np.array([1, -1, -1]),
        "right": np.array([2, -1, -1]),
        "value": np.array([0.0, low, high]),
    }


def _logistic() -> LogisticModel:
    coef = np.zeros(N)
    coef[0] = 2.0
    return LogisticModel(mean=np.zeros(N), scale=np.ones(N), coef=coef, intercept=-1.0)


def test_trees_walk_to_the_right_leaf():
    trees = TreeEnsemble(init=0.5, learning_rate=0.1, trees=[_stump(0, 0.3, -1.0, 2.0)] * 2)
    x = np.zeros(N)
    assert math.isclose(trees.logit(x), 0.5 + 0.1 * (-1.0) * 2)
    x[0] = 0.3  # the split is "<= threshold goes left", as in scikit-learn
    assert math.isclose(trees.logit(x), 0.5 - 0.2)
    x[0] = 0.31
    assert math.isclose(trees.logit(x), 0.5 + 0.1 * 2.0 * 2)


def test_binary_model_averages_the_logits():
    lr = _logistic()
    trees = TreeEnsemble(init=0.0, learning_rate=1.0, trees=[_stump(0, 0.3, -1.0, 3.0)])
    x = np.zeros(N)
    x[0] = 1.0
    both = BinaryModel(logistic=lr, trees=trees).probability(x)
    expected = 1 / (1 + math.exp(-(lr.logit(x) + trees.logit(x)) / 2))
    assert math.isclose(both, expected)
    assert math.isclose(BinaryModel(logistic=lr).probability(x), 1 / (1 + math.exp(-1.0)))


def test_json_round_trip_keeps_predictions(tmp_path):
    rng = np.random.default_rng(0)
    trees = TreeEnsemble(init=-0.2, learning_rate=0.05, trees=[_stump(3, 0.25, -0.7, 0.9)] * 3)
    cal = Calibration(
        feature_names=FEATURE_NAMES,
        correct=BinaryModel(logistic=_logistic(), trees=trees),
        contradiction=BinaryModel(logistic=_logistic()),
        verdicts=VerdictThresholds(covered=0.6, partly=0.4),
        encoder={"model": "all-MiniLM-L6-v2"},
        provenance={"data": "test"},
    )
    path = tmp_path / "calibration.json"
    cal.save(path)
    back = load_calibration(path)
    for _ in range(20):
        x = rng.random(N)
        assert math.isclose(back.p_correct(x), cal.p_correct(x), rel_tol=1e-9)
        assert math.isclose(back.p_contradiction(x), cal.p_contradiction(x), rel_tol=1e-9)


def test_thresholds_survive_the_file_exactly(tmp_path):
    """Features often sit within 1e-6 of a split: a rounded threshold would flip them."""
    threshold = 0.123456789012
    trees = TreeEnsemble(init=0.0, learning_rate=1.0, trees=[_stump(0, threshold, -1.0, 1.0)])
    d = trees.to_json()
    back = TreeEnsemble.from_json(json.loads(json.dumps(d)))
    assert back.trees[0]["threshold"][0] == threshold
    x = np.zeros(N)
    x[0] = threshold + 1e-9
    assert back.logit(x) == trees.logit(x) == 1.0


def test_logistic_only_files_still_load(tmp_path):
    """Files written before the trees were added (format 1, logistic only) load unchanged."""
    d = load_calibration().to_json()
    d["correct"] = {"logistic": d["correct"]["logistic"]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    old = load_calibration(path)
    assert old.correct.trees is None
    assert 0 < old.p_correct(old.correct.logistic.mean) < 1


def test_shipped_calibration_is_fast_and_sane():
    cal = load_calibration()
    assert cal.correct.logistic is not None and cal.correct.trees is not None
    assert len(cal.correct.trees.trees) > 0
    for t in cal.correct.trees.trees:
        internal = t["feature"] >= 0
        assert np.all(t["feature"][internal] < N)
        assert np.all(t["left"][internal] > 0) and np.all(t["right"][internal] > 0)
    x = cal.correct.logistic.mean
    assert 0 < cal.p_correct(x) < 1
    # Its speed is part of the grader's, measured by benchmarks/bench_grader, not timed here.
