"""The interview engine: grading, question choice, phrasing and storage around the pure state
machine. This is the API the terminal chat and the web UI drive.

    engine = InterviewEngine(source=bank, grader=grader, store=store)
    session = engine.start(SessionConfig(questions=5))   # or engine.resume(session_id)
    result = session.opening                              # messages + the first question
    while not result.done:
        result = session.submit(input())                  # an answer or a command
    report = session.report()

Every input that changes the session is committed to the store BEFORE its result is returned:
if saving fails, `submit` raises a `StoreError`, the session keeps the unsaved turn, and
`retry_save()` writes it once the database is usable again (nothing is lost, nothing doubled).

An answer is saved as a pending answer BEFORE it is graded (grading an answer can take a minute
with a local LLM). If the process dies meanwhile, `engine.resume()` grades that answer first;
its result is `session.recovered`, and the stored turn is written as for any other answer.

Empty answers are not turns: the result asks for an answer and nothing is stored.

`submit(text, on_text=hook)` lets a streaming grader (the LLM one) hand its feedback to `hook`
as it is written, when that feedback is shown right after the answer anyway (see
`streams_feedback`). It is display only: the stored grade is the validated one, saved before
`submit` returns, exactly as without the hook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interviewer.agent import drill
from interviewer.agent import state as sm
from interviewer.agent.commands import Command, parse_input
from interviewer.agent.config import Mode, SessionConfig
from interviewer.agent.followup import resolve_proposed_point
from interviewer.agent.lazy import LazyGrader
from interviewer.agent.lines import LineWriter, valid_line, wrap_up_facts
from interviewer.agent.phrasing import Message, MessageKind, Phraser, TemplatePhraser
from interviewer.agent.replies import compose, current_prompt_messages, help_message
from interviewer.agent.repository import SessionRepository
from interviewer.agent.results import GradingError, Progress, Prompt, SetupError, TurnResult
from interviewer.agent.selection import ChoiceInput, PastGrade, askable, choose
from interviewer.grading.base import Grader, PreparingGrader, StreamingGrader, streams_text
from interviewer.hygiene import MAX_ANSWER_CHARS, cut
from interviewer.models import (
    Grade,
    Question,
    QuestionKind,
    ReferenceAnswer,
    ReferenceOrigin,
)
from interviewer.source import QuestionSource, guarded
from interviewer.store import (
    ConcurrentSessionError,
    PendingAnswer,
    ScoreRow,
    SessionStore,
    StoreError,
    TurnRow,
)

if TYPE_CHECKING:
    from interviewer.agent.report import Report


@dataclass
class _Pending:
    """A transition computed but not yet committed."""

    state: sm.SessionState
    turn: TurnRow | None
    scores: list[ScoreRow]
    result: TurnResult


def turn_row(
    kind: str,
    index: int,
    rec: sm.QuestionRecord,
    prompt: str,
    grade: Grade | None,
    asked_at: float | None,
    answered_at: float,
    *,
    answer: str | None = None,
) -> TurnRow:
    """The stored row of one candidate input (an answer, a command, a retry)."""
    return TurnRow(
        kind=kind,
        question_index=index,
        question_id=rec.question_id,
        question_text=rec.text,
        prompt=prompt,
        answer=answer,
        grade_json=grade.model_dump_json() if grade else None,
        grader=grade.grader if grade else None,
        score=grade.score if grade else None,
        asked_at=asked_at,
        answered_at=answered_at,
    )


def streams_feedback(state: sm.SessionState) -> bool:
    """Whether the next answer's feedback may be shown while it is written.

    Only when it is shown right after the answer anyway: practice mode, a first answer, and no
    follow-up allowed. Otherwise it would give away what a follow-up asks about, or (in
    interview mode) the verdict the candidate only sees in the report.
    """
    return (
        state.config.mode is Mode.practice
        and state.phase is sm.Phase.asking
        and state.config.follow_ups <= 0
    )


class InterviewEngine:
    def __init__(
        self,
        *,
        source: QuestionSource,
        grader: Grader,
        store: SessionStore,
        phraser: Phraser | None = None,
        clock: Callable[[], float] = time.time,
        line_writer: LineWriter | None = None,
    ) -> None:
        # Every bank failure surfaces as one SourceUnavailable (the front ends say one line).
        self.source = guarded(source)
        self.grader = grader
        self.store = store
        self.sessions = SessionRepository(store)
        self.phraser = phraser or TemplatePhraser()
        self.clock = clock
        # Writes the wrap-up line with an LLM (one call per session); None: templates only.
        self.line_writer = line_writer

    # -- starting and resuming ------------------------------------------------------------------

    def redrill_questions(self, session_id: str) -> list[Question]:
        """The re-drill of a stored session: one question per point it left open."""
        stored = self.sessions.load(session_id)
        return drill.redrill_questions(stored.state.records, source=f"redrill-{stored.id}")

    def available(self, config: SessionConfig) -> tuple[list[Question], list[Question]]:
        """(questions this config may ask, ungradable ones left out)."""
        if config.redrill_of:
            return self.redrill_questions(config.redrill_of), []
        known = self.source.categories()
        unknown = [c for c in config.categories if c not in known]
        if unknown:
            raise SetupError(
                f"Unknown categor{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}. "
                f"Fix: use one of: {', '.join(known) or '(the bank is empty: run ingest first)'}."
            )
        questions = self.source.list(categories=config.categories or None)
        return askable(questions, difficulty=config.difficulty.fixed)

    def start(self, config: SessionConfig) -> InterviewSession:
        ok, ungradable = self.available(config)
        if not ok and config.redrill_of:
            raise SetupError(
                f"Nothing to re-drill: session {config.redrill_of} left no key point missed, "
                "partly covered or contradicted. Start a new session with `interviewer chat`."
            )
        if not ok:
            detail = (
                f" ({len(ungradable)} match but have no reference answer, so they cannot be "
                "graded honestly)"
                if ungradable
                else ""
            )
            raise SetupError(
                f"No gradable questions match these choices{detail}. Fix: pick other "
                "categories or another difficulty, or add reference answers to the bank."
            )
        notes: list[Message] = []
        total = min(config.questions, len(ok))
        if total < config.questions:
            extra = (
                f"; {len(ungradable)} more have no reference answer and cannot be graded"
                if ungradable
                else ""
            )
            notes.append(
                Message(
                    kind=MessageKind.note,
                    text=f"Only {len(ok)} question{'s' if len(ok) != 1 else ''} match your "
                    f"choices{extra}, so this session has {total} instead of "
                    f"{config.questions}.",
                )
            )
        session_id = uuid.uuid4().hex[:12]
        state = sm.new_session(config, total)
        session = InterviewSession(self, session_id, state, version=0, candidates=ok)
        session._read_choice_input()
        state, events = session._ask_next(state)
        session.version = self.sessions.create(
            session_id, state, grader=self.grader.name, now=self.clock()
        )
        session.state = state
        categories = config.categories or sorted({q.category for q in ok})
        opening = Message(
            kind=MessageKind.opening, text=self.phraser.opening(state, categories=categories)
        )
        session.opening = session._result(
            [opening, *notes, *compose(events, state, self.phraser)], saved=True
        )
        return session

    def resume(self, session_id: str) -> InterviewSession:
        """Load a stored session; an answer saved but never graded is graded first.

        `session.welcome` holds the notes to greet the candidate with, `session.recovered` the
        result of grading the saved answer (None if there was none), and `session.opening`
        both, followed by what is waiting for an answer now.
        """
        stored = self.sessions.load(session_id)
        state = stored.state
        session = InterviewSession(self, stored.id, state, version=stored.version)
        if state.done:
            session.welcome = [
                Message(
                    kind=MessageKind.note,
                    text=f"Session {stored.id} is finished. "
                    f"See the report: `interviewer report {stored.id}`.",
                )
            ]
            session.opening = session._result(session.welcome, saved=False)
            return session
        pending = self.sessions.pending(stored.id)
        recovery: list[Message] = []
        after: list[Message] = []
        if pending is not None and session._can_recover(pending):
            recovery, after = session._recover(pending)
        done = sum(1 for r in session.state.records if not r.open)
        session.welcome = [
            Message(
                kind=MessageKind.note,
                text=f"Welcome back. Resuming session {stored.id}: {done} of "
                f"{session.state.total} questions done.",
            ),
            *recovery,
        ]
        if session.recovered is None:
            after = [*after, *current_prompt_messages(session.state)]
        session.opening = session._result([*session.welcome, *after], saved=False)
        return session


class InterviewSession:
    """One candidate's session. Not thread-safe: drive each session from one thread."""

    def __init__(
        self,
        engine: InterviewEngine,
        session_id: str,
        state: sm.SessionState,
        *,
        version: int,
        candidates: list[Question] | None = None,
    ) -> None:
        self.engine = engine
        self.id = session_id
        self.state = state
        self.version = version
        self.opening: TurnResult | None = None
        self._candidates = candidates
        self._choice: ChoiceInput | None = None
        self._questions: dict[str, Question] = {q.id: q for q in candidates or []}
        self._pending: _Pending | None = None
        # An answer the store refused to keep before grading; `retry_save` sends it again.
        self._unsent: str | None = None
        # Set by `engine.resume`: its greeting, and the grade of an answer saved but ungraded.
        self.welcome: list[Message] = []
        self.recovered: TurnResult | None = None
        self.recovered_answer: str | None = None
        self.recovered_prompt: list[Message] = []  # what that answer was answering

    # -- the public API -------------------------------------------------------------------------

    def current(self) -> TurnResult:
        """Show what is waiting for an answer, without changing anything."""
        return self._result(current_prompt_messages(self.state), saved=False)

    def submit(self, text: str, on_text: Callable[[str], None] | None = None) -> TurnResult:
        """Take one line from the candidate: an answer or a command.

        `on_text` receives the grader's feedback so far while an answer is graded, if the
        grader streams and `streams_feedback` allows it; it may be called from another thread.
        """
        if self._pending is not None or self._unsent is not None:
            raise StoreError(
                "The previous answer is not saved yet. Fix the database problem shown before, "
                "then retry saving (the answer is kept in memory)."
            )
        parsed = parse_input(text)
        if parsed.command is Command.retry:
            return self._retry()
        if self.state.done:
            return self._result(
                [
                    Message(
                        kind=MessageKind.note,
                        text=f"This session is finished. See `interviewer report {self.id}`.",
                    )
                ],
                saved=False,
            )
        if parsed.command is Command.help:
            return self._result([help_message()], saved=False, command=Command.help)
        if parsed.command is Command.repeat:
            _, events = sm.repeat(self.state)
            msgs = compose(events, self.state, self.engine.phraser)
            return self._result(msgs, saved=False, command=Command.repeat)
        if parsed.is_empty:
            return self._result(
                [
                    Message(
                        kind=MessageKind.note,
                        text="I didn't get an answer. Type your answer, or /skip, /idk, /hint "
                        "or /help. Nothing was recorded.",
                    )
                ],
                saved=False,
            )
        if parsed.command is None:
            return self._commit(self._answer(parsed.answer, on_text))
        return self._commit(self._command(parsed.command))

    def retry_save(self) -> TurnResult:
        """Write the turn that failed to save; returns its result.

        An answer that could not even be saved before grading is saved, then graded, now.
        """
        if self._unsent is not None:
            text, self._unsent = self._unsent, None
            return self.submit(text)
        if self._pending is None:
            return self.current()
        pending, self._pending = self._pending, None
        return self._commit(pending)

    @property
    def has_unsaved(self) -> bool:
        return self._pending is not None or self._unsent is not None

    @property
    def answer_kept(self) -> bool:
        """Whether the unsaved turn is an answer already in the store as a pending answer
        (only its grade failed to save): giving up then loses nothing, resume regrades it."""
        turn = self._pending.turn if self._pending is not None else None
        return turn is not None and turn.kind in ("answer", "follow_up_answer")

    # -- recovering an answer saved before a crash ---------------------------------------------

    def _can_recover(self, pending: PendingAnswer) -> bool:
        """Whether `pending` answers exactly what the stored state is waiting for."""
        state = self.state
        kind = "follow_up_answer" if state.phase is sm.Phase.following_up else "answer"
        return (
            state.current is not None
            and pending.version == self.version
            and pending.question_index == state.index
            and pending.kind == kind
        )

    def _recover(self, pending: PendingAnswer) -> tuple[list[Message], list[Message]]:
        """Grade the saved answer; returns (notes for the greeting, messages that follow)."""
        number = pending.question_index + 1
        note = Message(
            kind=MessageKind.note,
            text=f"Your answer to question {number} was saved before the interruption but not "
            "graded yet; it is graded now.",
        )
        self.recovered_answer = pending.answer
        self.recovered_prompt = current_prompt_messages(self.state)
        try:
            self.recovered = self._commit(self._answer(pending.answer, saved=pending))
        except GradingError as exc:
            return [note, Message(kind=MessageKind.error, text=str(exc))], []
        return [note], list(self.recovered.messages)

    def prefetch(self) -> None:
        """Let the grader prepare the current question or follow-up (embed its reference and
        key points) while the candidate reads it, so grading is only the answer's work.

        Does nothing for graders without a `prepare(question, criteria=None)` method.
        """
        state = self.state
        rec = state.current
        grader = self.engine.grader
        if rec is None or not isinstance(grader, PreparingGrader):
            return
        grader.prepare(self._question(rec), criteria=state.criteria_for_answer())

    @staticmethod
    def _prompt_key(state: sm.SessionState) -> tuple[int, int]:
        """Changes whenever a new question or follow-up is put to the candidate."""
        rec = state.current
        return (len(state.records), len(rec.follow_ups) if rec else -1)

    def prefetch_in_background(self, *, build: bool = False) -> None:
        """`prefetch` in a daemon thread: the question is prepared while the candidate reads.

        A lazy grader not built yet is left alone (building it would import torch before the
        first paint) unless `build`: a front end that has already started loading the model
        asks for it when a session opens."""
        grader = self.engine.grader
        if not isinstance(grader, PreparingGrader) or self.state.current is None:
            return
        if isinstance(grader, LazyGrader) and not grader.ready and not build:
            return
        threading.Thread(target=self._prefetch_quietly, name="prefetch", daemon=True).start()

    def _prefetch_quietly(self) -> None:
        # A failure here only loses the head start: grading reports real errors.
        with contextlib.suppress(Exception):
            self.prefetch()

    def report(self) -> Report:
        """The report for the session so far (works mid-session too)."""
        from interviewer.agent.report import build_report

        return build_report(
            self.state, session_id=self.id, source=self.engine.source, store=self.engine.store
        )

    # -- transitions ----------------------------------------------------------------------------

    def _answer(
        self,
        text: str,
        on_text: Callable[[str], None] | None = None,
        *,
        saved: PendingAnswer | None = None,
    ) -> _Pending:
        """Grade an answer and compute the transition. The answer is saved as pending first
        (unless `saved` is that stored answer, being recovered), before anything slow."""
        state = self.state
        rec = state.current
        assert rec is not None
        is_follow_up = state.phase is sm.Phase.following_up
        fu = state.pending_follow_up
        prompt = fu.text if fu is not None else rec.text
        asked_at = fu.asked_at if fu is not None else rec.asked_at
        kind = "follow_up_answer" if is_follow_up else "answer"
        answered_at = saved.answered_at if saved is not None else self.engine.clock()
        if saved is None:
            ungraded = turn_row(
                kind, state.index, rec, prompt, None, asked_at, answered_at, answer=text
            )
            self._save_pending(PendingAnswer.of(ungraded, version=self.version))
        question = self._question(rec)
        criteria = state.criteria_for_answer()
        notes: list[Message] = []
        graded_text, was_cut = cut(text, MAX_ANSWER_CHARS)
        if was_cut:
            notes.append(
                Message(
                    kind=MessageKind.note,
                    text=f"Your answer is {len(text):,} characters long; only the first "
                    f"{MAX_ANSWER_CHARS:,} were graded.",
                )
            )
        try:
            grade = self._grade(question, graded_text, criteria, on_text)
        except Exception as exc:  # the grader's own errors say what went wrong
            raise GradingError(
                f"Grading failed ({type(exc).__name__}: {exc}). Your answer is saved but not "
                f"graded: send it again, or restart with --grader offline; `interviewer resume "
                f"{self.id}` grades the saved answer first."
            ) from exc
        if was_cut and "truncated" not in grade.flags:
            grade = grade.model_copy(update={"flags": [*grade.flags, "truncated"]})
        # The next question may be chosen in this transition: what that needs from the bank and
        # the store is read now, after the answer is saved and graded, not halfway through.
        self._read_choice_input()
        # A follow-up's grade was narrowed to one key point; its suggestions index that narrow
        # list, so only a first answer's notes may steer the follow-up.
        notes_grade = grade if not is_follow_up else grade.model_copy(update={"notes": None})
        proposed = None
        if notes_grade.notes is not None:
            proposed = resolve_proposed_point(notes_grade.notes.follow_up_key_point, rec.criteria)
        phraser = self.engine.phraser
        new_state, events = sm.answer(
            state,
            text,
            grade,
            now=self.engine.clock(),
            write_follow_up=lambda kp: phraser.follow_up(rec, notes_grade, kp),
            proposed_key_point=proposed,
        )
        graded = next(e.grade for e in events if e.kind is sm.EventKind.graded)
        turn = turn_row(kind, state.index, rec, prompt, graded, asked_at, answered_at, answer=text)
        return self._finish_transition(new_state, events, turn, notes, graded)

    def _save_pending(self, pending: PendingAnswer) -> None:
        try:
            self.engine.sessions.save_pending(self.id, pending, now=self.engine.clock())
        except ConcurrentSessionError:
            raise  # another window moved the session on: keeping the answer cannot help
        except StoreError:
            self._unsent = pending.answer  # `retry_save` saves and grades it
            raise

    def _grade(
        self,
        question: Question,
        text: str,
        criteria: list[str] | None,
        on_text: Callable[[str], None] | None,
    ) -> Grade:
        grader = self.engine.grader
        if on_text is not None and streams_feedback(self.state) and streams_text(grader):
            assert isinstance(grader, StreamingGrader)
            return grader.grade(question, text, criteria=criteria, on_text=on_text)
        return grader.grade(question, text, criteria=criteria)

    def _retry(self) -> TurnResult:
        """ "Try again": a fresh attempt at the question just graded (practice mode)."""
        state = self.state
        new_state, events = sm.retry(state, self.engine.clock())
        if new_state is state:
            return self._result(
                compose(events, state, self.engine.phraser), saved=False, command=Command.retry
            )
        rec = new_state.records[-1]
        turn = turn_row("retry", new_state.index, rec, rec.text, None, rec.asked_at, rec.asked_at)
        return self._commit(
            self._finish_transition(new_state, events, turn, [], None, command=Command.retry)
        )

    def _command(self, command: Command) -> _Pending:
        state = self.state
        rec = state.current
        assert rec is not None
        now = self.engine.clock()
        phraser = self.engine.phraser
        if command in (Command.skip, Command.idk):
            self._read_choice_input()  # before the transition that may choose the next question
        if command is Command.hint:
            asked = state.pending_follow_up.text if state.pending_follow_up else ""
            new_state, events = sm.hint(
                state, key_point_hint=lambda kp: phraser.hint(rec, kp, avoid=asked)
            )
            kind = "hint"
        elif command is Command.skip:
            new_state, events = sm.skip(state)
            kind = "skip"
        elif command is Command.idk:
            new_state, events = sm.dont_know(state)
            kind = "idk"
        elif command is Command.end:
            new_state, events = sm.finish(state, "ended by the candidate")
            kind = "end"
        else:  # pragma: no cover - help and repeat are handled before
            raise ValueError(command)
        fu = state.pending_follow_up
        graded = next((e.grade for e in events if e.kind is sm.EventKind.graded), None)
        prompt = fu.text if fu else rec.text
        asked_at = fu.asked_at if fu else rec.asked_at
        turn = turn_row(kind, state.index, rec, prompt, graded, asked_at, now)
        return self._finish_transition(new_state, events, turn, [], graded, command=command)

    def _finish_transition(
        self,
        new_state: sm.SessionState,
        events: list[sm.Event],
        turn: TurnRow,
        notes: list[Message],
        grade: Grade | None,
        command: Command | None = None,
    ) -> _Pending:
        closed = [e for e in events if e.kind is sm.EventKind.closed]
        if new_state.phase is sm.Phase.choosing:
            new_state, more = self._ask_next(new_state)
            events = [*events, *more]
        now = self.engine.clock()
        scores = [
            ScoreRow(r.question_id, r.category, r.score or 0.0, now)
            for e in closed
            if (r := new_state.records[e.index]).scored
        ]
        messages = [*notes, *compose(events, new_state, self.engine.phraser)]
        turn = dataclasses.replace(
            turn, reply_json=json.dumps([m.model_dump(mode="json") for m in messages])
        )
        scored = [e.index for e in closed if new_state.records[e.index].scored]
        asked = [e.text for e in events if e.kind is sm.EventKind.follow_up and e.text]
        result = self._result(
            messages,
            saved=True,
            state=new_state,
            grade=grade,
            command=command,
            question_score=closed[-1].score if closed else None,
        ).model_copy(
            update={
                "closed_index": scored[-1] if scored else None,
                "follow_up": asked[-1] if asked else None,
            }
        )
        return _Pending(new_state, turn, scores, result)

    def _commit(self, pending: _Pending) -> TurnResult:
        try:
            self.version = self.engine.sessions.save_turn(
                self.id,
                expected_version=self.version,
                state=pending.state,
                turn=pending.turn,
                scores=pending.scores,
                now=self.engine.clock(),
            )
        except ConcurrentSessionError:
            raise  # retrying can never succeed: the session moved on elsewhere
        except StoreError:
            self._pending = pending
            raise
        before = self._prompt_key(self.state)
        self.state = pending.state
        if not self.state.done and self._prompt_key(self.state) != before:
            self.prefetch_in_background()
        if pending.state.done and self.engine.line_writer is not None:
            return self._llm_wrap_up(pending.result)
        return pending.result

    def _llm_wrap_up(self, result: TurnResult) -> TurnResult:
        """Swap the template wrap-up for the LLM's line, if it passes the checks.

        Called after the commit, so a slow or failing LLM never risks the last answer; the
        stored transcript keeps the template line.
        """
        assert self.engine.line_writer is not None
        line = self.engine.line_writer("wrap_up", wrap_up_facts(self.state))
        if not valid_line(line, self.state):
            return result
        messages = [
            m.model_copy(update={"text": line}) if m.kind is MessageKind.wrap_up else m
            for m in result.messages
        ]
        return result.model_copy(update={"messages": messages})

    # -- question choice ------------------------------------------------------------------------

    def _ask_next(self, state: sm.SessionState) -> tuple[sm.SessionState, list[sm.Event]]:
        question = self._choose(state)
        if question is None:
            return sm.finish(state, "no more questions match the session's choices")
        self._questions[question.id] = question
        return sm.ask(state, question, self.engine.clock())

    def _read_choice_input(self) -> ChoiceInput:
        """Read, once, what question choice needs from the bank and the store. Called before
        a transition (`submit`, `start`, `resume`), so no transition waits on outside I/O
        halfway through."""
        if self._choice is None:
            cfg = self.state.config
            if self._candidates is None:
                self._candidates, _ = self.engine.available(cfg)
            focus = None
            if cfg.focus and not cfg.redrill_of:
                hits = self.engine.source.search(
                    cfg.focus, k=max(len(self._candidates), 1), categories=cfg.categories or None
                )
                focus = {h.question.id: h.similarity for h in hits}
            past = [
                PastGrade(s.question_id, s.category, s.score, s.at)
                for s in self.engine.sessions.history(cfg.candidate, exclude_session=self.id)
            ]
            self._choice = ChoiceInput(self._candidates, past, focus, in_order=bool(cfg.redrill_of))
        return self._choice

    def _choose(self, state: sm.SessionState) -> Question | None:
        cfg = state.config
        seed = cfg.seed if cfg.seed is not None else zlib.crc32(self.id.encode())
        return choose(state, self._read_choice_input(), now=self.engine.clock(), seed=seed)

    def _question(self, rec: sm.QuestionRecord) -> Question:
        """The bank's question, or one rebuilt from the record if the bank changed since."""
        q = self._questions.get(rec.question_id) or self.engine.source.get(rec.question_id)
        if q is None:
            behavioural = rec.kind == QuestionKind.behavioural.value
            q = Question(
                id=rec.question_id,
                text=rec.text,
                category=rec.category,
                difficulty=rec.difficulty,
                kind=QuestionKind(rec.kind),
                source="session",
                line=1,
                reference=ReferenceAnswer(origin=ReferenceOrigin.none)
                if behavioural
                else ReferenceAnswer(text=rec.model_answer, key_points=rec.criteria),
                rubric=rec.criteria if behavioural else [],
            )
        self._questions[q.id] = q
        return q

    # -- results --------------------------------------------------------------------------------

    def _result(
        self,
        messages: list[Message],
        *,
        saved: bool,
        state: sm.SessionState | None = None,
        grade: Grade | None = None,
        command: Command | None = None,
        question_score: float | None = None,
    ) -> TurnResult:
        state = state or self.state
        rec = state.current
        prompt = None
        if rec is not None:
            fu = state.pending_follow_up
            prompt = Prompt(
                question_id=rec.question_id,
                text=rec.text,
                category=rec.category,
                difficulty=rec.difficulty.value,
                kind=rec.kind,
                index=state.number(state.index),
                total=state.total,
                follow_up=fu.text if fu else None,
                hints_used=len(rec.hints),
            )
        return TurnResult(
            session_id=self.id,
            messages=messages,
            grade=grade,
            question_score=question_score,
            prompt=prompt,
            progress=Progress(
                current=min(state.number(state.index), state.total) if state.records else 0,
                total=state.total,
                completed=sum(1 for r in state.records if not r.open and r.retry_of is None),
            ),
            done=state.done,
            command=command.value if command else None,
            saved=saved,
            grader=self.engine.grader.name,
        )
