"""Vagueness: fluent waffle that names the topic earns nothing, and specific answers are never
read as waffle (however plain their words or general their opening sentence)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.fit_vagueness import SentenceRows, per_answer
from interviewer.grading import guards
from interviewer.grading.calibration import logit
from interviewer.grading.scoring import FEATURES, load_scoring
from interviewer.grading.vagueness import (
    EMPTY,
    FLOOR,
    VAGUE_CUT,
    VaguenessError,
    VaguenessModel,
    load_vagueness,
    sentence_inputs,
    vague_logit,
)
from interviewer.models import Verdict

BANK = Path(__file__).resolve().parent.parent / "bank"
TRANSFER_Q = "What is transfer learning, and when should you use it?"
WAFFLE = (
    "Transfer learning is a really important idea in modern machine learning and it comes up "
    "everywhere. It can make a big difference depending on the situation, and there are "
    "trade-offs to consider. In practice I'd look at the problem and the data first and decide "
    "what makes sense for the business. Used well, it's a powerful tool."
)
# Specific answers, several with a general sentence or plain words: none may read as vague.
SPECIFIC = [
    "Great question. Transfer learning reuses a model pretrained on a big dataset such as "
    "ImageNet: you keep its weights, replace the last layer and fine-tune on your small dataset.",
    "You borrow what a network already learnt from millions of photos, like spotting edges and "
    "shapes, and only teach it the last step for your own few hundred pictures. It's a big deal "
    "in practice.",
    "Use it when you have little labelled data and a related pretrained model exists; skip it "
    "when the source and target domains differ so much that it hurts (negative transfer).",
    "Freeze the backbone and train a new head when data is scarce; with more data unfreeze more "
    "layers and use a small learning rate so the pretrained features are not wiped out.",
]


def _model(coef: np.ndarray, intercept: float = 0.0) -> VaguenessModel:
    """A network whose logit is coef @ inputs + intercept (two ReLU units per input: x = relu(x)
    - relu(-x))."""
    n = len(coef)
    hidden = np.hstack([np.eye(n), -np.eye(n)])
    return VaguenessModel(hidden, np.zeros(2 * n), np.concatenate([coef, -coef]), intercept)


def test_inputs_are_the_sentence_vectors_and_their_cosine_with_the_question() -> None:
    q = np.array([1.0, 0.0])
    x = sentence_inputs(np.array([[1.0, 0.0], [0.6, 0.8]]), q)
    assert x.shape == (2, 3)
    assert x[:, 2].tolist() == pytest.approx([1.0, 0.6])


def test_an_answer_is_as_vague_as_its_most_specific_sentence() -> None:
    model = _model(np.array([4.0, 0.0, 0.0]))  # the first vector component is "vagueness"
    sentences = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    per = model.sentence_vagueness(sentences, np.array([0.0, 1.0]))
    assert per[0] > 0.9 and per[1] < 0.1 and per[2] == pytest.approx(0.5)
    assert model.answer_vagueness(sentences, np.array([0.0, 1.0])) == pytest.approx(per.min())
    assert model.answer_vagueness(np.zeros((0, 2)), np.array([0.0, 1.0])) == EMPTY


def test_the_score_input_is_floored_so_specific_answers_are_not_ranked_by_style() -> None:
    assert vague_logit(1e-6) == vague_logit(FLOOR) == pytest.approx(logit(FLOOR))
    assert vague_logit(0.9) > vague_logit(0.5) > vague_logit(FLOOR)
    assert np.isfinite(vague_logit(1.0))


def test_the_model_file_round_trips_and_a_broken_one_names_the_fix(tmp_path: Path) -> None:
    model = _model(np.array([1.0, -2.0, 0.5]), 0.25)
    path = tmp_path / "vagueness.json"
    path.write_text(json.dumps(model.to_json()))
    again = load_vagueness(path)
    x = np.array([[0.3, 0.4]])
    q = np.array([1.0, 0.0])
    assert again.sentence_vagueness(x, q) == pytest.approx(model.sentence_vagueness(x, q))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1}')
    with pytest.raises(VaguenessError, match=r"malformed.*eval\.fit_vagueness"):
        load_vagueness(broken)
    bad = model.to_json()
    bad["output_weights"] = bad["output_weights"][:-1]
    mismatched = tmp_path / "mismatched.json"
    mismatched.write_text(json.dumps(bad))
    with pytest.raises(VaguenessError, match="shapes"):
        load_vagueness(mismatched)
    with pytest.raises(VaguenessError, match="missing"):
        load_vagueness(tmp_path / "absent.json")


def test_the_out_of_fold_answer_figure_is_the_minimum_and_empty_answers_are_vague() -> None:
    rows = SentenceRows(
        x=np.zeros((3, 2)), y=np.zeros(3), answer=np.array([0, 0, 2]), group=["a"] * 3, digest=""
    )
    out = per_answer(rows, np.array([0.8, 0.3, 0.6]), 3)
    assert out.tolist() == pytest.approx([0.3, 1.0, 0.6])


def test_the_shipped_file_says_what_made_it() -> None:
    prov = load_vagueness().provenance
    assert prov["fitted_by"] == "python -m eval.fit_vagueness"
    assert len(prov["data_sha256"]) == 64 and "seed" in prov


def test_vagueness_only_ever_takes_credit_away_and_only_in_the_multi_model() -> None:
    scoring = load_scoring()
    i = FEATURES.index("vague_logit")
    assert scoring.single.coef[i] == 0.0
    multi = scoring.multi
    assert multi.coef[i] < 0.0 and multi.scale[i] == 1.0
    assert multi.mean[i] == pytest.approx(vague_logit(0.0))  # zero weight at the floor
    x = np.zeros(len(FEATURES))
    x[i] = vague_logit(0.0)
    specific = scoring.score(x, single=False)
    for v in (0.0, FLOOR, 0.3, 0.6, 0.99):
        x[i] = vague_logit(v)
        assert scoring.score(x, single=False) <= specific + 1e-12


def test_fit_penalty_finds_a_penalty_and_never_a_reward() -> None:
    from eval.fit_scoring import fit_penalty

    h = np.array([0.0, 0.0, 3.0, 3.0])
    assert fit_penalty(np.zeros(4), h, np.array([0.5, 0.5, 0.05, 0.05])) < -0.5
    # Vague answers graded higher than specific ones: the best b <= 0 is (about) 0.
    assert fit_penalty(np.zeros(4), h, np.array([0.2, 0.2, 0.9, 0.9])) > -1e-3


@pytest.mark.slow
class TestRealGrader:
    @pytest.fixture(scope="class")
    def grader(self):
        from interviewer.grading.offline import OfflineGrader

        g = OfflineGrader()
        g.warm_up()
        return g

    @pytest.fixture(scope="class")
    def question(self):
        from eval.interview_eval import BankIndex

        q = BankIndex.from_paths([BANK]).find(TRANSFER_Q)
        assert q is not None
        return q

    def test_waffle_that_names_the_topic_earns_nothing(self, grader, question) -> None:
        grade = grader.grade(question, WAFFLE)
        assert guards.VAGUE in grade.flags
        assert grade.score <= 1.0
        assert not any(v.verdict is Verdict.covered for v in grade.verdicts)
        # A general sentence is not quoted as evidence that a point was made.
        assert all(v.evidence is None for v in grade.verdicts if v.verdict is Verdict.partly)
        assert "never says what happens" in grade.feedback

    @pytest.mark.parametrize("answer", SPECIFIC)
    def test_specific_answers_are_not_vague(self, grader, question, answer) -> None:
        from interviewer.grading.offline import OfflineGrader

        assert isinstance(grader, OfflineGrader)
        text, _ = grader._clean(answer)
        encoded = grader.encoder.encode(text)
        qv = grader.encoder.encode(question.text).vector
        assert grader.vagueness.answer_vagueness(encoded.sentence_vectors, qv) < VAGUE_CUT
        assert guards.VAGUE not in grader.grade(question, answer).flags

    def test_a_specific_answer_outscores_the_waffle(self, grader, question) -> None:
        assert grader.grade(question, SPECIFIC[0]).score > grader.grade(question, WAFFLE).score + 1


def test_the_written_sentences_parse_and_a_bad_label_names_its_line(tmp_path: Path) -> None:
    from eval.fit_vagueness import read_labelled_sentences

    rows = read_labelled_sentences()
    assert len(rows) == 1120
    by_question: dict[str, set[str]] = {}
    for r in rows:
        by_question.setdefault(r["question"], set()).add(r["label"])
    assert len(by_question) == 70 and all(v == {"vague", "specific"} for v in by_question.values())
    (tmp_path / "x.jsonl").write_text('{"question": "q", "text": "t", "label": "maybe"}\n')
    with pytest.raises(ValueError, match=r"x\.jsonl:1: label 'maybe'"):
        read_labelled_sentences(tmp_path)
