"""The terminal commands: chat with piped answers, sessions, resume, export, report, and
crash safety with a real `kill -9`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from interviewer.store import SessionStore
from tests.agent_fakes import KeywordGrader, answer_for, sample_questions, sample_source
from tests.chat_process import chat_process, process_env, send, wait_for
from ui.terminal import register

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = {q.id: q for q in sample_questions()}


def make_app(grader=None) -> typer.Typer:
    app = typer.Typer()
    register(
        app,
        source_factory=lambda settings: sample_source(),
        grader_factory=lambda kind, settings: grader or KeywordGrader(),
        warm_up=lambda settings: None,
    )
    return app


@pytest.fixture
def run(data_dir):
    runner = CliRunner()
    app = make_app()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


def db(data_dir: Path) -> SessionStore:
    return SessionStore(data_dir / "sessions.sqlite3")


def test_chat_with_piped_answers_runs_to_the_report(run, data_dir):
    result = run(
        "chat", "-n", "2", "--follow-ups", "0", "--seed", "1", input="/skip\nI don't know\n"
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Grader: offline grader" in out
    assert "Question 1 of 2" in out and "Question 2 of 2" in out
    assert "Model answer" in out  # practice mode + "I don't know"
    assert "Interview report" in out
    sessions = db(data_dir).list_sessions()
    assert len(sessions) == 1 and sessions[0].status == "finished"
    assert [t.kind for t in db(data_dir).turns(sessions[0].id)] == ["skip", "idk"]


def test_empty_line_asks_for_an_answer_and_stores_nothing(run, data_dir):
    result = run("chat", "-n", "1", "--seed", "2", input="\n/end\n")
    assert "I didn't get an answer" in result.output
    sid = db(data_dir).list_sessions()[0].id
    assert [t.kind for t in db(data_dir).turns(sid)] == ["end"]


def test_input_ending_early_leaves_a_resumable_session(run, data_dir):
    result = run("chat", "-n", "3", "--follow-ups", "0", "--seed", "3", input="/skip\n")
    assert result.exit_code == 0
    assert "interviewer resume" in result.output
    summary = db(data_dir).list_sessions()[0]
    assert summary.status == "active" and summary.questions_done == 1


def test_sessions_json_lists_newest_first_with_ids(run):
    for seed in ("4", "5"):
        run("chat", "-n", "1", "--seed", seed, input="/end\n")
    result = run("sessions", "--json")
    rows = json.loads(result.output)
    assert len(rows) == 2
    assert all(r["id"] for r in rows)
    assert rows[0]["created_at"] >= rows[1]["created_at"]
    table = run("sessions")
    assert rows[0]["id"] in table.output


def test_sessions_with_no_database_yet(run):
    result = run("sessions", "--json")
    assert json.loads(result.output) == []


def test_resume_export_and_report(run, data_dir):
    run("chat", "-n", "3", "--follow-ups", "0", "--seed", "6", input="/skip\n")
    sid = db(data_dir).list_sessions()[0].id
    state = json.loads(db(data_dir).get(sid).state_json)
    pending = state["records"][1]["text"]

    result = run("resume", sid[:6], input="/skip\n/skip\n")
    assert result.exit_code == 0, result.output
    assert "Welcome back" in result.output
    assert result.output.index(pending) < result.output.index("You ›")
    assert db(data_dir).get(sid).status == "finished"

    exported = json.loads(run("export", sid, "--format", "json").output)
    assert exported["id"] == sid and len(exported["turns"]) == 3
    assert exported["turns"][0]["kind"] == "skip"
    md = run("export", sid, "--format", "md").output
    assert "## Transcript" in md and "/skip" in md

    report_md = run("report", sid).output
    assert "# Interview report" in report_md
    report_json = json.loads(run("report", sid, "--format", "json").output)
    assert report_json["session_id"] == sid and report_json["answered"] == 3

    finished = run("resume", sid)
    assert "is finished" in finished.output


def test_unknown_session_names_the_fix(run):
    run("chat", "-n", "1", "--seed", "7", input="/end\n")
    result = run("export", "nope")
    assert result.exit_code == 2
    assert "interviewer sessions" in result.output


def test_llm_grader_without_llm_configured_is_a_clear_error(run):
    result = run("chat", "--grader", "llm")
    assert result.exit_code == 2
    assert "INTERVIEWER_LLM_PROVIDER" in result.output


def test_unknown_category_lists_the_real_ones(run):
    result = run("chat", "-c", "Cooking")
    assert result.exit_code == 2
    assert "Core ML" in result.output


def test_read_only_database_refuses_to_start_with_the_fix(run, monkeypatch):
    real_conn = SessionStore._conn

    def read_only_conn(self):
        conn = real_conn(self)
        conn.execute("PRAGMA query_only = ON")  # SQLite answers SQLITE_READONLY, as for chmod
        return conn

    monkeypatch.setattr(SessionStore, "_conn", read_only_conn)
    result = run("chat", "-n", "1")
    assert result.exit_code == 2
    assert "read-only" in result.output and "Fix:" in result.output
    assert "Question 1" not in result.output  # nothing is asked that could not be saved


def test_huge_piped_answer_is_accepted_with_a_note(run, data_dir):
    huge = "bagging " * 15_000  # 120 kB on one line
    result = run("chat", "-n", "1", "--follow-ups", "0", "--seed", "8", input=huge + "\n")
    assert result.exit_code == 0
    assert "only the first 20,000" in result.output
    sid = db(data_dir).list_sessions()[0].id
    assert len(db(data_dir).turns(sid)[0].answer) == len(huge)


# -- real processes ---------------------------------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {repo!r})
    import typer
    from ui.terminal import register
    from tests.agent_fakes import KeywordGrader, sample_source

    class SlowGrader(KeywordGrader):
        def grade(self, question, answer, *, criteria=None):
            time.sleep(float(os.environ.get("SLOW_GRADE", "0")))
            return super().grade(question, answer, criteria=criteria)

    app = typer.Typer()
    warm = None if os.environ.get("REAL_WARM_UP") else (lambda settings: None)
    register(app, source_factory=lambda s: sample_source(),
             grader_factory=lambda k, s: SlowGrader(), warm_up=warm)
    app()
    """
)


