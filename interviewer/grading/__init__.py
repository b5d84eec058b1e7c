"""Grading: one `Grader` protocol, an offline grader and (lazily) an LLM grader, which
`FallbackGrader` backs with the offline one.

Importing this package is light: numpy and pydantic only. torch and sentence-transformers load
the first time an answer is encoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (
    MAX_ANSWER_CHARS,
    Grader,
    GradingFailure,
    PreparingGrader,
    StreamingGrader,
    WarmsUp,
)
from .calibration import Calibration, CalibrationError, load_calibration
from .fallback import FallbackGrader
from .offline import OfflineGrader, UngradableQuestion
from .support import EncoderSupport, EntailmentSupport, SupportCheck

if TYPE_CHECKING:
    from interviewer.settings import Settings

__all__ = [
    "MAX_ANSWER_CHARS",
    "Calibration",
    "CalibrationError",
    "EncoderSupport",
    "EntailmentSupport",
    "FallbackGrader",
    "Grader",
    "GraderUnavailable",
    "GradingFailure",
    "OfflineGrader",
    "PreparingGrader",
    "StreamingGrader",
    "SupportCheck",
    "UngradableQuestion",
    "WarmsUp",
    "load_calibration",
    "make_grader",
]

GRADER_KINDS = ("offline", "llm")


class GraderUnavailable(RuntimeError):
    """The requested grader cannot be built; the message says how to fix it."""


def make_grader(kind: str, settings: Settings) -> Grader:
    """The grader named `kind`: "offline", or "llm" (which falls back to offline on failure)."""
    kind = (kind or "").strip().lower()
    if kind == "offline":
        return OfflineGrader(embedding_model=settings.embedding_model)
    if kind == "llm":
        try:
            from interviewer.grading.llm import make_llm_grader
        except ImportError as exc:
            raise GraderUnavailable(
                f"The LLM grader could not be imported ({exc}). Fix: use the offline grader "
                "(`--grader offline`), or install the project with its LLM dependencies "
                "(`make setup`)."
            ) from exc
        fallback = OfflineGrader(embedding_model=settings.embedding_model)
        return FallbackGrader(make_llm_grader(settings), fallback)
    raise GraderUnavailable(
        f"Unknown grader {kind!r}. Fix: choose one of {', '.join(GRADER_KINDS)}."
    )
