"""Grading: one `Grader` protocol, an offline grader and (lazily) an LLM grader.

Importing this package is light: numpy and pydantic only. torch and sentence-transformers load
the first time an answer is encoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import MAX_ANSWER_CHARS, Grader
from .calibration import Calibration, CalibrationError, load_calibration
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
    "Grader",
    "GraderUnavailable",
    "OfflineGrader",
    "SupportCheck",
    "UngradableQuestion",
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
            from interviewer.grading import llm as llm_grading
            from interviewer.llm import make_chat_model
        except ImportError as exc:
            raise GraderUnavailable(
                f"The LLM grader could not be imported ({exc}). Fix: use the offline grader "
                "(`--grader offline`), or install the project with its LLM dependencies "
                "(`make setup`)."
            ) from exc
        fallback = OfflineGrader(embedding_model=settings.embedding_model)
        # make_llm_grader (when present) also picks the temperature the model accepts.
        factory = getattr(llm_grading, "make_llm_grader", None)
        if factory is not None:
            return factory(settings, fallback)
        return llm_grading.LLMGrader(
            chat_model=make_chat_model(settings),
            model_name=settings.llm_model,
            fallback=fallback,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )
    raise GraderUnavailable(
        f"Unknown grader {kind!r}. Fix: choose one of {', '.join(GRADER_KINDS)}."
    )
