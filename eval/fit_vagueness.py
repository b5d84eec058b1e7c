"""Fit `interviewer/grading/vagueness.json`: P(a sentence claims nothing specific).

Data: every sentence of the blind training answers (eval/data/answers/train.csv + train2.csv,
the same answers `fit_scoring` fits on; no dev, test or public-bank answer), split and encoded
exactly as the grader reads them. A sentence of a "waffle" answer (fluent, no content, graded
~0.5 by the expert) is vague; a sentence of any other kind (strong, terse, partial, plain-words
correct, right-vocabulary-but-wrong) is not. So is every sentence of the entailment model's
domain and general fragments (`eval/data/fragments`, `eval/data/general_fragments`: short
claims that state, contradict or sit beside a key point, in technical and plain words), which
teach it that a short, specific sentence is not waffle. And the written sentences
(`eval/data/vagueness/*.jsonl`, 1,120 for 70 invented interview questions, none of them a dev,
test or public-bank answer): a helper who never saw the grader or its output wrote, per
question, 10 specific sentences (terse with a pronoun subject, conditional advice, plain words,
analogies, spoken fillers, numbers, confidently wrong claims, general-sounding claims such as
"The main benefit is interpretability.") and 6 vague ones (hedges, importance claims, "both
have merits", generic process, buzzword filler, restating the topic, spoken filler).
Some sentences of real answers are general too ("Each part plays a different role."), which is
why the grader reads an answer by its *least* vague sentence (`vagueness.answer_vagueness`).

Input per sentence: its MiniLM vector and its cosine with the question. No length, on purpose:
the blind answers were written to a length range per kind (see `scoring.py`). The model is one
hidden layer of 64 (scikit-learn's MLPClassifier, exported as arrays). A logistic model on the
same inputs read 15% of the written specific sentences as vague out of fold (32% of the
general-sounding claims, 36% of the spoken ones) and this network 2.3%; grouped CV AUC over
the answers' sentences 0.957 and 0.967.

    python -m eval.fit_vagueness            # fit, report grouped CV, write vagueness.json
    python -m eval.fit_vagueness --dry-run  # report only

`training_out_of_fold` gives the answer-level vagueness of the training answers from models
that never saw their question; `fit_scoring` uses it, so the score model is fitted on the
figure the grader computes for an unseen answer, not on a memorised one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interviewer.grading.vagueness import (
    VAGUE_CUT,
    VAGUENESS_PATH,
    VaguenessModel,
    sentence_inputs,
)

from .entailment_data import FRAGMENTS_DIR, GENERAL_DIR, jsonl_rows, read_fragments
from .fit_calibration import SEED, grouped_folds
from .training_answers import TRAINING_SETS, bank_index, training_answers

VAGUE_KIND = "waffle"
SENTENCES_DIR = Path(__file__).resolve().parent / "data" / "vagueness"
HIDDEN = 64
ALPHA = 1e-2  # L2 penalty of the network
# Each vague sentence is seen this many times in training (they are ~1 in 20 sentences).
POSITIVE_COPIES = 9


@dataclass(frozen=True)
class SentenceRows:
    """One row per sentence of every answer read."""

    x: np.ndarray  # sentence_inputs rows
    y: np.ndarray  # 1 = sentence of a waffle answer
    answer: np.ndarray  # index of the answer it came from
    group: list[str]  # its question (folds never split one)
    digest: str  # sha256 over (question, sentence, label): what the model was fitted on


def read_sentences(grader, items: Sequence[tuple[str, str]], labels: Sequence[int]) -> SentenceRows:
    """Each (question text, answer) cleaned, split and encoded as `grader.grade` does."""
    xs, ys, owner, groups = [], [], [], []
    digest = hashlib.sha256()
    question_vectors: dict[str, np.ndarray] = {}
    for i, ((question, answer), label) in enumerate(zip(items, labels, strict=True)):
        text, _ = grader._clean(answer)
        encoded = grader.encoder.encode(text)
        if encoded.empty:
            continue
        if question not in question_vectors:
            question_vectors[question] = grader.encoder.encode(question).vector
        xs.append(sentence_inputs(encoded.sentence_vectors, question_vectors[question]))
        n = len(encoded.sentences)
        ys += [label] * n
        owner += [i] * n
        groups += [question] * n
        for s in encoded.sentences:
            digest.update(f"{question}\t{s}\t{label}\n".encode())
    return SentenceRows(np.vstack(xs), np.array(ys), np.array(owner), groups, digest.hexdigest())


def fit(rows: SentenceRows, mask: np.ndarray | None = None) -> VaguenessModel:
    """The network on the rows in `mask` (all by default), vague rows repeated
    POSITIVE_COPIES times. Deterministic (SEED)."""
    from sklearn.neural_network import MLPClassifier

    idx = np.flatnonzero(np.ones(len(rows.y), dtype=bool) if mask is None else mask)
    idx = np.concatenate([idx, np.repeat(idx[rows.y[idx] == 1], POSITIVE_COPIES - 1)])
    net = MLPClassifier(
        (HIDDEN,), alpha=ALPHA, max_iter=300, early_stopping=True, random_state=SEED
    ).fit(rows.x[idx], rows.y[idx])
    (w1, w2), (b1, b2) = net.coefs_, net.intercepts_
    return VaguenessModel(w1, b1, w2[:, 0], float(b2[0]))


def sentence_out_of_fold(rows: SentenceRows) -> np.ndarray:
    """Each sentence's P(vague) from a model that never saw its question (grouped folds)."""
    p = np.zeros(len(rows.y))
    for test in grouped_folds(rows.group):
        train = np.ones(len(rows.y), dtype=bool)
        train[test] = False
        p[test] = fit(rows, train).of_inputs(rows.x[test])
    return p


