"""Does a sentence make a specific claim, or is it fluent waffle?

The cross-encoder reads "Sometimes K-means is the better fit, sometimes DBSCAN is." as
entailing "DBScan is more robust to noise": it weighs topic words, and a sentence that names
the topic but claims nothing about it looks like a paraphrase. So the grader also asks, per
sentence, how vague it is: a small network (one hidden layer of 64) over the sentence's
MiniLM vector (already computed for grading) and its cosine with the question, fitted by
`python -m eval.fit_vagueness` (the data are described there: waffle sentences of the blind
training answers and written vague sentences, against every other sentence and short specific
claims, right or wrong).

An answer is as specific as its most specific sentence (`answer_vagueness` is the minimum), so
a real answer with a general opening or closing sentence is not vague. That answer-level
figure is one input of the score model (`scoring.FEATURES`, "vague_logit") and it can only take
credit away: floored at FLOOR, where its weight is zero, so no answer gains by sounding
specific, and a specific answer scores as if vagueness were not read at all. The cross-encoder's
verdicts do not read it; an answer past VAGUE_CUT is flagged, and its covered points are shown
as partly, with no quote (a point stated only in general terms is not clearly made).

`vagueness.json` holds plain numbers; loading it needs numpy only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .calibration import logit, read_fitted

VAGUENESS_PATH = Path(__file__).with_name("vagueness.json")
FORMAT_VERSION = 1
# The vagueness of an answer with no sentence (nothing to be specific with).
EMPTY = 1.0
# Below this, vagueness says nothing more: every real answer sits there, and unfloored
# log-odds (down to -9) ranked them by style. On dev (with the score model refitted each way):
# unfloored, dev.csv Spearman 0.897 -> 0.888 and dev_restyled 0.859 -> 0.835 against no
# vagueness input; floored at 0.02, 0.893 and 0.858; public_dev 0.676 -> 0.766 and 0.771.
FLOOR = 0.02
# An answer at least this vague (even its most specific sentence) is flagged "vague" and its
# covered points show as partly, unquoted. Out of fold on the training answers: 41% of waffle
# answers and no answer of another kind; on the three dev sets, 35-42% of waffle and none else.
VAGUE_CUT = 0.5


class VaguenessError(RuntimeError):
    """vagueness.json is missing or malformed."""


def sentence_inputs(sentence_vectors: np.ndarray, question_vector: np.ndarray) -> np.ndarray:
    """The model's input rows: each sentence vector and its cosine with the question. Pure."""
    vectors = np.asarray(sentence_vectors, dtype=float).reshape(-1, len(question_vector))
    cos = vectors @ np.asarray(question_vector, dtype=float)
    return np.hstack([vectors, cos[:, None]])


class VaguenessModel:
    """P(vague) per sentence, from a one-hidden-layer network (ReLU, then a logistic output);
    the answer's vagueness is its least vague sentence's."""

    def __init__(
        self,
        hidden_weights: np.ndarray,
        hidden_bias: np.ndarray,
        output_weights: np.ndarray,
        output_bias: float,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        self.hidden_weights = np.asarray(hidden_weights, dtype=float)  # (inputs, hidden)
        self.hidden_bias = np.asarray(hidden_bias, dtype=float)
        self.output_weights = np.asarray(output_weights, dtype=float)  # (hidden,)
        self.output_bias = float(output_bias)
        self.provenance = dict(provenance or {})

    def sentence_vagueness(
        self, sentence_vectors: np.ndarray, question_vector: np.ndarray
    ) -> np.ndarray:
        return self.of_inputs(sentence_inputs(sentence_vectors, question_vector))

    def of_inputs(self, x: np.ndarray) -> np.ndarray:
        """P(vague) of `sentence_inputs` rows."""
        if not len(x):
            return np.zeros(0)
        hidden = np.maximum(x @ self.hidden_weights + self.hidden_bias, 0.0)
        z = hidden @ self.output_weights + self.output_bias
        return 1.0 / (1.0 + np.exp(-z))

    def answer_vagueness(self, sentence_vectors: np.ndarray, question_vector: np.ndarray) -> float:
        per_sentence = self.sentence_vagueness(sentence_vectors, question_vector)
        return float(per_sentence.min()) if len(per_sentence) else EMPTY

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            # 7 decimals: the file stays small and P(vague) moves by < 1e-5.
            "hidden_weights": np.round(self.hidden_weights, 7).tolist(),
            "hidden_bias": np.round(self.hidden_bias, 7).tolist(),
            "output_weights": np.round(self.output_weights, 7).tolist(),
            "output_bias": round(self.output_bias, 7),
            "provenance": self.provenance,
        }

    def save(self, path: Path = VAGUENESS_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VaguenessModel:
        if d.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"format_version {d.get('format_version')!r}, expected {FORMAT_VERSION}"
            )
        model = cls(
            d["hidden_weights"],
            d["hidden_bias"],
            d["output_weights"],
            d["output_bias"],
            d.get("provenance", {}),
        )
        if model.hidden_weights.shape[1:] != model.hidden_bias.shape or (
            model.hidden_bias.shape != model.output_weights.shape
        ):
            raise ValueError("the layer shapes do not match")
        return model


def vague_logit(vagueness: float) -> float:
    """The score model's input: the log-odds of the answer's vagueness, floored at FLOOR."""
    return logit(max(vagueness, FLOOR))


def load_vagueness(path: Path | str | None = None) -> VaguenessModel:
    return _load(str(Path(path) if path else VAGUENESS_PATH))


@lru_cache(maxsize=4)
def _load(path: str) -> VaguenessModel:
    fix = "restore it from git, or re-run `python -m eval.fit_vagueness`."
    return read_fitted(Path(path), VaguenessModel.from_json, VaguenessError, fix)
