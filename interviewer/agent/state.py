"""The interview as an explicit state machine: pure functions from (state, input) to state.

    choosing ──ask()──▶ asking ──answer: follow up?──▶ following_up ──answer──┐
       ▲                  │  no                              │ (budget left,│
       │                  ▼                                  ▼  more missed)│
       └──────────── question closed ◀───────────────────────┘◀─────────────┘
                          │ N questions asked, or /end
                          ▼
                       finished

No I/O happens here: the engine grades answers, picks questions and stores the result, then
calls these functions. Every function returns a NEW state (the input is never mutated) plus
the events that happened, which `phrasing` turns into what the interviewer says.

Loops are impossible by construction: at most `total` questions are ever asked, each question
gets at most `config.follow_ups` follow-ups, and no key point is followed up twice.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, Field

from interviewer.agent import followup
from interviewer.agent.config import Mode, SessionConfig
from interviewer.agent.wording import same_point
from interviewer.models import (
    SCORE_BANDS,
    Difficulty,
    Grade,
    KeyPointVerdict,
    Question,
    Verdict,
)


class Phase(StrEnum):
    choosing = "choosing"  # between questions: the engine must pick the next one
    asking = "asking"  # a main question is out, waiting for the answer
    following_up = "following_up"  # a follow-up is out, waiting for the answer
    finished = "finished"


class Outcome(StrEnum):
    answered = "answered"
    skipped = "skipped"
    idk = "idk"
    # The session ended while this question was out, before any answer: not scored.
    unanswered = "unanswered"


class EventKind(StrEnum):
    asked = "asked"
    graded = "graded"
    follow_up = "follow_up"
    closed = "closed"
    hint = "hint"
    no_hint = "no_hint"
    repeated = "repeated"
    finished = "finished"
    no_retry = "no_retry"


class Event(BaseModel):
    """Something that happened in a transition, for phrasing and the transcript."""

    kind: EventKind
    index: int  # 0-based position of the question in the session
    key_point: str | None = None
    grade: Grade | None = None
    follow_up: bool = False  # the graded answer was a follow-up answer
    text: str | None = None  # follow-up or hint wording
    outcome: Outcome | None = None
    score: float | None = None
    penalty: float = 0.0
    reason: str | None = None


class FollowUpRecord(BaseModel):
    key_point: str
    text: str
    asked_at: float
    answer: str | None = None
    grade: Grade | None = None
    recovered: float = 0.0


class QuestionRecord(BaseModel):
    """One question of the session, self-contained so reports work even if the bank changes."""

    question_id: str
    text: str
    category: str
    difficulty: Difficulty
    kind: str = "technical"
    criteria: list[str] = Field(default_factory=list)
    # Authored follow-up probes aligned with `criteria` (empty when the bank has none).
    probes: list[list[str]] = Field(default_factory=list)
    model_answer: str = ""
    asked_at: float
    # A fresh attempt at an earlier question of this session: the index of that record.
    retry_of: int | None = None
    hints: list[str] = Field(default_factory=list)
    hint_penalty: float = 0.0
    answer: str | None = None
    grade: Grade | None = None  # the first answer's grade, hint penalty so far applied
    raw_score: float = 0.0  # the first answer's score before any hint penalty
    follow_ups: list[FollowUpRecord] = Field(default_factory=list)
    outcome: Outcome | None = None
    score: float | None = None  # final, after follow-ups and hints; None while open

    @property
    def open(self) -> bool:
        return self.outcome is None

    @property
    def scored(self) -> bool:
        """Whether this question counts towards the session's scores."""
        return self.outcome is not None and self.outcome is not Outcome.unanswered


