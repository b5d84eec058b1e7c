"""The offline grader: local models and fits against human grades. No LLM.

How a technical answer is scored (details and measured agreement in eval/README.md):

1. The answer is cut to MAX_ANSWER_CHARS, cleaned, and sentences that instruct the grader are
   left out (flag "injection"; they earn nothing; an answer that is mostly instructions is
   capped, flag "instructions").
2. Empty, "I don't know" and gibberish answers stop here with a score of 0.
3. The answer's sentences are embedded in one MiniLM batch (sentence and token vectors).
   References, key points and the question are embedded once per question and cached.
4. Holistic view: `features.answer_features` compares the whole answer with the reference and
   `calibration.json` turns that into P(correct) (fitted on SemEval train).
5. Per key point (`judge.py`): the answer windows (sentences and neighbouring pairs) closest
   to the point go through the entailment cross-encoder (`entailment.py`), which reads point
   and window together and says entail / contradict / neither. The verdict: contradicted when
   a window contradicts the point and none states it; covered or partly by P(entail).
6. `vagueness.py`: how vague the answer's most specific sentence is (fluent waffle that names
   the topic and claims nothing, which the cross-encoder tends to credit).
7. `scoring.json` (`scoring.py`) maps the per-point judgements, the holistic P(correct) and the
   vagueness to 0-5: one small logistic model for single-point questions (SemEval,
   follow-ups), one fitted on graded interview answers for several points.
8. Restated and off-topic answers are capped at 1.

Behavioural questions are graded against their rubric with cue-based heuristics (structure,
specifics, outcome): not calibrated, and the feedback says so.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interviewer.embedding import DEFAULT_MODEL
from interviewer.embedding.encoder import EncodedText, TextEncoder, shared_encoder
from interviewer.hygiene import attach_lead_ins, split_sentences
from interviewer.models import (
    BEHAVIOURAL_RUBRIC,
    SCORE_BANDS,
    VERDICT_CREDIT,
    Grade,
    GraderKind,
    KeyPointVerdict,
    Question,
    QuestionKind,
    Verdict,
)

from . import guards
from . import judge as judging
from .base import MAX_ANSWER_CHARS
from .calibration import Calibration, load_calibration
from .entailment import EntailmentModel, shared_model
from .features import FEATURE_NAMES, LexicalView, PreparedQuestion, Side, answer_features, prepare
from .scoring import ScoreModel, graded_as_single, load_scoring, score_features
from .text import stem, tokenize
from .vagueness import VAGUE_CUT, VaguenessModel, load_vagueness

# Below this P(correct) an answer is not "correct"; also the 2-way cut (score 2.5).
CORRECT_CUT = 0.5
_EVIDENCE_CHARS = 240


class UngradableQuestion(ValueError):
    """The question has no reference answer or rubric, so no honest score exists offline."""


def ungradable_message(question: Question) -> str:
    return (
        f"Question {question.id} ({question.source}, line {question.line}) has no reference "
        "answer, so the offline grader will not invent a score. Fix: add an '**Answer**:' "
        "section with 1-6 '**Key points**:' under the question in "
        f"{question.source} and re-run `interviewer ingest`, or switch to the LLM grader "
        "(set INTERVIEWER_LLM_PROVIDER)."
    )


@dataclass(frozen=True)
class _Prepared:
    """Everything about one question (and criteria) that does not depend on the answer."""

    features: PreparedQuestion
    criteria: list[str]
    # One vector per criterion (each criterion encoded as one text).
    criteria_vectors: np.ndarray
    criteria_lexical: list[LexicalView]
    single: bool  # scored by the single-point model (`scoring.graded_as_single`)
    question: str  # read beside each point by the cross-encoder (`entailment.point_side`)


@dataclass(frozen=True)
class Scored:
    """What the calibrated model says about one answer (before guards)."""

    features: np.ndarray
    p_correct: float
    p_contradiction: float
    reference_index: int


@dataclass(frozen=True)
class Reading:
    """Everything the grader reads off one technical answer before guards and scoring."""

    holistic: Scored
    windows: list[judging.Window]
    judgements: list[judging.PointJudgement]
    verdicts: list[Verdict]
    features: np.ndarray  # scoring.FEATURES
    single: bool  # scored by the single-point model
    vagueness: float  # the answer's least vague sentence's P(vague) (`vagueness.py`)


class OfflineGrader:
    """Grades against key points with local embeddings and a calibrated model.

    Thread-safe; the model loads on first use (or `warm_up()`).
    """

    name = GraderKind.offline.value

    def __init__(
        self,
        *,
        calibration: Calibration | None = None,
        encoder: TextEncoder | None = None,
        embedding_model: str = DEFAULT_MODEL,
        cache_size: int = 512,
        entailment: EntailmentModel | None = None,
        scoring: ScoreModel | None = None,
        vagueness: VaguenessModel | None = None,
    ) -> None:
        self._calibration = calibration
        self._scoring = scoring
        self._vagueness = vagueness
        self.entailment = entailment or shared_model()
        self.encoder = encoder or shared_encoder(embedding_model)
        self._cache: OrderedDict[tuple, _Prepared] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def calibration(self) -> Calibration:
        """The fitted calibration, read from calibration.json on first use."""
        if self._calibration is None:
            self._calibration = load_calibration()
        return self._calibration

    @property
    def scoring(self) -> ScoreModel:
        """The fitted score model, read from scoring.json on first use."""
        if self._scoring is None:
            self._scoring = load_scoring()
        return self._scoring

    @property
    def vagueness(self) -> VaguenessModel:
        """The fitted vagueness model, read from vagueness.json on first use."""
        if self._vagueness is None:
            self._vagueness = load_vagueness()
        return self._vagueness

    def warm_up(self) -> None:
        """Load the calibration and both models, and run one tiny batch through each."""
        _ = self.calibration
        _ = self.vagueness
        self.encoder.warm_up()
        self.entailment.warm_up()

    # -- public API ------------------------------------------------------------------------

    def grade(self, question: Question, answer: str, *, criteria: list[str] | None = None) -> Grade:
        if not question.gradable:
            raise UngradableQuestion(ungradable_message(question))
        text, flags = self._clean(answer)
        points = self._criteria(question, criteria)
        early = self._early_guard(question, text, points, flags)
        if early is not None:
            return early
        if question.kind is QuestionKind.behavioural:
            return self._grade_behavioural(question, text, points, flags)
        narrowed = criteria is not None and points != list(question.criteria)
        prepared = self._prepare(question, points, narrowed=narrowed)
        encoded = self.encoder.encode(text)
        if encoded.empty:  # e.g. only punctuation survived cleaning
            return self._guarded(question, points, [*flags, guards.EMPTY], 0.0)
        return self._grade_technical(question, prepared, text, encoded, flags)

    def prepare(self, question: Question, criteria: list[str] | None = None) -> None:
        """Embed a question's reference and criteria ahead of time (while the candidate reads),
        so grading the answer only has to encode the answer itself."""
        if not question.gradable or question.kind is QuestionKind.behavioural:
            return
        points = self._criteria(question, criteria)
        narrowed = criteria is not None and points != list(question.criteria)
        self._prepare(question, points, narrowed=narrowed)

    def feature_rows(self, items: Sequence[tuple[Question, str]]) -> np.ndarray:
        """Feature vectors (FEATURE_NAMES order) of many answers, cleaned as `grade` cleans
        them. Needs no calibration: the fit uses it.

        Each answer is encoded on its own, exactly as `grade` encodes it. (Each sentence also
        runs alone, `onnx.run_each`: int8 activations are scaled per run, and when sentences
        shared batches a sentence's features moved with its batchmates.)"""
        texts = [self._clean(a)[0] for _, a in items]
        encoded = [self.encoder.encode(t) for t in texts]
        rows = []
        for (question, _), text, enc in zip(items, texts, encoded, strict=True):
            prepared = self._prepare(question, self._criteria(question, None), narrowed=False)
            rows.append(self._features(prepared, text, enc)[0])
        return np.stack(rows) if rows else np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)

    def read_many(
        self, items: Sequence[tuple[Question, str]], *, thresholds: judging.Thresholds | None = None
    ) -> list[Reading | None]:
        """What grading reads off each answer (None where a guard stops before the model),
        computed exactly as `grade` computes it. Needs no score model: its fit uses this."""
        out: list[Reading | None] = []
        for question, answer in items:
            text, flags = self._clean(answer)
            points = self._criteria(question, None)
            if self._early_guard(question, text, points, flags) is not None:
                out.append(None)
                continue
            prepared = self._prepare(question, points, narrowed=False)
            encoded = self.encoder.encode(text)
            if encoded.empty:
                out.append(None)
                continue
            out.append(self._read(prepared, text, encoded, thresholds))
        return out

    def score_many(self, items: Sequence[tuple[Question, str]]) -> list[Scored]:
        """The calibrated model's view of many answers, without guards (for evaluation)."""
        cal = self.calibration
        return [
            Scored(f, cal.p_correct(f), cal.p_contradiction(f), 0) for f in self.feature_rows(items)
        ]

    # -- steps -----------------------------------------------------------------------------

    @staticmethod
    def _clean(answer: str) -> tuple[str, list[str]]:
        flags: list[str] = []
        text, cut = guards.sanitise(answer, MAX_ANSWER_CHARS)
        if cut:
            flags.append(guards.TRUNCATED)
        cleaned, removed = guards.strip_injection(text)
        if removed:
            flags.append(guards.INJECTION)
            if guards.mostly_instructions(text, removed):
                flags.append(guards.INSTRUCTIONS)
        # Each list item read with its lead-in ("Bagging:" / "- reduces variance"), so an item
        # is judged as the claim it is; quotes then carry the lead-in too.
        return attach_lead_ins(cleaned), flags

    @staticmethod
    def _criteria(question: Question, criteria: list[str] | None) -> list[str]:
        points = [c.strip() for c in (criteria or question.criteria) if c and c.strip()]
        if not points:
            if question.kind is QuestionKind.behavioural:
                return list(BEHAVIOURAL_RUBRIC)
            raise UngradableQuestion(ungradable_message(question))
        return points

    def _early_guard(
        self, question: Question, text: str, points: list[str], flags: list[str]
    ) -> Grade | None:
        """Empty, "I don't know" and gibberish answers need no model."""
        for flag, check in (
            (guards.EMPTY, guards.is_empty),
            (guards.IDK, guards.is_idk),
            (guards.GIBBERISH, guards.is_gibberish),
        ):
            if check(text):
                return self._guarded(question, points, [*flags, flag], 0.0)
        return None

    def _guarded(
        self, question: Question, points: list[str], flags: list[str], score: float
    ) -> Grade:
        return Grade(
            score=score,
            verdicts=[KeyPointVerdict(key_point=p, verdict=Verdict.missed) for p in points],
            gaps=list(points),
            feedback=_feedback_for_flags(flags),
            reference_id=_reference_id(question),
            reference_origin=question.reference.origin,
            grader=self.name,
            confidence=0.95,
            flags=_unique(flags),
        )

    def _prepare(self, question: Question, points: list[str], *, narrowed: bool) -> _Prepared:
        """Encode the question, its references and criteria once, and cache them."""
        ref = question.reference
        if narrowed or not ref.key_points:
            references = [" ".join(points)]
        else:
            references = [" ".join(ref.key_points), *ref.alternatives]
        single = graded_as_single(points, ref.text, narrowed=narrowed)
        key = (question.id, question.text, tuple(references), tuple(points), single)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        texts = [question.text, *references]
        encoded = self.encoder.encode_many(texts)
        # A criterion is matched as one unit, not split into sentences.
        crit = self.encoder.encode_many(points, presplit=[[p] for p in points])
        prepared = _Prepared(
            features=prepare(
                Side(encoded[0], LexicalView.of(question.text)),
                [Side(e, LexicalView.of(t)) for e, t in zip(encoded[1:], references, strict=True)],
            ),
            criteria=points,
            criteria_vectors=np.stack([c.vector for c in crit]),
            criteria_lexical=[LexicalView.of(p) for p in points],
            single=single,
            question=question.text,
        )
        with self._lock:
            self._cache[key] = prepared
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return prepared

    @staticmethod
    def _features(prepared: _Prepared, text: str, encoded: EncodedText) -> tuple[np.ndarray, int]:
        if encoded.empty:
            return np.zeros(len(FEATURE_NAMES), dtype=np.float32), 0
        return answer_features(Side(encoded, LexicalView.of(text)), prepared.features)

    def _score(self, prepared: _Prepared, text: str, encoded: EncodedText) -> Scored:
        features, index = self._features(prepared, text, encoded)
        return Scored(
            features=features,
            p_correct=self.calibration.p_correct(features),
            p_contradiction=self.calibration.p_contradiction(features),
            reference_index=index,
        )

    def _grade_technical(
        self,
        question: Question,
        prepared: _Prepared,
        text: str,
        encoded: EncodedText,
        flags: list[str],
    ) -> Grade:
        reading = self._read(prepared, text, encoded)
        scored = reading.holistic
        verdicts = self._verdict_list(prepared, reading, text)
        score = self.scoring.score(reading.features, single=reading.single)
        p = self.scoring.probability(reading.features, single=reading.single)
        best = np.array([j.similarity for j in reading.judgements])

        # Relevance guards need the similarities just computed.
        f = dict(zip(self.calibration.feature_names, scored.features.tolist(), strict=True))
        references = [r.side for r in prepared.features.references]
        refs = [" ".join(r.encoded.sentences) for r in references if r.encoded.sentences]
        cos_ref = max(float(encoded.vector @ r.encoded.vector) for r in references)
        cos_q = f.get("cos_question", 0.0)
        new_flags = list(flags)
        if guards.is_restated(text, question.text, cos_question=cos_q, cos_reference=cos_ref):
            new_flags.append(guards.RESTATED)
        elif guards.is_off_topic(
            text,
            question.text,
            refs + prepared.criteria,
            cos_question=cos_q,
            cos_reference=max(cos_ref, float(best.max()) if len(best) else 0.0),
        ):
            new_flags.append(guards.OFF_TOPIC)
        if guards.CAPPED_FLAGS & set(new_flags):
            score = min(score, guards.GUARD_CAP)
        score = float(np.clip(score, 0.0, 5.0))
        if guards.CAPPED_FLAGS & set(new_flags):
            # A capped answer earns no key point, whatever a sentence happened to resemble.
            verdicts = [
                KeyPointVerdict(key_point=v.key_point, verdict=Verdict.missed) for v in verdicts
            ]
        elif reading.vagueness >= VAGUE_CUT:
            new_flags.append(guards.VAGUE)
            verdicts = [_at_most_partly(v) for v in verdicts]

        strengths = [v.key_point for v in verdicts if v.verdict is Verdict.covered]
        gaps = [v.key_point for v in verdicts if v.verdict is not Verdict.covered]
        return Grade(
            score=score,
            verdicts=verdicts,
            strengths=strengths,
            gaps=gaps,
            feedback=_technical_feedback(verdicts, score, new_flags),
            reference_id=_reference_id(question),
            reference_origin=question.reference.origin,
            grader=self.name,
            confidence=_confidence(p, text, new_flags),
            flags=_unique(new_flags),
        )

    def _read(
        self,
        prepared: _Prepared,
        text: str,
        encoded: EncodedText,
        thresholds: judging.Thresholds | None = None,
    ) -> Reading:
        """Holistic features, then per key point the cross-encoder's judgement of the answer
        windows closest to it, then the score features."""
        holistic = self._score(prepared, text, encoded)
        spans = judging.windows(encoded.sentences)
        vectors = judging.window_vectors(encoded.sentence_vectors, spans)
        similarity = vectors @ prepared.criteria_vectors.T  # (windows, points)
        th = (thresholds or self.scoring.thresholds).for_points(len(prepared.criteria))
        candidates = judging.candidates(similarity)
        # Two stages: every point's closest window, then the other candidates of the points
        # that window did not cover.
        first = [picks[:1] for picks in candidates]
        p_first = self._entailment(prepared, spans, first)
        rest = judging.open_points(candidates, judging.judge(first, p_first, similarity), th)
        p_rest = self._entailment(prepared, spans, rest)
        chosen, probabilities = judging.merge_stages(first, p_first, rest, p_rest)
        judgements = judging.judge(chosen, probabilities, similarity)
        verdicts = [j.verdict(th) for j in judgements]
        vague = self.vagueness.answer_vagueness(
            encoded.sentence_vectors, prepared.features.question.encoded.vector
        )
        features = score_features(
            judgements, verdicts, holistic=holistic.p_correct, vagueness=vague
        )
        return Reading(holistic, spans, judgements, verdicts, features, prepared.single, vague)

    def _entailment(
        self, prepared: _Prepared, spans: Sequence[judging.Window], chosen: list[list[int]]
    ) -> np.ndarray:
        """P(entail / contradict / neutral) of each chosen (point, window) pair, in `judge`'s
        order, with restatements unable to contradict."""
        pairs = judging.pairs_for(prepared.criteria, spans, chosen)
        probabilities = self.entailment.probabilities(pairs, question=prepared.question)
        return judging.drop_restated_contradictions(pairs, probabilities)

    @staticmethod
    def _verdict_list(prepared: _Prepared, reading: Reading, text: str) -> list[KeyPointVerdict]:
        """Verdicts with their evidence: the candidate's own words that earned the point, or
        that contradict it."""
        out = []
        for point, judgement, verdict in zip(
            prepared.criteria, reading.judgements, reading.verdicts, strict=True
        ):
            window = (
                judgement.contradict_window
                if verdict is Verdict.contradicted
                else judgement.entail_window
            )
            evidence = None
            if verdict is not Verdict.missed and window >= 0:
                evidence = _quote(reading.windows[window].text, text)
            out.append(KeyPointVerdict(key_point=point, verdict=verdict, evidence=evidence))
        return out

    # -- behavioural -----------------------------------------------------------------------

    def _grade_behavioural(
        self, question: Question, text: str, points: list[str], flags: list[str]
    ) -> Grade:
        sentences = split_sentences(text)
        verdicts = []
        for point in points:
            level = _rubric_level(point, text, sentences)
            verdict = (Verdict.missed, Verdict.partly, Verdict.covered)[level]
            evidence = _rubric_evidence(point, sentences, text) if level else None
            verdicts.append(KeyPointVerdict(key_point=point, verdict=verdict, evidence=evidence))
        coverage = float(np.mean([VERDICT_CREDIT[v.verdict] for v in verdicts]))
        score = 5.0 * coverage
        words = len(tokenize(text))
        if words < 25:  # a story needs room: a two-line answer cannot show all three parts
            score = min(score, 2.0)
        new_flags = list(flags)
        if guards.INSTRUCTIONS in new_flags:
            score = min(score, guards.GUARD_CAP)
        strengths = [v.key_point for v in verdicts if v.verdict is Verdict.covered]
        gaps = [v.key_point for v in verdicts if v.verdict is not Verdict.covered]
        feedback = _technical_feedback(verdicts, score, new_flags, noun="rubric parts")
        feedback += (
            " Behavioural answers are scored on structure, specifics and outcome by simple cues "
            "(no reference answer exists); treat the score as a rough guide."
        )
        return Grade(
            score=float(np.clip(score, 0, 5)),
            verdicts=verdicts,
            strengths=strengths,
            gaps=gaps,
            feedback=feedback,
            reference_id=None,
            reference_origin=question.reference.origin,
            grader=self.name,
            confidence=0.4,
            flags=_unique(new_flags),
        )


