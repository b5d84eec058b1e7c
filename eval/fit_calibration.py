"""Fit the offline grader's calibration on the SemEval-2013 `train` split and write
interviewer/grading/calibration.json.

    python -m eval.fit_calibration            # fit, cross-validate, write the JSON
    python -m eval.fit_calibration --dry-run  # fit and report only

Only `train` rows are read for fitting (SciEntsBank and Beetle together: one domain-general
calibration). Model choices were made by 5-fold cross-validation grouped by question on train
(which imitates unseen questions); the figures are stored in the JSON's provenance. The test
splits are never read here. Deterministic: fixed seed, no shuffling that depends on time.

Model (scikit-learn at fit time only): P(correct) is the mean of the logits of a logistic
regression on standardised features and of small gradient-boosted trees (depth 3), exported as
plain arrays. Rows are weighted so that each dataset and each class carries the same total
weight, so P(correct) is a probability under balanced priors and 0.5 is the natural 2-way cut.
A second logistic model, fitted on the non-correct rows, gives P(contradictory | not correct).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interviewer.grading.calibration import (
    CALIBRATION_PATH,
    BinaryModel,
    Calibration,
    LogisticModel,
    TreeEnsemble,
    VerdictThresholds,
)
from interviewer.grading.features import FEATURE_NAMES
from interviewer.grading.offline import OfflineGrader

from . import metrics
from .datasets import GradedAnswer, load_semeval
from .harness import question_from_row

SEED = 0
C_CORRECT = 0.03
# Gradient-boosted trees whose logit is averaged with the logistic one (chosen by grouped CV).
TREES = {
    "learning_rate": 0.05,
    "n_estimators": 200,
    "max_depth": 3,
    "subsample": 0.8,
    "min_samples_leaf": 40,
}
C_CONTRADICTION = 0.1
FOLDS = 5
DATASETS = ("scients", "beetle")


def balanced_weights(y: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Each (domain, class) cell gets the same total weight; the mean weight is 1."""
    w = np.zeros(len(y), dtype=float)
    cells = [(d, c) for d in np.unique(domain) for c in np.unique(y)]
    for d, c in cells:
        mask = (domain == d) & (y == c)
        if mask.any():
            w[mask] = len(y) / (len(cells) * mask.sum())
    return w


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, random_state=SEED)
    model.fit((x - mean) / scale, y, sample_weight=w)
    return LogisticModel(mean, scale, model.coef_[0].astype(float), float(model.intercept_[0]))


def fit_trees(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> TreeEnsemble:
    """Boosted trees (scikit-learn), exported as the arrays `TreeEnsemble` walks at run time."""
    from sklearn.ensemble import GradientBoostingClassifier

    model = GradientBoostingClassifier(**TREES, random_state=SEED)
    model.fit(x, y, sample_weight=w)
    trees = []
    for (est,) in model.estimators_:
        t = est.tree_
        trees.append(
            {
                "feature": t.feature.astype(int),
                "threshold": t.threshold.astype(float),
                "left": t.children_left.astype(int),
                "right": t.children_right.astype(int),
                "value": t.value[:, 0, 0].astype(float),
            }
        )
    # The prior log-odds: what the trees' sum does not explain of the decision function.
    row = x[:1]
    tree_sum = sum(float(est.predict(row)[0]) for (est,) in model.estimators_)
    init = float(model.decision_function(row)[0]) - model.learning_rate * tree_sum
    return TreeEnsemble(init=init, learning_rate=float(model.learning_rate), trees=trees)


def logistic_logits(model: LogisticModel, x: np.ndarray) -> np.ndarray:
    return ((x - model.mean) / model.scale) @ model.coef + model.intercept


def tree_logits(model: TreeEnsemble, x: np.ndarray) -> np.ndarray:
    return np.array([model.logit(row) for row in x])


def predict(model: LogisticModel, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logistic_logits(model, x)))


