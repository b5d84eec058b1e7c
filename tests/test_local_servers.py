# ruff: noqa: F811  (pytest fixtures are imported, then named as arguments)
"""The LLM path against servers that behave like real local ones (llama.cpp, Ollama, vLLM,
LM Studio), not like OpenAI: the loopback server's `ServerProfile`s, the real `openai` and
`langchain-openai` clients, and what reaches the wire checked in the server's request log.
"""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
from typer.testing import CliRunner

from interviewer.agent.lines import WRAP_UP_DEADLINE, LLMLineWriter, make_line_writer
from interviewer.grading.fallback import FallbackGrader
from interviewer.grading.llm import reply_token_budget
from interviewer.llm import LLMError, LLMErrorKind, check_connection
from interviewer.settings import LOCAL_TIMEOUT, OPENAI_TIMEOUT, get_settings
from tests.fake_chat import FakeChatModel, FakeReply
from tests.fake_openai_server import FakeOpenAIServer, ScriptedReply, ServerProfile
from tests.fake_port import FakeChatPort, Scripted
from tests.llm_fixtures import (  # noqa: F401  (fixtures)
    ANSWER,
    GOOD_REPLY,
    L2_KEY_POINTS,
    TEST_API_KEY,
    adapter_over,
    l2_question,
    langchain_grader,
    offline_grader,
    port_grader,
    wire_grader,
)

BUDGET = reply_token_budget(len(L2_KEY_POINTS))


