"""interviewer.lazy: a model is built once, however many threads ask for it first."""

from __future__ import annotations

import threading
import time

import pytest

from interviewer.lazy import Lazy


def test_built_once_when_threads_race_for_it():
    calls = []

    def build() -> dict:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it builds
        return {"model": "loaded"}

    lazy = Lazy(build)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(lazy.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(seen) == 8 and all(s is seen[0] for s in seen)


def test_a_failed_build_is_tried_again_next_time():
    attempts = []

    def build() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("weights not readable yet")
        return "ok"

    lazy = Lazy(build)
    with pytest.raises(OSError):
        lazy.get()
    assert lazy.get() == "ok" and len(attempts) == 2


def test_a_build_that_returns_none_runs_once():
    calls = []
    lazy = Lazy(lambda: calls.append(1))
    assert lazy.get() is None and lazy.get() is None
    assert len(calls) == 1
