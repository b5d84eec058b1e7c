"""The LLM grader: one chat call per answer returns verdicts per criterion and the interviewer's
next words; the score is computed here, from the verdicts, never taken from the model.

Pure parts (building messages, parsing a reply, the re-ask, checking evidence, building the
grade) are module functions; `LLMGrader` only adds the call, through the `ChatModel` port
(`interviewer.llm`), which owns the wire: deadline, retries, JSON mode, streaming, errors.
Every call carries an output cap sized to the reply schema (`reply_token_budget`) and asks for
JSON mode. With an `on_text` hook the call is streamed, and the feedback written so far is
handed to the hook as it arrives (display only: the grade still comes from the whole reply,
parsed and validated as without the hook).

On failure `LLMGrader` raises `GradingFailure`; `FallbackGrader` (grading/fallback.py) turns
that into a labelled offline grade.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from interviewer.grading.base import (
    MAX_ANSWER_CHARS,
    Criteria,
    GradingFailure,
    OnText,
    warm_up_parts,
)
from interviewer.grading.streaming import FieldHook
from interviewer.grading.support import EntailmentSupport, SupportCheck
from interviewer.hygiene import instruction_sentences, split_sentences
from interviewer.llm import ChatMessage, ChatModel, LLMError, Reply, Usage
from interviewer.models import (
    VERDICT_CREDIT,
    Grade,
    InterviewerNotes,
    KeyPointVerdict,
    Question,
    QuestionKind,
    ReferenceOrigin,
    Verdict,
)
from interviewer.prompts import render_prompt

if TYPE_CHECKING:
    from interviewer.settings import Settings

log = logging.getLogger(__name__)

GRADE_PROMPT = "grade_answer"
REASK_PROMPT = "grade_reask"
NO_REFERENCE = "(none: a behavioural question is graded against the rubric criteria below)"
# The reply field streamed to `on_text`: the prompt has the model write it first.
STREAMED_FIELD = ("feedback",)
# The invalid reply echoed back in a re-ask is cut to this: the error says what to fix.
MAX_ECHOED_REPLY = 1200


def reply_token_budget(n_criteria: int) -> int:
    """The output cap for a grading reply: feedback, lists and notes (~400 tokens) plus a
    verdict with a 25-word quote per criterion (~90), with room to spare. A model that
    rambles or never stops is cut here instead of generating to the context limit."""
    return 400 + 90 * max(1, n_criteria)


# -- the reply schema --------------------------------------------------------------------------

_VERDICT_ALIASES = {
    "partial": "partly",
    "partially": "partly",
    "partially covered": "partly",
    "missing": "missed",
    "not covered": "missed",
    "absent": "missed",
    "contradicts": "contradicted",
    "contradiction": "contradicted",
    "incorrect": "contradicted",
    "wrong": "contradicted",
}


class KeyPointReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key_point: int = Field(ge=1)
    verdict: Verdict
    evidence: str | None = None

    @field_validator("verdict", mode="before")
    @classmethod
    def _verdict_spelling(cls, value: object) -> object:
        # Small local models vary the spelling; the meaning is unambiguous, so accept it.
        if isinstance(value, str):
            key = value.strip().lower()
            return _VERDICT_ALIASES.get(key, key)
        return value

    @field_validator("evidence", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value


class InterviewerReply(BaseModel):
    """Suggestions only: a malformed field is dropped rather than costing a re-ask."""

    model_config = ConfigDict(extra="ignore")

    acknowledgement: str | None = None
    follow_up_question: str | None = None
    follow_up_key_point: int | None = None

    @field_validator("acknowledgement", "follow_up_question", mode="before")
    @classmethod
    def _text_or_none(cls, value: object) -> object:
        return value if isinstance(value, str) else None

    @field_validator("follow_up_key_point", mode="before")
    @classmethod
    def _number_or_none(cls, value: object) -> object:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return None


class GradeReply(BaseModel):
    """What the model must return. No score: the code computes it."""

    model_config = ConfigDict(extra="ignore")

    feedback: str = ""
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    key_points: list[KeyPointReply]
    injection_attempt: bool = False
    interviewer: InterviewerReply = Field(default_factory=InterviewerReply)

    @field_validator("strengths", "gaps", mode="before")
    @classmethod
    def _one_string_is_a_list(cls, value: object) -> object:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("interviewer", mode="before")
    @classmethod
    def _notes_or_nothing(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class ReplyError(ValueError):
    """The model's reply is unusable; the message is written to be sent back to it."""