class SessionState(BaseModel):
    config: SessionConfig
    total: int = Field(ge=0)
    phase: Phase = Phase.choosing
    level: Difficulty = Difficulty.medium
    records: list[QuestionRecord] = Field(default_factory=list)
    end_reason: str | None = None

    @property
    def current(self) -> QuestionRecord | None:
        if self.phase in (Phase.asking, Phase.following_up) and self.records:
            return self.records[-1]
        return None

    @property
    def index(self) -> int:
        """0-based index of the current (or last) record."""
        return max(0, len(self.records) - 1)

    @property
    def asked(self) -> int:
        """How many of the session's questions were asked (retries are extra attempts)."""
        return sum(1 for r in self.records if r.retry_of is None)

    def number(self, index: int) -> int:
        """1-based question number of record `index` (a retry has its original's number)."""
        rec = self.records[index]
        if rec.retry_of is not None:
            return self.number(rec.retry_of)
        return sum(1 for r in self.records[: index + 1] if r.retry_of is None)

    @property
    def asked_ids(self) -> list[str]:
        return [r.question_id for r in self.records]

    @property
    def done(self) -> bool:
        return self.phase is Phase.finished

    @property
    def pending_follow_up(self) -> FollowUpRecord | None:
        rec = self.current
        if self.phase is Phase.following_up and rec and rec.follow_ups:
            return rec.follow_ups[-1]
        return None

    def criteria_for_answer(self) -> list[str] | None:
        """What the next answer is graded against: None = all, or the follow-up's target."""
        fu = self.pending_follow_up
        return [fu.key_point] if fu else None


class TransitionError(ValueError):
    """An input that the current phase cannot take (a bug in the caller, not the candidate)."""


Transition = tuple[SessionState, list[Event]]
# Writes the follow-up for a target key point; must not give the point away.
FollowUpWriter = Callable[[str], str]

# Adaptive difficulty: a question scored at least UP_AT moves one level up; below DOWN_BELOW
# moves one level down.
UP_AT = SCORE_BANDS.strong
DOWN_BELOW = SCORE_BANDS.passing
_LEVELS = [Difficulty.easy, Difficulty.medium, Difficulty.hard]


def next_level(level: Difficulty, score: float) -> Difficulty:
    i = _LEVELS.index(level)
    if score >= UP_AT:
        i = min(i + 1, len(_LEVELS) - 1)
    elif score < DOWN_BELOW:
        i = max(i - 1, 0)
    return _LEVELS[i]


def new_session(config: SessionConfig, total: int) -> SessionState:
    """A session that will ask `total` questions (may be fewer than asked for: a small bank)."""
    fixed = config.difficulty.fixed
    return SessionState(
        config=config,
        total=min(total, config.questions),
        level=fixed or Difficulty.medium,
        phase=Phase.choosing if total > 0 else Phase.finished,
        end_reason=None if total > 0 else "no questions available",
    )


def ask(state: SessionState, question: Question, now: float) -> Transition:
    """Put `question` to the candidate."""
    _expect(state, Phase.choosing)
    if state.asked >= state.total:
        raise TransitionError("all questions of this session were already asked")
    if question.id in state.asked_ids:
        raise TransitionError(f"question {question.id} was already asked in this session")
    record = QuestionRecord(
        question_id=question.id,
        text=question.text,
        category=question.category,
        difficulty=question.difficulty,
        kind=question.kind.value,
        criteria=list(question.criteria),
        probes=[list(p) for p in question.reference.probes] if question.reference.usable else [],
        model_answer=question.reference.text if question.reference.usable else "",
        asked_at=now,
    )
    new = state.model_copy(
        update={"records": [*state.records, record], "phase": Phase.asking}, deep=True
    )
    return new, [Event(kind=EventKind.asked, index=new.index)]


def finish(state: SessionState, reason: str) -> Transition:
    """End the session (ran out of questions, or the candidate typed /end)."""
    if state.phase is Phase.finished:
        return state, []
    new = state.model_copy(deep=True)
    events: list[Event] = []
    rec = new.current
    if rec is not None:
        events += _close_current(new, Outcome.answered if rec.grade else Outcome.unanswered)
    new.phase = Phase.finished
    new.end_reason = reason
    events.append(Event(kind=EventKind.finished, index=new.index, reason=reason))
    return new, events


