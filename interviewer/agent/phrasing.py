"""What the interviewer says: offline templates, and an LLM phraser that checks the LLM's words.

Phrasers only word things; they never decide. The state machine decides what happens and the
phraser turns it into text. Everything here is pure: the LLM phraser reads the notes the LLM
grader already returned with the grade (`Grade.notes`), so phrasing costs no extra LLM call.
"""

from __future__ import annotations

import re
import zlib
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel

from interviewer.agent import drill
from interviewer.agent.config import Mode
from interviewer.agent.followup import resolve_proposed_point
from interviewer.agent.state import QuestionRecord, SessionState
from interviewer.agent.wording import (
    GENERIC,
    leaks_any,
    leaks_claim,
    normalise,
    pick_topics,
    topic_phrases,
)
from interviewer.models import Grade


class MessageKind(StrEnum):
    opening = "opening"
    question = "question"
    acknowledgement = "acknowledgement"
    follow_up = "follow_up"
    feedback = "feedback"
    model_answer = "model_answer"
    hint = "hint"
    note = "note"  # something about the system: truncation, skipped, saved...
    help = "help"
    wrap_up = "wrap_up"
    error = "error"


class Message(BaseModel):
    """One thing to show the candidate. `text` is plain text (never markup)."""

    kind: MessageKind
    text: str


class Phraser(Protocol):
    name: str

    def opening(self, state: SessionState, *, categories: list[str]) -> str: ...

    def question_intro(self, state: SessionState, index: int) -> str: ...

    def acknowledgement(self, rec: QuestionRecord, grade: Grade, mode: Mode) -> str: ...

    def follow_up(self, rec: QuestionRecord, grade: Grade, key_point: str) -> str: ...

    def hint(self, rec: QuestionRecord, key_point: str, *, avoid: str = "") -> str: ...

    def wrap_up(self, state: SessionState) -> str: ...


def _pick(options: list[str], *keys: object) -> str:
    """A deterministic choice, so a resumed session words things the same way."""
    h = zlib.crc32("|".join(str(k) for k in keys).encode())
    return options[h % len(options)]


# Rubric criteria ("Structure: ...") get follow-ups that name the dimension, not the rubric text.
RUBRIC_FOLLOW_UPS = {
    "structure": "Can you take me through it in order: the situation, what you did, and how "
    "it turned out?",
    "specifics": "Can you be more specific about what you yourself did: the data, the model, "
    "the numbers?",
    "outcome": "What was the measurable result in the end, and what would you do differently "
    "next time?",
}
RUBRIC_HINTS = {
    "structure": "Hint: tell it as a story in order: situation, task, what you did, result.",
    "specifics": "Hint: interviewers look for concrete details of your own actions.",
    "outcome": "Hint: finish with the result, ideally a number, and what you learned.",
}

# Offline follow-ups for banks without authored probes. They ask about the missed point's
# topics without stating its claim, in words an interviewer would use: no "you didn't
# mention", no "how do X and Y fit together". Which one is used depends on what the topics
# are (see `_two_topic_question`), so the same point always gets the same question.
FOLLOW_UP_USE_WITH = "What happens if you use {a} with {b}?"
FOLLOW_UP_NAMED = "How {a_does} {a} relate to {b} in practice?"
FOLLOW_UP_CONNECTION = "What's the connection between {a} and {b} here?"
FOLLOW_UP_ONE = [
    "What role {a_does} {a} play here, and why {a_does} {a_it} matter?",
    "How {a_does} {a} come into this?",
    "Where would {a} make a difference here?",
]
FOLLOW_UP_NONE = [
    "There is an important aspect we haven't touched yet. What else would you consider here?",
    "What else drives this, beyond what we've discussed?",
]
# The second topic names a kind of model: "use A with B" reads naturally.
_MODEL_NOUNS = ("model", "models", "algorithm", "algorithms", "method", "methods", "learners")
ACK_NEUTRAL = ["Thank you.", "Okay, noted.", "Thanks, got it.", "All right, thank you."]
TRANSITIONS = ["Next question.", "Let's move on.", "All right, the next one.", "Moving on."]

# An acknowledgement in interview mode must not judge; these words would reveal the verdict.
EVALUATIVE = re.compile(
    r"\b(correct|incorrect|wrong|right|exactly|great|excellent|perfect|good|bad|missed|"
    r"mistake|spot on|well done|nice|accurate|inaccurate|score|points?)\b",
    re.IGNORECASE,
)
MAX_ACK_CHARS = 240
MAX_FOLLOW_UP_CHARS = 400