# --- helpers ------------------------------------------------------------------------------


def _unique(flags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(flags))


def _reference_id(question: Question) -> str:
    return question.reference.retrieved_from or question.id


_WORD = re.compile(r"\w+")


def _quote(sentence: str, answer: str) -> str:
    """The evidence, verbatim from the answer: sentence splitting drops markdown (bold,
    backticks), so the sentence's words are looked up, in order, among the raw answer's words.
    Long quotes are cut at a word boundary (a prefix is still a verbatim quote)."""
    quote = sentence.strip()
    if quote not in answer:
        found = find_words(_WORD.findall(quote), answer)
        if found:
            quote = found
    if len(quote) > _EVIDENCE_CHARS:
        quote = quote[:_EVIDENCE_CHARS].rsplit(" ", 1)[0]
    return quote


def find_words(words: list[str], text: str) -> str | None:
    """The span of `text` whose words are exactly `words`, in order, with only punctuation or
    markup between them. A scan of the words, not a regex built from the sentence: compiling
    one per quote cost ~2 ms on long code-heavy answers."""
    if not words:
        return None
    spans = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text)]
    n = len(words)
    for i in range(len(spans) - n + 1):
        if all(spans[i + j][0] == words[j] for j in range(n)):
            return text[spans[i][1] : spans[i + n - 1][2]]
    return None