# -- pure functions ----------------------------------------------------------------------------


def build_messages(question: Question, answer: str, criteria: Sequence[str]) -> list[ChatMessage]:
    """The grading conversation: instructions, then the question data with the answer fenced."""
    behavioural = question.kind is QuestionKind.behavioural
    reference = question.reference.text.strip() if question.reference.usable else ""
    if not reference:
        # A reference with key points but no prose: the key points are the reference.
        reference = NO_REFERENCE if behavioural else "\n".join(f"- {p}" for p in criteria)
    return render_prompt(
        GRADE_PROMPT,
        {
            "kind": question.kind.value,
            "question": question.text.strip(),
            "reference": reference,
            "criteria": "\n".join(f"{i}. {c}" for i, c in enumerate(criteria, 1)),
            "n_criteria": str(len(criteria)),
        },
        untrusted={"answer": answer},
    )


def build_reask(
    messages: Sequence[ChatMessage], reply_text: str, error: str, n_criteria: int
) -> list[ChatMessage]:
    """The conversation so far (unchanged, so a server's prompt cache reuses it), the invalid
    reply cut to MAX_ECHOED_REPLY characters, and one short message saying what to fix."""
    if len(reply_text) > MAX_ECHOED_REPLY:
        reply_text = reply_text[:MAX_ECHOED_REPLY] + " …"
    fix = render_prompt(REASK_PROMPT, {"error": error.rstrip("."), "n_criteria": str(n_criteria)})
    return [*messages, ChatMessage("assistant", reply_text), *fix]


def json_objects(text: str) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """The JSON objects written in `text`, in order, as (start, end, object): each "{" is tried
    in turn, and the search goes on after the end of each object found (not inside it)."""
    decoder = json.JSONDecoder()
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict):
            yield position, end, value
        position = text.find("{", end)


def extract_json(text: str) -> str:
    """The JSON object inside a reply, tolerating ```json fences and chatter around it, even
    chatter with braces of its own ("Grading {as requested}: {...} Overall {3/5}").

    The first object that decodes and has "key_points" wins; failing that, the span from the
    first "{" to the last "}" is returned, so the parse error describes the whole reply.
    """
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL | re.IGNORECASE)
    if fenced:
        return fenced.group(1)
    for position, end, value in json_objects(text):
        if "key_points" in value:
            return text[position:end]
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise ReplyError("the reply contains no JSON object")
    return text[start : end + 1]


