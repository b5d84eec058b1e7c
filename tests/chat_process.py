"""A real `interviewer chat` process for the crash tests: its environment, its start and stop,
typing answers into it and waiting for what it writes to the store.

Used by tests/test_chat_cli.py and tests/test_pending_answers.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without its INTERVIEWER_ settings, with the data folder, unbuffered
    output and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
    env.update(INTERVIEWER_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


@contextmanager
def chat_process(
    script: Path, *args: str, env: dict[str, str], log: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """`python SCRIPT ARGS...` in the script's folder, answers to come on its stdin; what it
    prints goes to the file `log` (else to `proc.stdout`). Killed on exit if still running."""
    with ExitStack() as files:
        out: IO[Any] | int = files.enter_context(log.open("w")) if log else subprocess.PIPE
        proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=script.parent,
            text=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()


def send(proc: subprocess.Popen[str], line: str) -> None:
    """Type one line (an answer or a command) into the process."""
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> None:
    """Poll `predicate` until it is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the chat process")
