"""The LLM grader: one chat call per answer returns verdicts per criterion and the interviewer's
next words; the score is computed here, from the verdicts, never taken from the model.

Pure parts (building messages, parsing a reply, the re-ask, checking evidence, building the
grade) are module functions; `LLMGrader` only adds the call, its deadline, retries and the
fallback to the offline grader. Every call carries an output cap sized to the reply schema
(`reply_token_budget`) and asks for JSON mode until the server refuses it (see
`interviewer.llm.WireStyle`). With an `on_text` hook the call is streamed, and the feedback
written so far is handed to the hook as it arrives (display only: the grade still comes from the
whole reply, parsed and validated as without the hook).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from interviewer.grading.base import MAX_ANSWER_CHARS, Grader
from interviewer.grading.streaming import StringFieldStream
from interviewer.grading.support import EntailmentSupport, SupportCheck
from interviewer.llm import (
    RETRYABLE,
    LLMErrorKind,
    WireStyle,
    classify_error,
    is_reasoning_model,
    make_chat_model,
    redact,
    status_code,
    wire_style,
)
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
from interviewer.prompts import PromptMessage, render_prompt

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from interviewer.settings import Settings

log = logging.getLogger(__name__)

GRADE_PROMPT = "grade_answer"
REASK_PROMPT = "grade_reask"
NO_REFERENCE = "(none: a behavioural question is graded against the rubric criteria below)"
# A server's Retry-After is honoured, but never waited on for longer than this (seconds).
MAX_RETRY_AFTER = 20.0
# The reply field streamed to `on_text`: the prompt has the model write it first.
STREAMED_FIELD = ("feedback",)

# Receives the streamed field's text so far (unescaped), each time it grows.
TextHook = Callable[[str], None]
# The invalid reply echoed back in a re-ask is cut to this: the error says what to fix.
MAX_ECHOED_REPLY = 1200


def reply_token_budget(n_criteria: int) -> int:
    """The output cap for a grading reply: feedback, lists and notes (~400 tokens) plus a
    verdict with a 25-word quote per criterion (~90), with room to spare. A model that
    rambles or never stops is cut here instead of generating to the context limit."""
    return 400 + 90 * max(1, n_criteria)


class StreamCut(ConnectionError):
    """The server ended a streamed reply before it finished (no finish reason)."""


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


def fold_system(messages: Sequence[PromptMessage]) -> list[PromptMessage]:
    """System parts moved to the start of the first user message, for servers whose chat
    template drops system messages (the instructions would silently vanish)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not system or not rest or rest[0].role != "user":
        return list(messages)
    return [PromptMessage("user", f"{system}\n\n{rest[0].content}"), *rest[1:]]


def to_langchain(messages: Sequence[PromptMessage], *, fold: bool = False) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in (fold_system(messages) if fold else messages)]


def build_messages(
    question: Question, answer: str, criteria: Sequence[str], *, fold: bool = False
) -> list[BaseMessage]:
    """The grading conversation: instructions, then the question data with the answer fenced.

    `fold`: one user message instead of system + user (see `fold_system`)."""
    behavioural = question.kind is QuestionKind.behavioural
    reference = question.reference.text.strip() if question.reference.usable else ""
    if not reference:
        # A reference with key points but no prose: the key points are the reference.
        reference = NO_REFERENCE if behavioural else "\n".join(f"- {p}" for p in criteria)
    rendered = render_prompt(
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
    return to_langchain(rendered, fold=fold)


def build_reask(
    messages: Sequence[BaseMessage], reply_text: str, error: str, n_criteria: int
) -> list[BaseMessage]:
    """The conversation so far (unchanged, so a server's prompt cache reuses it), the invalid
    reply cut to MAX_ECHOED_REPLY characters, and one short message saying what to fix."""
    from langchain_core.messages import AIMessage

    if len(reply_text) > MAX_ECHOED_REPLY:
        reply_text = reply_text[:MAX_ECHOED_REPLY] + " …"
    fix = render_prompt(REASK_PROMPT, {"error": error.rstrip("."), "n_criteria": str(n_criteria)})
    return [*messages, AIMessage(content=reply_text), *to_langchain(fix)]


def extract_json(text: str) -> str:
    """The JSON object inside a reply, tolerating ```json fences and chatter around it, even
    chatter with braces of its own ("Grading {as requested}: {...} Overall {3/5}").

    The first object that decodes and has "key_points" wins; failing that, the span from the
    first "{" to the last "}" is returned, so the parse error describes the whole reply.
    """
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL | re.IGNORECASE)
    if fenced:
        return fenced.group(1)
    decoder = json.JSONDecoder()
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict) and "key_points" in value:
            return text[position:end]
        position = text.find("{", end)
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


