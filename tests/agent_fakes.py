"""Test doubles for the interviewer agent: a small bank and deterministic graders.

Used by tests/test_agent_*.py, tests/test_store*.py, tests/test_chat_cli.py and the benchmark.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from typing import Any

from interviewer.models import (
    Difficulty,
    Grade,
    KeyPointVerdict,
    Question,
    QuestionKind,
    ReferenceAnswer,
    Verdict,
)
from interviewer.source import InMemorySource

STOP = {"the", "and", "that", "with", "from", "into", "which", "each", "this", "their", "them"}


def make_question(
    text: str,
    category: str,
    difficulty: str = "medium",
    key_points: list[str] | None = None,
    answer: str = "",
    *,
    source: str = "test-bank.md",
    line: int = 1,
    **fields: Any,
) -> Question:
    """A test question; with `key_points`, an authored reference of them whose text is
    `answer` (the points joined when empty), else no reference unless `fields` give one."""
    if key_points is not None:
        text_of_reference = answer or " ".join(key_points)
        fields["reference"] = ReferenceAnswer(text=text_of_reference, key_points=key_points)
    return Question.create(
        text, source, category=category, difficulty=Difficulty(difficulty), line=line, **fields
    )


def sample_questions() -> list[Question]:
    """Ten questions over three categories and three levels, one behavioural, one ungradable."""
    ml, ev, dl = "Core ML", "Evaluation", "Deep Learning"
    qs = [
        make_question(
            "Explain the differences between bagging and boosting.",
            ml,
            "medium",
            [
                "Bagging trains learners independently on bootstrap samples and averages them, "
                "which mainly reduces variance.",
                "Boosting trains learners sequentially, each focusing on the errors of the ones "
                "before, which mainly reduces bias.",
                "Random forests are bagging of decorrelated trees; gradient boosting is the "
                "common boosting method.",
            ],
            answer="Bagging averages independent learners fit on bootstrap samples; boosting "
            "fits learners in sequence on the previous errors.",
        ),
        make_question(
            "What is overfitting and how can you prevent it?",
            ml,
            "easy",
            [
                "Overfitting is when a model fits noise in the training data and generalises "
                "poorly to new data.",
                "Regularisation such as L1 or L2 penalties limits model complexity.",
                "Cross-validation and early stopping detect or stop overfitting.",
            ],
        ),
        make_question(
            "How does a decision tree choose its splits?",
            ml,
            "hard",
            [
                "Each split maximises the impurity decrease, measured by Gini or entropy.",
                "Regression trees pick the split that most reduces squared error.",
                "The search is greedy, one node at a time.",
            ],
        ),
        make_question(
            "Explain precision and recall.",
            ev,
            "easy",
            [
                "Precision is the fraction of predicted positives that are truly positive.",
                "Recall is the fraction of actual positives that the model finds.",
                "There is a trade-off controlled by the decision threshold.",
            ],
        ),
        make_question(
            "What does the ROC AUC measure?",
            ev,
            "medium",
            [
                "AUC is the probability that a random positive is ranked above a random negative.",
                "The ROC curve plots true positive rate against false positive rate over "
                "thresholds.",
            ],
        ),
        make_question(
            "How would you evaluate a model on heavily imbalanced data?",
            ev,
            "hard",
            [
                "Accuracy is misleading when one class dominates.",
                "Precision-recall curves and average precision suit rare positives.",
                "Stratified splits keep class proportions in every fold.",
            ],
        ),
        make_question(
            "What is dropout and why does it help?",
            dl,
            "medium",
            [
                "Dropout randomly zeroes activations during training.",
                "It prevents co-adaptation of neurons, acting as a regulariser.",
                "At inference all units are used with activations scaled accordingly.",
            ],
        ),
        make_question(
            "Explain the vanishing gradient problem.",
            dl,
            "hard",
            [
                "Gradients shrink exponentially as they are multiplied back through many layers.",
                "Saturating activations like sigmoid make it worse; ReLU helps.",
                "Residual connections and careful initialisation keep gradients flowing.",
            ],
        ),
        make_question(
            "Describe a machine learning project you worked on.",
            dl,
            kind=QuestionKind.behavioural,
            rubric=[
                "Structure: sets out the problem, their role, what they did and the result.",
                "Specifics: names concrete data, models and metrics they chose.",
                "Outcome: gives a measurable impact and what they learned.",
            ],
        ),
        make_question("What is batch normalisation?", dl, "easy"),  # no reference: ungradable
    ]
    return qs


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3 and w not in STOP}


def bag_embed(texts: Iterable[str]):
    """A deterministic bag-of-words "embedding" so search works without the real model.

    crc32, not hash(): str hashes change with every process (PYTHONHASHSEED), which made
    word collisions, and so search results, differ from run to run.
    """
    import numpy as np

    vocab_size = 512
    rows = []
    for t in texts:
        v = np.zeros(vocab_size, dtype=np.float32)
        for w in _words(t):
            v[zlib.crc32(w.encode()) % vocab_size] += 1.0
        n = np.linalg.norm(v)
        rows.append(v / n if n else v)
    return np.stack(rows)


def sample_source(questions: list[Question] | None = None) -> InMemorySource:
    return InMemorySource(questions or sample_questions(), embed=bag_embed)


class KeywordGrader:
    """Deterministic grader: a key point is covered when most of its long words appear.

    Mimics the real graders' guards (empty, idk, off_topic, injection) and records its calls.
    """

    name = "offline"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str] | None]] = []

    def grade(self, question: Question, answer: str, *, criteria: list[str] | None = None) -> Grade:
        self.calls.append((question.id, answer, criteria))
        points = criteria if criteria is not None else list(question.criteria)
        words = _words(answer)
        flags = []
        if not answer.strip():
            flags.append("empty")
        elif re.search(r"\b(don'?t know|no idea)\b", answer.lower()):
            flags.append("idk")
        elif re.search(r"ignore (the|all|previous)|give (this|me) 5", answer.lower()):
            flags.append("injection")
        verdicts = []
        for p in points:
            pw = _words(p)
            hit = len(pw & words) / max(1, len(pw))
            verdict = (
                Verdict.covered if hit >= 0.5 else Verdict.partly if hit >= 0.25 else Verdict.missed
            )
            if flags:
                verdict = Verdict.missed
            verdicts.append(KeyPointVerdict(key_point=p, verdict=verdict))
        if not flags and not (words & (_words(question.text) | _words(" ".join(points)))):
            flags.append("off_topic")
            verdicts = [KeyPointVerdict(key_point=p, verdict=Verdict.missed) for p in points]
        credit = {Verdict.covered: 1.0, Verdict.partly: 0.5}
        score = 5 * sum(credit.get(v.verdict, 0.0) for v in verdicts) / max(1, len(verdicts))
        if flags:
            score = min(score, 1.0)
        return Grade(
            score=score,
            verdicts=verdicts,
            feedback="Keyword grade." if not flags else f"Capped: {', '.join(flags)}.",
            reference_id=question.id,
            reference_origin=question.reference.origin,
            grader=self.name,
            flags=flags,
        )


class ScriptedGrader:
    """Returns queued grades in order (and records calls); for exact state-machine tests."""

    def __init__(self, grades: list[Grade], name: str = "offline") -> None:
        self.grades = list(grades)
        self.name = name
        self.calls: list[tuple[str, str, list[str] | None]] = []

    def grade(self, question: Question, answer: str, *, criteria: list[str] | None = None) -> Grade:
        self.calls.append((question.id, answer, criteria))
        return self.grades.pop(0)


def answer_for(question: Question, n_points: int | None = None) -> str:
    """An answer that covers the first n key points (all by default) for KeywordGrader."""
    points = question.criteria[: n_points if n_points is not None else len(question.criteria)]
    return " ".join(points) if points else "Something about " + question.text
