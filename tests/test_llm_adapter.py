# ruff: noqa: F811  (pytest fixtures are imported, then named as arguments)
"""The LangChain adapter behind the `ChatModel` port, over a scripted LangChain chat model
(tests/fake_chat.py): what it sends, the deadline, retries, JSON mode, streaming, usage and
the words of its errors. Over the wire it is tested in tests/test_llm_wire.py and
tests/test_local_servers.py."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from interviewer.llm import (
    ChatMessage,
    LangChainChatModel,
    LLMConfigError,
    LLMError,
    LLMErrorKind,
    Reply,
    Usage,
    WireStyle,
    make_chat_port,
)
from interviewer.settings import get_settings
from tests.fake_chat import FakeChatModel, FakeReply
from tests.llm_fixtures import TEST_API_KEY, adapter_over, fake_chat  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parent.parent
ASK = [ChatMessage("system", "Be brief."), ChatMessage("user", "Say hi.")]


class StatusError(Exception):
    """Shaped like an openai APIStatusError: a status code and, maybe, response headers."""

    def __init__(self, code: int, headers: dict[str, str] | None = None, text: str = "") -> None:
        super().__init__(text or f"Error code: {code}")
        self.status_code = code
        self.response = SimpleNamespace(headers=headers or {})


def failure(port: LangChainChatModel, **options) -> LLMError:
    with pytest.raises(LLMError) as raised:
        port.complete(ASK, max_tokens=50, **options)
    return raised.value


# -- the request and the reply -------------------------------------------------------------


def test_a_reply_comes_back_with_its_usage_and_finish_reason(fake_chat):
    fake_chat.enqueue(FakeReply("hi there", finish_reason="length"))
    reply = adapter_over(fake_chat).complete(ASK, max_tokens=50)
    assert reply == Reply("hi there", Usage(**fake_chat.usage[0]), "length")
    system, user = fake_chat.calls[0]
    assert (system.type, system.content) == ("system", "Be brief.")
    assert (user.type, user.content) == ("human", "Say hi.")
    assert fake_chat.options == [{"extra_body": {"max_tokens": 50}}]


JSON_OBJECT = {"type": "json_object"}


@pytest.mark.parametrize(
    ("wire", "options"),
    [
        (
            WireStyle(openai=True),
            {"max_tokens": 50, "extra_body": {"response_format": JSON_OBJECT}},
        ),
        (WireStyle(openai=True, reasoning=True, json_mode=False), {"max_tokens": 50 + 4096}),
        (WireStyle(), {"extra_body": {"max_tokens": 50, "response_format": JSON_OBJECT}}),
        (WireStyle(json_mode=False), {"extra_body": {"max_tokens": 50}}),
    ],
)
def test_the_cap_and_json_mode_are_sent_as_the_wire_style_says(fake_chat, wire, options):
    fake_chat.enqueue("{}")
    adapter_over(fake_chat, wire=wire).complete(ASK, max_tokens=50, json_mode=True)
    assert fake_chat.options == [options]


def test_system_prompts_are_folded_for_servers_that_drop_them(fake_chat):
    fake_chat.enqueue("hi")
    adapter_over(fake_chat, wire=WireStyle(fold_system=True)).complete(ASK, max_tokens=5)
    (user,) = fake_chat.calls[0]
    assert (user.type, user.content) == ("human", "Be brief.\n\nSay hi.")


def test_a_model_is_built_on_first_use_once_per_mode():
    built: list[bool] = []

    def build(streaming: bool) -> FakeChatModel:
        built.append(streaming)
        return FakeChatModel().enqueue("one", "two")

    port = LangChainChatModel(build=build, name="lazy")
    assert built == []
    port.complete(ASK, max_tokens=5)
    port.complete(ASK, max_tokens=5)
    port.complete(ASK, max_tokens=5, on_text=lambda text: None)
    assert built == [False, True]


def test_make_chat_port_checks_the_settings_without_connecting(tmp_path):
    with pytest.raises(LLMConfigError, match="INTERVIEWER_LLM_API_KEY"):
        make_chat_port(get_settings(_env_file=None, data_dir=tmp_path, llm_provider="openai"))
    settings = get_settings(
        _env_file=None, data_dir=tmp_path, llm_provider="openai-compatible", llm_model="m"
    )
    port = make_chat_port(settings, max_retries=0)
    assert port.name == "m" and port.max_retries == 0 and port.wire.fold_system


# -- deadline and retries --------------------------------------------------------------------


def test_the_deadline_holds_and_a_timeout_is_not_retried(fake_chat):
    fake_chat.enqueue(FakeReply("late", delay=1.0), "never asked")
    port = adapter_over(fake_chat, base_url="http://127.0.0.1:8080/v1")
    started = time.monotonic()
    error = failure(port, timeout=0.1)
    assert time.monotonic() - started < 0.8
    assert (error.kind, error.message) == (LLMErrorKind.timeout, "LLM timed out after 0.1 s")
    assert error.detail.startswith("no reply from http://127.0.0.1:8080/v1 within 0.1 s")
    assert port.sleeps == [] and fake_chat.remaining == 1


def test_429_5xx_and_lost_connections_are_retried_with_backoff(fake_chat):
    fake_chat.enqueue(
        FakeReply(error=StatusError(429)),
        FakeReply(error=StatusError(503)),
        FakeReply(error=ConnectionResetError("reset")),
        "at last",
    )
    port = adapter_over(fake_chat, max_retries=3)
    assert port.complete(ASK, max_tokens=5).text == "at last"
    assert port.sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(("hinted", "waited"), [("7", 7.0), ("600", 20.0), ("soon", 1.0)])
def test_retry_after_is_honoured_up_to_a_limit(fake_chat, hinted, waited):
    fake_chat.enqueue(FakeReply(error=StatusError(429, {"retry-after": hinted})), "ok")
    port = adapter_over(fake_chat)
    port.complete(ASK, max_tokens=5)
    assert port.sleeps == [waited]


def test_exhausted_retries_say_how_many_attempts_were_made(fake_chat):
    fake_chat.enqueue(*[FakeReply(error=ConnectionRefusedError("refused"))] * 3)
    port = adapter_over(fake_chat, base_url="http://127.0.0.1:11434/v1")
    error = failure(port)
    assert (error.kind, error.attempts) == (LLMErrorKind.connection, 3)
    assert error.message == "could not reach the LLM server (3 attempts)"
    assert error.detail == (
        "connection refused at http://127.0.0.1:11434/v1: is Ollama running? `ollama serve`"
    )


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (401, LLMErrorKind.auth, "check INTERVIEWER_LLM_API_KEY"),
        (404, LLMErrorKind.not_found, "INTERVIEWER_LLM_MODEL"),
        (422, LLMErrorKind.rejected, "LLM rejected the request (HTTP 422)"),
    ],
)
def test_client_errors_are_not_retried_and_name_the_fix(fake_chat, code, kind, words):
    fake_chat.enqueue(FakeReply(error=StatusError(code)))
    port = adapter_over(fake_chat)
    error = failure(port)
    assert error.kind is kind and words in error.message and error.status == code
    assert port.sleeps == [] and len(fake_chat.calls) == 1


def test_errors_never_carry_the_key(fake_chat):
    echo = f"Incorrect API key provided: {TEST_API_KEY}"
    fake_chat.enqueue(FakeReply(error=StatusError(400, text=echo)))
    port = adapter_over(fake_chat, secrets=[TEST_API_KEY], wire=WireStyle(json_mode=False))
    error = failure(port)
    assert "rejected the request (HTTP 400)" in error.detail
    for text in (error.message, error.detail, str(error), repr(port)):
        assert TEST_API_KEY not in text and TEST_API_KEY[8:] not in text


# -- JSON mode -------------------------------------------------------------------------------


def test_a_server_that_refuses_json_mode_is_not_asked_again(fake_chat):
    fake_chat.enqueue(FakeReply(error=StatusError(400)), "{}", "{}")
    port = adapter_over(fake_chat)
    port.complete(ASK, max_tokens=5, json_mode=True)
    port.complete(ASK, max_tokens=5, json_mode=True)
    asked = ["response_format" in o["extra_body"] for o in fake_chat.options]
    assert asked == [True, False, False] and port.json_mode is False
    assert port.sleeps == []  # the refusal cost no attempt and no wait


def test_a_400_without_json_mode_is_a_rejected_request(fake_chat):
    fake_chat.enqueue(FakeReply(error=StatusError(400)))
    port = adapter_over(fake_chat)
    assert failure(port).kind is LLMErrorKind.rejected and port.json_mode is True


# -- streaming -------------------------------------------------------------------------------


def test_a_stream_hands_over_the_text_so_far_and_returns_the_whole_reply(fake_chat):
    fake_chat.enqueue(FakeReply("one two three", finish_reason="stop"))
    shown: list[str] = []
    reply = adapter_over(fake_chat).complete(ASK, max_tokens=5, on_text=shown.append)
    assert shown == ["one", "one two", "one two three"]
    assert reply == Reply("one two three", Usage(**fake_chat.usage[0]), "stop")
    assert fake_chat.modes == ["stream"]


def test_a_stream_cut_off_is_retried_and_then_reported_as_a_lost_connection(fake_chat):
    fake_chat.enqueue(*[FakeReply("one two three", cut_after=2)] * 3)
    shown: list[str] = []
    port = adapter_over(fake_chat)
    error = failure(port, on_text=shown.append)
    assert error.kind is LLMErrorKind.connection and port.sleeps == [1.0, 2.0]
    assert error.message == (
        "lost the connection to the LLM server in the middle of its reply (3 attempts)"
    )
    assert shown == ["one", "one two"] * 3  # each attempt starts the text again


def test_a_hook_that_raises_is_dropped_and_the_reply_still_comes(fake_chat, caplog):
    calls: list[str] = []

    def broken(text: str) -> None:
        calls.append(text)
        raise RuntimeError("page gone")

    fake_chat.enqueue("one two three")
    reply = adapter_over(fake_chat).complete(ASK, max_tokens=5, on_text=broken)
    assert reply.text == "one two three" and calls == ["one"]
    assert "streamed-text hook failed (RuntimeError); not streaming" in caplog.text


def test_a_stream_past_its_deadline_stops_calling_the_hook(fake_chat):
    fake_chat.enqueue(FakeReply("a b c d e f g h i j", chunk_delay=0.05))
    shown: list[str] = []
    assert failure(adapter_over(fake_chat), on_text=shown.append, timeout=0.12).kind == "timeout"
    seen = len(shown)
    time.sleep(0.3)
    assert len(shown) == seen < 10


# -- the boundary ----------------------------------------------------------------------------


def test_only_the_llm_package_talks_to_langchain():
    """Grading, generation and the interviewer's lines depend on the port alone."""
    offenders = []
    for folder in ("interviewer", "ingest", "ui", "eval"):
        for path in (REPO / folder).rglob("*.py"):
            if path.is_relative_to(REPO / "interviewer" / "llm"):
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"^\s*(from|import) langchain", text, re.MULTILINE) or re.search(
                r"\.(invoke|stream)\(", text
            ):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_importing_the_port_loads_no_sdk():
    import subprocess
    import sys

    code = (
        "import sys, interviewer.llm, interviewer.grading.llm, interviewer.agent.lines; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('langchain', 'langchain_core', 'langchain_openai', 'openai')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
