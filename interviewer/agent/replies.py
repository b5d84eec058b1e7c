"""Turn state-machine events into the messages the candidate sees. Pure.

Practice mode gives feedback when a question closes (after its follow-ups, so a follow-up is
never spoiled by a list of what was missed). Interview mode only acknowledges, neutrally, and
keeps all feedback for the report.
"""

from __future__ import annotations

from interviewer.agent.commands import HELP_TEXT
from interviewer.agent.config import Mode
from interviewer.agent.drill import point_feedback
from interviewer.agent.phrasing import Message, MessageKind, Phraser
from interviewer.agent.state import (
    Event,
    EventKind,
    Outcome,
    Phase,
    QuestionRecord,
    SessionState,
)
from interviewer.agent.wording import same_point
from interviewer.grading.guards import GUARD_FEEDBACK
from interviewer.models import Grade, GraderKind, QuestionKind


def grader_label(grade: Grade) -> str:
    """An honest name for who graded: offline, an LLM, or the offline fallback."""
    if grade.grader == "rule":
        return "no grading needed"
    if grade.fallback:
        reason = grade.fallback_reason or "the LLM grader failed"
        return f"offline grader, fallback: {reason}"
    if grade.grader == "offline":
        return "offline grader"
    return f"LLM grader {grade.grader}"