@pytest.fixture
def server_factory(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    started: list[FakeOpenAIServer] = []

    def start(profile: ServerProfile | None = None) -> FakeOpenAIServer:
        server = FakeOpenAIServer(profile).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def settings_for(server: FakeOpenAIServer, tmp_path, **extra):
    return server.settings(tmp_path, **{"llm_max_retries": 2, **extra})


def grader_for(settings, fallback) -> FallbackGrader:
    return wire_grader(settings, fallback)


# -- output caps at the wire ------------------------------------------------------------------


def test_every_call_to_a_local_server_carries_a_plain_max_tokens(
    server_factory, tmp_path, offline_grader
):
    server = server_factory(ServerProfile.llama_cpp())
    settings = settings_for(server, tmp_path)
    server.enqueue(GOOD_REPLY, "Thank you, that is the end of the session.", "ok")
    grader_for(settings, offline_grader).grade(l2_question(), ANSWER)
    writer = make_line_writer(settings)
    assert writer is not None and writer("wrap_up", ["questions answered: 1 of 1"])
    assert check_connection(settings).ok

    grade, line, check = (r.body for r in server.chat_requests)
    assert grade["max_tokens"] == BUDGET
    assert 0 < line["max_tokens"] <= 120 and 0 < check["max_tokens"] <= 32
    assert all("max_completion_tokens" not in body for body in (grade, line, check))


def test_openai_itself_gets_max_completion_tokens(server_factory, tmp_path, offline_grader):
    server = server_factory()  # behaves like OpenAI; reached as provider "openai"
    settings = settings_for(server, tmp_path, llm_provider="openai", llm_api_key=TEST_API_KEY)
    server.enqueue(GOOD_REPLY)
    grader_for(settings, offline_grader).grade(l2_question(), ANSWER)
    (request,) = server.chat_requests
    assert request.body["max_completion_tokens"] == BUDGET
    assert "max_tokens" not in request.body
    assert [m["role"] for m in request.messages] == ["system", "user"]  # OpenAI keeps system


def test_a_runaway_model_is_cut_at_the_cap_so_the_next_call_is_not_stuck_behind_it(
    server_factory, tmp_path, offline_grader
):
    """One slot, keeps generating after its client has gone, 2 ms a token, and no grammar
    to end the reply: uncapped, the first reply would hold the slot for 4096 tokens (8 s)
    and time out the call queued behind it."""
    profile = dataclasses.replace(
        ServerProfile.llama_cpp(token_delay=0.002), constrained_json=False
    )
    server = server_factory(profile)
    settings = settings_for(server, tmp_path, llm_timeout=3.0)
    grader = grader_for(settings, offline_grader)
    server.enqueue(ScriptedReply(content=GOOD_REPLY, runaway=True), GOOD_REPLY)
    first = grader.grade(l2_question(), ANSWER)
    second = grader.grade(l2_question(), ANSWER)
    assert server.generated_tokens[0] == BUDGET  # stopped at the cap, not at the context
    assert not first.fallback and not second.fallback, (first.fallback_reason, second)


def test_a_reply_cut_at_the_cap_is_re_asked_saying_so(server_factory, tmp_path, offline_grader):
    server = server_factory(ServerProfile.llama_cpp())
    settings = settings_for(server, tmp_path)
    endless = '{"feedback": "' + "This answer rambles on. " * 400
    server.enqueue(ScriptedReply(content=endless, runaway=True), GOOD_REPLY)
    grade = grader_for(settings, offline_grader).grade(l2_question(), ANSWER)
    assert not grade.fallback and grade.score == 2.5
    fix = server.chat_requests[1].messages[-1]["content"]
    assert f"stopped at the {BUDGET}-token limit" in fix


# -- JSON mode -----------------------------------------------------------------------------------


def test_json_object_mode_is_asked_for_and_a_constrained_reply_parses_first_time(
    server_factory, tmp_path, offline_grader
):
    server = server_factory(ServerProfile.llama_cpp())  # refuses json_schema
    settings = settings_for(server, tmp_path)
    server.enqueue("Sure! Here is my grading:\n" + GOOD_REPLY + "\nHope this helps!")
    grade = grader_for(settings, offline_grader).grade(l2_question(), ANSWER)
    (request,) = server.chat_requests
    assert request.body["response_format"] == {"type": "json_object"}
    assert grade.score == 2.5 and not grade.fallback


def test_a_server_that_refuses_json_mode_is_asked_again_without_it_and_never_again(
    server_factory, tmp_path, offline_grader
):
    server = server_factory(ServerProfile.no_json_mode())
    settings = settings_for(server, tmp_path)
    grader = grader_for(settings, offline_grader)
    server.enqueue(GOOD_REPLY, GOOD_REPLY)
    first = grader.grade(l2_question(), ANSWER)
    second = grader.grade(l2_question(), ANSWER)
    assert not first.fallback and not second.fallback
    refused, accepted, later = (r.body for r in server.chat_requests)
    assert refused["response_format"] == {"type": "json_object"}
    assert "response_format" not in accepted and "response_format" not in later
    assert grader.primary.model.json_mode is False


# -- streams, usage and system messages -----------------------------------------------------------


def test_a_stream_without_usage_still_grades_and_reports_no_usage(
    server_factory, tmp_path, offline_grader
):
    server = server_factory(ServerProfile.llama_cpp())
    settings = settings_for(server, tmp_path)
    server.enqueue(GOOD_REPLY)
    grader = grader_for(settings, offline_grader)
    shown: list[str] = []
    grade = grader.grade(l2_question(), ANSWER, on_text=shown.append)
    assert grade.score == 2.5 and shown
    assert server.chat_requests[0].body["stream"] is True
    assert grader.primary.last_usage == {}  # unknown, not invented


def test_instructions_survive_a_server_that_drops_system_messages(
    server_factory, tmp_path, offline_grader
):
    server = server_factory(ServerProfile.llama_cpp())
    settings = settings_for(server, tmp_path)
    server.enqueue(GOOD_REPLY)
    grader_for(settings, offline_grader).grade(l2_question(), ANSWER)
    seen = "\n".join(m["content"] for m in server.chat_requests[0].seen_by_model)
    assert "untrusted_answer" in seen and '"verdict"' in seen  # the rubric reached the model
    assert seen.count("One verdict per criterion") == 1  # and only once


# -- a stream cut off mid-reply (fault 5) ---------------------------------------------------------


@pytest.mark.parametrize("abruptly", [False, True])
def test_a_stream_cut_off_mid_reply_is_a_lost_connection_not_an_invalid_reply(
    server_factory, tmp_path, offline_grader, abruptly
):
    server = server_factory()
    settings = settings_for(server, tmp_path)
    server.enqueue(*[ScriptedReply(content=GOOD_REPLY, cut_after=6, cut_abruptly=abruptly)] * 3)
    grade = grader_for(settings, offline_grader).grade(l2_question(), ANSWER, on_text=print)
    assert grade.fallback
    assert grade.fallback_reason == (
        "lost the connection to the LLM server in the middle of its reply (3 attempts); "
        "graded offline"
    )
    assert all(len(r.messages) == 1 for r in server.chat_requests)  # retried, never re-asked


def test_a_stream_cut_once_is_retried(offline_grader):
    chat = FakeChatModel().enqueue(FakeReply(GOOD_REPLY, cut_after=4), GOOD_REPLY)
    grader = langchain_grader(chat, offline_grader)
    grade = grader.grade(l2_question(), ANSWER, on_text=lambda text: None)
    assert not grade.fallback and grade.score == 2.5 and chat.modes == ["stream", "stream"]


# -- timeouts and the wrap-up line ---------------------------------------------------------------


def test_local_servers_get_a_longer_default_timeout(monkeypatch):
    assert get_settings(_env_file=None).llm_timeout == OPENAI_TIMEOUT
    local = get_settings(_env_file=None, llm_provider="openai-compatible")
    assert local.llm_timeout == LOCAL_TIMEOUT
    monkeypatch.setenv("INTERVIEWER_LLM_TIMEOUT", "45")
    assert get_settings(_env_file=None, llm_provider="openai-compatible").llm_timeout == 45


def test_a_slow_wrap_up_line_gives_way_to_the_fixed_closing_line(tmp_path):
    from interviewer.agent.config import SessionConfig
    from interviewer.agent.engine import InterviewEngine
    from interviewer.agent.phrasing import MessageKind
    from interviewer.store import SessionStore
    from tests.agent_fakes import KeywordGrader, sample_source

    slow = FakeChatPort().enqueue(Scripted("A lovely closing line.", delay=5))
    engine = InterviewEngine(
        source=sample_source(),
        grader=KeywordGrader(),
        store=SessionStore(tmp_path / "s.sqlite3"),
        line_writer=LLMLineWriter(slow, timeout=0.2),
    )
    session = engine.start(SessionConfig(questions=1, follow_ups=0, seed=1))
    started = time.monotonic()
    result = session.submit("/skip")
    assert time.monotonic() - started < 2.0
    line = next(m.text for m in result.messages if m.kind is MessageKind.wrap_up)
    assert line == "That's all the questions I have. Thank you for your time."


def test_the_chat_wrap_up_uses_the_short_deadline_not_the_grading_timeout(data_dir):
    from interviewer.store import SessionStore
    from tests.agent_fakes import KeywordGrader, sample_source
    from ui.terminal import Cli

    cli = Cli(lambda s: sample_source(), lambda kind, s: KeywordGrader())
    settings = get_settings(_env_file=None, llm_provider="openai-compatible", llm_model="m")
    engine = cli.engine(settings, SessionStore(data_dir / "s.sqlite3"), "llm")
    assert settings.llm_timeout == LOCAL_TIMEOUT
    assert engine.line_writer.timeout == WRAP_UP_DEADLINE < LOCAL_TIMEOUT


# -- honest labels: sessions and evaluations ------------------------------------------------------


def test_sessions_are_labelled_by_what_actually_graded_them(data_dir, monkeypatch):
    import typer

    from tests.agent_fakes import KeywordGrader, sample_source
    from ui.terminal import register

    monkeypatch.setenv("INTERVIEWER_LLM_PROVIDER", "openai-compatible")
    monkeypatch.setenv("INTERVIEWER_LLM_MODEL", "gemma-3-270m")
    down = FakeChatModel().enqueue(*[FakeReply(error=ConnectionRefusedError("refused"))] * 20)
    grader = port_grader(adapter_over(down, "gemma-3-270m", max_retries=0), KeywordGrader())
    app = typer.Typer()
    register(
        app,
        source_factory=lambda s: sample_source(),
        grader_factory=lambda kind, s: grader,
        warm_up=lambda s: None,
    )
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["chat", "-n", "3", "--follow-ups", "0", "--seed", "2"],
        input="an answer\nanother answer\na third answer\n",
    )
    assert done.exit_code == 0, done.output
    expected = "gemma-3-270m (0 of 3 answers; 3 fell back to offline)"
    (row,) = json.loads(runner.invoke(app, ["sessions", "--json"]).output)
    assert row["grader"] == expected and row["configured_grader"] == "gemma-3-270m"
    assert row["answers_graded"] == {"llm": 0, "fallback": 3, "offline": 0}
    table = runner.invoke(app, ["sessions"], env={"COLUMNS": "200"}).output
    assert "0 of 3 answers; 3 fell back" in " ".join(table.split())
    export = runner.invoke(app, ["export", row["id"], "--format", "md"]).output
    assert f"grader: {expected}" in export


