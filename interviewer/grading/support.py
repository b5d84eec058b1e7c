"""Does the answer's quoted text support the key point an LLM credited with it?

The LLM grader keeps a covered or partly verdict only if its quote is really in the answer
(`llm.quote_found`) AND a `SupportCheck` says that text supports the key point. Without the
second test a model talked into "5/5" by an off-topic answer could quote "I like pizza and"
for every key point and score full marks.

`SupportCheck` is the one narrow interface; `LLMGrader(support=...)` takes any implementation.

The default is `EntailmentSupport`: the quote must be about the key point (embedding
similarity) and the offline grader's key-point entailment model must find that it states it
(figures: `python -m eval.support_check`). The earlier
check, `EncoderSupport` (cosine of MiniLM vectors against the "partly" cut-off), measures
topical closeness only: a sentence on the right topic that asserts the opposite still
"supports", and a quote of another key point of the same question was rejected only 69% of
the time. It stays for behavioural questions (a rubric of structure, specifics and outcome,
which no sentence "means"), where the quote need only be about the question.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from interviewer.embedding import DEFAULT_MODEL
from interviewer.models import Question, QuestionKind

if TYPE_CHECKING:
    import numpy as np

    from interviewer.embedding.encoder import TextEncoder

    from .entailment import EntailmentModel

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
            from interviewer.embedding.encoder import shared_encoder

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


class EntailmentSupport:
    """The default: the offline grader's entailment model must find that the quote (one of
    its sentences, or two neighbouring ones) entails the key point at least as strongly as
    the offline grader needs to call a point "partly" covered. A quote on the right topic that
    asserts the opposite, or states another key point, does not support this one.

    Behavioural rubric items (structure, specifics, outcome) are not statements a sentence can
    entail; for them the quote must only be about the question (`EncoderSupport`)."""

    name = "entailment"
    # Windows judged per quote at most: a quote is one or a few sentences.
    MAX_WINDOWS = 8

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        threshold: float | None = None,
        entailment: EntailmentModel | None = None,
    ) -> None:
        self._threshold = threshold
        self._entailment = entailment
        self.relevance = EncoderSupport(model)

    @property
    def threshold(self) -> float:
        from .scoring import load_scoring  # cached: read once per process

        return self._threshold if self._threshold is not None else load_scoring().thresholds.partly

    def _model(self) -> EntailmentModel:
        from .entailment import shared_model  # one model per process

        return self._entailment or shared_model()

    def warm_up(self) -> None:
        self.relevance.warm_up()
        self._model().warm_up()
        _ = self.threshold

    def entailment(self, key_point: str, quote: str, question: str = "") -> float:
        """The best P(entail) of the key point (answering `question`) over the quote's
        windows."""
        from interviewer.hygiene import split_sentences

        from .judge import windows

        spans = windows(split_sentences(quote) or [quote])[: self.MAX_WINDOWS]
        probabilities = self._model().probabilities(
            [(key_point, w.text) for w in spans], question=question
        )
        return float(probabilities[:, 0].max()) if len(probabilities) else 0.0

    def supports(self, question: Question, key_point: str, quote: str) -> bool:
        # Both tests, cheapest first: the quote must be about the point (embedding
        # similarity) and state it (the cross-encoder). Either alone lets some wrong quotes
        # through: topical closeness accepts a sentence asserting the opposite, and the
        # cross-encoder now and then reads a confident sentence on another topic as support.
        if not self.relevance.supports(question, key_point, quote):
            return False
        if question.kind is QuestionKind.behavioural:
            return True
        return self.entailment(key_point, quote, question.text) >= self.threshold
