"""Server mode: a real `chroma run` on 127.0.0.1, ingested into and queried through HttpClient."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from interviewer.bank import BankUnavailable, ChromaBank
from interviewer.settings import ChromaMode, get_settings

pytestmark = pytest.mark.slow

BANK = """## Q1: What is the bias-variance tradeoff?

**Answer**:

Error splits into bias, variance and noise; flexible models lower bias but raise variance.

**Key points**:
- Expected error decomposes into bias squared, variance and irreducible noise.
- More flexible models reduce bias but increase variance.
- Model selection balances the two, e.g. with cross-validation.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(tmp_path: Path, port: int | None = None) -> tuple[subprocess.Popen, int]:
    """`chroma run` on 127.0.0.1, storing in tmp_path/server-data; waits for its heartbeat."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = port or free_port()
    log = (tmp_path / "chroma.log").open("a")
    proc = subprocess.Popen(
        [
            str(exe),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(tmp_path / 'chroma.log').read_text()}")
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not answer its heartbeat within 60 s")
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture
def chroma_server(tmp_path):
    proc, port = start_chroma(tmp_path)
    yield port
    stop(proc)


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path):
    settings = get_settings(chroma_host="127.0.0.1", chroma_port=chroma_server)
    assert settings.chroma_mode is ChromaMode.server
    bank = ChromaBank(settings)
    path = tmp_path / "server_bank.md"
    path.write_text(BANK)
    report = ingest(bank, [path])
    assert report.files[0].status == "added"
    hits = bank.search("trade-off between bias and variance", k=1)
    assert hits[0].question.text == "What is the bias-variance tradeoff?"
    assert hits[0].similarity > 0.6
    # A second client sees the same data: it lives in the server, not in this process.
    again = ChromaBank(get_settings(chroma_host="127.0.0.1", chroma_port=chroma_server))
    assert again.count() == 1
    assert ingest(again, [path]).files[0].status == "unchanged"
    assert not (settings.chroma_dir).exists(), "server mode must not write an embedded store"


def test_unreachable_server_gives_a_clear_error():
    settings = get_settings(chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(BankUnavailable, match="INTERVIEWER_CHROMA_HOST"):
        ChromaBank(settings)


# -- the server going away mid-session -----------------------------------------------------------

TWO_QUESTIONS = (
    BANK
    + """
---

## Q2: What does regularisation do?

**Answer**:

It penalises model complexity so the model generalises better.

