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


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
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
    yield port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