def _describe_validation(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "the object"
        problems.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - len(problems)
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def parse_reply(text: str, n_criteria: int) -> GradeReply:
    """Validate a reply into a `GradeReply` with exactly one verdict per criterion, 1..n."""
    raw = extract_json(text)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ReplyError(
            f"the JSON is malformed ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ReplyError("the reply must be one JSON object")
    try:
        reply = GradeReply.model_validate(data)
    except ValidationError as exc:
        raise ReplyError(
            f"the JSON does not match the schema: {_describe_validation(exc)}"
        ) from None
    numbers = [kp.key_point for kp in reply.key_points]
    if sorted(numbers) != list(range(1, n_criteria + 1)):
        raise ReplyError(
            f"expected exactly {n_criteria} key_points numbered 1 to {n_criteria}, "
            f"got numbers {numbers}"
        )
    reply.key_points.sort(key=lambda kp: kp.key_point)
    return reply


def injection_sentences(answer: str) -> list[str]:
    """Sentences of the answer that address the grader instead of answering the question (the
    one detector both graders use: `interviewer.hygiene`)."""
    return instruction_sentences(answer)


_TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-"})


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.translate(_TYPOGRAPHIC)
    # The sentence splitter drops markdown emphasis and inline-code marks; a quote that kept
    # them is still the candidate's words.
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = re.sub(r"\s+", " ", text)
    return text.strip(" \t\"'`.,;:!?…")


def quote_found(quote: str, answer: str) -> bool:
    """True when `quote` is really in `answer`, up to case, spacing and typographic quotes.

    An ellipsis in the quote splits it into fragments that must all appear, in order; a quote
    with no word characters proves nothing.
    """
    haystack = _normalise(answer)
    position = 0
    fragments = [f for f in re.split(r"\.\.\.|…", quote) if _normalise(f)]
    if not fragments:
        return False
    for fragment in fragments:
        needle = _normalise(fragment)
        if not re.search(r"\w", needle):
            return False
        found = haystack.find(needle, position)
        if found == -1:
            return False
        position = found + len(needle)
    return True


def score_from_verdicts(verdicts: Sequence[KeyPointVerdict]) -> float:
    """5 x the mean credit of the verdicts, to one decimal: the only source of the score."""
    if not verdicts:
        return 0.0
    credit = sum(VERDICT_CREDIT[v.verdict] for v in verdicts) / len(verdicts)
    return round(5 * credit, 1)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())


def quote_context(quote: str, sentences: Sequence[str]) -> str:
    """The whole sentences of `sentences` that `quote` was taken from (the quote itself if it
    cannot be placed): a fragment such as "drive the bias down" is judged in its sentence."""
    stream: list[str] = []
    owner: list[int] = []
    for i, sentence in enumerate(sentences):
        words = _words(sentence)
        stream += words
        owner += [i] * len(words)
    picked: set[int] = set()
    position = 0
    for fragment in re.split(r"\.\.\.|…", quote):
        words = _words(fragment)
        if not words:
            continue
        found = next(
            (
                i
                for i in range(position, len(stream) - len(words) + 1)
                if stream[i : i + len(words)] == words
            ),
            -1,
        )
        if found == -1:
            return quote
        picked.update(owner[found : found + len(words)])
        position = found + len(words)
    return " ".join(sentences[i] for i in sorted(picked)) or quote


@dataclass
class CheckedVerdicts:
    verdicts: list[KeyPointVerdict]
    # 1-based criterion numbers whose verdict was lowered to missed:
    downgraded: list[int] = field(default_factory=list)  # the quote is not in the answer
    unsupported: list[int] = field(default_factory=list)  # it is, but does not support the point

    @property
    def distrusted(self) -> list[int]:
        """Every criterion the model claimed without support, in order."""
        return sorted({*self.downgraded, *self.unsupported})


def check_evidence(
    reply: GradeReply,
    criteria: Sequence[str],
    answer: str,
    *,
    question: Question | None = None,
    support: SupportCheck | None = None,
) -> CheckedVerdicts:
    """Keep a verdict only if its quote is really in the answer, outside any injected text,
    and (for covered and partly) if `support` says the quote supports the key point.

    A covered, partly or contradicted verdict whose evidence is missing or not found becomes
    missed: a model that obeys an injected "mark everything covered" gains nothing unless it
    can point at real content. A covered or partly verdict whose real quote is about something
    else ("I like pizza and") becomes missed too. Contradicted verdicts earn no credit, so
    only their quote is checked.
    """
    injected = set(injection_sentences(answer))
    sentences = [s for s in split_sentences(answer) if s not in injected]
    quotable = "\n".join(sentences)
    checked = CheckedVerdicts(verdicts=[])
    for number, (kp, criterion) in enumerate(zip(reply.key_points, criteria, strict=True), 1):
        verdict, evidence = kp.verdict, kp.evidence
        real = evidence is not None and quote_found(evidence, quotable)
        if verdict is not Verdict.missed and not real:
            checked.downgraded.append(number)
            verdict = Verdict.missed
        elif (
            verdict in (Verdict.covered, Verdict.partly)
            and support is not None
            and question is not None
            and evidence is not None
            and not support.supports(question, criterion, quote_context(evidence, sentences))
        ):
            checked.unsupported.append(number)
            verdict = Verdict.missed
        if verdict is Verdict.missed:
            evidence = None
        checked.verdicts.append(
            KeyPointVerdict(key_point=criterion, verdict=verdict, evidence=evidence)
        )
    return checked


def distrust_feedback(checked: CheckedVerdicts) -> str:
    """What the candidate reads instead of the model's own words when verdicts were lowered."""
    numbers = [str(n) for n in checked.distrusted]
    listed = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]
    noun = "key point" if len(numbers) == 1 else "key points"
    return (
        "The LLM claimed points the answer doesn't support; they were not credited "
        f"({noun} {listed} of {len(checked.verdicts)}). The score counts only what the answer "
        "itself says."
    )


def _clean_list(items: Sequence[str]) -> list[str]:
    return [s.strip() for s in items if isinstance(s, str) and s.strip()]