@pytest.fixture
def runner_script(tmp_path) -> Path:
    path = tmp_path / "run_chat.py"
    path.write_text(RUNNER.format(repo=str(REPO)))
    return path


def _turns(data_dir: Path) -> list[tuple]:
    path = data_dir / "sessions.sqlite3"
    if not path.exists():
        return []
    try:
        with sqlite3.connect(path) as conn:
            return conn.execute(
                "SELECT session_id, seq, question_index, question_id, answer FROM turns"
                " ORDER BY seq"
            ).fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []


def _pending(data_dir: Path) -> list[tuple]:
    """(session id, answer) of every answer saved but not graded yet."""
    try:
        with sqlite3.connect(data_dir / "sessions.sqlite3") as conn:
            return conn.execute("SELECT session_id, answer FROM pending_answers").fetchall()
    except sqlite3.OperationalError:  # no database or no table yet
        return []


def _current_question(data_dir: Path):
    path = data_dir / "sessions.sqlite3"
    with sqlite3.connect(path) as conn:
        sid, state = conn.execute("SELECT id, state_json FROM sessions").fetchone()
    state = json.loads(state)
    rec = state["records"][-1]
    return sid, state, QUESTIONS[rec["question_id"]]


def _session_started(data_dir: Path) -> bool:
    path = data_dir / "sessions.sqlite3"
    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
    except sqlite3.OperationalError:
        return False