def _confidence(p: float, text: str, flags: list[str]) -> float:
    """How sure the grade is: the calibrated probability of the side chosen, lowered for
    long answers (the calibration data are short answers)."""
    if guards.CAPPED_FLAGS & set(flags):
        return 0.9
    conf = max(p, 1.0 - p)
    if len(tokenize(text)) > 120:
        conf -= 0.1
    return round(float(np.clip(conf, 0.05, 0.99)), 2)


def _at_most_partly(v: KeyPointVerdict) -> KeyPointVerdict:
    """A point a vague answer covered or partly covered shows as partly, quoting nothing: a
    general sentence is not evidence that the point was made. (Partly, not missed, so the
    interviewer follows up on it and asks for the specifics.)"""
    if v.verdict not in (Verdict.covered, Verdict.partly):
        return v
    return v.model_copy(update={"verdict": Verdict.partly, "evidence": None})


def _feedback_for_flags(flags: Sequence[str]) -> str:
    return " ".join(guards.GUARD_FEEDBACK[f] for f in _unique(flags) if f in guards.GUARD_FEEDBACK)


def _technical_feedback(
    verdicts: list[KeyPointVerdict], score: float, flags: list[str], *, noun: str = "key points"
) -> str:
    parts = []
    guard_text = _feedback_for_flags(flags)
    if guards.CAPPED_FLAGS & set(flags):
        return guard_text
    covered = sum(v.verdict is Verdict.covered for v in verdicts)
    partly = sum(v.verdict is Verdict.partly for v in verdicts)
    parts.append(
        f"Covered {covered} of {len(verdicts)} {noun}" + (f", {partly} partly." if partly else ".")
    )
    for v in verdicts:
        if v.verdict is Verdict.contradicted:
            said = f'You said "{v.evidence}", but: ' if v.evidence else "This contradicts: "
            parts.append(said + v.key_point)
    missing = [v.key_point for v in verdicts if v.verdict is Verdict.missed]
    if missing:
        parts.append(
            f"Missing: {missing[0]}"
            + (f" (and {len(missing) - 1} more)." if len(missing) > 1 else "")
        )
    if score >= SCORE_BANDS.strong and not missing:
        parts.append("Solid answer.")
    if guard_text:
        parts.append(guard_text)
    return " ".join(parts)