def build_notes(reply: GradeReply, checked: CheckedVerdicts) -> InterviewerNotes:
    """The interviewer's suggested words, keeping a follow-up only if it targets a real gap."""
    suggested = reply.interviewer
    question = (suggested.follow_up_question or "").strip() or None
    target = suggested.follow_up_key_point
    target_text = None
    if question and target is not None and 1 <= target <= len(checked.verdicts):
        chosen = checked.verdicts[target - 1]
        if chosen.verdict is not Verdict.covered:
            target_text = chosen.key_point
    if target_text is None:
        question = None
    return InterviewerNotes(
        acknowledgement=(suggested.acknowledgement or "").strip() or None,
        follow_up_question=question,
        follow_up_key_point=target_text,
    )


def confidence_for(
    question: Question, checked: CheckedVerdicts, *, reasked: bool, injection: bool
) -> float:
    """A heuristic confidence (not a calibrated probability): lower when anything went wrong.

    It drops when the reply needed a re-ask, when quotes failed the evidence check, when the
    answer tried an injection, and when the reference was retrieved or generated.
    """
    confidence = 0.8
    if reasked:
        confidence -= 0.1
    if checked.verdicts:
        confidence -= 0.3 * len(checked.distrusted) / len(checked.verdicts)
    if injection:
        confidence -= 0.1
    if question.reference.origin in (ReferenceOrigin.retrieved, ReferenceOrigin.generated):
        confidence -= 0.1
    return round(min(0.9, max(0.2, confidence)), 2)


def reference_id(question: Question) -> str | None:
    reference = question.reference
    if reference.origin is ReferenceOrigin.retrieved:
        return reference.retrieved_from
    return question.id if reference.usable else None


def build_grade(
    reply: GradeReply,
    question: Question,
    answer: str,
    criteria: Sequence[str],
    *,
    model_name: str,
    reasked: bool = False,
    flags: Sequence[str] = (),
    support: SupportCheck | None = None,
) -> Grade:
    """Turn a validated reply into a `Grade`: evidence checked, score computed here.

    When any verdict was lowered, the model's own words (its feedback, strengths and
    acknowledgement) are dropped: "Excellent, 5/5" must not stand next to a lower score.
    """
    checked = check_evidence(reply, criteria, answer, question=question, support=support)
    flags = list(flags)
    injection = reply.injection_attempt or bool(injection_sentences(answer))
    if injection:
        flags.append("injection")
    if checked.downgraded:
        flags.append("evidence_not_found")
    if checked.unsupported:
        flags.append("evidence_unsupported")
    notes = build_notes(reply, checked)
    feedback = reply.feedback.strip()
    strengths = _clean_list(reply.strengths)
    if checked.distrusted:
        feedback = distrust_feedback(checked)
        strengths = [v.key_point for v in checked.verdicts if v.verdict is Verdict.covered]
        notes = notes.model_copy(update={"acknowledgement": None})
    return Grade(
        score=score_from_verdicts(checked.verdicts),
        verdicts=checked.verdicts,
        strengths=strengths,
        gaps=_clean_list(reply.gaps),
        feedback=feedback,
        reference_id=reference_id(question),
        reference_origin=question.reference.origin,
        grader=model_name,
        confidence=confidence_for(question, checked, reasked=reasked, injection=injection),
        flags=flags,
        notes=notes,
    )


def empty_grade(question: Question, criteria: Sequence[str], *, model_name: str) -> Grade:
    """No answer: nothing to send to the model, and nothing earns credit."""
    return Grade(
        score=0.0,
        verdicts=[KeyPointVerdict(key_point=c, verdict=Verdict.missed) for c in criteria],
        feedback="No answer was given.",
        reference_id=reference_id(question),
        reference_origin=question.reference.origin,
        grader=model_name,
        confidence=0.9,
        flags=["empty"],
    )


# -- the grader --------------------------------------------------------------------------------


