"""The pure interview state machine: no I/O, every transition checked on its own."""

from __future__ import annotations

from typing import Any

import pytest

from interviewer.agent import state as sm
from interviewer.agent.config import DifficultySetting, SessionConfig
from interviewer.models import Difficulty, Grade, KeyPointVerdict, Verdict
from tests.agent_fakes import sample_questions

QS = [q for q in sample_questions() if q.gradable]
BAGGING = QS[0]  # three key points, most important first
KP = BAGGING.criteria


def grade(*verdicts: str, score: float | None = None, flags=(), points=None) -> Grade:
    points = points or KP
    credit = {"covered": 1.0, "partly": 0.5}
    vs = [
        KeyPointVerdict(key_point=p, verdict=Verdict(v))
        for p, v in zip(points, verdicts, strict=False)
    ]
    if score is None:
        score = 5 * sum(credit.get(v, 0.0) for v in verdicts) / len(verdicts)
    return Grade(score=score, verdicts=vs, flags=list(flags))


def writer(kp: str) -> str:
    return f"FOLLOW-UP about #{KP.index(kp) if kp in KP else -1}"


def started(follow_ups=2, questions=3, **cfg) -> sm.SessionState:
    s = sm.new_session(SessionConfig(questions=questions, follow_ups=follow_ups, **cfg), questions)
    s, events = sm.ask(s, BAGGING, now=100.0)
    assert [e.kind for e in events] == [sm.EventKind.asked]
    return s


def first_answer(
    *verdicts: str, text: str = "a", follow_ups: int = 2, **grade_options: Any
) -> tuple[sm.SessionState, list[sm.Event]]:
    """A started session (see `started`) after its first answer, graded with `verdicts`."""
    s = started(follow_ups=follow_ups)
    return sm.answer(s, text, grade(*verdicts, **grade_options), now=1, write_follow_up=writer)


def test_ask_puts_question_out_and_records_it():
    s = started()
    assert s.phase is sm.Phase.asking
    assert s.current.question_id == BAGGING.id
    assert s.current.criteria == KP
    assert s.criteria_for_answer() is None  # the first answer is graded on every key point


def test_transitions_do_not_mutate_their_input():
    s = started()
    before = s.model_dump_json()
    sm.answer(s, "x", grade("covered", "missed", "missed"), now=1, write_follow_up=writer)
    sm.hint(s, key_point_hint=lambda kp: "h")
    sm.skip(s)
    sm.finish(s, "ended")
    assert s.model_dump_json() == before


def test_follow_up_targets_most_important_missed_point():
    s, events = first_answer("covered", "missed", "missed", text="answer")
    assert s.phase is sm.Phase.following_up
    assert [e.kind for e in events] == [sm.EventKind.graded, sm.EventKind.follow_up]
    assert events[1].key_point == KP[1]
    assert events[1].text == "FOLLOW-UP about #1"
    # The follow-up's answer is graded against that key point only.
    assert s.criteria_for_answer() == [KP[1]]


def test_partly_covered_points_are_followed_up_in_importance_order():
    _, events = first_answer("partly", "covered", "missed")
    assert events[-1].key_point == KP[0]


def test_no_follow_up_when_everything_covered():
    s, events = first_answer("covered", "covered", "covered")
    assert s.phase is sm.Phase.choosing
    assert [e.kind for e in events] == [sm.EventKind.graded, sm.EventKind.closed]
    assert s.records[0].score == 5.0


@pytest.mark.parametrize("flag", ["empty", "idk", "off_topic", "gibberish", "injection"])
def test_no_follow_up_when_answer_did_not_engage(flag):
    s, events = first_answer("missed", "missed", "missed", flags=[flag])
    assert s.phase is sm.Phase.choosing
    assert sm.EventKind.follow_up not in [e.kind for e in events]


def test_no_follow_up_when_answer_earned_nothing():
    # Off topic in substance even if no guard fired: nothing covered and a score below 1.
    s, _ = first_answer("missed", "missed", "missed", score=0.2)
    assert s.phase is sm.Phase.choosing
    s, _events = first_answer("missed", "missed", "missed", score=1.4)
    assert s.phase is sm.Phase.following_up


def test_no_follow_up_when_budget_is_zero():
    s, _events = first_answer("missed", "missed", "missed", follow_ups=0)
    assert s.phase is sm.Phase.choosing