**Key points**:
- It adds a penalty on model complexity to the training loss.
- It reduces overfitting by trading a little bias for lower variance.
"""
)


def _chat_app(killer):
    """The real CLI with the real Chroma bank; the grader kills the server when told to."""
    import typer

    from tests.agent_fakes import KeywordGrader
    from ui.terminal import register

    class Grader(KeywordGrader):
        def grade(self, question, answer, *, criteria=None):
            killer()
            return super().grade(question, answer, criteria=criteria)

    app = typer.Typer()
    register(app, grader_factory=lambda kind, s: Grader(), warm_up=lambda s: None)
    return app


def _served_bank(tmp_path, monkeypatch):
    """Start `chroma run`, ingest two questions, point the CLI at it."""
    proc, port = start_chroma(tmp_path)
    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("INTERVIEWER_CHROMA_PORT", str(port))
    path = tmp_path / "two.md"
    path.write_text(TWO_QUESTIONS)
    assert not ingest(ChromaBank(get_settings()), [path]).failed
    return proc, port


def _kill(proc):
    def kill() -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    return kill


def test_server_killed_mid_session_the_report_still_renders(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from interviewer.store import SessionStore

    proc, _ = _served_bank(tmp_path, monkeypatch)
    try:
        result = CliRunner().invoke(
            _chat_app(_kill(proc)),
            ["chat", "-n", "2", "--follow-ups", "0", "--seed", "1"],
            input="Flexible models lower bias.\nIt adds a penalty.\n",
        )
    finally:
        stop(proc)
    out = result.output
    assert result.exit_code == 0, out
    assert "Traceback" not in out and "ConnectError" not in out.split("left out")[0]
    assert "Interview report" in out
    assert out.count('"Practise next" links are left out') == 1
    store = SessionStore(get_settings().sessions_db)
    (summary,) = store.list_sessions()
    assert summary.status == "finished" and summary.questions_done == 2
    assert [t.answer for t in store.turns(summary.id)] == [
        "Flexible models lower bias.",
        "It adds a penalty.",
    ]


def test_server_down_on_resume_and_mid_answer_gives_one_line_and_loses_nothing(
    tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from interviewer.store import SessionStore

    proc, port = _served_bank(tmp_path, monkeypatch)
    runner = CliRunner()
    never = _chat_app(lambda: None)
    try:
        started = runner.invoke(
            never, ["chat", "-n", "2", "--follow-ups", "0", "--seed", "1"], input=""
        )
        assert started.exit_code == 0, started.output
        store = SessionStore(get_settings().sessions_db)
        sid = store.list_sessions()[0].id

        # Resumed while the server is up; it dies while the answer is graded.
        resumed = runner.invoke(_chat_app(_kill(proc)), ["resume", sid], input="An answer.\n")
        assert resumed.exit_code == 1, resumed.output
        assert "Traceback" not in resumed.output
        line = resumed.output.strip().splitlines()[-1]
        assert "INTERVIEWER_CHROMA_HOST/PORT" in line and f"interviewer resume {sid}" in line
        assert store.pending(sid).answer == "An answer."  # saved before grading

        # Resumed while it is down: one clear line again.
        down = runner.invoke(never, ["resume", sid], input="")
        assert down.exit_code == 2 and "Traceback" not in down.output
        assert "INTERVIEWER_CHROMA_HOST/PORT" in down.output
        assert f"interviewer resume {sid}" in down.output
    finally:
        stop(proc)

    # The server is back: resuming grades the saved answer first.
    proc, _ = start_chroma(tmp_path, port)
    try:
        back = runner.invoke(never, ["resume", sid], input="")
    finally:
        stop(proc)
    assert back.exit_code == 0, back.output
    assert "saved before the interruption" in back.output
    assert [t.answer for t in store.turns(sid)] == ["An answer."]


# -- the server down before a stored session's report is opened ---------------------------------


def _stored_session(data_dir: Path) -> str:
    """A finished one-question session in this test's data folder, graded by the keyword fake
    (no model)."""
    from interviewer.agent.config import SessionConfig
    from interviewer.agent.engine import InterviewEngine
    from interviewer.store import SessionStore
    from tests.agent_fakes import KeywordGrader, sample_source

    store = SessionStore(get_settings().sessions_db)
    engine = InterviewEngine(source=sample_source(), grader=KeywordGrader(), store=store)
    session = engine.start(SessionConfig(questions=1, follow_ups=0, seed=1))
    session.submit("Bias and variance trade off; regularisation helps.")
    assert session.state.done
    return session.id


def _report_page(session_id: str):
    """The UI report page for `session_id`, run once without an exception, and its one
    "left out" note."""
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parent.parent / "ui" / "views" / "report.py"
    at = AppTest.from_file(str(page), default_timeout=120)
    at.query_params["session"] = session_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (note,) = [i.value for i in at.info if "left out" in i.value]
    return at, note


def test_cli_report_with_the_server_down_renders_from_the_store(data_dir, monkeypatch):
    from typer.testing import CliRunner

    from interviewer.cli import app

    sid = _stored_session(data_dir)
    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("INTERVIEWER_CHROMA_PORT", str(free_port()))  # nothing listens there
    result = CliRunner().invoke(app, ["report", sid], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "# Interview report" in result.output
    (note,) = [line for line in result.output.splitlines() if "left out" in line]
    assert "INTERVIEWER_CHROMA_HOST" in note.replace("\\", "")  # Markdown escapes the "_"
    assert "Traceback" not in result.output


def test_ui_report_page_with_the_server_down_shows_one_line(data_dir, monkeypatch):
    sid = _stored_session(data_dir)
    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("INTERVIEWER_CHROMA_PORT", str(free_port()))
    at, note = _report_page(sid)
    assert "INTERVIEWER_CHROMA_HOST" in note.replace("\\", "") and "session store" in note
    assert not [b for b in at.button if b.key == "report_redrill"]  # it needs the bank
    assert not at.error  # one line, and the rest of the report is there
    assert any(f"Session `{sid}` · finished" in c.value for c in at.caption)


def test_ui_report_page_when_the_bank_fails_after_opening(data_dir, monkeypatch):
    import httpx

    import ui.resources

    class GoneBank:  # opened while the server was up; it has gone since
        def count(self):
            raise httpx.ConnectError("[Errno 111] Connection refused")

    sid = _stored_session(data_dir)
    monkeypatch.setattr(ui.resources, "bank", lambda settings: GoneBank())
    at, note = _report_page(sid)
    assert "ConnectError" in note and "INTERVIEWER_CHROMA_HOST" in note.replace("\\", "")
    assert not [b for b in at.button if b.key == "report_redrill"]


def test_ui_report_page_asks_a_failing_bank_again_only_after_a_while(data_dir, monkeypatch):
    """Every click reruns the page; with an unreachable host each probe costs the client's
    connect timeout, so a failure stands for `BANK_RECHECK_SECONDS`."""
    import httpx

    import ui.resources

    probes = []

    class GoneBank:
        def count(self):
            probes.append(1)
            raise httpx.ConnectError("[Errno 111] Connection refused")

    sid = _stored_session(data_dir)
    monkeypatch.setattr(ui.resources, "bank", lambda settings: GoneBank())
    at, note = _report_page(sid)
    assert "checks again after 15 s" in note
    at.run()
    assert len(probes) == 1  # the second run reused the verdict
    monkeypatch.setattr(ui.resources, "BANK_RECHECK_SECONDS", 0.0)
    at.run()
    assert len(probes) == 2
    assert not at.exception


def test_a_bank_that_answers_again_is_used_at_once(data_dir, monkeypatch):
    import ui.resources

    class Flaky:
        up = False

        def count(self):
            if not self.up:
                raise ConnectionError("down")
            return 3

    flaky = Flaky()
    monkeypatch.setattr(ui.resources, "bank", lambda settings: flaky)
    monkeypatch.setattr(ui.resources, "BANK_RECHECK_SECONDS", 0.0)
    s = get_settings()
    assert isinstance(ui.resources.bank_failure(s), ConnectionError)
    flaky.up = True
    assert ui.resources.bank_failure(s) is None
    flaky.up = False  # a success is not remembered: the next failure shows at once
    monkeypatch.setattr(ui.resources, "BANK_RECHECK_SECONDS", 15.0)
    assert isinstance(ui.resources.bank_failure(s), ConnectionError)