def points(x: float) -> str:
    """0.83 -> "0.83", 1.5 -> "1.5", 2.0 -> "2"."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def overall_score(records: list[QuestionRecord]) -> float | None:
    """Mean of the scored questions (skips and "I don't know" count as 0). First attempts
    only: a retry is practice, shown beside its question, not a second chance at the score."""
    scores = [r.score or 0.0 for r in records if r.scored and r.retry_of is None]
    return round(sum(scores) / len(scores), 1) if scores else None


def question_header(state: SessionState, index: int) -> str:
    rec = state.records[index]
    kind = " · behavioural" if rec.kind == QuestionKind.behavioural.value else ""
    retry = " (try again)" if rec.retry_of is not None else ""
    number = state.number(index)
    return (
        f"Question {number} of {state.total}{retry} · {rec.category} · {rec.difficulty.value}{kind}"
    )


def question_message(state: SessionState, index: int) -> Message:
    rec = state.records[index]
    return Message(kind=MessageKind.question, text=f"{question_header(state, index)}\n{rec.text}")


def points_after_follow_ups(rec: QuestionRecord) -> tuple[list[str], list[str], list[str]]:
    """(covered at first, covered only after a follow-up, still missed)."""
    if rec.grade is None:
        return [], [], list(rec.criteria)
    covered = rec.grade.covered_points
    later = [
        f.key_point
        for f in rec.follow_ups
        if f.grade is not None
        and f.recovered > 0
        and not any(same_point(f.key_point, c) for c in covered)
    ]
    missed = [
        c
        for c in rec.criteria
        if not any(same_point(c, x) for x in covered) and not any(same_point(c, x) for x in later)
    ]
    return covered, later, missed


def grader_notes(rec: QuestionRecord) -> str:
    """What the grader said beyond the key-point lines: an LLM's own feedback, a behavioural
    grade's caveat, or why a guard capped the answer. The offline grader's per-point feedback
    is already in those lines, so it is not repeated."""
    grade = rec.grade
    if grade is None:
        return ""
    if grade.grader != GraderKind.offline.value or rec.kind == QuestionKind.behavioural.value:
        return grade.feedback
    return " ".join(GUARD_FEEDBACK[f] for f in dict.fromkeys(grade.flags) if f in GUARD_FEEDBACK)


def feedback_text(rec: QuestionRecord) -> str:
    """The practice-mode feedback for a closed question."""
    if rec.outcome is Outcome.skipped:
        return "Skipped: this question scores 0."
    assert rec.grade is not None
    label = grader_label(rec.grade)
    parts = [f"Score: {rec.score or 0.0:.1f}/5 ({label})."]
    recovered = sum(f.recovered for f in rec.follow_ups)
    adjustments = []
    if recovered > 0 or rec.hint_penalty:
        adjustments.append(f"first answer {rec.raw_score:.1f}")
    if recovered > 0:
        adjustments.append(f"+{recovered:.1f} from follow-ups")
    if rec.hint_penalty:
        adjustments.append(f"−{rec.hint_penalty:.1f} for hints")
    if adjustments:
        parts[0] = parts[0][:-1] + f"; {', '.join(adjustments)}."
    lines = [fb.line for fb in point_feedback(rec)]
    if lines:
        parts.append("\n".join(f"  - {line}" for line in lines))
    notes = grader_notes(rec)
    if notes:
        parts.append(notes)
    if "truncated" in rec.grade.flags:
        parts.append("Only the first part of your very long answer was graded.")
    return "\n".join(parts)


def model_answer_text(rec: QuestionRecord) -> str:
    if rec.model_answer:
        return "Model answer:\n" + rec.model_answer
    return "A strong answer covers:\n" + "\n".join(f"- {c}" for c in rec.criteria)


def compose(events: list[Event], state: SessionState, phraser: Phraser) -> list[Message]:
    """The messages for one transition (`state` is the state after it)."""
    mode = state.config.mode
    out: list[Message] = []
    for i, ev in enumerate(events):
        rec = state.records[ev.index] if state.records else None
        if ev.kind is EventKind.asked:
            intro = (
                "Let's try that one again. This attempt is kept as a retry; the first one "
                "still counts for the score."
                if ev.reason == "retry"
                else phraser.question_intro(state, ev.index)
            )
            out.append(Message(kind=MessageKind.note, text=intro))
            out.append(question_message(state, ev.index))
        elif ev.kind is EventKind.graded and rec is not None and ev.grade is not None:
            if "idk" in ev.grade.flags and ev.grade.grader == "rule":
                out.append(Message(kind=MessageKind.acknowledgement, text="Okay."))
            else:
                out.append(
                    Message(
                        kind=MessageKind.acknowledgement,
                        text=phraser.acknowledgement(rec, ev.grade, mode),
                    )
                )
            follow_up_next = i + 1 < len(events) and events[i + 1].kind is EventKind.follow_up
            if mode is Mode.practice and follow_up_next and not ev.follow_up:
                out.append(
                    Message(
                        kind=MessageKind.feedback,
                        text=f"So far: {ev.grade.score:.1f}/5 ({grader_label(ev.grade)}). "
                        "One follow-up before I give you the full feedback.",
                    )
                )
        elif ev.kind is EventKind.follow_up and ev.text:
            out.append(Message(kind=MessageKind.follow_up, text=ev.text))
        elif ev.kind is EventKind.closed and rec is not None:
            if ev.outcome is Outcome.unanswered:
                continue
            if mode is Mode.practice:
                text = feedback_text(rec)
                if ev.outcome in (Outcome.answered, Outcome.idk):
                    text += "\n(Type /retry to try this question again, or answer the next one.)"
                out.append(Message(kind=MessageKind.feedback, text=text))
                if ev.outcome is Outcome.idk:
                    out.append(Message(kind=MessageKind.model_answer, text=model_answer_text(rec)))
            elif ev.outcome is Outcome.skipped:
                out.append(Message(kind=MessageKind.note, text="Skipped."))
        elif ev.kind is EventKind.hint and ev.text:
            out.append(
                Message(
                    kind=MessageKind.hint,
                    text=f"{ev.text} (This hint costs {points(ev.penalty)} points.)",
                )
            )
        elif ev.kind is EventKind.no_retry:
            out.append(
                Message(
                    kind=MessageKind.note,
                    text="Try again works in practice mode, right after a question is graded "
                    "and before you answer the next one.",
                )
            )
        elif ev.kind is EventKind.no_hint:
            out.append(
                Message(kind=MessageKind.note, text="No more hints for this one: give it a try.")
            )
        elif ev.kind is EventKind.repeated and rec is not None:
            if ev.text:
                out.append(Message(kind=MessageKind.follow_up, text=ev.text))
            else:
                out.append(question_message(state, ev.index))
        elif ev.kind is EventKind.finished:
            out.append(Message(kind=MessageKind.wrap_up, text=phraser.wrap_up(state)))
            overall = overall_score(state.records)
            scored = sum(1 for r in state.records if r.scored)
            if overall is not None:
                out.append(
                    Message(
                        kind=MessageKind.note,
                        text=f"Overall: {overall:.1f}/5 over {scored} "
                        f"question{'s' if scored != 1 else ''}.",
                    )
                )
    return out


def help_message() -> Message:
    return Message(kind=MessageKind.help, text=HELP_TEXT)


def current_prompt_messages(state: SessionState) -> list[Message]:
    """What is waiting for an answer (used on resume)."""
    if state.phase is Phase.finished or not state.records:
        return []
    msgs = [question_message(state, state.index)]
    fu = state.pending_follow_up
    if fu is not None:
        msgs.append(Message(kind=MessageKind.follow_up, text=fu.text))
    return msgs