def test_an_evaluation_that_mostly_fell_back_is_not_called_llm_figures(tmp_path, monkeypatch):
    import csv

    from eval import cli as eval_cli
    from tests.test_eval_harness import COLUMNS, ROWS, ScriptedGrader

    path = tmp_path / "tiny.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    one_ok = json.dumps(
        {
            "feedback": "ok",
            "key_points": [{"key_point": 1, "verdict": "covered", "evidence": "closed circuit"}],
        }
    )
    timed_out = LLMError(LLMErrorKind.timeout, "LLM timed out after 30 s")
    chat = FakeChatPort("gemma-3-270m").enqueue(one_ok, *[timed_out] * (len(ROWS) - 1))
    grader = port_grader(chat, ScriptedGrader())
    monkeypatch.setattr(eval_cli, "_build_grader", lambda kind, err: grader)
    args = ["grader", "--dataset", str(path), "--label", "label_2way", "--grader", "llm"]
    runner = CliRunner()

    out = json.loads(runner.invoke(eval_cli.app, [*args, "--json", "--no-report"]).stdout)
    assert out["fallbacks"] == len(ROWS) - 1 and out["llm_graded"] == 1
    assert out["llm_share"] == round(1 / len(ROWS), 4) and out["llm_figures"] is False
    assert out["grader"].startswith("NOT LLM figures")

    chat.enqueue(one_ok, *[timed_out] * (len(ROWS) - 1))
    table = runner.invoke(eval_cli.app, [*args, "--results-dir", str(tmp_path / "r")]).output
    flat = " ".join(table.split())
    assert "not LLM figures" in flat and f"fell back to offline: {len(ROWS) - 1}" in flat
    assert "LLM gemma-3-270m" not in flat
    (report,) = (tmp_path / "r").glob("*.md")
    assert "mostly-offline-fallback" in report.name
    text = report.read_text()
    assert "These are not LLM figures" in text and "fallbacks to offline" in text
    stored = json.loads(report.with_suffix(".json").read_text())
    assert stored["fallbacks"] == len(ROWS) - 1 and stored["llm_figures"] is False