# Cue words for the behavioural rubric (structure, specifics, outcome).
_SITUATION_RE = re.compile(
    r"\b(when i was|at my (previous|last|current)|in my (previous|last|current)|we had|"
    r"our team|the team|the project|a project|the goal|the problem|the task|situation|"
    r"i was (asked|responsible|working)|my role)\b",
    re.I,
)
_ACTION_RE = re.compile(
    r"\b(i|we) (built|implemented|designed|decided|led|analy[sz]ed|wrote|created|proposed|"
    r"set up|trained|tested|ran|talked|met|investigated|found|fixed|changed|introduced|"
    r"automated|rewrote|migrated|convinced|organi[sz]ed|prioriti[sz]ed|negotiated|"
    r"started|used|added|removed|reduced|improved|moved|chose|asked|explained)\b",
    re.I,
)
_RESULT_RE = re.compile(
    r"\b(as a result|result(ed|s)? in|in the end|eventually|outcome|impact|which (led|meant)|"
    r"improv(ed|ement)|reduc(ed|tion)|increas(ed|e)|cut|saved|shipped|launched|delivered|"
    r"went from|dropped|grew)\b",
    re.I,
)
_LEARNING_RE = re.compile(
    r"\b(learn(ed|t)|lesson|next time|would (do|have done) .{0,20}differently|in hindsight|"
    r"looking back|now i always|since then)\b",
    re.I,
)
_NUMBER_RE = re.compile(r"\d+(\.\d+)?\s*(%|percent|x\b|ms\b|k\b|hours?|days?|weeks?|months?)?")