def rubric_label(criterion: str) -> str | None:
    head = criterion.split(":", 1)[0].strip().lower()
    return head if ":" in criterion and head in RUBRIC_FOLLOW_UPS else None


def _lower_first(phrase: str | None) -> str | None:
    """ "Bagging" -> "bagging" at the start of a key point; keeps SGD, ReLU, L2 as written."""
    if not phrase:
        return phrase
    first, _, rest = phrase.partition(" ")
    letters = first.replace("-", "")  # "Content-based" is lowered too
    if letters.isalpha() and first[:1].isupper() and letters[1:].islower():
        first = first.lower()
    return f"{first} {rest}" if rest else first


def plural(phrase: str) -> bool:
    """ "local neighbourhoods", "SVMs": plural; "loss", "Bayes", "analysis": not."""
    last = phrase.split()[-1]
    lower = last.lower()
    if last[:-1].isupper() and last.endswith("s"):  # an acronym's plural
        return True
    return lower.endswith("s") and not lower.endswith(("ss", "us", "is", "ys", "bayes"))


def verb_slots(a: str, b: str | None = None) -> dict[str, str]:
    """Template fields with verbs that agree with each phrase."""
    slots: dict[str, str] = {}
    for name, phrase in (("a", a), ("b", b)):
        if phrase:
            many = plural(phrase)
            slots |= {
                name: phrase,
                f"{name}_does": "do" if many else "does",
                f"{name}_it": "they" if many else "it",
            }
    return slots


def _named(phrase: str) -> bool:
    """An acronym or a product name (ONNX, XGBoost, TensorRT), not a common noun."""
    first = phrase.split()[0]
    return any(c.isupper() for c in first[1:]) or (first.isupper() and len(first) >= 2)


def _two_topic_question(a: str, b: str) -> str:
    if b.split()[-1].lower() in _MODEL_NOUNS:
        return FOLLOW_UP_USE_WITH.format(**verb_slots(a, b))
    if _named(a):
        return FOLLOW_UP_NAMED.format(**verb_slots(a, b))
    return FOLLOW_UP_CONNECTION.format(**verb_slots(a, b))


def template_follow_up(rec: QuestionRecord, key_point: str) -> str:
    """A follow-up that names the missed point's topic without stating its claim (for banks
    without authored probes)."""
    label = rubric_label(key_point)
    if label:
        return RUBRIC_FOLLOW_UPS[label]
    a, b = (_lower_first(p) for p in pick_topics(key_point, rec.text))
    attempts: list[str] = []
    if a and b:
        attempts.append(_two_topic_question(a, b))
    for one in (b, a):
        if one:
            attempts.append(
                _pick(FOLLOW_UP_ONE, rec.question_id, key_point).format(**verb_slots(one))
            )
    for text in attempts:
        if not leaks_claim(text, key_point, question=rec.text):
            return text
    return _pick(FOLLOW_UP_NONE, rec.question_id, key_point)


def template_hint(rec: QuestionRecord, key_point: str, *, avoid: str = "") -> str:
    """A nudge naming a topic of the key point; prefers topics `avoid` (the follow-up just
    asked) does not already name, so a hint adds something."""
    label = rubric_label(key_point)
    if label:
        return RUBRIC_HINTS[label]
    if avoid:
        fresh = [
            _lower_first(p)
            for p in topic_phrases(key_point)
            if p.lower() not in avoid.lower() and not all(w.lower() in GENERIC for w in p.split())
        ]
        for phrase in fresh:
            text = f"Hint: think about {phrase}."
            if not leaks_claim(text, key_point, question=rec.text):
                return text
    a, b = (_lower_first(p) for p in pick_topics(key_point, rec.text))
    if not a:
        return "Hint: think about what the question's key terms imply in practice."
    for hint in (f"Hint: think about {a} and {b}." if b else None, f"Hint: think about {a}."):
        if hint and not leaks_claim(hint, key_point, question=rec.text):
            return hint
    return f"Hint: think about {a}."


