"""The SQLite session store: durability settings, atomic turns, clear errors, concurrency."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from interviewer.agent.config import SessionConfig
from interviewer.agent.engine import InterviewEngine
from interviewer.store import (
    ConcurrentSessionError,
    SessionNotFoundError,
    SessionStore,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    TurnRow,
)
from tests.agent_fakes import KeywordGrader, answer_for, sample_source


@pytest.fixture
def store(tmp_path) -> SessionStore:
    return SessionStore(tmp_path / "sessions.sqlite3", timeout=0.3)


def _engine(store, grader=None):
    return InterviewEngine(source=sample_source(), grader=grader or KeywordGrader(), store=store)


def _new_session(store, session_id="s1", state_json="{}") -> None:
    """Create an active offline session with an empty config for the tests to write to."""
    store.create_session(
        session_id=session_id,
        candidate="c",
        grader="offline",
        config_json="{}",
        state_json=state_json,
        status="active",
    )


def _turn_count(path, session_id=None) -> int:
    with sqlite3.connect(path) as conn:
        if session_id:
            return conn.execute(
                "SELECT COUNT(*) FROM turns WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
        return conn.execute("SELECT COUNT(*) FROM turns").fetchone()[0]


def test_wal_mode_busy_timeout_and_full_sync(store):
    store.check_writable()
    conn = store._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 300
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_turn_and_state_are_written_together(store):
    _new_session(store, state_json='{"v": 0}')
    v = store.commit_turn(
        "s1",
        expected_version=1,
        state_json='{"v": 1}',
        status="active",
        turn=TurnRow(kind="answer", question_index=0, answer="hello", score=2.5),
    )
    stored = store.get("s1")
    assert v == 2 and stored.version == 2
    assert json.loads(stored.state_json) == {"v": 1}
    assert [(t.seq, t.kind, t.answer, t.score) for t in stored.turns] == [
        (1, "answer", "hello", 2.5)
    ]
    assert stored.turns[0].saved_at > 0


def test_stale_version_is_rejected_and_nothing_written(store):
    _new_session(store)
    store.commit_turn("s1", expected_version=1, state_json="{}", status="active", turn=None)
    with pytest.raises(ConcurrentSessionError, match="resume s1"):
        store.commit_turn(
            "s1",
            expected_version=1,
            state_json='{"x": 1}',
            status="active",
            turn=TurnRow(kind="answer", question_index=0, answer="late"),
        )
    assert store.turns("s1") == []


def test_unknown_session_names_the_fix(store):
    store.check_writable()
    with pytest.raises(SessionNotFoundError, match="interviewer sessions"):
        store.get("nope")


def test_short_id_prefix_resolves(store):
    _new_session(store, "abcdef123456")
    assert store.get("abcd").id == "abcdef123456"


def test_list_sessions_newest_first(store):
    engine = _engine(store)
    ids = []
    for i in range(3):
        s = engine.start(SessionConfig(questions=2, seed=i))
        ids.append(s.id)
    listed = store.list_sessions()
    assert [r.id for r in listed] == ids[::-1]
    assert all(r.status == "active" and r.questions_total == 2 for r in listed)


# -- failures lose no turn ------------------------------------------------------------------------


def _answer_current(session):
    q = session.engine.source.get(session.state.current.question_id)
    return answer_for(q)


def test_locked_database_gives_clear_error_and_loses_no_turn(store, tmp_path):
    engine = _engine(store)
    session = engine.start(SessionConfig(questions=3, follow_ups=0, seed=1))
    first_q = session.state.current.question_id
    answer = _answer_current(session)

    blocker = sqlite3.connect(tmp_path / "sessions.sqlite3", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(StoreLockedError) as info:
            session.submit(answer)
        assert "locked" in str(info.value)
        assert "Fix:" in str(info.value)
        # Nothing moved: the state still waits on the same question, and the turn is kept.
        assert session.state.current.question_id == first_q
        assert session.has_unsaved
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    result = session.retry_save()
    assert result.saved
    assert _turn_count(tmp_path / "sessions.sqlite3", session.id) == 1
    turn = store.turns(session.id)[0]
    assert turn.answer == answer and turn.question_id == first_q
    # And the session goes on normally from there.
    assert session.state.records[0].outcome is not None
    resumed = engine.resume(session.id)
    assert resumed.state == session.state


def test_read_only_database_gives_clear_error_and_loses_no_turn(tmp_path):
    path = tmp_path / "sessions.sqlite3"
    store = SessionStore(path, timeout=0.3)
    engine = _engine(store)
    session = engine.start(SessionConfig(questions=3, follow_ups=0, seed=2))
    answer = _answer_current(session)
    before = session.state

    # Root ignores file permissions, so make SQLite itself refuse writes (SQLITE_READONLY).
    store._conn().execute("PRAGMA query_only = ON")
    with pytest.raises(StoreReadOnlyError) as info:
        session.submit(answer)
    message = str(info.value)
    assert "read-only" in message and "Fix:" in message and "INTERVIEWER_DATA_DIR" in message
    assert session.state == before
    assert _turn_count(path, session.id) == 0

    # A second answer is refused until the first one is saved: turns stay in order.
    with pytest.raises(Exception, match="not saved yet"):
        session.submit("another answer")

    store._conn().execute("PRAGMA query_only = OFF")
    session.retry_save()
    turns = store.turns(session.id)
    assert [t.answer for t in turns] == [answer]


def test_check_writable_fails_early_on_read_only(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3", timeout=0.3)
    store.check_writable()
    store._conn().execute("PRAGMA query_only = ON")
    with pytest.raises(StoreReadOnlyError):
        store.check_writable()


def test_unwritable_folder_names_the_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = SessionStore(blocker / "sub" / "s.sqlite3")
    with pytest.raises(Exception, match="INTERVIEWER_DATA_DIR"):
        store.check_writable()


# -- concurrency ----------------------------------------------------------------------------------


def test_twenty_concurrent_sessions_lose_and_mix_nothing(tmp_path):
    path = tmp_path / "sessions.sqlite3"
    n_sessions, n_questions = 20, 4
    errors: list[BaseException] = []
    sessions: dict[int, str] = {}
    barrier = threading.Barrier(n_sessions)

    def run(worker: int) -> None:
        try:
            store = SessionStore(path, timeout=10)
            engine = _engine(store)
            session = engine.start(SessionConfig(questions=n_questions, follow_ups=1, seed=worker))
            sessions[worker] = session.id
            barrier.wait()
            step = 0
            while not session.state.done:
                # Every answer carries its worker and step, so a mix-up would show.
                session.submit(f"worker {worker} step {step} {_answer_current(session)}")
                step += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    store = SessionStore(path)
    for worker, sid in sessions.items():
        stored = store.get(sid)
        assert stored.status == "finished"
        answers = [t.answer for t in stored.turns]
        assert answers, sid
        assert [t.seq for t in stored.turns] == list(range(1, len(answers) + 1))
        for step, a in enumerate(answers):
            assert a.startswith(f"worker {worker} step {step} ")
        state = json.loads(stored.state_json)
        assert len(state["records"]) == n_questions
        # Every turn's question is one of this session's questions.
        assert {t.question_id for t in stored.turns} <= {r["question_id"] for r in state["records"]}
    assert len(store.list_sessions(limit=100)) == n_sessions


def _process_worker(path: str, worker: int, queue) -> None:
    try:
        store = SessionStore(path, timeout=20)
        engine = _engine(store)
        session = engine.start(SessionConfig(questions=3, follow_ups=0, seed=worker))
        step = 0
        while not session.state.done:
            session.submit(f"proc {worker} step {step} {_answer_current(session)}")
            step += 1
        queue.put((worker, session.id, step, None))
    except BaseException as exc:  # pragma: no cover
        queue.put((worker, None, 0, repr(exc)))


@pytest.mark.slow
def test_concurrent_processes_share_one_store(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    path = str(tmp_path / "sessions.sqlite3")
    SessionStore(path).check_writable()
    queue = ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(path, i, queue)) for i in range(8)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    assert all(err is None for *_, err in results), results
    store = SessionStore(path)
    for worker, sid, steps, _ in results:
        answers = [t.answer for t in store.turns(sid)]
        assert len(answers) == steps
        assert all(a.startswith(f"proc {worker} step {i} ") for i, a in enumerate(answers))


def test_disk_io_error_from_the_wal_names_the_fix_and_keeps_the_answer(store, monkeypatch):
    """A locked or unmappable -wal/-shm makes SQLite say only "disk I/O error"."""
    real_conn = SessionStore._conn
    failing = {"on": False}

    class WalTrouble:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            if failing["on"] and sql.startswith("BEGIN"):
                raise sqlite3.OperationalError("disk I/O error")
            return self._conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    monkeypatch.setattr(SessionStore, "_conn", lambda self: WalTrouble(real_conn(self)))
    session = _engine(store).start(SessionConfig(questions=1, follow_ups=0, seed=3))
    failing["on"] = True
    with pytest.raises(StoreError) as raised:
        session.submit("my answer")
    message = str(raised.value)
    assert "disk I/O error" in message and "Fix:" in message
    assert "sessions.sqlite3-wal" in message and "INTERVIEWER_DATA_DIR" in message
    assert "do not delete the -wal file" in message
    failing["on"] = False
    session.retry_save()  # nothing was lost: the kept answer is saved and graded now
    assert [t.answer for t in store.turns(session.id)] == ["my answer"]
