"""Our numpy metrics agree with scipy / scikit-learn, and the bootstrap behaves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval import metrics


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 6, 300).astype(float)
    pred = np.clip(truth + rng.normal(0, 1.2, 300), 0, 5)
    return truth, pred


def test_pearson_and_spearman_match_scipy(data):
    from scipy import stats

    truth, pred = data
    assert metrics.pearson(truth, pred) == pytest.approx(stats.pearsonr(truth, pred)[0])
    assert metrics.spearman(truth, pred) == pytest.approx(stats.spearmanr(truth, pred)[0])
    assert math.isnan(metrics.pearson([1, 1, 1], [1, 2, 3]))


def test_rankdata_averages_ties():
    assert metrics.rankdata([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]


def test_rmse():
    assert metrics.rmse([0, 0, 0, 0], [1, 1, 1, 1]) == 1.0
    assert metrics.rmse([1, 2], [1, 2]) == 0.0


def test_qwk_matches_sklearn(data):
    from sklearn.metrics import cohen_kappa_score

    truth, pred = data
    ours = metrics.quadratic_weighted_kappa(truth, pred, min_rating=0, max_rating=5)
    theirs = cohen_kappa_score(truth.astype(int), np.rint(pred).astype(int), weights="quadratic")
    assert ours == pytest.approx(theirs)
    assert metrics.quadratic_weighted_kappa([0, 1, 2, 3], [0, 1, 2, 3]) == pytest.approx(1.0)


def test_accuracy_and_macro_f1_match_sklearn():
    from sklearn.metrics import accuracy_score, f1_score

    rng = np.random.default_rng(1)
    classes = np.array(["correct", "incorrect", "contradictory"])
    truth = classes[rng.integers(0, 3, 200)]
    pred = np.where(rng.random(200) < 0.6, truth, classes[rng.integers(0, 3, 200)])
    assert metrics.accuracy(truth, pred) == pytest.approx(accuracy_score(truth, pred))
    assert metrics.macro_f1(truth, pred) == pytest.approx(f1_score(truth, pred, average="macro"))


def test_macro_f1_with_a_class_never_predicted_counts_it_as_zero():
    truth = ["correct", "incorrect", "contradictory", "incorrect"]
    pred = ["correct", "incorrect", "incorrect", "incorrect"]
    labels = ["correct", "contradictory", "incorrect"]
    # correct: 1.0, contradictory: 0.0, incorrect: 2*2/(2*2+1+0) = 0.8
    assert metrics.macro_f1(truth, pred, labels=labels) == pytest.approx((1.0 + 0.0 + 0.8) / 3)


def test_auc_matches_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    s = np.round(y * 0.8 + rng.normal(0, 1, 400), 1)  # rounding makes ties
    assert metrics.auc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert math.isnan(metrics.auc([1, 1], [0.2, 0.3]))


def test_bootstrap_ci_brackets_the_estimate_and_is_reproducible(data):
    truth, pred = data
    lo, hi = metrics.bootstrap_ci(metrics.pearson, truth, pred, n_resamples=300, seed=1)
    assert lo < metrics.pearson(truth, pred) < hi
    assert (lo, hi) == metrics.bootstrap_ci(metrics.pearson, truth, pred, n_resamples=300, seed=1)


def test_grouped_bootstrap_is_wider_when_groups_are_correlated():
    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(20), 25)
    shift = rng.normal(0, 1, 20)[groups]  # each group shares an offset
    truth = (shift + rng.normal(0, 0.3, 500) > 0).astype(int)
    pred = (shift > 0).astype(int)
    flat = metrics.bootstrap_ci(metrics.accuracy, truth, pred, n_resamples=400)
    grouped = metrics.bootstrap_ci(metrics.accuracy, truth, pred, groups=groups, n_resamples=400)
    assert grouped[1] - grouped[0] > flat[1] - flat[0]


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="same length"):
        metrics.accuracy([1, 2], [1])
