"""The engine with the real OfflineGrader (loads the embedding model: marked slow)."""

from __future__ import annotations

import pytest

from interviewer.agent.config import DifficultySetting, SessionConfig
from interviewer.agent.engine import InterviewEngine
from interviewer.agent.phrasing import MessageKind
from interviewer.store import SessionStore
from tests.agent_fakes import sample_source

pytestmark = pytest.mark.slow

GOOD = (
    "Bagging trains many learners independently on bootstrap samples and averages their "
    "predictions, which mainly reduces variance. Boosting trains learners sequentially, each "
    "one focusing on the errors of the previous ones, which mainly reduces bias. Random "
    "forests are the classic bagging method and gradient boosting the classic boosting one."
)
# Covers the bagging point only. (An earlier wording, "... and averages them, so the variance
# goes down.", sits at the entailment model's edge: P(entail) 0.21 alone, 0.31 when its pair
# shared an int8 batch with others. Since pairs run alone it reads as missed; eval/README.md
# lists this weakness with paraphrases of a point.)
PARTIAL = (
    "In bagging you train the models independently on bootstrap samples and average them. "
    "That mainly reduces variance."
)


@pytest.fixture(scope="module")
def grader():
    grading = pytest.importorskip("interviewer.grading.offline")
    g = grading.OfflineGrader()
    g.warm_up()
    return g


def run_one(tmp_path, grader, answers, **cfg):
    engine = InterviewEngine(
        source=sample_source(), grader=grader, store=SessionStore(tmp_path / "s.sqlite3")
    )
    session = engine.start(
        SessionConfig(
            categories=["Core ML"], difficulty=DifficultySetting.medium, questions=1, **cfg
        )
    )
    results = [session.submit(a) for a in answers if not session.state.done]
    return session, results


def test_strong_answer_scores_high_and_gets_no_follow_up(tmp_path, grader):
    session, results = run_one(tmp_path, grader, [GOOD], follow_ups=1)
    assert results[0].grade.grader == "offline"
    assert session.state.records[0].score >= 3.5
    assert results[0].done


def test_partial_answer_gets_a_follow_up_graded_on_one_key_point(tmp_path, grader):
    session, results = run_one(
        tmp_path,
        grader,
        [
            PARTIAL,
            "Boosting fits the learners one after another on the previous errors, "
            "and that mostly lowers the bias.",
        ],
        follow_ups=1,
    )
    first = results[0]
    assert first.messages[-1].kind is MessageKind.follow_up
    follow_up = session.state.records[0].follow_ups[0]
    assert follow_up.grade is not None
    assert [v.key_point for v in follow_up.grade.verdicts] == [follow_up.key_point]
    rec = session.state.records[0]
    assert rec.score >= rec.raw_score


def test_non_answers_are_capped_and_not_followed_up(tmp_path, grader):
    for answer in ("asdf qwer zxcv", "I like cooking pasta with fresh tomatoes and basil."):
        session, _results = run_one(tmp_path / answer[:4], grader, [answer], follow_ups=2)
        assert session.state.records[0].score <= 1.0
        assert not session.state.records[0].follow_ups
