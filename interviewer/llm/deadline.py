"""A wall-clock deadline around a blocking call that may never return (a hung local server,
a stream that trickles on), enforced on top of the HTTP client's own timeout."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The call did not finish in time; it may still be running, abandoned."""


def run_with_deadline(work: Callable[[threading.Event], T], timeout: float) -> T:
    """`work(abandoned)` on a daemon thread, waited on for at most `timeout` seconds.

    Past the deadline `abandoned` is set (a stream still running must stop calling its
    hooks) and `DeadlineExceeded` is raised; the thread is left to finish on its own. An
    exception from `work` is raised here, in the caller's thread.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()
    abandoned = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = work(abandoned)
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc
        finally:
            done.set()

    # A daemon thread we can walk away from; the context copy keeps LangChain callbacks.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), name="llm-call", daemon=True).start()
    if not done.wait(timeout):
        abandoned.set()
        raise DeadlineExceeded(f"no reply within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