def test_follow_up_budget_and_no_repeated_follow_up():
    s, _ = first_answer("covered", "missed", "missed", follow_ups=3)
    targeted = [s.pending_follow_up.key_point]
    # The follow-up answer is still only partly there: the next follow-up moves on to the
    # NEXT missed point instead of asking the same thing again.
    s, events = sm.answer(s, "b", grade("partly", points=[KP[1]]), now=2, write_follow_up=writer)
    assert events[-1].kind is sm.EventKind.follow_up
    targeted.append(events[-1].key_point)
    s, events = sm.answer(s, "c", grade("partly", points=[KP[2]]), now=3, write_follow_up=writer)
    # Both missed points were asked about once: nothing left to ask, although budget remains.
    assert targeted == [KP[1], KP[2]]
    assert s.phase is sm.Phase.choosing
    assert len(s.records[0].follow_ups) == 2


@pytest.mark.parametrize(
    ("follow_ups", "first", "reply", "second"),
    [
        pytest.param(
            3,
            grade("covered", "missed", "missed"),
            "b",
            grade("missed", points=[KP[1]]),
            id="after_a_follow_up_answer_that_earned_nothing",
        ),
        pytest.param(
            1,
            grade("missed", "missed", "missed", score=1.2),
            "b",
            grade("missed", points=[KP[0]]),
            id="when_the_follow_up_budget_is_spent",
        ),
        pytest.param(
            3,
            grade("missed", "missed", "missed", score=1.2),
            "no idea",
            grade("missed", points=[KP[0]], flags=["idk"]),
            id="when_the_follow_up_answer_is_idk",
        ),
    ],
)
def test_no_further_follow_up(follow_ups, first, reply, second):
    s = started(follow_ups=follow_ups)
    s, _ = sm.answer(s, "a", first, now=1, write_follow_up=writer)
    s, _events = sm.answer(s, reply, second, now=2, write_follow_up=writer)
    assert s.phase is sm.Phase.choosing
    assert len(s.records[0].follow_ups) == 1


def test_llm_proposed_target_is_used_only_if_it_is_missed():
    s = started()
    _s2, ev = sm.answer(
        s,
        "a",
        grade("covered", "missed", "missed"),
        now=1,
        write_follow_up=writer,
        proposed_key_point=KP[2],
    )
    assert ev[-1].key_point == KP[2]
    _s3, ev = sm.answer(
        s,
        "a",
        grade("covered", "missed", "missed"),
        now=1,
        write_follow_up=writer,
        proposed_key_point=KP[0],  # covered: not a valid target
    )
    assert ev[-1].key_point == KP[1]


def test_follow_up_folds_into_question_score():
    s = started(follow_ups=1)
    # First answer: 1 of 3 covered -> 1.7 (the grader's score); KP[1] missed.
    s, _ = sm.answer(s, "a", grade("covered", "missed", "missed"), now=1, write_follow_up=writer)
    s, events = sm.answer(s, "b", grade("covered", points=[KP[1]]), now=2, write_follow_up=writer)
    rec = s.records[0]
    # Recovers half of KP[1]'s share: 0.5 * 1.0 * 5/3 = 0.83.
    assert rec.follow_ups[0].recovered == pytest.approx(5 / 6)
    assert rec.score == pytest.approx(round(5 / 3 + 5 / 6, 1))
    closed = next(e for e in events if e.kind is sm.EventKind.closed)
    assert closed.score == rec.score


def test_hint_costs_points_and_grade_shows_penalty():
    s = started()
    s, events = sm.hint(s, key_point_hint=lambda kp: f"HINT {KP.index(kp)}")
    assert events[0].kind is sm.EventKind.hint
    assert events[0].key_point == KP[0]
    assert events[0].penalty == pytest.approx(0.83, abs=0.01)
    s, events = sm.hint(s, key_point_hint=lambda kp: f"HINT {KP.index(kp)}")
    assert events[0].key_point == KP[1]  # a second hint nudges towards the next point
    s, events = sm.answer(
        s, "a", grade("covered", "covered", "covered"), now=1, write_follow_up=writer
    )
    g = events[0].grade
    assert g.hint_penalty == pytest.approx(1.66, abs=0.01)
    assert g.score == pytest.approx(5 - 1.66, abs=0.05)
    assert s.records[0].score == pytest.approx(3.3, abs=0.05)