def fit_correct(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> BinaryModel:
    """The P(correct) model: logistic regression and boosted trees, logits averaged."""
    return BinaryModel(logistic=fit_logistic(x, y, w, C_CORRECT), trees=fit_trees(x, y, w))


def predict_binary(model: BinaryModel, x: np.ndarray) -> np.ndarray:
    """Vectorised `BinaryModel.probability` (same mean of logits)."""
    logits = []
    if model.logistic is not None:
        logits.append(logistic_logits(model.logistic, x))
    if model.trees is not None:
        logits.append(tree_logits(model.trees, x))
    return 1.0 / (1.0 + np.exp(-np.mean(logits, axis=0)))


def grouped_folds(groups: Sequence[str], k: int = FOLDS) -> list[np.ndarray]:
    """Deterministic folds of whole questions (sorted ids dealt round-robin)."""
    uniq = sorted(set(groups))
    fold_of = {g: i % k for i, g in enumerate(uniq)}
    g = np.array([fold_of[x] for x in groups])
    return [np.flatnonzero(g == i) for i in range(k)]


def three_way(p_correct: np.ndarray, p_contra: np.ndarray) -> np.ndarray:
    """The grader's 3-way decision (see eval/harness.py)."""
    return np.where(
        p_correct >= 0.5, "correct", np.where(p_contra >= 0.5, "contradictory", "incorrect")
    )


def cross_validate(
    x: np.ndarray, y3: np.ndarray, domain: np.ndarray, groups: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Out-of-fold 2-way/3-way figures per dataset, folds grouped by question."""
    y = (y3 == "correct").astype(int)
    p = np.zeros(len(y))
    pc = np.zeros(len(y))
    for test in grouped_folds(groups):
        train = np.setdiff1d(np.arange(len(y)), test)
        m = fit_correct(x[train], y[train], balanced_weights(y[train], domain[train]))
        p[test] = predict_binary(m, x[test])
        nc = train[y[train] == 0]
        yc = (y3[nc] == "contradictory").astype(int)
        mc = fit_logistic(x[nc], yc, balanced_weights(yc, domain[nc]), C_CONTRADICTION)
        pc[test] = predict(mc, x[test])
    out = {}
    pred3 = three_way(p, pc)
    for d in np.unique(domain):
        s = domain == d
        truth2 = np.where(y[s] == 1, "correct", "incorrect")
        pred2 = np.where(p[s] >= 0.5, "correct", "incorrect")
        out[str(d)] = {
            "rows": int(s.sum()),
            "macro_f1_2way": round(metrics.macro_f1(truth2, pred2), 4),
            "accuracy_2way": round(metrics.accuracy(truth2, pred2), 4),
            "auc": round(metrics.auc(y[s], p[s]), 4),
            "macro_f1_3way": round(metrics.macro_f1(y3[s], pred3[s]), 4),
        }
    return out


def verdict_thresholds(best_sentence_cos: np.ndarray, y: np.ndarray) -> VerdictThresholds:
    """Cosine cut-offs for key-point verdicts, from answers to one-sentence references.

    covered: the cut that best separates correct from incorrect answers (macro-F1);
    partly: the 10th percentile of correct answers' similarity (90% of correct answers reach
    at least "partly").
    """
    best_t, best_f1 = 0.6, -1.0
    truth = np.where(y == 1, "correct", "incorrect")
    for t in np.arange(0.30, 0.90, 0.01):
        pred = np.where(best_sentence_cos >= t, "correct", "incorrect")
        f1 = metrics.macro_f1(truth, pred)
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    partly = float(np.percentile(best_sentence_cos[y == 1], 10))
    return VerdictThresholds(covered=round(best_t, 3), partly=round(min(partly, best_t - 0.05), 3))


def load_train() -> list[tuple[str, GradedAnswer]]:
    return [(name, row) for name in DATASETS for row in load_semeval(name, split="train")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="fit and report, write nothing")
    parser.add_argument("--out", default=str(CALIBRATION_PATH), help="where to write the JSON")
    args = parser.parse_args(argv)

    started = time.time()
    rows = load_train()
    print(f"train rows: {len(rows)} ({', '.join(DATASETS)})", file=sys.stderr)
    grader = OfflineGrader()
    items = [(question_from_row(r, source=f"{name}.csv"), r.student_answer) for name, r in rows]
    x = grader.feature_rows(items).astype(float)
    print(f"features: {x.shape} in {time.time() - started:.0f}s", file=sys.stderr)
    y3 = np.array([r.value("label").strip().lower() for _, r in rows])
    y = (y3 == "correct").astype(int)
    domain = np.array([name for name, _ in rows])
    groups = [f"{name}:{r.question_id}" for name, r in rows]

    cv = cross_validate(x, y3, domain, groups)
    for d, figures in cv.items():
        print(f"CV (grouped by question) {d}: {figures}", file=sys.stderr)

    correct = fit_correct(x, y, balanced_weights(y, domain))
    nc = np.flatnonzero(y == 0)
    yc = (y3[nc] == "contradictory").astype(int)
    contradiction = fit_logistic(x[nc], yc, balanced_weights(yc, domain[nc]), C_CONTRADICTION)
    single = np.array([len(q.reference.key_points) == 1 for q, _ in items])
    best_cos = x[:, FEATURE_NAMES.index("best_sentence_cos")]
    thresholds = verdict_thresholds(best_cos[single], y[single])
    print(f"verdict thresholds: {thresholds}", file=sys.stderr)

    calibration = Calibration(
        feature_names=FEATURE_NAMES,
        correct=correct,
        contradiction=BinaryModel(logistic=contradiction),
        verdicts=thresholds,
        encoder={
            "model": grader.encoder.model_name,
            "precision": grader.encoder.precision,
            "runtime": grader.encoder.describe(),
        },
        provenance={
            "fitted_by": "python -m eval.fit_calibration",
            "date": dt.date.today().isoformat(),
            "data": "SemEval-2013 Task 7 (SciEntsBank + Beetle), split=train only",
            "rows": {d: int((domain == d).sum()) for d in DATASETS},
            "seed": SEED,
            "model": (
                f"mean logit of logistic regression (C={C_CORRECT}) and gradient-boosted trees "
                f"({TREES}), balanced (dataset x class) weights"
            ),
            "contradiction_model": (
                f"logistic regression on non-correct train rows, C={C_CONTRADICTION}"
            ),
            "cv_grouped_by_question": cv,
        },
    )
    if args.dry_run:
        print("dry run: nothing written", file=sys.stderr)
    else:
        calibration.save(Path(args.out))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
