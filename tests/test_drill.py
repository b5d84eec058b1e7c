"""Drilling rules: authored probes, contradicted points first and named, no loops, credit that
moves, feedback in the candidate's words, retry and re-drill. Scripted grades, real engine."""

from __future__ import annotations

import pytest

from interviewer.agent import drill
from interviewer.agent.config import Mode, SessionConfig
from interviewer.agent.engine import InterviewEngine, SetupError
from interviewer.agent.phrasing import MessageKind, template_follow_up
from interviewer.agent.state import QuestionRecord
from interviewer.models import (
    Difficulty,
    Grade,
    KeyPointVerdict,
    Question,
    ReferenceAnswer,
    Verdict,
)
from interviewer.source import InMemorySource
from interviewer.store import SessionStore

POINTS = [
    "One-hot encoding suits nominal categories; ordinal encoding suits ordered categories.",
    "Label-encoding a nominal variable misleads linear and distance-based models.",
    "High cardinality makes one-hot encoding wide and sparse.",
]
PROBES = [
    ["What happens to a linear model if you label-encode a colour column?"],
    ["Why might a k-NN model behave oddly on integer-coded city names?"],
    ["How would you encode a column with 10,000 distinct values?"],
]
QUESTION = Question.create(
    "When would you use one-hot encoding versus label or ordinal encoding?",
    "drill.md",
    category="Feature Engineering",
    line=1,
    reference=ReferenceAnswer(text="One-hot for nominal ...", key_points=POINTS, probes=PROBES),
)
WRONG = (
    "One-hot encoding is for ordinal variables where the order matters, like small, medium, "
    "large, and label encoding is for nominal categories like colours."
)


class ScriptedGrader:
    """Returns queued verdict maps (point index -> (verdict, evidence)); records calls."""

    name = "offline"

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def grade(self, question, answer, *, criteria=None):
        self.calls.append((answer, criteria))
        points = criteria or question.criteria
        plan = self.script.pop(0)
        verdicts = []
        for i, p in enumerate(points):
            v, ev = plan.get(i, (Verdict.missed, None))
            verdicts.append(KeyPointVerdict(key_point=p, verdict=v, evidence=ev))
        credit = sum({"covered": 1, "partly": 0.5}.get(v.verdict.value, 0) for v in verdicts)
        return Grade(score=round(5 * credit / len(points), 1), verdicts=verdicts)


def session_with(tmp_path, script, **cfg):
    grader = ScriptedGrader(script)
    engine = InterviewEngine(
        source=InMemorySource([QUESTION]),
        grader=grader,
        store=SessionStore(tmp_path / "s.sqlite3"),
    )
    config = SessionConfig(questions=1, **({"follow_ups": 2} | cfg))
    return engine, engine.start(config), grader


def follow_up_texts(result):
    return [m.text for m in result.messages if m.kind is MessageKind.follow_up]


def test_a_contradicted_point_is_drilled_first_and_the_claim_is_named(tmp_path):
    _, session, _ = session_with(
        tmp_path,
        [{0: (Verdict.contradicted, WRONG), 2: (Verdict.covered, "it gets very wide")}],
    )
    (text,) = follow_up_texts(session.submit(WRONG))
    assert text.startswith('You said "one-hot encoding is for ordinal variables')
    assert text.endswith(PROBES[0][0])
    assert POINTS[0] not in text  # the probe asks; it does not give the point away


def test_missed_points_get_their_authored_probe_in_importance_order(tmp_path):
    _, session, _ = session_with(
        tmp_path, [{0: (Verdict.covered, "x")}, {0: (Verdict.partly, "some of it")}, {}]
    )
    first = follow_up_texts(session.submit("a first answer"))
    assert first == [PROBES[1][0]]
    second = follow_up_texts(session.submit("a follow-up answer"))
    assert second == [PROBES[2][0]]  # the next point, never the same one twice
    assert session.state.records[0].follow_ups[0].key_point != (
        session.state.records[0].follow_ups[1].key_point
    )


def test_follow_ups_stop_at_the_budget_and_i_dont_know_moves_on(tmp_path):
    _, session, grader = session_with(tmp_path, [{0: (Verdict.covered, "x")}], follow_ups=2)
    assert follow_up_texts(session.submit("one good point"))
    result = session.submit("I don't know")
    assert not follow_up_texts(result)
    assert session.state.done and len(grader.calls) == 1


def test_a_follow_up_answer_that_covers_its_point_moves_it_and_raises_the_score(tmp_path):
    _, session, grader = session_with(
        tmp_path,
        [
            {0: (Verdict.covered, "one-hot for nominal"), 2: (Verdict.covered, "wide")},
            {0: (Verdict.covered, "the model reads an order that is not there")},
        ],
        follow_ups=1,
    )
    session.submit("first")
    assert grader.calls[-1][1] is None
    session.submit("the model reads an order that is not there")
    assert grader.calls[-1][1] == [POINTS[1]]  # graded against the targeted point only
    rec = session.state.records[0]
    assert rec.score > rec.raw_score
    statuses = {fb.key_point: fb.status for fb in drill.point_feedback(rec)}
    assert statuses[POINTS[1]] is drill.PointStatus.covered_later


