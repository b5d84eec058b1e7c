"""An answer is stored before it is graded: a crash while grading loses nothing.

The store keeps it as a pending answer; `resume` grades it first. The kill test drives a real
`interviewer chat` process whose LLM grade is slowed down by the loopback server, and kills it
with SIGKILL while the grade is in flight.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from interviewer.agent.config import SessionConfig
from interviewer.agent.engine import InterviewEngine
from interviewer.store import PendingAnswer, SessionStore, StoreError, StoreLockedError
from tests.agent_fakes import KeywordGrader, answer_for, sample_questions, sample_source
from tests.chat_process import chat_process, process_env, send, wait_for
from tests.fake_openai_server import MODEL_ID, ScriptedReply

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = {q.id: q for q in sample_questions()}
WAIT = 30.0  # seconds the chat process may take for each step (an LLM grade among them)

# The schema as version 1 of the store wrote it (before pending answers existed).
V1_SCHEMA = """
CREATE TABLE sessions (id TEXT PRIMARY KEY, candidate TEXT NOT NULL, created_at REAL NOT NULL,
    updated_at REAL NOT NULL, status TEXT NOT NULL, grader TEXT NOT NULL,
    config_json TEXT NOT NULL, state_json TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0);
CREATE INDEX sessions_by_time ON sessions (created_at DESC);
CREATE TABLE turns (session_id TEXT NOT NULL REFERENCES sessions (id), seq INTEGER NOT NULL,
    kind TEXT NOT NULL, question_index INTEGER NOT NULL, question_id TEXT, question_text TEXT,
    prompt TEXT, answer TEXT, grade_json TEXT, grader TEXT, score REAL, asked_at REAL,
    answered_at REAL, saved_at REAL NOT NULL, reply_json TEXT, PRIMARY KEY (session_id, seq));
CREATE TABLE question_scores (session_id TEXT NOT NULL REFERENCES sessions (id),
    candidate TEXT NOT NULL, question_id TEXT NOT NULL, category TEXT NOT NULL,
    score REAL NOT NULL, at REAL NOT NULL, PRIMARY KEY (session_id, question_id));
CREATE INDEX scores_by_candidate ON question_scores (candidate, at);
PRAGMA user_version = 1;
"""


def engine(store: SessionStore, grader=None) -> InterviewEngine:
    return InterviewEngine(source=sample_source(), grader=grader or KeywordGrader(), store=store)


def current_question(session):
    return QUESTIONS[session.state.current.question_id]


# -- the store ---------------------------------------------------------------------------------


def test_a_version_1_database_opens_without_loss_and_takes_pending_answers(tmp_path):
    path = tmp_path / "sessions.sqlite3"
    # A session written by the old code: one answered question of two.
    old = SessionStore(tmp_path / "scratch.sqlite3")
    session = engine(old).start(SessionConfig(questions=2, follow_ups=0, seed=1))
    session.submit(answer_for(current_question(session)))
    old.close()
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        src = sqlite3.connect(tmp_path / "scratch.sqlite3")
        for table in ("sessions", "turns", "question_scores"):
            rows = src.execute(f"SELECT * FROM {table}").fetchall()
            marks = ",".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        src.close()

    store = SessionStore(path)
    summary = store.list_sessions()
    assert [s.id for s in summary] == [session.id] and summary[0].questions_done == 1
    assert [t.kind for t in store.turns(session.id)] == ["answer"]
    assert store.history("default")  # the closed question's score is still there
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    # The upgraded file works like a new one: resume, answer, and the answer is saved first.
    resumed = engine(store).resume(session.id)
    resumed.submit(answer_for(current_question(resumed)))
    assert [t.kind for t in store.turns(session.id)] == ["answer", "answer"]
    assert store.get(session.id).status == "finished"


def test_the_answer_is_in_the_store_while_it_is_graded(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    seen: list[PendingAnswer | None] = []

    class Watching(KeywordGrader):
        def grade(self, question, answer, *, criteria=None):
            # What another process would find if this one died right now.
            seen.append(SessionStore(store.path).pending(session.id))
            return super().grade(question, answer, criteria=criteria)

    session = engine(store, Watching()).start(SessionConfig(questions=2, follow_ups=0, seed=2))
    q = current_question(session)
    session.submit(answer_for(q))
    (pending,) = seen
    assert pending is not None and pending.answer == answer_for(q)
    assert pending.kind == "answer" and pending.question_id == q.id
    assert pending.question_index == 0 and pending.version == 1
    # Completed: the graded turn replaced it in one transaction.
    assert store.pending(session.id) is None
    assert [t.answer for t in store.turns(session.id)] == [answer_for(q)]


def test_a_follow_up_answer_is_recovered_as_a_follow_up(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    session = engine(store).start(SessionConfig(questions=1, follow_ups=1, seed=3))
    q = current_question(session)
    session.submit(answer_for(q, 1))
    follow_up = session.state.pending_follow_up
    assert follow_up is not None

    class Dies(KeywordGrader):
        def grade(self, question, answer, *, criteria=None):
            raise KeyboardInterrupt  # the process is stopped mid-grade

    session.engine.grader = Dies()
    with pytest.raises(KeyboardInterrupt):
        session.submit(follow_up.key_point)
    again = engine(SessionStore(store.path)).resume(session.id)
    assert again.recovered is not None and again.state.done
    kinds = [t.kind for t in store.turns(session.id)]
    assert kinds == ["answer", "follow_up_answer"]
    assert store.turns(session.id)[-1].answer == follow_up.key_point


def test_a_store_that_refuses_the_answer_keeps_it_for_retry_save(tmp_path, monkeypatch):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    grader = KeywordGrader()
    session = engine(store, grader).start(SessionConfig(questions=2, follow_ups=0, seed=4))
    q = current_question(session)
    real = SessionStore.save_pending

    def locked(self, *args, **kwargs):
        raise StoreLockedError("locked. Fix: close the other program")

    monkeypatch.setattr(SessionStore, "save_pending", locked)
    with pytest.raises(StoreError, match="locked"):
        session.submit(answer_for(q))
    assert grader.calls == []  # nothing slow happened to an answer that is not stored
    assert session.has_unsaved
    with pytest.raises(StoreError, match="not saved yet"):
        session.submit("another answer")  # the first one is still waiting
    monkeypatch.setattr(SessionStore, "save_pending", real)
    result = session.retry_save()
    assert result.grade is not None and not session.has_unsaved
    assert [t.answer for t in store.turns(session.id)] == [answer_for(q)]


def test_a_pending_answer_from_a_stale_version_is_not_graded(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    session = engine(store).start(SessionConfig(questions=2, follow_ups=0, seed=5))
    store.save_pending(
        session.id,
        PendingAnswer(kind="answer", question_index=0, answer="old", answered_at=1, version=1),
    )
    session.submit("/skip")  # the session moves on (this also clears the pending row)
    assert store.pending(session.id) is None
    again = engine(store).resume(session.id)
    assert again.recovered is None and [t.kind for t in store.turns(session.id)] == ["skip"]


# -- a real process killed during a slow LLM grade ---------------------------------------------

RUNNER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r})
    import typer
    from ui.terminal import register
    from interviewer.grading import FallbackGrader
    from interviewer.grading.llm import make_llm_grader
    from tests.agent_fakes import KeywordGrader, sample_source
    from tests.llm_fixtures import NO_SUPPORT_CHECK  # this test is about saving, not evidence

    def grader(settings):
        return FallbackGrader(make_llm_grader(settings, support=NO_SUPPORT_CHECK), KeywordGrader())

    app = typer.Typer()
    register(
        app,
        source_factory=lambda s: sample_source(),
        grader_factory=lambda kind, s: grader(s),
        warm_up=lambda s: None,
    )
    app()
    """
)


