"""The fitted calibration: grading features -> P(correct) and P(contradiction | not correct).

`calibration.json` is written by `eval/fit_calibration.py` (SemEval-2013 `train` split only)
and holds plain numbers: standardisation, logistic coefficients, optional boosted trees and
the verdict thresholds. Loading it needs numpy only (no scikit-learn, no pickle).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")
FORMAT_VERSION = 1


class CalibrationError(RuntimeError):
    """calibration.json is missing or does not match the grader's features."""


def logit(p: float) -> float:
    """Log-odds, clipped so that 0 and 1 stay finite."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class LogisticModel:
    """Standardise, then logistic regression."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, x: np.ndarray) -> float:
        return float(((x - self.mean) / self.scale) @ self.coef + self.intercept)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "logistic",
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LogisticModel:
        return cls(
            mean=np.asarray(d["mean"], dtype=float),
            scale=np.asarray(d["scale"], dtype=float),
            coef=np.asarray(d["coef"], dtype=float),
            intercept=float(d["intercept"]),
        )


@dataclass(frozen=True)
class TreeEnsemble:
    """Gradient-boosted regression trees on the log-odds scale (as scikit-learn's
    GradientBoostingClassifier exports them). Arrays per tree: feature (-1 = leaf),
    threshold, left, right, value."""

    init: float
    learning_rate: float
    trees: list[dict[str, np.ndarray]] = field(default_factory=list)

    def logit(self, x: np.ndarray) -> float:
        row = x.tolist()
        total = self.init
        for feature, threshold, left, right, value in self._nodes:
            node = 0
            while feature[node] >= 0:
                node = left[node] if row[feature[node]] <= threshold[node] else right[node]
            total += self.learning_rate * value[node]
        return total

    @cached_property
    def _nodes(self) -> list[tuple[list[int], list[float], list[int], list[int], list[float]]]:
        """The trees as plain lists: walking them is 5x faster than indexing numpy arrays,
        and the floats are the same (float32 features compare exactly as float64)."""
        keys = ("feature", "threshold", "left", "right", "value")
        return [tuple(t[k].tolist() for k in keys) for t in self.trees]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "trees",
            "init": self.init,
            "learning_rate": self.learning_rate,
            # Leaf values are rounded to keep the file small; thresholds are not: features
            # often sit within 1e-6 of a split, and rounding would send them the other way.
            "trees": [
                {k: np.round(v, 6).tolist() if k == "value" else v.tolist() for k, v in t.items()}
                for t in self.trees
            ],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TreeEnsemble:
        trees = [
            {
                "feature": np.asarray(t["feature"], dtype=int),
                "threshold": np.asarray(t["threshold"], dtype=float),
                "left": np.asarray(t["left"], dtype=int),
                "right": np.asarray(t["right"], dtype=int),
                "value": np.asarray(t["value"], dtype=float),
            }
            for t in d["trees"]
        ]
        return cls(init=float(d["init"]), learning_rate=float(d["learning_rate"]), trees=trees)


@dataclass(frozen=True)
class BinaryModel:
    """A logistic model, a tree ensemble, or the mean of both logits."""

    logistic: LogisticModel | None = None
    trees: TreeEnsemble | None = None

    def probability(self, x: np.ndarray) -> float:
        logits = [m.logit(x) for m in (self.logistic, self.trees) if m is not None]
        if not logits:
            raise CalibrationError("calibration model has neither logistic nor trees")
        return _sigmoid(sum(logits) / len(logits))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.logistic is not None:
            out["logistic"] = self.logistic.to_json()
        if self.trees is not None:
            out["trees"] = self.trees.to_json()
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BinaryModel:
        return cls(
            logistic=LogisticModel.from_json(d["logistic"]) if "logistic" in d else None,
            trees=TreeEnsemble.from_json(d["trees"]) if "trees" in d else None,
        )


@dataclass(frozen=True)
class VerdictThresholds:
    """Sentence-to-key-point cosine cut-offs for per-key-point verdicts."""

    covered: float = 0.62
    partly: float = 0.45


@dataclass(frozen=True)
class Calibration:
    feature_names: tuple[str, ...]
    correct: BinaryModel
    # P(contradictory | not correct); None when not fitted.
    contradiction: BinaryModel | None
    verdicts: VerdictThresholds
    # How the features were computed (the encoder must match at run time).
    encoder: dict[str, Any]
    # Where the numbers came from: data, split, seed, cross-validated figures.
    provenance: dict[str, Any]

    def p_correct(self, features: np.ndarray) -> float:
        return self.correct.probability(features)

    def p_contradiction(self, features: np.ndarray) -> float:
        return self.contradiction.probability(features) if self.contradiction else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "feature_names": list(self.feature_names),
            "encoder": self.encoder,
            "verdicts": {"covered": self.verdicts.covered, "partly": self.verdicts.partly},
            "correct": self.correct.to_json(),
            "contradiction": self.contradiction.to_json() if self.contradiction else None,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Calibration:
        if d.get("format_version") != FORMAT_VERSION:
            raise CalibrationError(
                f"calibration format {d.get('format_version')!r} is not {FORMAT_VERSION}. "
                "Fix: re-run `python -m eval.fit_calibration`."
            )
        return cls(
            feature_names=tuple(d["feature_names"]),
            correct=BinaryModel.from_json(d["correct"]),
            contradiction=BinaryModel.from_json(d["contradiction"])
            if d.get("contradiction")
            else None,
            verdicts=VerdictThresholds(**d.get("verdicts", {})),
            encoder=dict(d.get("encoder", {})),
            provenance=dict(d.get("provenance", {})),
        )

    def save(self, path: Path = CALIBRATION_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def load_calibration(path: Path | str | None = None) -> Calibration:
    """Read calibration.json (cached per path) and check it matches our features."""
    return _load(str(Path(path) if path else CALIBRATION_PATH))


T = TypeVar("T")


def read_fitted(
    path: Path, parse: Callable[[dict[str, Any]], T], error: type[Exception], fix: str
) -> T:
    """A fitted model read from its JSON file; `error` (naming `fix`) when it is missing or
    malformed. Shared by calibration.json and scoring.json."""
    if not path.is_file():
        raise error(f"{path} is missing. Fix: {fix}")
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (KeyError, TypeError, ValueError) as exc:
        raise error(f"{path} is malformed ({exc}). Fix: {fix}") from exc


@lru_cache(maxsize=4)
def _load(path: str) -> Calibration:
    from .features import FEATURE_NAMES

    fix = (
        "re-run `python -m eval.fit_calibration` (needs the SemEval CSVs in ../shared/datasets) "
        "or restore the file from git."
    )
    cal = read_fitted(Path(path), Calibration.from_json, CalibrationError, fix)
    if cal.feature_names != FEATURE_NAMES:
        raise CalibrationError(
            f"{path} was fitted on different features than the grader computes. "
            "Fix: re-run `python -m eval.fit_calibration`."
        )
    return cal
