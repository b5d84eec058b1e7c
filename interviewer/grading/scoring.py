"""From per-key-point judgements to a 0-5 score: the offline grader's last step.

`scoring.json` is written by `python -m eval.fit_scoring` and holds plain numbers: the verdict
cut-offs on the entailment probabilities and two small logistic models over the features
below. One (`single`) scores answers graded against one statement that is the whole of what is
wanted (SemEval rows, and every follow-up answer, which is graded against its one targeted
point): P(the answer states the point). The other (`multi`) scores answers to questions, fitted
on graded interview answers read against all their key points and against subsets of them, so
that it also fits community questions with one to four points drawn from a longer answer.

The features are what a strict interviewer weighs: how much of each key point the answer
states, how much it contradicts (a point it also states correctly is not held against it), how
many points are clearly covered, the holistic similarity of the whole answer to the
reference (the older calibrated model, kept as one input), and how vague the answer is (its
most specific sentence's P(vague), `vagueness.py`): the cross-encoder credits waffle that
names the topic, and this is what tells the score model it claims nothing. Vagueness is a
penalty only (`eval.fit_scoring.fit_multi`): zero at `vagueness.FLOOR`, never a reward.
Loading needs numpy only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.models import Verdict

from .calibration import LogisticModel, logit, read_fitted
from .judge import PointJudgement, Thresholds
from .vagueness import vague_logit

SCORING_PATH = Path(__file__).with_name("scoring.json")
FORMAT_VERSION = 3
FEATURES = (
    "entail_mean",  # mean over key points of the best window's P(entail)
    "entail_max",
    "contradict_mean",  # mean over key points of P(contradict) x (1 - P(entail)): a point
    "contradict_max",  # the answer also states correctly is not held against it
    "covered_share",  # share of key points whose verdict is covered
    "holistic_logit",  # logit of the calibrated whole-answer P(correct)
    "vague_logit",  # log-odds of the answer's vagueness (`vagueness.vague_logit`): waffle is high
)
# No length feature, on purpose. In the blind answer sets each kind of answer was written to a
# length range (terse answers short, waffle and wrong answers mid-length, complete ones long),
# so on the dev set answer length alone ranks answers at Spearman 0.94: a score model allowed
# to read length learns the writing protocol, not correctness. Real candidates' lengths do not
# follow it. (The holistic P(correct) has length features of its own, fitted on SemEval.)


class ScoringError(RuntimeError):
    """scoring.json is missing or malformed; the message says how to fix it."""


def score_features(
    judgements: Sequence[PointJudgement],
    verdicts: Sequence[Verdict],
    *,
    holistic: float,
    vagueness: float,
) -> np.ndarray:
    """The FEATURES of one answer. Pure."""
    e = np.array([j.entail for j in judgements]) if judgements else np.zeros(1)
    c = np.array([j.contradict for j in judgements]) if judgements else np.zeros(1)
    c = c * (1.0 - e)
    n = max(1, len(verdicts))
    return np.array(
        [
            e.mean(),
            e.max(),
            c.mean(),
            c.max(),
            sum(v is Verdict.covered for v in verdicts) / n,
            logit(holistic),
            vague_logit(vagueness),
        ],
        dtype=float,
    )


def graded_as_single(points: Sequence[str], reference_text: str, *, narrowed: bool) -> bool:
    """Whether an answer is scored by the `single` model: it is graded against one statement
    that is the whole of what is wanted (a follow-up's targeted point; a SemEval row, whose
    reference is its one key point). A bank question whose one key point was drawn from a
    longer answer (community banks have them) is scored like any other question: the human
    grades the whole answer, not that sentence. Pure."""
    if len(points) != 1:
        return False
    return narrowed or " ".join(points[0].split()) == " ".join(reference_text.split())


@dataclass(frozen=True)
class ScoreModel:
    thresholds: Thresholds
    single: LogisticModel
    multi: LogisticModel
    provenance: dict[str, Any] = field(default_factory=dict)

    def probability(self, features: np.ndarray, *, single: bool) -> float:
        """P(correct) from the `single` model (see `graded_as_single`) or the `multi` one."""
        model = self.single if single else self.multi
        z = model.logit(features)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def score(self, features: np.ndarray, *, single: bool) -> float:
        """0-5, unrounded."""
        return 5.0 * self.probability(features, single=single)

    def to_json(self) -> dict[str, Any]:
        t = self.thresholds
        return {
            "format_version": FORMAT_VERSION,
            "features": list(FEATURES),
            "thresholds": {
                "covered": t.covered,
                "partly": t.partly,
                "contradicted": t.contradicted,
                "contradicted_multi": t.contradicted_multi,
            },
            "single": self.single.to_json(),
            "multi": self.multi.to_json(),
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ScoreModel:
        if d.get("format_version") != FORMAT_VERSION or tuple(d.get("features", ())) != FEATURES:
            raise ScoringError(
                "scoring.json was written for other features. Fix: re-run "
                "`python -m eval.fit_scoring`."
            )
        return cls(
            thresholds=Thresholds(**d["thresholds"]),
            single=LogisticModel.from_json(d["single"]),
            multi=LogisticModel.from_json(d["multi"]),
            provenance=dict(d.get("provenance", {})),
        )

    def save(self, path: Path = SCORING_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def load_scoring(path: Path | str | None = None) -> ScoreModel:
    return _load(str(Path(path) if path else SCORING_PATH))


@lru_cache(maxsize=4)
def _load(path: str) -> ScoreModel:
    fix = "restore it from git, or re-run `python -m eval.fit_scoring`."
    return read_fitted(Path(path), ScoreModel.from_json, ScoringError, fix)
