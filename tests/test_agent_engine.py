"""The engine end to end over the pure machine: grading, choice, phrasing and storage."""

from __future__ import annotations

import sqlite3

import pytest

from interviewer.agent.config import DifficultySetting, Mode, SessionConfig
from interviewer.agent.engine import GradingError, InterviewEngine, SetupError
from interviewer.agent.phrasing import MessageKind
from interviewer.grading.base import MAX_ANSWER_CHARS
from interviewer.models import Difficulty
from interviewer.store import SessionStore
from tests.agent_fakes import KeywordGrader, answer_for, sample_questions, sample_source


@pytest.fixture
def store(tmp_path) -> SessionStore:
    return SessionStore(tmp_path / "sessions.sqlite3")


def make_engine(store, grader=None, source=None, **kw) -> InterviewEngine:
    return InterviewEngine(
        source=source or sample_source(), grader=grader or KeywordGrader(), store=store, **kw
    )


def current_question(session):
    return session.engine.source.get(session.state.current.question_id)


def kinds(result):
    return [m.kind for m in result.messages]


def texts(result):
    return "\n".join(m.text for m in result.messages)


def stored_turns(store, session):
    return store.turns(session.id)


def test_start_shows_opening_and_first_question_and_stores_session(store):
    session = make_engine(store).start(SessionConfig(questions=3, seed=1))
    r = session.opening
    assert kinds(r)[0] is MessageKind.opening
    assert MessageKind.question in kinds(r)
    assert r.prompt is not None and r.prompt.index == 1 and r.prompt.total == 3
    assert r.progress.current == 1 and r.progress.total == 3 and not r.done
    assert store.get(session.id).status == "active"


def test_every_turn_is_committed_before_the_result_returns(store):
    session = make_engine(store).start(SessionConfig(questions=3, follow_ups=1, seed=1))
    n = 0
    while not session.state.done:
        q = current_question(session)
        result = session.submit(answer_for(q, 1))
        n += 1
        assert result.saved
        # The row is in the database by the time the caller sees the result.
        with sqlite3.connect(store.path) as conn:
            count = conn.execute(
                "SELECT COUNT(*) FROM turns WHERE session_id = ?", (session.id,)
            ).fetchone()[0]
        assert count == n
    turns = stored_turns(store, session)
    assert all(t.grade_json and t.grader == "offline" and t.answered_at for t in turns)
    assert all(t.asked_at <= t.answered_at <= t.saved_at for t in turns)


def test_practice_mode_follow_up_then_feedback(store):
    grader = KeywordGrader()
    session = make_engine(store, grader).start(
        SessionConfig(questions=2, follow_ups=1, seed=3, categories=["Core ML"])
    )
    q = current_question(session)
    r = session.submit(answer_for(q, 1))  # covers only the first key point
    assert kinds(r)[-1] is MessageKind.follow_up
    assert r.prompt.follow_up == r.messages[-1].text
    assert "So far" in texts(r)
    # The follow-up answer is graded against the targeted key point only.
    target = session.state.pending_follow_up.key_point
    assert target == q.criteria[1]
    r = session.submit(q.criteria[1])
    assert grader.calls[-1][2] == [target]
    feedback = next(m for m in r.messages if m.kind is MessageKind.feedback).text
    assert "Covered after a follow-up" in feedback
    assert r.question_score is not None and r.question_score > session.state.records[0].raw_score


def test_interview_mode_gives_no_feedback_until_the_end(store):
    session = make_engine(store).start(
        SessionConfig(questions=2, follow_ups=1, mode=Mode.interview, seed=4)
    )
    results = []
    while not session.state.done:
        q = current_question(session)
        results.append(session.submit(answer_for(q, 1) if len(results) == 0 else "/idk"))
    for r in results[:-1]:
        assert MessageKind.feedback not in kinds(r)
        assert MessageKind.model_answer not in kinds(r)
        assert "/5" not in texts(r)
    assert results[-1].done
    report = session.report()
    assert report.questions[0].covered and report.questions[0].model_answer


def test_idk_in_practice_shows_model_answer(store):
    session = make_engine(store).start(SessionConfig(questions=2, seed=5))
    r = session.submit("I don't know")
    assert MessageKind.model_answer in kinds(r)
    assert session.state.records[0].score == 0.0
    assert stored_turns(store, session)[0].kind == "idk"


def test_empty_answer_is_not_a_turn(store):
    grader = KeywordGrader()
    session = make_engine(store, grader).start(SessionConfig(questions=2, seed=6))
    before = session.state
    r = session.submit("   ")
    assert not r.saved
    assert "didn't get an answer" in texts(r)
    assert grader.calls == []
    assert stored_turns(store, session) == []
    assert session.state == before