class LLMGrader:
    """Grades with a chat model (any `ChatModel`); raises `GradingFailure` when it cannot.

    `timeout` is the wall-clock deadline per call, handed to the model. Every call is capped
    at `reply_token_budget` tokens and asks for JSON mode. An invalid reply is re-asked once,
    with the error; a second invalid reply is a failure.

    `grade(..., on_text=hook)` streams the call and passes the feedback written so far to
    `hook` as it grows (see `StreamingGrader`). `last_usage` holds the token usage of the last
    `grade` call, summed over its calls (re-ask included); empty when the server reports none
    (llama.cpp streams carry no usage).
    """

    # Tells the engine that grade() takes `on_text` (see grading/base.py, StreamingGrader).
    streams_text = True

    def __init__(
        self,
        model: ChatModel,
        *,
        timeout: float = 30,
        support: SupportCheck | None = None,
    ) -> None:
        self.model = model
        self.name = model.name
        self.timeout = timeout
        # Judges whether each credited quote supports its key point (see grading/support.py).
        self.support: SupportCheck = support or EntailmentSupport()
        self.last_usage: dict[str, int] = {}

    def warm_up(self) -> None:
        """Load the support check's models before the first answer arrives. Makes no LLM
        call."""
        warm_up_parts(self.support)

    def grade(
        self, question: Question, answer: str, *, criteria: Criteria = None, on_text: OnText = None
    ) -> Grade:
        if not question.gradable:
            from interviewer.grading.offline import UngradableQuestion

            # Alone, it refuses as the offline grader does; FallbackGrader asks the fallback.
            raise UngradableQuestion(
                f"Question {question.id} ({question.source}, line {question.line}) has no "
                "reference answer, so there is nothing to grade against. Fix: add an "
                f"'**Answer**:' section under the question in {question.source} and re-run "
                "`interviewer ingest`."
            )
        points = list(criteria) if criteria else question.criteria
        self.last_usage = {}
        if not answer.strip():
            return empty_grade(question, points, model_name=self.name)
        flags = []
        text = answer
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS]
            flags.append("truncated")
        return self._grade_with_llm(question, text, points, flags, on_text)

    def _grade_with_llm(
        self,
        question: Question,
        answer: str,
        criteria: list[str],
        flags: list[str],
        on_text: OnText = None,
    ) -> Grade:
        budget = reply_token_budget(len(criteria))
        messages = build_messages(question, answer, criteria)
        first = self._complete(messages, budget, on_text)
        try:
            reply = parse_reply(first.text, len(criteria))
            reasked = False
        except ReplyError as invalid:
            error = str(invalid)
            if first.finish_reason == "length":
                error = (
                    f"it stopped at the {budget}-token limit before the JSON was complete "
                    f"({invalid}); keep the feedback to two sentences and the quotes short"
                )
            log.info("LLM grade reply invalid (%s); asking once more", error)
            retry = build_reask(messages, first.text, error, len(criteria))
            try:
                reply = parse_reply(self._complete(retry, budget, on_text).text, len(criteria))
            except ReplyError as again:
                raise GradingFailure(f"LLM reply was invalid twice ({again})") from None
            reasked = True
        try:
            return build_grade(
                reply,
                question,
                answer,
                criteria,
                model_name=self.name,
                reasked=reasked,
                flags=flags,
                support=self.support,
            )
        except Exception as exc:  # the check could not run: no verdict can be trusted
            raise GradingFailure(
                f"could not check the LLM's evidence with {self.support.name} "
                f"({type(exc).__name__}: {exc})"
            ) from exc

    def _complete(self, messages: list[ChatMessage], budget: int, on_text: OnText) -> Reply:
        """One call through the port; each call streams the feedback from its start."""
        hook = FieldHook(on_text, *STREAMED_FIELD) if on_text is not None else None
        try:
            reply = self.model.complete(
                messages, max_tokens=budget, json_mode=True, on_text=hook, timeout=self.timeout
            )
        except LLMError as exc:
            raise GradingFailure(exc.message) from None
        self._count_usage(reply.usage)
        return reply

    def _count_usage(self, usage: Usage | None) -> None:
        for key, value in usage._asdict().items() if usage is not None else ():
            self.last_usage[key] = self.last_usage.get(key, 0) + value


def make_llm_grader(
    settings: Settings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    support: SupportCheck | None = None,
    model: ChatModel | None = None,
) -> LLMGrader:
    """The LLM grader the settings describe (raises `LLMConfigError` if they describe none).

    `model` defaults to the settings' chat-model port, at a temperature that keeps grades
    repeatable (`sleep` is its wait between retries); `support` to `EntailmentSupport` (the
    offline entailment model). Wrap it in `FallbackGrader` for a grade on every answer.
    """
    if model is None:
        from interviewer.llm import make_chat_port, repeatable_temperature

        temperature = repeatable_temperature(settings)
        model = make_chat_port(settings, temperature=temperature, sleep=sleep)
    return LLMGrader(
        model,
        timeout=settings.llm_timeout,
        support=support or EntailmentSupport(settings.embedding_model),
    )