def answer(
    state: SessionState,
    answer_text: str,
    grade: Grade,
    *,
    now: float,
    write_follow_up: FollowUpWriter,
    proposed_key_point: str | None = None,
) -> Transition:
    """Take a graded answer to the current question or follow-up, then follow up or close."""
    new = state.model_copy(deep=True)
    rec = new.current
    if rec is None:
        raise TransitionError(f"no question is out (phase {state.phase})")
    events: list[Event] = []
    if new.phase is Phase.asking:
        raw = grade.score
        # Hints taken before answering are charged here, so the grade shows them.
        if rec.hint_penalty:
            grade = grade.model_copy(
                update={
                    "score": max(0.0, grade.score - rec.hint_penalty),
                    "hint_penalty": rec.hint_penalty,
                }
            )
        rec.answer = answer_text
        rec.raw_score = raw
        rec.grade = grade
        events.append(Event(kind=EventKind.graded, index=new.index, grade=grade))
        first_for_follow_up = grade
    else:
        fu = rec.follow_ups[-1]
        fu.answer = answer_text
        fu.grade = grade
        assert rec.grade is not None
        fu.recovered = followup.recovered_points(rec.grade, grade, fu.key_point, len(rec.criteria))
        events.append(
            Event(
                kind=EventKind.graded,
                index=new.index,
                grade=grade,
                follow_up=True,
                key_point=fu.key_point,
            )
        )
        first_for_follow_up = rec.grade
        if not followup.can_follow_up(grade):
            # The candidate did not engage with the follow-up: do not press further.
            return _close_and_advance(new, events, Outcome.answered)

    target = followup.choose_target(
        first_for_follow_up,
        rec.criteria,
        already_targeted=[f.key_point for f in rec.follow_ups],
        budget_left=new.config.follow_ups - len(rec.follow_ups),
        proposed=proposed_key_point,
    )
    if target is None:
        return _close_and_advance(new, events, Outcome.answered)
    text = write_follow_up(target)
    rec.follow_ups.append(FollowUpRecord(key_point=target, text=text, asked_at=now))
    new.phase = Phase.following_up
    events.append(Event(kind=EventKind.follow_up, index=new.index, key_point=target, text=text))
    return new, events


def skip(state: SessionState) -> Transition:
    """Skip the question (scores 0), or skip a follow-up (keeps what was earned)."""
    new = state.model_copy(deep=True)
    rec = new.current
    if rec is None:
        raise TransitionError(f"no question is out (phase {state.phase})")
    outcome = Outcome.answered if rec.grade is not None else Outcome.skipped
    return _close_and_advance(new, [], outcome)


def dont_know(state: SessionState) -> Transition:
    """ "I don't know": scores 0 for the question, or no credit for the follow-up."""
    new = state.model_copy(deep=True)
    rec = new.current
    if rec is None:
        raise TransitionError(f"no question is out (phase {state.phase})")
    if new.phase is Phase.asking:
        rec.answer = ""
        rec.grade = idk_grade(rec.criteria, rec.hint_penalty)
        events = [Event(kind=EventKind.graded, index=new.index, grade=rec.grade)]
        return _close_and_advance(new, events, Outcome.idk)
    fu = rec.follow_ups[-1]
    fu.answer = ""
    fu.grade = idk_grade([fu.key_point], 0.0)
    events = [
        Event(
            kind=EventKind.graded,
            index=new.index,
            grade=fu.grade,
            follow_up=True,
            key_point=fu.key_point,
        )
    ]
    return _close_and_advance(new, events, Outcome.answered)


def idk_grade(criteria: list[str], hint_penalty: float) -> Grade:
    """The grade for "I don't know": 0, every point missed. No grader is needed for it."""
    return Grade(
        score=0.0,
        verdicts=[KeyPointVerdict(key_point=c, verdict=Verdict.missed) for c in criteria],
        feedback="You said you don't know, so this scores 0.",
        grader="rule",
        confidence=1.0,
        flags=["idk"],
        hint_penalty=hint_penalty,
    )