def test_huge_answer_is_truncated_for_grading_with_a_note(store):
    grader = KeywordGrader()
    session = make_engine(store, grader).start(SessionConfig(questions=2, follow_ups=0, seed=7))
    q = current_question(session)
    huge = (answer_for(q) + " ") * (100_000 // len(answer_for(q)) + 1)
    assert len(huge) >= 100_000
    r = session.submit(huge)
    assert len(grader.calls[0][1]) == MAX_ANSWER_CHARS
    assert any("only the first 20,000" in m.text for m in r.messages)
    assert "truncated" in r.grade.flags
    assert stored_turns(store, session)[0].answer == huge  # stored whole


def test_hint_penalty_is_shown_on_the_grade(store):
    session = make_engine(store).start(SessionConfig(questions=2, follow_ups=0, seed=8))
    q = current_question(session)
    r = session.submit("/hint")
    assert kinds(r) == [MessageKind.hint]
    assert "costs" in texts(r)
    r = session.submit(answer_for(q))
    assert r.grade.hint_penalty > 0
    assert r.grade.score == pytest.approx(5.0 - r.grade.hint_penalty, abs=0.05)
    assert [t.kind for t in stored_turns(store, session)] == ["hint", "answer"]


def test_repeat_and_help_change_nothing(store):
    session = make_engine(store).start(SessionConfig(questions=2, seed=9))
    q = current_question(session)
    r = session.submit("could you repeat the question?")
    assert not r.saved and q.text in texts(r)
    r = session.submit("/help")
    assert not r.saved and "/skip" in texts(r)
    assert stored_turns(store, session) == []


def test_end_finishes_and_later_input_is_refused(store):
    session = make_engine(store).start(SessionConfig(questions=4, seed=10))
    r = session.submit("/end")
    assert r.done and session.state.end_reason == "ended by the candidate"
    assert store.get(session.id).status == "finished"
    r = session.submit("more")
    assert not r.saved and "finished" in texts(r)


def test_session_ends_after_configured_questions_even_with_skips(store):
    session = make_engine(store).start(SessionConfig(questions=3, follow_ups=3, seed=11))
    steps = 0
    while not session.state.done:
        session.submit("skip")
        steps += 1
        assert steps <= 3
    assert len(session.state.records) == 3
    assert len({r.question_id for r in session.state.records}) == 3


def test_ungradable_questions_are_never_asked_and_shortfall_is_explained(store):
    session = make_engine(store).start(SessionConfig(questions=20, follow_ups=0, seed=12))
    note = texts(session.opening)
    assert "Only 9 questions match" in note and "1 more have no reference answer" in note
    assert session.state.total == 9
    while not session.state.done:
        session.submit("skip")
    assert "What is batch normalisation?" not in [r.text for r in session.state.records]


def test_no_gradable_question_is_a_setup_error(store):
    from interviewer.source import InMemorySource

    only_ungradable = [q for q in sample_questions() if not q.gradable]
    with pytest.raises(SetupError, match="no reference answer"):
        make_engine(store, source=InMemorySource(only_ungradable)).start(SessionConfig())


def test_unknown_category_lists_the_real_ones(store):
    with pytest.raises(SetupError, match="Core ML, Deep Learning, Evaluation"):
        make_engine(store).start(SessionConfig(categories=["Cooking"]))


def test_fixed_difficulty_only_asks_that_level(store):
    session = make_engine(store).start(
        SessionConfig(questions=5, difficulty=DifficultySetting.hard, seed=13)
    )
    assert session.state.total == 3  # the sample bank has three hard gradable questions
    while not session.state.done:
        assert session.state.current.difficulty is Difficulty.hard
        session.submit("skip")


def test_adaptive_difficulty_goes_up_after_strong_answers(store):
    session = make_engine(store).start(SessionConfig(questions=3, follow_ups=0, seed=14))
    levels = []
    while not session.state.done:
        levels.append(session.state.current.difficulty)
        session.submit(answer_for(current_question(session)))
    assert levels[-1] is Difficulty.hard


def test_adaptive_difficulty_goes_down_after_weak_answers(store):
    session = make_engine(store).start(SessionConfig(questions=3, follow_ups=0, seed=15))
    levels = []
    while not session.state.done:
        levels.append(session.state.current.difficulty)
        session.submit("skip")
    assert levels[-1] is Difficulty.easy


def test_focus_steers_towards_the_closest_questions(store):
    session = make_engine(store).start(
        SessionConfig(questions=1, focus="evaluate heavily imbalanced data", seed=16)
    )
    assert "imbalanced" in session.state.current.text


def test_next_session_prefers_questions_not_seen_recently(store):
    engine = make_engine(store)
    first = engine.start(SessionConfig(questions=4, follow_ups=0, seed=17))
    while not first.state.done:
        first.submit(answer_for(current_question(first)))
    second = engine.start(SessionConfig(questions=4, follow_ups=0, seed=17))
    while not second.state.done:
        second.submit("skip")
    seen = {r.question_id for r in first.state.records}
    assert not seen & {r.question_id for r in second.state.records}


def test_resume_continues_exactly_where_it_stopped(store):
    session = make_engine(store).start(SessionConfig(questions=4, follow_ups=1, seed=18))
    session.submit(answer_for(current_question(session)))
    q = current_question(session)
    session.submit(answer_for(q, 1))  # leaves a follow-up pending
    pending = session.state.pending_follow_up
    assert pending is not None

    # A new process: new engine, store and source objects.
    again = make_engine(SessionStore(store.path)).resume(session.id)
    assert again.state == session.state
    r = again.opening
    assert "Welcome back" in texts(r)
    assert r.prompt.follow_up == pending.text
    assert r.messages[-1].text == pending.text
    r = again.submit(pending.key_point)
    asked = [rec.question_id for rec in again.state.records]
    assert len(asked) == len(set(asked))
    assert [t.kind for t in store.turns(session.id)] == ["answer", "answer", "follow_up_answer"]


def test_grader_failure_records_no_turn_but_keeps_the_answer(store):
    class Broken:
        name = "offline"

        def grade(self, question, answer, *, criteria=None):
            raise RuntimeError("model file missing")

    session = make_engine(store, Broken()).start(SessionConfig(questions=2, seed=19))
    before = session.state
    with pytest.raises(GradingError, match="saved but not graded"):
        session.submit("an answer")
    assert session.state == before
    assert stored_turns(store, session) == []
    # The answer itself is kept: resuming (with a working grader) grades it first.
    assert store.pending(session.id).answer == "an answer"
    again = make_engine(SessionStore(store.path)).resume(session.id)
    assert again.recovered is not None and again.recovered.grade is not None
    assert [t.answer for t in stored_turns(store, again)] == ["an answer"]
    assert store.pending(session.id) is None


def test_report_after_session(store):
    engine = make_engine(store)
    s = engine.start(SessionConfig(questions=4, follow_ups=0, seed=20))
    i = 0
    while not s.state.done:
        q = current_question(s)
        s.submit(answer_for(q) if i % 2 == 0 else "skip")
        i += 1
    report = s.report()
    assert report.overall is not None and report.answered == 4
    assert {c.category for c in report.categories} <= {"Core ML", "Evaluation", "Deep Learning"}
    assert len(report.weakest) == 2  # two skipped questions; the answered ones missed nothing
    assert all(a.related for a in report.weakest)


def test_grader_prepares_each_new_question_while_the_candidate_reads(store):
    import threading

    class PreparingGrader(KeywordGrader):
        def __init__(self):
            super().__init__()
            self.prepared: list[str] = []
            self.event = threading.Event()

        def prepare(self, question, criteria=None):
            self.prepared.append(question.id)
            self.criteria = criteria
            self.event.set()

    grader = PreparingGrader()
    session = make_engine(store, grader).start(SessionConfig(questions=3, follow_ups=0, seed=21))
    first = session.state.current.question_id
    assert grader.prepared == []  # nothing heavy before the first question is shown
    session.prefetch()  # the front end calls this from its warm-up thread
    assert grader.prepared == [first]
    grader.event.clear()
    session.submit("skip")
    assert grader.event.wait(5)
    assert grader.prepared[-1] == session.state.current.question_id != first
    assert grader.criteria is None


def test_grader_prepares_the_follow_up_criteria_too(store):
    import threading

    class PreparingGrader(KeywordGrader):
        def __init__(self):
            super().__init__()
            self.seen: list = []
            self.event = threading.Event()

        def prepare(self, question, criteria=None):
            self.seen.append(criteria)
            self.event.set()

    grader = PreparingGrader()
    session = make_engine(store, grader).start(SessionConfig(questions=2, follow_ups=1, seed=22))
    q = current_question(session)
    session.submit(answer_for(q, 1))
    assert session.state.pending_follow_up is not None
    assert grader.event.wait(5)
    assert grader.seen[-1] == [session.state.pending_follow_up.key_point]