@pytest.mark.parametrize("kill_while_grading", [False, True])
def test_kill_9_loses_no_answer_and_resume_continues_at_the_right_question(
    runner_script, tmp_path, kill_while_grading
):
    data_dir = tmp_path / "data"
    env = process_env(data_dir, SLOW_GRADE="0.8" if kill_while_grading else "0")
    args = ("chat", "-n", "4", "--follow-ups", "0", "--seed", "11")
    with chat_process(runner_script, *args, env=env, log=tmp_path / "chat.log") as proc:
        wait_for(lambda: _session_started(data_dir))
        answered = 2
        for i in range(answered):
            _, _, q = _current_question(data_dir)
            send(proc, answer_for(q))  # answers arrive slowly, one at a time
            wait_for(lambda n=i + 1: len(_turns(data_dir)) == n)
        sid, state, third = _current_question(data_dir)
        if kill_while_grading:
            # A third answer is being graded (slowly) when the process dies: it was saved as
            # a pending answer first, so it is not lost.
            send(proc, answer_for(third))
            wait_for(lambda: _pending(data_dir) == [(sid, answer_for(third))])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    turns = _turns(data_dir)
    assert len(turns) == answered
    assert [t[2] for t in turns] == [0, 1]
    assert len(state["records"]) == 3  # the third question was out when the process died

    # Resume in a new process: it must ask the third question, then the fourth.
    _, _, pending = _current_question(data_dir)
    assert pending.id == third.id
    # Killed while grading, the saved third answer is graded first; otherwise it is asked.
    resumed = subprocess.run(
        [sys.executable, str(runner_script), "resume", sid],
        input="/skip\n" if kill_while_grading else answer_for(third) + "\n/skip\n",
        capture_output=True,
        text=True,
        env=process_env(data_dir),
        cwd=tmp_path,
        timeout=60,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Welcome back" in resumed.stdout
    assert "Question 3 of 4" in resumed.stdout
    assert third.text in resumed.stdout.split("You ›")[0]
    if kill_while_grading:
        assert "saved before the interruption" in resumed.stdout
    turns = _turns(data_dir)
    assert [t[2] for t in turns] == [0, 1, 2, 3]
    assert turns[2][3] == third.id and turns[2][4] == answer_for(third)
    with sqlite3.connect(data_dir / "sessions.sqlite3") as conn:
        assert conn.execute("SELECT status FROM sessions").fetchone()[0] == "finished"


@pytest.mark.slow
def test_torch_is_not_imported_before_the_first_question_prints(runner_script, tmp_path):
    """The first question must show before heavy imports; the model then loads in background."""
    hook = tmp_path / "sitecustomize.py"
    hook.write_text(
        textwrap.dedent(
            """
            import sys, importlib.abc

            class Watch(importlib.abc.MetaPathFinder):
                def find_spec(self, name, path=None, target=None):
                    if name == "torch":
                        sys.stdout.write("@@TORCH-IMPORTED@@\\n")
                        sys.stdout.flush()
                        sys.meta_path.remove(self)
                    return None

            sys.meta_path.insert(0, Watch())
            """
        )
    )
    env = process_env(tmp_path / "data", REAL_WARM_UP="1", PYTHONPATH=str(tmp_path))
    with chat_process(runner_script, "chat", "-n", "1", "--seed", "1", env=env) as proc:
        # Keep stdin open a while so the warm-up thread gets to import torch.
        time.sleep(12)
        out, _ = proc.communicate("/end\n", timeout=60)
    assert "Question 1 of 1" in out
    assert "@@TORCH-IMPORTED@@" in out, out  # the warm-up did load the model
    assert out.index("Question 1 of 1") < out.index("@@TORCH-IMPORTED@@")


def test_locked_database_mid_session_is_retried_and_no_answer_is_lost(data_dir, monkeypatch):
    import threading

    from ui import terminal as chat_cli

    monkeypatch.setattr(
        chat_cli.Cli,
        "store",
        lambda self, settings: SessionStore(settings.sessions_db, timeout=0.3),
    )
    released = threading.Event()

    class LockingGrader(KeywordGrader):
        """Grades, then lets another program lock the database for ~1.5 s."""

        def grade(self, question, answer, *, criteria=None):
            if not released.is_set():
                conn = sqlite3.connect(
                    data_dir / "sessions.sqlite3", isolation_level=None, check_same_thread=False
                )
                conn.execute("BEGIN IMMEDIATE")

                def release():
                    time.sleep(1.5)
                    conn.execute("ROLLBACK")
                    conn.close()
                    released.set()

                threading.Thread(target=release, daemon=True).start()
            return super().grade(question, answer, criteria=criteria)

    app = make_app(LockingGrader())
    result = CliRunner().invoke(
        app, ["chat", "-n", "1", "--follow-ups", "0", "--seed", "9"], input="my answer\n"
    )
    assert result.exit_code == 0, result.output
    assert "locked" in result.output and "Fix:" in result.output
    sid = db(data_dir).list_sessions()[0].id
    turns = db(data_dir).turns(sid)
    assert [t.answer for t in turns] == ["my answer"]
    assert db(data_dir).get(sid).status == "finished"


def test_a_session_moved_on_elsewhere_is_not_retried_and_says_what_to_do(data_dir):
    """Another process advances the session while this one grades: no retry can succeed."""

    class OtherWindowAnswers(KeywordGrader):
        def grade(self, question, answer, *, criteria=None):
            other = db(data_dir)
            sid = other.list_sessions()[0].id
            stored = other.get(sid, with_turns=False)
            other.commit_turn(
                sid,
                expected_version=stored.version,
                state_json=stored.state_json,
                status=stored.status,
                turn=None,
            )
            return super().grade(question, answer, criteria=criteria)

    result = CliRunner().invoke(
        make_app(OtherWindowAnswers()),
        ["chat", "-n", "2", "--follow-ups", "0", "--seed", "12"],
        input="my answer\nanother answer\n",
    )
    assert result.exit_code == 1
    assert result.output.count("was changed by another process") == 1, result.output
    assert "retrying cannot help" in result.output
    assert "interviewer resume" in result.output and "not recorded" in result.output
    assert "Press Enter to retry" not in result.output


def test_when_only_the_grade_cannot_be_saved_the_answer_is_still_kept(data_dir, monkeypatch):
    from interviewer.store import StoreLockedError
    from ui import terminal as chat_cli

    monkeypatch.setattr(chat_cli.time, "sleep", lambda s: None)
    real_commit = SessionStore.commit_turn

    def locked(self, *args, **kwargs):
        raise StoreLockedError("The session database is locked. Fix: close the other program.")

    monkeypatch.setattr(SessionStore, "commit_turn", locked)
    result = CliRunner().invoke(
        make_app(), ["chat", "-n", "1", "--follow-ups", "0", "--seed", "13"], input="my answer\n"
    )
    assert result.exit_code == 1
    assert "the answer itself is" in result.output and "resuming grades it again" in result.output
    sid = db(data_dir).list_sessions()[0].id
    assert db(data_dir).pending(sid).answer == "my answer"

    monkeypatch.setattr(SessionStore, "commit_turn", real_commit)
    resumed = CliRunner().invoke(make_app(), ["resume", sid], input="")
    assert resumed.exit_code == 0 and "saved before the interruption" in resumed.output
    assert [t.answer for t in db(data_dir).turns(sid)] == ["my answer"]


def test_retry_in_the_terminal_is_stored_as_its_own_turn(run, data_dir):
    result = run(
        "chat",
        "-n",
        "2",
        "--follow-ups",
        "0",
        "--seed",
        "4",
        input="I don't know\n/retry\nI don't know\n/skip\n",
    )
    assert result.exit_code == 0, result.output
    assert "Type /retry to try this question again" in result.output
    assert "try that one again" in result.output
    assert "(try again)" in result.output  # the retried question's header says so
    sid = db(data_dir).list_sessions()[0].id
    assert [t.kind for t in db(data_dir).turns(sid)] == ["idk", "retry", "idk", "skip"]


def test_redrill_asks_the_open_points_of_an_earlier_session(run, data_dir):
    first = run("chat", "-n", "1", "--follow-ups", "0", "--seed", "5", input="I don't know\n")
    assert first.exit_code == 0, first.output
    sid = db(data_dir).list_sessions()[0].id
    redrill = run("chat", "--redrill", sid, input="/end\n")
    assert redrill.exit_code == 0, redrill.output
    assert "(from: " in redrill.output  # each re-drill question names the question it drills
    newest = db(data_dir).list_sessions()[0]
    assert newest.id != sid


def test_redrill_of_an_unknown_session_names_the_fix(run):
    result = run("chat", "--redrill", "nosuchsession")
    assert result.exit_code == 2
    assert "nosuchsession" in result.output