def test_feedback_quotes_the_candidate_and_gives_the_probe_for_open_points(tmp_path):
    _, session, _ = session_with(
        tmp_path,
        [{0: (Verdict.contradicted, WRONG), 2: (Verdict.covered, "it gets very wide")}],
        follow_ups=0,
    )
    result = session.submit(WRONG)
    feedback = "\n".join(m.text for m in result.messages if m.kind is MessageKind.feedback)
    assert (
        'Covered: High cardinality makes one-hot encoding wide and sparse. You said: "it gets'
        in feedback
    )
    assert f'You said "{WRONG}", but: {POINTS[0]}' in feedback
    assert f"Missed: {POINTS[1]} Practise: {PROBES[1][0]}" in feedback


def test_retry_is_a_fresh_attempt_stored_as_its_own_turn(tmp_path):
    engine, session, _ = session_with(
        tmp_path, [{}, {0: (Verdict.covered, "a"), 1: (Verdict.covered, "b")}], follow_ups=0
    )
    session.submit("weak")
    assert session.state.done
    result = session.submit("try again")
    assert "try that one again" in "\n".join(m.text for m in result.messages)
    session.submit("better")
    first, again = session.state.records
    assert again.retry_of == 0 and again.question_id == first.question_id
    assert again.score > first.score
    kinds = [t.kind for t in engine.store.turns(session.id)]
    assert kinds == ["answer", "retry", "answer"]
    # The report's overall score counts first attempts only.
    from interviewer.agent.replies import overall_score

    assert overall_score(session.state.records) == first.score


def test_retry_is_refused_in_interview_mode(tmp_path):
    _, session, _ = session_with(tmp_path, [{}], follow_ups=0, mode=Mode.interview)
    session.submit("an answer")
    result = session.submit("/retry")
    assert not result.saved and "practice mode" in result.messages[0].text


def test_redrill_asks_the_probes_of_the_points_a_session_left_open(tmp_path):
    engine, session, _ = session_with(tmp_path, [{0: (Verdict.covered, "x")}], follow_ups=0)
    session.submit("first")
    questions = engine.redrill_questions(session.id)
    assert [q.reference.key_points for q in questions] == [[POINTS[1]], [POINTS[2]]]
    assert questions[0].text.startswith(PROBES[1][0])
    engine.grader.script = [{0: (Verdict.covered, "ordered integers mislead it")}, {}]
    redrill = engine.start(SessionConfig(questions=2, follow_ups=0, redrill_of=session.id))
    assert redrill.state.records[0].text.startswith(PROBES[1][0])
    redrill.submit("ordered integers mislead it")
    assert redrill.state.records[0].score == 5.0


def test_nothing_to_redrill_is_a_clear_error(tmp_path):
    engine, session, _ = session_with(
        tmp_path,
        [{0: (Verdict.covered, "a"), 1: (Verdict.covered, "b"), 2: (Verdict.covered, "c")}],
        follow_ups=0,
    )
    session.submit("perfect")
    with pytest.raises(SetupError, match="Nothing to re-drill"):
        engine.start(SessionConfig(questions=1, redrill_of=session.id))


# -- offline templates, for banks without probes ------------------------------------------------


@pytest.mark.parametrize(
    ("question", "point", "expected"),
    [
        (
            "When would you use one-hot encoding versus label or ordinal encoding for "
            "categorical variables?",
            "Label-encoding a nominal variable misleads linear and distance-based models but is "
            "usually fine for trees.",
            "What happens if you use label-encoding with distance-based models?",
        ),
        (
            "What are common formats for saving and serving a trained model, and what are their "
            "trade-offs?",
            "ONNX is a framework-neutral format that runs in optimised runtimes across languages.",
            "How does ONNX relate to optimised runtimes in practice?",
        ),
        (
            "What is stationarity in a time series, how do you test for it, and how do you make "
            "a series stationary?",
            "Many classical models such as ARMA assume stationarity, and non-stationary data can "
            "produce spurious correlations.",
            "What's the connection between classical models and spurious correlations here?",
        ),
    ],
)
def test_templates_read_as_an_interviewer_would_ask(question, point, expected):
    rec = QuestionRecord(
        question_id="q",
        text=question,
        category="c",
        difficulty=Difficulty.easy,
        asked_at=0,
        criteria=[point],
    )
    text = template_follow_up(rec, point)
    assert text == expected
    assert "didn't mention" not in text and "fit together" not in text