# Sentences that talk to the grader instead of answering. Kept narrow on purpose: a genuine
# answer ("a tree can give 100% training accuracy", "ignore the previous state") must not match.
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\s+"
    r"((all|any|the|your|my|these|those|of|previous|prior|above|earlier|system|grading)\s+)*"
    r"(instructions?|rubric|rules|prompts?|criteria|guidelines)\b"
    r"|\b(award|give|grant|assign)\b[^.!?\n]{0,25}"
    r"(\b5\s*/\s*5\b|\b5 out of 5\b|\bfive out of five\b|\bfull (marks|credit|score)\b"
    r"|\b(perfect|maximum|top|highest) (score|grade|marks?|rating)\b)"
    r"|\b(score|grade|rate|mark)\s+(this|it|me|the answer|my answer)\b[^.!?\n]{0,25}"
    r"\b(5|five|10|ten|full|perfect|maximum|covered)\b"
    r"|\b(deserves?|earns?|should (get|receive))\s+"
    r"(a\s+|the\s+)?(5\s*/\s*5|full marks|top marks|perfect score|maximum score)"
    r"|\b(all|every)\b[^.!?\n]{0,20}\b(key ?points?|criteri(a|on)|rubric items?)\b"
    r"[^.!?\n]{0,20}\b(covered|met|satisfied)\b"
    r"|\byou are now (a|an|the)\b|\bnew instructions\s*:|^\s*(system|assistant|developer)\s*:"
    r"|<\s*/?\s*untrusted",
    re.IGNORECASE | re.MULTILINE,
)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def injection_sentences(answer: str) -> list[str]:
    """Sentences of the answer that address the grader instead of answering the question."""
    return [s for s in _sentences(answer) if _INJECTION.search(s)]


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-"}))
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
    sentences = [s for s in _sentences(answer) if s not in injected]
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


