# ruff: noqa: F811  (pytest fixtures are imported, then named as arguments)
"""The real `openai` and `langchain-openai` clients against an OpenAI-compatible server on
127.0.0.1: what goes over the wire, retries, fallbacks, streaming, the connection check, and
that the API key never leaks."""

from __future__ import annotations

import logging
import socket

import openai
import pytest

from interviewer.grading.llm import reply_token_budget
from interviewer.llm import (
    OLLAMA_BASE_URL,
    LLMConfigError,
    check_connection,
    make_chat_model,
    redact,
)
from interviewer.settings import get_settings
from tests.fake_openai_server import MODEL_ID, FakeOpenAIServer, ScriptedReply
from tests.llm_fixtures import (  # noqa: F401  (fixtures, until tests/conftest.py imports them)
    ANSWER,
    GOOD_REPLY,
    L2_KEY_POINTS,
    TEST_API_KEY,
    fake_openai_server,
    l2_question,
    llm_settings,
    offline_grader,
    wire_grader,
)


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the request and the reply -----------------------------------------------------------------


def test_grading_request_and_reply_over_the_wire(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue(GOOD_REPLY)
    grade = wire_grader(llm_settings, offline_grader).grade(l2_question(), ANSWER)

    assert grade.score == 2.5 and grade.fallback is False and grade.grader == MODEL_ID
    assert [v.key_point for v in grade.verdicts] == L2_KEY_POINTS
    assert grade.notes is not None and grade.notes.follow_up_key_point == L2_KEY_POINTS[2]

    (request,) = fake_openai_server.chat_requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"  # sent, to the server
    assert request.body is not None
    assert request.body["model"] == MODEL_ID
    assert request.body["temperature"] == 0
    assert not request.body.get("stream")
    # An OpenAI-compatible server gets a plain max_tokens sized to the reply, JSON mode, and
    # the instructions in the user message (some chat templates drop system messages).
    assert request.body["max_tokens"] == reply_token_budget(len(L2_KEY_POINTS))
    assert "max_completion_tokens" not in request.body
    assert request.body["response_format"] == {"type": "json_object"}
    (user,) = request.messages
    assert user["role"] == "user"
    instructions, data = user["content"].split("Question kind: technical", 1)
    assert "untrusted_answer" in instructions and "L2 adds the sum" not in instructions
    assert f"<untrusted_answer>\n{ANSWER}\n</untrusted_answer>" in data
    assert "1. " + L2_KEY_POINTS[0] in data


def test_invalid_reply_is_re_asked_over_the_wire(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue("I would give this a 3 out of 5.", GOOD_REPLY)
    grade = wire_grader(llm_settings, offline_grader).grade(l2_question(), ANSWER)

    assert grade.fallback is False and grade.score == 2.5
    first, second = fake_openai_server.chat_requests
    assert [m["role"] for m in second.messages] == ["user", "assistant", "user"]
    assert second.messages[:1] == first.messages  # the same prefix: a prompt cache reuses it
    assert second.messages[1]["content"] == "I would give this a 3 out of 5."
    assert "no JSON object" in second.messages[2]["content"]
    assert second.body["max_tokens"] == first.body["max_tokens"]


# -- failures ----------------------------------------------------------------------------------


def test_429_then_success_backs_off(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue(ScriptedReply(status=429), GOOD_REPLY)
    grader = wire_grader(llm_settings, offline_grader)
    grade = grader.grade(l2_question(), ANSWER)

    assert grade.fallback is False and grade.score == 2.5
    assert grader.sleeps == [1.0]  # type: ignore[attr-defined]
    assert len(fake_openai_server.chat_requests) == 2  # no hidden SDK retries


def test_retry_after_header_is_honoured(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue(ScriptedReply(status=429, headers={"Retry-After": "7"}), GOOD_REPLY)
    grader = wire_grader(llm_settings, offline_grader)
    assert grader.grade(l2_question(), ANSWER).fallback is False
    assert grader.sleeps == [7.0]  # type: ignore[attr-defined]


def test_repeated_500s_fall_back_labelled(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue(*[ScriptedReply(status=500)] * 3)
    grader = wire_grader(llm_settings, offline_grader)
    grade = grader.grade(l2_question(), ANSWER)

    assert grader.sleeps == [1.0, 2.0]  # type: ignore[attr-defined]
    assert len(fake_openai_server.chat_requests) == 3
    assert grade.fallback is True and grade.grader == "offline"
    assert grade.fallback_reason == ("LLM server failed with HTTP 500 (3 attempts); graded offline")
    assert grade.feedback == "graded by the offline stub"


def test_timeout_falls_back(fake_openai_server, offline_grader, tmp_path):
    settings = fake_openai_server.settings(tmp_path, llm_timeout=0.3)
    fake_openai_server.enqueue(ScriptedReply(content=GOOD_REPLY, delay=1.5))
    grade = wire_grader(settings, offline_grader).grade(l2_question(), ANSWER)

    assert grade.fallback is True
    assert grade.fallback_reason == "LLM timed out after 0.3 s; graded offline"
    assert len(fake_openai_server.chat_requests) == 1  # a timeout is not retried


def test_garbage_body_falls_back(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue(ScriptedReply(body=b"<html>502 Bad Gateway</html>"))
    grade = wire_grader(llm_settings, offline_grader).grade(l2_question(), ANSWER)

    assert grade.fallback is True
    assert grade.fallback_reason == (
        "LLM server sent a reply that is not chat-completions JSON; graded offline"
    )


def test_unreachable_server_falls_back(offline_grader, tmp_path):
    settings = get_settings(
        _env_file=None,
        data_dir=tmp_path,
        llm_provider="openai-compatible",
        llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
    )
    grader = wire_grader(settings, offline_grader)
    grade = grader.grade(l2_question(), ANSWER)
    assert grade.fallback_reason == "could not reach the LLM server (3 attempts); graded offline"
    assert grader.sleeps == [1.0, 2.0]  # type: ignore[attr-defined]


# -- streaming ---------------------------------------------------------------------------------


def test_streaming_yields_the_reply_in_pieces_with_usage(fake_openai_server, llm_settings):
    fake_openai_server.enqueue("Welcome. We will cover eight statistics questions today.")
    model = make_chat_model(llm_settings, streaming=True)
    chunks = list(model.stream("Open the interview."))

    assert len([c for c in chunks if c.content]) > 3
    assert "".join(str(c.content) for c in chunks) == (
        "Welcome. We will cover eight statistics questions today."
    )
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert usage and usage[-1]["input_tokens"] > 0 and usage[-1]["output_tokens"] > 0
    (request,) = fake_openai_server.chat_requests
    assert request.body is not None and request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


def test_plain_openai_client_lists_models(fake_openai_server):
    client = openai.OpenAI(base_url=fake_openai_server.base_url, api_key="x", max_retries=0)
    assert [m.id for m in client.models.list()] == [MODEL_ID]


# -- the connection check ----------------------------------------------------------------------


def test_check_connection_ok(fake_openai_server, llm_settings):
    fake_openai_server.enqueue("ok")
    check = check_connection(llm_settings)
    assert check.ok is True
    assert check.message.startswith(f"connected: {MODEL_ID} at {fake_openai_server.base_url}")


def test_check_connection_refused_names_the_fix(tmp_path):
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    settings = get_settings(
        _env_file=None, data_dir=tmp_path, llm_provider="openai-compatible", llm_base_url=base_url
    )
    check = check_connection(settings)
    assert check.ok is False
    assert check.message.startswith(f"connection refused at {base_url}: is the server running")


def test_check_connection_at_ollamas_port_says_ollama_serve(tmp_path):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 11434)) == 0:
            pytest.skip("something is listening on 11434 (a real Ollama?)")
    settings = get_settings(_env_file=None, data_dir=tmp_path, llm_provider="openai-compatible")
    check = check_connection(settings)
    assert check.ok is False
    assert check.message == (
        f"connection refused at {OLLAMA_BASE_URL}: is Ollama running? `ollama serve`"
    )


def test_check_connection_unknown_model_says_pull_it(fake_openai_server, llm_settings):
    fake_openai_server.enqueue(ScriptedReply(status=404, content="model 'fake-model' not found"))
    check = check_connection(llm_settings)
    assert check.ok is False
    assert "`ollama pull fake-model`" in check.message and "INTERVIEWER_LLM_MODEL" in check.message


def test_openai_without_a_key_names_the_variable(tmp_path):
    settings = get_settings(_env_file=None, data_dir=tmp_path, llm_provider="openai")
    with pytest.raises(LLMConfigError, match="INTERVIEWER_LLM_API_KEY"):
        make_chat_model(settings)
    check = check_connection(settings)
    assert check.ok is False and "INTERVIEWER_LLM_API_KEY" in check.message


def test_llm_off_is_a_clear_error(tmp_path):
    with pytest.raises(LLMConfigError, match="INTERVIEWER_LLM_PROVIDER"):
        make_chat_model(get_settings(_env_file=None, data_dir=tmp_path))


# -- the key never leaks -----------------------------------------------------------------------


def test_api_key_never_leaks(fake_openai_server, llm_settings, offline_grader, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, the SDK's and httpx's included
    echo = f"Incorrect API key provided: {TEST_API_KEY}"  # a server that echoes the key back
    fake_openai_server.enqueue(
        GOOD_REPLY,
        ScriptedReply(status=401, content=echo),
        ScriptedReply(status=400, content=echo),
        *[ScriptedReply(status=500, content=echo)] * 3,
        ScriptedReply(status=401, content=echo),
        ScriptedReply(status=400, content=echo),
        ScriptedReply(body=echo.encode()),
    )
    grader = wire_grader(llm_settings, offline_grader)
    port = grader.primary.model
    outputs: list[str] = [repr(port.chat_model), str(port.chat_model), repr(port)]
    outputs.append(repr(llm_settings))
    for _ in range(5):  # ok, 401, 400, 500 x3, then garbage
        grade = grader.grade(l2_question(), ANSWER)
        outputs += [grade.model_dump_json(), repr(grade)]
    for _ in range(2):  # 401, 400 through the connection check
        outputs.append(check_connection(llm_settings).message)
    assert fake_openai_server.remaining == 0

    openai_settings = get_settings(
        _env_file=None, llm_provider="openai", llm_api_key="", data_dir=llm_settings.data_dir
    )
    with pytest.raises(LLMConfigError) as raised:
        make_chat_model(openai_settings)
    outputs.append(str(raised.value))

    captured = capsys.readouterr()
    outputs += [caplog.text, captured.out, captured.err]
    assert "HTTP Request" in caplog.text or "Sending HTTP Request" in caplog.text  # logs ran
    for text in outputs:
        assert TEST_API_KEY not in text
        assert TEST_API_KEY[8:] not in text  # nor most of it


def test_redact_removes_keys_and_key_shapes():
    text = f"key {TEST_API_KEY}; header Authorization: Bearer abc.def; api_key='zzz123'"
    cleaned = redact(text, TEST_API_KEY)
    assert TEST_API_KEY not in cleaned and "abc.def" not in cleaned and "zzz123" not in cleaned
    assert redact("sk-live-1234567890abcdef") == "***"
    assert redact("plain words stay", "x") == "plain words stay"


def test_server_fixture_binds_loopback_only(fake_openai_server: FakeOpenAIServer):
    assert fake_openai_server.base_url.startswith("http://127.0.0.1:")