def test_hints_run_out():
    s = started()
    for _ in KP:
        s, events = sm.hint(s, key_point_hint=lambda kp: "h")
        assert events[0].kind is sm.EventKind.hint
    penalty = s.current.hint_penalty
    s, events = sm.hint(s, key_point_hint=lambda kp: "h")
    assert events[0].kind is sm.EventKind.no_hint
    assert s.current.hint_penalty == penalty


def test_hint_during_follow_up_points_at_its_target():
    s, _ = first_answer("covered", "missed", "missed")
    s, events = sm.hint(s, key_point_hint=lambda kp: kp)
    assert events[0].key_point == KP[1]


def test_idk_scores_zero_without_grader():
    s = started()
    s, _events = sm.dont_know(s)
    rec = s.records[0]
    assert rec.outcome is sm.Outcome.idk
    assert rec.score == 0.0
    assert rec.grade.flags == ["idk"]
    assert [v.verdict for v in rec.grade.verdicts] == [Verdict.missed] * 3


def test_skip_scores_zero_and_moves_on():
    s = started()
    s, _events = sm.skip(s)
    assert s.records[0].outcome is sm.Outcome.skipped
    assert s.records[0].score == 0.0
    assert s.phase is sm.Phase.choosing


def test_skip_during_follow_up_keeps_what_was_earned():
    s, _ = first_answer("covered", "covered", "missed")
    s, _ = sm.skip(s)
    assert s.records[0].outcome is sm.Outcome.answered
    assert s.records[0].score == pytest.approx(3.3)


def test_end_before_answering_does_not_count_the_open_question():
    s = started()
    s, events = sm.finish(s, "ended by the candidate")
    assert s.done
    assert s.records[0].outcome is sm.Outcome.unanswered
    assert not s.records[0].scored
    assert events[-1].kind is sm.EventKind.finished


def test_session_always_ends_after_configured_number_of_questions():
    s = sm.new_session(SessionConfig(questions=3, follow_ups=3), 3)
    asked = 0
    for q in QS:
        if s.done:
            break
        s, _ = sm.ask(s, q, now=asked)
        asked += 1
        s, _ = sm.skip(s)
    assert s.done and s.end_reason == "completed"
    assert asked == 3
    with pytest.raises(sm.TransitionError):
        sm.ask(s, QS[5], now=9)


def test_wrong_phase_is_rejected():
    s = sm.new_session(SessionConfig(questions=2), 2)
    with pytest.raises(sm.TransitionError):
        sm.answer(s, "a", grade("covered", "covered", "covered"), now=1, write_follow_up=writer)
    with pytest.raises(sm.TransitionError):
        sm.skip(s)
    s, _ = sm.ask(s, BAGGING, now=0)
    with pytest.raises(sm.TransitionError):
        sm.ask(s, QS[1], now=0)


def test_same_question_never_asked_twice():
    s = sm.new_session(SessionConfig(questions=3), 3)
    s, _ = sm.ask(s, BAGGING, now=0)
    s, _ = sm.skip(s)
    with pytest.raises(sm.TransitionError):
        sm.ask(s, BAGGING, now=1)


@pytest.mark.parametrize(
    ("level", "score", "expected"),
    [
        (Difficulty.medium, 4.5, Difficulty.hard),
        (Difficulty.hard, 5.0, Difficulty.hard),
        (Difficulty.medium, 1.0, Difficulty.easy),
        (Difficulty.easy, 0.0, Difficulty.easy),
        (Difficulty.medium, 3.0, Difficulty.medium),
    ],
)
def test_next_level(level, score, expected):
    assert sm.next_level(level, score) is expected


def test_adaptive_level_moves_with_scores_but_fixed_does_not():
    s = started(questions=3)
    s, _ = sm.answer(s, "a", grade("covered", "covered", "covered"), now=1, write_follow_up=writer)
    assert s.level is Difficulty.hard
    fixed = started(questions=3, difficulty=DifficultySetting.easy)
    assert fixed.level is Difficulty.easy
    fixed, _ = sm.answer(
        fixed, "a", grade("covered", "covered", "covered"), now=1, write_follow_up=writer
    )
    assert fixed.level is Difficulty.easy


def test_state_round_trips_through_json():
    s, _ = first_answer("covered", "missed", "missed")
    again = sm.SessionState.model_validate_json(s.model_dump_json())
    assert again == s
    assert again.pending_follow_up.key_point == KP[1]
