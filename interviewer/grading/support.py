"""Does the answer's quoted text support the key point an LLM credited with it?

The LLM grader keeps a covered or partly verdict only if its quote is really in the answer
(`llm.quote_found`) AND a `SupportCheck` says that text supports the key point. Without the
second test a model talked into "5/5" by an off-topic answer could quote "I like pizza and"
for every key point and score full marks.

`SupportCheck` is the one narrow interface; `LLMGrader(support=...)` takes any implementation,
so an entailment model can replace the default without touching the grader.

The default, `EncoderSupport`, is the best check available offline today: cosine similarity of
MiniLM vectors (the offline grader's own encoder), the same test the offline grader uses to
call a key point at least "partly" covered. Measured with `python -m eval.support_check` on
the bundled bank and the team's 180 graded interview answers: supporting sentences of
excellent answers kept 93%, sentences of other questions' references rejected 99%, off-topic
and injected sentences rejected 100%. Its limits, stated plainly: it measures topical
closeness, not entailment, so a sentence on the right topic that asserts the opposite still
"supports"; and a quote of another key point of the same question is rejected only 69% of
the time. For behavioural questions (a rubric of structure, specifics and outcome, which no
sentence "means") it only checks that the text is about the question at all.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from interviewer.embeddings import DEFAULT_MODEL
from interviewer.models import Question, QuestionKind

if TYPE_CHECKING:
    import numpy as np

    from .encoder import TextEncoder

# Behavioural rubric items are judged against the question text instead. Off-topic and
# injected sentences measured <= 0.13 against the bank's behavioural questions, genuine story
# sentences >= 0.15 (a small sample: 9 story sentences, 6 others), hence a low bar.
BEHAVIOURAL_RELEVANCE = 0.1


class SupportCheck(Protocol):
    """Judges whether `quote` (the answer's own words) supports `key_point` of `question`.

    The LLM grader passes the quote widened to the whole answer sentences it was taken from,
    so a short fragment is judged in its context.
    """

    name: str

    def supports(self, question: Question, key_point: str, quote: str) -> bool: ...


class EncoderSupport:
    """Cosine of the quote's sentence vectors to the key point's vector, against the offline
    grader's calibrated "partly" cut-off (read from `calibration.json`, so a refit applies)."""

    name = "encoder-cosine"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        threshold: float | None = None,
        behavioural_threshold: float = BEHAVIOURAL_RELEVANCE,
        encoder: TextEncoder | None = None,
    ) -> None:
        self.model = model
        self._threshold = threshold
        self.behavioural_threshold = behavioural_threshold
        self._encoder = encoder
        self._anchors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def threshold(self) -> float:
        if self._threshold is None:
            from .calibration import load_calibration

            self._threshold = load_calibration().verdicts.partly
        return self._threshold

    def _encoder_or_shared(self) -> TextEncoder:
        if self._encoder is None:
            from .encoder import shared_encoder

            self._encoder = shared_encoder(self.model)
        return self._encoder

    def warm_up(self) -> None:
        """Load the encoder now (a few seconds once), not during the first grade."""
        self._encoder_or_shared().warm_up()
        _ = self.threshold

    def _anchor(self, text: str) -> np.ndarray:
        """The vector of a key point (or question), encoded whole as the offline grader does."""
        with self._lock:
            cached = self._anchors.get(text)
        if cached is None:
            (encoded,) = self._encoder_or_shared().encode_many([text], presplit=[[text]])
            cached = encoded.vector
            with self._lock:
                self._anchors[text] = cached
        return cached

    def similarity(self, question: Question, key_point: str, quote: str) -> float:
        """The best cosine of the quote (each sentence, and as a whole) to the anchor."""
        behavioural = question.kind is QuestionKind.behavioural
        anchor = self._anchor(question.text if behavioural else key_point)
        encoded = self._encoder_or_shared().encode(quote)
        if encoded.empty:
            return 0.0
        best = float((encoded.sentence_vectors @ anchor).max())
        return max(best, float(encoded.vector @ anchor))

    def supports(self, question: Question, key_point: str, quote: str) -> bool:
        behavioural = question.kind is QuestionKind.behavioural
        cut = self.behavioural_threshold if behavioural else self.threshold
        return self.similarity(question, key_point, quote) >= cut
