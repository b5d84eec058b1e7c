"""Test-wide guards and fixtures.

- Any connection to a non-loopback address fails the test: a test that reaches the internet
  is a bug (and here it would hang until a timeout).
- Every test gets its own data directory and no LLM configuration from the environment.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("INTERVIEWER_SHARED_DIR", REPO_ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
QA_SEED = SEEDS / "000_9f372bdc435e2d08.txt"
LIST_SEED = SEEDS / "002_9adf9e4c6d7a35a1.txt"


class NetworkBlocked(RuntimeError):
    """Raised when a test tries to reach a non-loopback address."""


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "", "::1"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a hostname other than localhost: it would need DNS, so it's external


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock: socket.socket, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0] if isinstance(address, tuple) else str(address)
        if not _is_loopback(str(host)):
            raise NetworkBlocked(f"test tried to connect to {address!r}; only loopback is allowed")


def _guarded_connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path_factory):
    """No test sees the developer's LLM settings or data; each gets a fresh data dir."""
    for key in list(os.environ):
        if key.startswith("INTERVIEWER_") and key != "INTERVIEWER_SHARED_DIR":
            monkeypatch.delenv(key, raising=False)
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(data_dir))
    from interviewer.settings import Settings

    # A developer's .env must not leak an LLM key or data dir into tests.
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    yield data_dir


@pytest.fixture
def data_dir(_isolated_settings) -> Path:
    return _isolated_settings


from tests.llm_fixtures import (  # noqa: E402, F401
    fake_chat,
    fake_openai_server,
    fake_port,
    llm_settings,
    offline_grader,
)


def need_shared(path: Path) -> Path:
    """Skip with a clear reason when ../shared (the seeds and datasets) is not beside the repo."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared seeds/datasets live outside the repo")
    return path


@pytest.fixture
def qa_seed() -> Path:
    return need_shared(QA_SEED)


@pytest.fixture
def list_seed() -> Path:
    return need_shared(LIST_SEED)