class LLMFailure(Exception):
    """The LLM could not produce a usable grade; `reason` says why, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Deadline(Exception):
    pass


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def _failure_reason(kind: LLMErrorKind, exc: BaseException, attempts: int) -> str:
    code = status_code(exc)
    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    reasons = {
        LLMErrorKind.rate_limit: f"LLM rate-limited the request (HTTP 429){tries}",
        LLMErrorKind.server: f"LLM server failed with HTTP {code}{tries}",
        LLMErrorKind.connection: (
            f"lost the connection to the LLM server in the middle of its reply{tries}"
            if isinstance(exc, StreamCut)
            else f"could not reach the LLM server{tries}"
        ),
        LLMErrorKind.auth: f"LLM rejected the API key (HTTP {code}); check INTERVIEWER_LLM_API_KEY",
        LLMErrorKind.not_found: "LLM model or endpoint not found (HTTP 404); check "
        "INTERVIEWER_LLM_MODEL and INTERVIEWER_LLM_BASE_URL",
        LLMErrorKind.rejected: f"LLM rejected the request (HTTP {code})",
        LLMErrorKind.bad_response: "LLM server sent a reply that is not chat-completions JSON",
    }
    return reasons.get(kind, f"LLM call failed ({type(exc).__name__})")


def _finish_reason(message: Any) -> str | None:
    metadata = getattr(message, "response_metadata", None) or {}
    reason = metadata.get("finish_reason")
    return reason if isinstance(reason, str) else None


def _json_mode_refused(exc: BaseException) -> bool:
    """A 400 while JSON mode was asked for: the server may not know `response_format`."""
    return status_code(exc) == 400


class LLMGrader:
    """Grades with a chat model; falls back to `fallback` (the offline grader) on failure.

    `timeout` is a wall-clock deadline per call, enforced here as well as by the HTTP client,
    so a slow stream or a hung local server cannot stall the interview. Retries (with
    exponential backoff) cover 429, 5xx and connection errors; a timeout is not retried, since
    the user is waiting.

    Every call is capped at `reply_token_budget` tokens, in the parameter `wire` says this
    server honours, and asks for JSON mode while `wire.json_mode` holds; a server that answers
    that request with HTTP 400 is asked again without it, and not asked again for the rest of
    this grader's life (`json_mode` turns False).

    `grade(..., on_text=hook)` streams the call (with `stream_model`, default `chat_model`) and
    passes the feedback written so far to `hook` as it grows (from a worker thread, so the hook
    must be thread-safe; a re-ask or retry starts the text again). Without a hook the call is a
    plain `invoke` of `chat_model`. A stream that ends without a finish reason was cut off: it
    is retried like a lost connection, and reported as one.
    """

    # Tells the engine that grade() takes `on_text` (other graders ignore streaming).
    streams_text = True

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        model_name: str,
        fallback: Grader,
        timeout: float = 30,
        max_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
        stream_model: BaseChatModel | None = None,
        support: SupportCheck | None = None,
        wire: WireStyle | None = None,
    ) -> None:
        self.chat_model = chat_model
        # Judges whether each credited quote supports its key point (see grading/support.py).
        self.support: SupportCheck = support or EntailmentSupport()
        # A separate model for streamed calls: ChatOpenAI built with streaming=False refuses
        # to stream at all, and one built with streaming=True streams every invoke too.
        self.stream_model = stream_model or chat_model
        self.name = model_name
        self.fallback = fallback
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.backoff = backoff
        self.wire = wire or WireStyle()
        self.json_mode = self.wire.json_mode
        # Token usage of the last grade() call, summed over its calls (re-ask included);
        # empty when the server reports none (llama.cpp streams carry no usage).
        self.last_usage: dict[str, int] = {}

    def warm_up(self) -> None:
        """Load what grading needs locally (the fallback's model, the support check's
        encoder) before the first answer arrives. Makes no LLM call."""
        for part in (self.fallback, self.support):
            warm = getattr(part, "warm_up", None)
            if callable(warm):
                warm()

    def grade(
        self,
        question: Question,
        answer: str,
        *,
        criteria: list[str] | None = None,
        on_text: TextHook | None = None,
    ) -> Grade:
        if not question.gradable:
            # No reference: the fallback's refusal (UngradableQuestion) is the honest answer.
            return self.fallback.grade(question, answer, criteria=criteria)
        points = list(criteria) if criteria else question.criteria
        self.last_usage = {}
        if not answer.strip():
            return empty_grade(question, points, model_name=self.name)
        flags = []
        text = answer
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS]
            flags.append("truncated")
        try:
            return self._grade_with_llm(question, text, points, flags, on_text)
        except LLMFailure as failure:
            return self._fall_back(question, answer, criteria, failure.reason)

    def _grade_with_llm(
        self,
        question: Question,
        answer: str,
        criteria: list[str],
        flags: list[str],
        on_text: TextHook | None = None,
    ) -> Grade:
        budget = reply_token_budget(len(criteria))
        messages = build_messages(question, answer, criteria, fold=self.wire.fold_system)
        message = self._call(messages, on_text, max_tokens=budget)
        reply_text = _message_text(message)
        try:
            reply = parse_reply(reply_text, len(criteria))
            reasked = False
        except ReplyError as first:
            error = str(first)
            if _finish_reason(message) == "length":
                error = (
                    f"it stopped at the {budget}-token limit before the JSON was complete "
                    f"({first}); keep the feedback to two sentences and the quotes short"
                )
            log.info("LLM grade reply invalid (%s); asking once more", error)
            retry = build_reask(messages, reply_text, error, len(criteria))
            try:
                second = self._call(retry, on_text, max_tokens=budget)
                reply = parse_reply(_message_text(second), len(criteria))
            except ReplyError as again:
                raise LLMFailure(f"LLM reply was invalid twice ({again})") from None
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
            raise LLMFailure(
                f"could not check the LLM's evidence with {self.support.name} "
                f"({type(exc).__name__}: {exc})"
            ) from exc

    def _fall_back(
        self, question: Question, answer: str, criteria: list[str] | None, reason: str
    ) -> Grade:
        reason = redact(f"{reason}; graded offline")
        log.warning("LLM grading failed, using the offline grader: %s", reason)
        grade = self.fallback.grade(question, answer, criteria=criteria)
        return grade.model_copy(
            update={"fallback": True, "fallback_reason": reason, "grader": "offline"}
        )

    # -- the call ------------------------------------------------------------------------------

    def _call(
        self,
        messages: list[BaseMessage],
        on_text: TextHook | None = None,
        *,
        max_tokens: int,
    ) -> Any:
        """One model call with deadline and retries; returns the reply message or raises."""
        attempt = 0
        while True:
            started = time.monotonic()
            options = self.wire.call_kwargs(max_tokens, json_mode=self.json_mode)
            try:
                message = self._invoke_with_deadline(messages, on_text, options)
            except _Deadline:
                raise LLMFailure(f"LLM timed out after {self.timeout:g} s") from None
            except Exception as exc:
                if self.json_mode and _json_mode_refused(exc):
                    # Not a failure of the model: this server refuses response_format. Ask
                    # again without it (no attempt used) and never ask for it again.
                    log.info("the LLM server refused JSON mode; continuing without it")
                    self.json_mode = False
                    continue
                kind = classify_error(exc)
                if kind is LLMErrorKind.timeout:
                    waited = time.monotonic() - started
                    raise LLMFailure(f"LLM timed out after {round(waited, 1):g} s") from None
                if kind in RETRYABLE and attempt < self.max_retries:
                    delay = self.backoff * 2**attempt
                    hinted = _retry_after(exc)
                    if hinted is not None:
                        delay = min(max(delay, hinted), MAX_RETRY_AFTER)
                    log.info("LLM call failed (%s); retrying in %.1f s", kind.value, delay)
                    self.sleep(delay)
                    attempt += 1
                    continue
                raise LLMFailure(_failure_reason(kind, exc, attempt + 1)) from None
            self._count_usage(message)
            return message

    def _invoke_with_deadline(
        self,
        messages: list[BaseMessage],
        on_text: TextHook | None = None,
        options: dict[str, Any] | None = None,
    ) -> Any:
        outcome: dict[str, Any] = {}
        done = threading.Event()
        abandoned = threading.Event()
        options = options or {}

        def run() -> None:
            try:
                if on_text is None:
                    outcome["message"] = self.chat_model.invoke(messages, **options)
                else:
                    outcome["message"] = self._stream(messages, on_text, abandoned, options)
            except BaseException as exc:  # handed to the caller's thread below
                outcome["error"] = exc
            finally:
                done.set()

        # A daemon thread we can walk away from; the context copy keeps LangChain callbacks.
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(run,), daemon=True).start()
        if not done.wait(self.timeout):
            abandoned.set()  # a stream still running must stop calling the hook
            raise _Deadline
        if "error" in outcome:
            raise outcome["error"]
        return outcome["message"]

    def _stream(
        self,
        messages: list[BaseMessage],
        on_text: TextHook,
        abandoned: threading.Event,
        options: dict[str, Any] | None = None,
    ) -> Any:
        """Stream one call, handing the feedback so far to `on_text`; returns the whole message.

        The chunks are summed into one message, so the text and the token usage come out as
        from `invoke`. A hook that raises is dropped (it only displays); the grading goes on.
        A stream that stops without a finish reason, or breaks after it started, raises
        `StreamCut`: half a reply is a lost connection, not an invalid answer.
        """
        from langchain_core.messages import AIMessageChunk

        field = StringFieldStream(*STREAMED_FIELD)
        hook: TextHook | None = on_text
        message: Any = None
        chunks = self.stream_model.stream(messages, **(options or {}))
        try:
            for chunk in chunks:
                if abandoned.is_set():
                    break  # past the deadline: the caller has already moved on
                message = chunk if message is None else message + chunk
                partial = field.feed(_message_text(chunk))
                if partial and hook is not None:
                    try:
                        hook(partial)
                    except Exception as exc:
                        log.warning(
                            "streamed-text hook failed (%s); not streaming", type(exc).__name__
                        )
                        hook = None
        except Exception as exc:
            if message is None or classify_error(exc) is not LLMErrorKind.connection:
                raise  # it never started: an ordinary failure, classified by the caller
            raise StreamCut(f"the stream broke off: {exc}") from exc
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # ends the HTTP stream if we stopped early
        if not abandoned.is_set() and _finish_reason(message) is None:
            raise StreamCut("the stream ended before the reply was finished")
        return message if message is not None else AIMessageChunk(content="")

    def _count_usage(self, message: Any) -> None:
        usage = getattr(message, "usage_metadata", None) or {}
        for key in ("input_tokens", "output_tokens", "total_tokens"):
            if isinstance(usage.get(key), int):
                self.last_usage[key] = self.last_usage.get(key, 0) + usage[key]


def _message_text(message: Any) -> str:
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return text
    content = getattr(message, "content", "")
    return content if isinstance(content, str) else str(content)


def make_llm_grader(
    settings: Settings,
    fallback: Grader,
    *,
    sleep: Callable[[float], None] = time.sleep,
    support: SupportCheck | None = None,
) -> LLMGrader:
    """The LLM grader the settings describe (raises `LLMConfigError` if they describe none).

    `support` defaults to `EntailmentSupport` (the offline entailment model).
    """
    # Temperature 0 for repeatable grades, except o-series models, which accept only the default.
    temperature = None if is_reasoning_model(settings.llm_model) else 0.0
    return LLMGrader(
        make_chat_model(settings, temperature=temperature),
        stream_model=make_chat_model(settings, temperature=temperature, streaming=True),
        model_name=settings.llm_model,
        fallback=fallback,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        sleep=sleep,
        support=support or EntailmentSupport(settings.embedding_model),
        wire=wire_style(settings),
    )
