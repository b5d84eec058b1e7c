"""Agreement metrics between a grader and people. Pure numpy; no scikit-learn needed.

Numeric targets: pearson, spearman, rmse, qwk. Labels: accuracy, macro_f1, auc.
`bootstrap_ci` gives a 95% interval for any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

# Scores and grades: any sequence of numbers or a numpy array.
Numbers = Sequence[float] | npt.NDArray[Any]
# Labels: any sequence, or a numpy array of them.
Values = Sequence[Any] | npt.NDArray[Any]


def _arrays(*xs: Sequence[Any] | npt.NDArray[Any]) -> list[np.ndarray]:
    arrays = [np.asarray(x) for x in xs]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("metric inputs must have the same length")
    return arrays


def pearson(x: Numbers, y: Numbers) -> float:
    """Pearson correlation; nan when either side is constant."""
    a, b = (v.astype(float) for v in _arrays(x, y))
    if len(a) < 2:
        return float("nan")
    a, b = a - a.mean(), b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


def rankdata(x: Numbers) -> np.ndarray:
    """Ranks starting at 1, ties sharing their average rank (as scipy's default)."""
    a = np.asarray(x, dtype=float)
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a), dtype=float)
    sorted_a = a[order]
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Numbers, y: Numbers) -> float:
    """Spearman rank correlation (Pearson on tie-averaged ranks)."""
    a, b = _arrays(x, y)
    return pearson(rankdata(a), rankdata(b))


def rmse(y_true: Numbers, y_pred: Numbers) -> float:
    a, b = (v.astype(float) for v in _arrays(y_true, y_pred))
    return float(np.sqrt(np.mean((a - b) ** 2))) if len(a) else float("nan")


def quadratic_weighted_kappa(
    y_true: Sequence[float],
    y_pred: Sequence[float],
    *,
    min_rating: int | None = None,
    max_rating: int | None = None,
) -> float:
    """Cohen's kappa with quadratic weights on integer ratings (inputs are rounded)."""
    a, b = (np.rint(v.astype(float)).astype(int) for v in _arrays(y_true, y_pred))
    if not len(a):
        return float("nan")
    lo = min(a.min(), b.min()) if min_rating is None else min_rating
    hi = max(a.max(), b.max()) if max_rating is None else max_rating
    a, b = np.clip(a, lo, hi) - lo, np.clip(b, lo, hi) - lo
    k = hi - lo + 1
    if k == 1:
        return 1.0
    observed = np.zeros((k, k))
    np.add.at(observed, (a, b), 1)
    expected = np.outer(np.bincount(a, minlength=k), np.bincount(b, minlength=k)) / len(a)
    idx = np.arange(k)
    weights = (idx[:, None] - idx[None, :]) ** 2 / (k - 1) ** 2
    denom = (weights * expected).sum()
    return float(1 - (weights * observed).sum() / denom) if denom > 0 else float("nan")


def accuracy(y_true: Values, y_pred: Values) -> float:
    a, b = _arrays(y_true, y_pred)
    return float(np.mean(a == b)) if len(a) else float("nan")


def macro_f1(y_true: Values, y_pred: Values, *, labels: Sequence[Any] | None = None) -> float:
    """Unweighted mean of per-class F1 over `labels` (default: classes seen in y_true or
    y_pred). A class never predicted and never true is left out."""
    a, b = _arrays(y_true, y_pred)
    classes = list(labels) if labels is not None else sorted(set(a.tolist()) | set(b.tolist()))
    scores = []
    for c in classes:
        tp = np.sum((a == c) & (b == c))
        fp = np.sum((a != c) & (b == c))
        fn = np.sum((a == c) & (b != c))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else float("nan")


def auc(y_true: Values, scores: Numbers) -> float:
    """ROC AUC of a continuous score for a binary truth (1/True = positive); ties count half.

    Computed as the Mann-Whitney U statistic; nan when only one class is present.
    """
    a, s = _arrays(y_true, scores)
    pos = a.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s.astype(float))
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_ci(
    metric: Callable[..., float],
    *arrays: Sequence[Any],
    groups: Sequence[Any] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `metric(*arrays)`.

    With `groups` (e.g. question ids) whole groups are resampled: answers to one question are
    not independent, so this gives the wider, more honest interval.
    """
    data = _arrays(*arrays)
    n = len(data[0])
    if n == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    if groups is not None:
        g = np.asarray(groups)
        uniq, inverse = np.unique(g, return_inverse=True)
        members = [np.flatnonzero(inverse == k) for k in range(len(uniq))]
    values = []
    for _ in range(n_resamples):
        if groups is not None:
            picked = rng.integers(0, len(members), len(members))
            idx = np.concatenate([members[k] for k in picked])
        else:
            idx = rng.integers(0, n, n)
        value = metric(*(d[idx] for d in data))
        if not np.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)