def hint(state: SessionState, *, key_point_hint: Callable[[str], str]) -> Transition:
    """Give a nudge towards one point not yet covered; it costs part of the score."""
    new = state.model_copy(deep=True)
    rec = new.current
    if rec is None:
        raise TransitionError(f"no question is out (phase {state.phase})")
    fu = new.pending_follow_up
    if fu is not None:
        options = [fu.key_point]
    elif rec.grade is not None:  # pragma: no cover - a graded question is never in `asking`
        options = followup.missed_in_order(rec.grade, rec.criteria)
    else:
        options = list(rec.criteria)
    options = [p for p in options if not any(same_point(p, h) for h in rec.hints)]
    if not options:
        return new, [Event(kind=EventKind.no_hint, index=new.index)]
    target = options[0]
    cost = followup.hint_cost(len(rec.criteria))
    rec.hints.append(target)
    rec.hint_penalty = round(rec.hint_penalty + cost, 2)
    text = key_point_hint(target)
    return new, [
        Event(kind=EventKind.hint, index=new.index, key_point=target, text=text, penalty=cost)
    ]


def repeat(state: SessionState) -> Transition:
    """Show the current question or follow-up again; nothing changes."""
    if state.current is None:
        raise TransitionError(f"no question is out (phase {state.phase})")
    fu = state.pending_follow_up
    return state, [Event(kind=EventKind.repeated, index=state.index, text=fu.text if fu else None)]


def retryable(state: SessionState) -> int | None:
    """The record a "try again" would retry: the last closed question that was answered or
    given up on, in practice mode, while the next question is untouched (or the session has
    just finished). None when there is nothing to retry now."""
    if state.config.mode is not Mode.practice:
        return None
    closed = [
        i for i, r in enumerate(state.records) if r.outcome in (Outcome.answered, Outcome.idk)
    ]
    if not closed:
        return None
    last = closed[-1]
    if state.phase is Phase.finished and last == len(state.records) - 1:
        return last
    cur = state.current
    fresh = (
        state.phase is Phase.asking
        and cur is not None
        and cur.answer is None
        and not cur.hints
        and last == len(state.records) - 2
    )
    return last if fresh else None


def retry(state: SessionState, now: float) -> Transition:
    """A fresh attempt at the question just graded, stored as its own record marked as a
    retry. The next question, if it was already out untouched, is put back to be asked later.
    The retry does not count as one of the session's questions, and its score does not replace
    the first attempt's (the report shows both)."""
    target = retryable(state)
    if target is None:
        return state, [Event(kind=EventKind.no_retry, index=state.index)]
    new = state.model_copy(deep=True)
    if new.phase is Phase.asking:
        new.records.pop()  # the untouched next question goes back to the pool
    original = new.records[target]
    root = original.retry_of if original.retry_of is not None else target
    record = original.model_copy(
        update={
            "asked_at": now,
            "hints": [],
            "hint_penalty": 0.0,
            "answer": None,
            "grade": None,
            "raw_score": 0.0,
            "follow_ups": [],
            "outcome": None,
            "score": None,
            "retry_of": root,
        },
        deep=True,
    )
    new.records.append(record)
    new.phase = Phase.asking
    new.end_reason = None
    return new, [Event(kind=EventKind.asked, index=new.index, reason="retry")]


def question_score(rec: QuestionRecord) -> float:
    """Fold the first answer, follow-ups and hints into the question's score."""
    if rec.grade is None:
        return 0.0
    return followup.fold_score(
        rec.raw_score, [f.recovered for f in rec.follow_ups], rec.hint_penalty
    )


def _close_current(state: SessionState, outcome: Outcome) -> list[Event]:
    """Close the current record in place (state is already a private copy)."""
    rec = state.records[-1]
    rec.outcome = outcome
    rec.score = None if outcome is Outcome.unanswered else question_score(rec)
    if rec.scored and state.config.difficulty.fixed is None:
        state.level = next_level(state.level, rec.score or 0.0)
    return [Event(kind=EventKind.closed, index=state.index, outcome=outcome, score=rec.score)]


def _close_and_advance(state: SessionState, events: list[Event], outcome: Outcome) -> Transition:
    events = [*events, *_close_current(state, outcome)]
    if state.asked >= state.total:
        state.phase = Phase.finished
        state.end_reason = "completed"
        events.append(Event(kind=EventKind.finished, index=state.index, reason="completed"))
    else:
        state.phase = Phase.choosing
    return state, events


def _expect(state: SessionState, phase: Phase) -> None:
    if state.phase is not phase:
        raise TransitionError(f"expected phase {phase}, but the session is {state.phase}")
