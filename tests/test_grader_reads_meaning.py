"""The three turns from the grader issue, graded by the real offline grader on the bundled bank.

1. A strong transfer-learning answer that says "a new task" is graded as strong, with no
   injection flag.
2. A one-hot answer that states the key relationship backwards scores low, with the two
   swapped key points contradicted and the candidate's own sentence quoted.
3. A follow-up answer that explains what the first answer left open about ONNX moves that
   point to covered and raises the question's score.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.agent import drill
from interviewer.agent.config import SessionConfig
from interviewer.agent.engine import InterviewEngine
from interviewer.models import Verdict
from interviewer.source import InMemorySource
from interviewer.store import SessionStore

pytestmark = pytest.mark.slow
BANK = Path(__file__).resolve().parent.parent / "bank"

TRANSFER = (
    "Transfer learning means taking a model pretrained on a large dataset, like ImageNet or a big "
    "text corpus, and reusing its weights for a new task. It works because the early layers learn "
    "general features like edges, textures or syntax that carry over between tasks. If you only "
    "have a little labelled data you freeze the pretrained backbone and just train a new head; "
    "with more data you fine-tune more of the layers with a small learning rate. You reach for it "
    "whenever labelled data or compute is limited and a related pretrained model exists. The catch "
    "is that if the source and target domains are very different it can hurt, which is called "
    "negative transfer, and you have to preprocess inputs the way the original model expects."
)
ONE_HOT_BACKWARDS = (
    "One-hot encoding is for ordinal variables where the order matters, like small, medium, "
    "large, and label encoding is for nominal categories like colours."
)
FORMATS_FIRST = (
    "For scikit-learn people usually pickle the model with joblib, which is easy but breaks across "
    "library versions and is unsafe to load from untrusted files. TensorFlow has SavedModel and "
    "PyTorch has TorchScript for their own serving stacks. ONNX is framework-neutral and runs in "
    "ONNX Runtime."
)
FORMATS_FOLLOW_UP = (
    "I'd export the PyTorch model to ONNX once. The exported ONNX graph is framework-neutral, so "
    "the C++ service loads it with an optimised runtime such as ONNX Runtime or TensorRT, with no "
    "PyTorch installed, and the runtime applies graph optimisations for speed."
)


@pytest.fixture(scope="module")
def grader():
    from interviewer.grading.offline import OfflineGrader

    g = OfflineGrader()
    g.warm_up()
    return g


def bank_question(start: str):
    from ingest import parse_file

    for path in sorted(BANK.glob("*.md")):
        for q in parse_file(path):
            if q.text.startswith(start):
                return q
    raise AssertionError(f"no bank question starts with {start!r}")


def test_a_strong_answer_that_says_new_task_is_strong_and_not_an_injection(grader):
    q = bank_question("What is transfer learning")
    grade = grader.grade(q, TRANSFER)
    assert "injection" not in grade.flags and "instructions" not in grade.feedback
    assert grade.score >= 4.0, grade
    assert sum(v.verdict is Verdict.covered for v in grade.verdicts) >= 4


def test_a_backwards_answer_with_the_right_words_scores_low_and_is_told_why(grader):
    q = bank_question("When would you use one-hot encoding")
    grade = grader.grade(q, ONE_HOT_BACKWARDS)
    assert grade.score <= 1.5, grade
    ordinal, one_hot = grade.verdicts[0], grade.verdicts[1]
    assert ordinal.verdict is not Verdict.covered and one_hot.verdict is not Verdict.covered
    contradicted = [v for v in grade.verdicts if v.verdict is Verdict.contradicted]
    assert contradicted, grade.verdicts
    # The grade quotes the candidate's own sentence and says what is right instead.
    assert all(v.evidence and v.evidence in ONE_HOT_BACKWARDS for v in contradicted)
    assert f'You said "{contradicted[0].evidence}", but: {contradicted[0].key_point}' in (
        grade.feedback
    )


def test_a_follow_up_that_explains_the_missing_part_moves_the_point_and_the_score(grader, tmp_path):
    q = bank_question("What are common formats for saving and serving")
    onnx = next(p for p in q.reference.key_points if p.startswith("ONNX"))
    engine = InterviewEngine(
        source=InMemorySource([q]), grader=grader, store=SessionStore(tmp_path / "s.sqlite3")
    )
    session = engine.start(SessionConfig(questions=1, follow_ups=3))
    session.submit(FORMATS_FIRST)
    rec = session.state.records[0]
    first = drill.verdict_for(rec.grade, onnx)
    assert first is not None
    for _ in range(3):
        fu = session.state.pending_follow_up
        if fu is None:
            break
        session.submit(FORMATS_FOLLOW_UP if fu.key_point == onnx else "I don't know")
    rec = session.state.records[0]
    status = {fb.key_point: fb.status for fb in drill.point_feedback(rec)}[onnx]
    if first.verdict is Verdict.covered:
        assert status is drill.PointStatus.covered  # nothing to drill: it was already there
    else:
        # It was asked about, the answer stated it, and the score moved by the report's rule.
        assert any(f.key_point == onnx for f in rec.follow_ups)
        assert status is drill.PointStatus.covered_later
        assert rec.score > rec.raw_score


RESTYLED = Path(__file__).resolve().parent.parent / "eval" / "data" / "answers" / "dev_restyled.csv"


_KNOWN_MISSES = {
    ("dp041", "bullets"): pytest.mark.xfail(
        strict=True,
        reason="a lead-in ('Imputation:') carried onto a wrong item makes it read like the key "
        "point: 3.0 since list items carry their lead-ins (eval/README.md, Misses)",
    ),
    ("dp078", "bullets"): pytest.mark.xfail(
        strict=True,
        reason="the third-epoch model (2026-12-07) reads 'evaluates features one at a time ... "
        "takes the first split' as the greedy-split point: 1.8, the previous model <= 1.5 "
        "(eval/README.md, Misses)",
    ),
}


@pytest.mark.parametrize(
    ("source", "style"),
    [
        pytest.param(source, style, marks=_KNOWN_MISSES[(source, style)])
        if (source, style) in _KNOWN_MISSES
        else (source, style)
        for source in ("dp041", "dp078", "dp120")
        for style in ("bullets", "spoken", "typed_fast")
    ],
)
def test_a_wrong_answer_scores_low_whatever_its_style(grader, source, style):
    """Dev answers that use the right words for wrong claims, rewritten (by a helper who never
    saw the grader) as bullet notes, as speech with fillers and as fast lower-case typing. Before
    the entailment model read fragments in canonical form and lower-case sentence ends split,
    such rewrites of wrong answers averaged 2.6-4.2 of 5 (0.5 in prose)."""
    import csv

    with RESTYLED.open(newline="", encoding="utf-8") as fh:
        (row,) = [
            r for r in csv.DictReader(fh) if r["source_answer_id"] == source and r["style"] == style
        ]
    assert row["kind"] == "wrong_vocab" and float(row["human_score"]) <= 0.5
    grade = grader.grade(bank_question(row["question"]), row["student_answer"])
    assert grade.score <= 1.5, grade.score