def _rubric_level(point: str, text: str, sentences: list[str]) -> int:
    """0 missed, 1 partly, 2 covered for one rubric part, by cue counts."""
    key = point.lower()
    numbers = len(_NUMBER_RE.findall(text))
    actions = len(_ACTION_RE.findall(text))
    if key.startswith("structure"):
        parts = sum(bool(r.search(text)) for r in (_SITUATION_RE, _ACTION_RE, _RESULT_RE)) + (
            len(sentences) >= 4
        )
        return 2 if parts >= 3 else 1 if parts >= 2 else 0
    if key.startswith("specific"):
        cues = min(actions, 3) + min(numbers, 2) + (len(tokenize(text)) >= 80)
        return 2 if cues >= 4 else 1 if cues >= 2 else 0
    if key.startswith("outcome"):
        result = bool(_RESULT_RE.search(text))
        measured = result and numbers > 0
        learned = bool(_LEARNING_RE.search(text))
        return 2 if (measured or (result and learned)) else 1 if (result or learned) else 0
    # A custom rubric line: does some sentence talk about its words?
    want = {stem(w) for w in tokenize(point) if len(w) > 3}
    best = max((len(want & {stem(w) for w in tokenize(s)}) for s in sentences), default=0)
    return 2 if best >= 3 else 1 if best >= 1 else 0


def _rubric_evidence(point: str, sentences: list[str], text: str) -> str | None:
    key = point.lower()
    pattern = (
        _RESULT_RE
        if key.startswith("outcome")
        else _ACTION_RE
        if key.startswith(("specific", "structure"))
        else None
    )
    for s in sentences:
        if pattern is None or pattern.search(s):
            return _quote(s, text)
    return _quote(sentences[0], text) if sentences else None