def llm_reply(n_points: int, quote: str) -> str:
    return json.dumps(
        {
            "feedback": "Covers the first point.",
            "key_points": [
                {"key_point": i, "verdict": "covered" if i == 1 else "missed", "evidence": quote}
                if i == 1
                else {"key_point": i, "verdict": "missed", "evidence": None}
                for i in range(1, n_points + 1)
            ],
        }
    )


def _db_rows(data_dir: Path, sql: str) -> list[tuple]:
    try:
        with sqlite3.connect(data_dir / "sessions.sqlite3") as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # no database, or the schema is not there yet
        return []


def _current(data_dir: Path):
    ((sid, state),) = _db_rows(data_dir, "SELECT id, state_json FROM sessions")
    return sid, QUESTIONS[json.loads(state)["records"][-1]["question_id"]]


@pytest.mark.slow
def test_chat_killed_during_a_slow_llm_grade_keeps_the_answer_and_resume_grades_it(
    tmp_path, fake_openai_server
):
    script = tmp_path / "run_chat.py"
    script.write_text(RUNNER.format(repo=str(REPO)))
    data_dir = tmp_path / "data"
    env = process_env(
        data_dir,
        INTERVIEWER_LLM_PROVIDER="openai-compatible",
        INTERVIEWER_LLM_BASE_URL=fake_openai_server.base_url,
        INTERVIEWER_LLM_MODEL=MODEL_ID,
        INTERVIEWER_LLM_TIMEOUT="60",
    )
    args = ("chat", "-n", "2", "--follow-ups", "0", "--seed", "7")
    with chat_process(script, *args, env=env, log=tmp_path / "chat.log") as proc:
        wait_for(lambda: _db_rows(data_dir, "SELECT id FROM sessions"), WAIT)
        sid, first = _current(data_dir)
        fake_openai_server.enqueue(llm_reply(len(first.criteria), first.criteria[0]))
        send(proc, answer_for(first))
        wait_for(lambda: len(_db_rows(data_dir, "SELECT seq FROM turns")) == 1, WAIT)

        _, second = _current(data_dir)
        second_answer = answer_for(second)
        # The grade of the second answer takes far longer than the test waits.
        slow = llm_reply(len(second.criteria), second.criteria[0])
        fake_openai_server.enqueue(ScriptedReply(content=slow, delay=30))
        send(proc, second_answer)
        # The grade is in flight when the process is killed.
        wait_for(lambda: len(fake_openai_server.chat_requests) == 2, WAIT)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    assert len(_db_rows(data_dir, "SELECT seq FROM turns")) == 1
    assert _db_rows(data_dir, "SELECT session_id, answer FROM pending_answers") == [
        (sid, second_answer)
    ]

    fake_openai_server.enqueue(llm_reply(len(second.criteria), second.criteria[0]))
    resumed = subprocess.run(
        [sys.executable, str(script), "resume", sid],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    out = resumed.stdout
    assert resumed.returncode == 0, out + resumed.stderr
    assert "saved before the interruption" in out and second.text in out
    assert "Interview report" in out  # that answer was the last one: the session is complete
    turns = _db_rows(data_dir, "SELECT question_id, answer, grader FROM turns ORDER BY seq")
    assert turns[1] == (second.id, second_answer, MODEL_ID)
    assert _db_rows(data_dir, "SELECT * FROM pending_answers") == []
    assert _db_rows(data_dir, "SELECT status FROM sessions") == [("finished",)]