class TemplatePhraser:
    """Offline wording: short, neutral, deterministic."""

    name = "templates"

    def opening(self, state: SessionState, *, categories: list[str]) -> str:
        cfg = state.config
        if cfg.categories:
            topics = ", ".join(cfg.categories)
        elif len(categories) > 3:
            topics = f"all {len(categories)} categories"
        else:
            topics = ", ".join(categories) or "all categories"
        feedback = (
            "you'll get feedback after each answer"
            if cfg.mode is Mode.practice
            else "feedback comes at the end, like a real interview"
        )
        n = state.total
        return (
            f"Hello, I'll be your interviewer today. We'll go through {n} "
            f"question{'s' if n != 1 else ''} from {topics}. This is {cfg.mode.value} mode: "
            f"{feedback}. Answer in your own words; type /help to see the commands."
        )

    def question_intro(self, state: SessionState, index: int) -> str:
        if index == 0:
            return "Let's start."
        return _pick(TRANSITIONS, state.records[index].question_id, index)

    def acknowledgement(self, rec: QuestionRecord, grade: Grade, mode: Mode) -> str:
        return _pick(ACK_NEUTRAL, rec.question_id, len(rec.follow_ups))

    def follow_up(self, rec: QuestionRecord, grade: Grade, key_point: str) -> str:
        # The claim being drilled is in the first answer's grade (follow-ups target its
        # points); while that answer is being taken, `rec` does not hold it yet.
        first = rec.grade or grade
        return drill.follow_up_text(rec, first, key_point, template_follow_up(rec, key_point))

    def hint(self, rec: QuestionRecord, key_point: str, *, avoid: str = "") -> str:
        return template_hint(rec, key_point, avoid=avoid)

    def wrap_up(self, state: SessionState) -> str:
        if state.end_reason == "completed":
            return "That's all the questions I have. Thank you for your time."
        return "Let's stop here. Thank you for your time."


def valid_acknowledgement(text: str | None, rec: QuestionRecord, mode: Mode) -> bool:
    """An LLM acknowledgement is used only if it is short and gives nothing away."""
    if not text or not text.strip() or len(text) > MAX_ACK_CHARS:
        return False
    if leaks_any(text, rec.criteria, question=rec.text):
        return False
    return not (mode is Mode.interview and EVALUATIVE.search(text))


def valid_follow_up(text: str | None, rec: QuestionRecord, missed: list[str]) -> bool:
    """An LLM follow-up is used only if it is a short question that states no missed point."""
    if not text or not text.strip() or len(text) > MAX_FOLLOW_UP_CHARS or "?" not in text:
        return False
    return not leaks_any(text, missed, question=rec.text)


class LLMPhraser(TemplatePhraser):
    """Uses the LLM grader's notes when they pass the checks; templates otherwise.

    `rejected` counts notes that failed a check, so tests and benchmarks can see the fallback.
    """

    name = "llm"

    def __init__(self) -> None:
        self.rejected: list[str] = []

    def acknowledgement(self, rec: QuestionRecord, grade: Grade, mode: Mode) -> str:
        ack = grade.notes.acknowledgement if grade.notes else None
        if ack and valid_acknowledgement(ack, rec, mode):
            return _clean(ack)
        if ack:
            self.rejected.append("acknowledgement")
        return super().acknowledgement(rec, grade, mode)

    def follow_up(self, rec: QuestionRecord, grade: Grade, key_point: str) -> str:
        # An authored probe was written and reviewed for this point: it wins over generated
        # wording, which is used only where the bank has none.
        if drill.authored_probe(rec, key_point):
            return super().follow_up(rec, grade, key_point)
        notes = grade.notes
        if notes and notes.follow_up_question:
            target = resolve_proposed_point(notes.follow_up_key_point, rec.criteria)
            missed = [v.key_point for v in grade.verdicts if v.verdict.value != "covered"]
            if (
                target is not None
                and normalise(target) == normalise(key_point)
                and valid_follow_up(notes.follow_up_question, rec, [*missed, key_point])
            ):
                claim = drill.claim_prefix(rec.grade or grade, key_point)
                return claim + _clean(notes.follow_up_question)
            self.rejected.append("follow_up")
        return super().follow_up(rec, grade, key_point)


def _clean(text: str) -> str:
    # Model text is shown in a terminal: drop control characters, collapse whitespace.
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def make_phraser(llm: bool) -> Phraser:
    return LLMPhraser() if llm else TemplatePhraser()
