"""A value built on first use, once, however many threads ask for it.

The models and the session's grader load this way: importing a grader costs nothing, and the
first answer (or warm-up) pays for the load exactly once even when the UI's threads race for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """`get()` returns `build()`'s result, calling it only the first time. Thread-safe."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._built = False  # not `value is None`: a build may return None
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if not self._built:
                self._value = self._build()  # a build that raises is tried again next time
                self._built = True
            return self._value  # type: ignore[return-value]

    @property
    def built(self) -> bool:
        """Whether `get()` has built the value (never builds it)."""
        return self._built