def per_answer(rows: SentenceRows, p: np.ndarray, n_answers: int) -> np.ndarray:
    """Each answer's least vague sentence (as `VaguenessModel.answer_vagueness`); 1.0 for an
    answer with no sentence."""
    out = np.ones(n_answers)
    for i in np.unique(rows.answer[rows.answer < n_answers]):
        out[i] = p[rows.answer == i].min()
    return out


def training_sentences(grader) -> tuple[list[dict[str, str]], SentenceRows]:
    """The training answers, then the domain and general fragments, read by `grader`: their
    sentences' rows. Rows of answer i have `answer == i`; fragments come after every answer."""
    answers = training_answers()
    index = bank_index()
    items = [(index.find(r["question"]).text, r["student_answer"]) for r in answers]
    labels = [int(r["kind"] == VAGUE_KIND) for r in answers]
    fragments = [*read_fragments(FRAGMENTS_DIR), *read_fragments(GENERAL_DIR)]
    items += [(f.question, f.text) for f in fragments]
    labels += [0] * len(fragments)
    for s in read_labelled_sentences():
        items.append((s["question"], s["text"]))
        labels.append(int(s["label"] == "vague"))
    return answers, read_sentences(grader, items, labels)


def read_labelled_sentences(folder: Path = SENTENCES_DIR) -> list[dict[str, str]]:
    """The written vague / specific sentences (`eval/data/vagueness/*.jsonl`)."""
    return list(jsonl_rows(folder, ("vague", "specific")))


def training_out_of_fold(grader) -> tuple[list[tuple[str, str]], np.ndarray]:
    """(question, answer) of every training answer, and its out-of-fold vagueness."""
    answers, rows = training_sentences(grader)
    texts = [(r["question"], r["student_answer"]) for r in answers]
    return texts, per_answer(rows, sentence_out_of_fold(rows), len(answers))


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.fit_vagueness", description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="report only")
    parser.add_argument("--out", type=Path, default=VAGUENESS_PATH)
    args = parser.parse_args(argv)

    from interviewer.grading.offline import OfflineGrader

    started = time.time()
    answers, rows = training_sentences(OfflineGrader())
    print(
        f"{len(rows.y)} sentences of {len(answers)} answers ({time.time() - started:.0f} s)",
        file=sys.stderr,
    )
    report: dict[str, object] = {"sentences": len(rows.y), "vague_sentences": int(rows.y.sum())}
    p = sentence_out_of_fold(rows)
    # The answers' sentences, and the written ones (the fragments are all specific: easy).
    of_answers = rows.answer < len(answers)
    written = rows.answer >= rows.answer.max() + 1 - len(read_labelled_sentences())
    report["cv_answer_sentence_auc"] = round(_auc(rows.y[of_answers], p[of_answers]), 4)
    report["cv_written_sentence_auc"] = round(_auc(rows.y[written], p[written]), 4)
    report["cv_written_specific_read_as_vague"] = round(
        float(np.mean(p[written & (rows.y == 0)] > VAGUE_CUT)), 4
    )
    answer_p = per_answer(rows, p, len(answers))
    labels = np.array([int(r["kind"] == VAGUE_KIND) for r in answers])
    report["cv_answer_auc"] = round(_auc(labels, answer_p), 4)
    kinds = np.array([r["kind"] for r in answers])
    report[f"cv_answer_vague_share_at_{VAGUE_CUT}"] = {
        k: round(float(np.mean(answer_p[kinds == k] > VAGUE_CUT)), 3) for k in sorted(set(kinds))
    }
    print(json.dumps(report, indent=1))
    if args.dry_run:
        return 0
    model = fit(rows)
    model.provenance = {
        "fitted_by": "python -m eval.fit_vagueness",
        "date": dt.date.today().isoformat(),
        "data": f"{len(rows.y)} sentences: the blind training answers "
        f"(eval/data/answers/{'+'.join(TRAINING_SETS)}; vague = a sentence of a "
        f"'{VAGUE_KIND}' answer), the entailment fragments (all specific) and the written "
        "vague / specific sentences (eval/data/vagueness)",
        "data_sha256": rows.digest,
        "seed": SEED,
        "network": {"hidden": HIDDEN, "alpha": ALPHA, "positive_copies": POSITIVE_COPIES},
        "cv_grouped_by_question": report,
    }
    model.save(args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
