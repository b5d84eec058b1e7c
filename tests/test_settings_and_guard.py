"""Settings keep the API key secret; the test network guard really blocks."""

import socket

import pytest

from interviewer.settings import LLMProvider, Settings, get_settings
from tests.conftest import NetworkBlocked


def test_api_key_never_prints(monkeypatch):
    monkeypatch.setenv("INTERVIEWER_LLM_API_KEY", "sk-test-SECRET-123")
    monkeypatch.setenv("INTERVIEWER_LLM_PROVIDER", "openai")
    settings = get_settings()
    assert settings.llm_provider is LLMProvider.openai and settings.llm_enabled
    assert settings.llm_api_key.get_secret_value() == "sk-test-SECRET-123"
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "SECRET" not in shown


def test_env_prefix_and_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.chroma_dir == tmp_path / "chroma"
    assert settings.sessions_db == tmp_path / "sessions.sqlite3"
    assert not settings.llm_enabled and settings.chroma_mode.value == "embedded"


def test_non_loopback_connections_fail_tests():
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect(("93.184.216.34", 80))
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect_ex(("example.com", 443))


def test_loopback_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
