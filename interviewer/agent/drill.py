"""Drilling: the follow-up question for a missed or contradicted point, the feedback in the
candidate's own words, and the re-drill session made of what a session missed.

Pure functions over session records; no I/O. The wording rules:

- A follow-up is the bank's authored probe for the point when there is one (a probe not asked
  yet on this question), else an offline template (`phrasing.template_follow_up`).
- When the point was contradicted and the grader quoted the candidate, the follow-up first
  names the claim ('You said "one-hot encoding is for ordinal variables".') and then asks.
- Feedback per key point: covered, with the sentence that earned it; contradicted, with the
  sentence that contradicts it and the correct statement; missed, with the point and the probe
  to practise with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from interviewer.agent.state import QuestionRecord
from interviewer.agent.wording import same_point
from interviewer.models import Grade, KeyPointVerdict, Question, ReferenceAnswer, Verdict

# A quoted claim is cut to this many characters (at a word) in a follow-up.
CLAIM_CHARS = 140


def point_index(rec: QuestionRecord, key_point: str) -> int | None:
    if key_point in rec.criteria:
        return rec.criteria.index(key_point)
    for i, c in enumerate(rec.criteria):
        if same_point(c, key_point):
            return i
    return None


def probes_for(rec: QuestionRecord, key_point: str) -> list[str]:
    """The authored probes of `key_point` in this record (empty when the bank has none)."""
    i = point_index(rec, key_point)
    if i is None or i >= len(rec.probes):
        return []
    return [p.strip() for p in rec.probes[i] if p.strip()]


def authored_probe(rec: QuestionRecord, key_point: str) -> str | None:
    """An authored probe for the point that this question has not asked yet."""
    asked = {f.text for f in rec.follow_ups}
    for probe in probes_for(rec, key_point):
        if not any(probe in text for text in asked):
            return probe
    return None


def verdict_for(grade: Grade | None, key_point: str) -> KeyPointVerdict | None:
    if grade is None:
        return None
    # The exact point first: two short points can look alike to `same_point`.
    for v in grade.verdicts:
        if v.key_point == key_point:
            return v
    for v in grade.verdicts:
        if same_point(v.key_point, key_point):
            return v
    return None


def short_claim(quote: str, limit: int = CLAIM_CHARS) -> str:
    """The candidate's words, cut at a word boundary, first letter lowered, no end stop."""
    text = re.sub(r"\s+", " ", quote).strip().rstrip(".!?;:, ")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        text = text[:1].lower() + text[1:]
    return text


def claim_prefix(grade: Grade | None, key_point: str) -> str:
    """'You said "...". ' when the grade holds the candidate's contradicting words, else ''."""
    v = verdict_for(grade, key_point)
    if v is None or v.verdict is not Verdict.contradicted or not v.evidence:
        return ""
    return f'You said "{short_claim(v.evidence)}". '


def follow_up_text(rec: QuestionRecord, grade: Grade | None, key_point: str, fallback: str) -> str:
    """The follow-up for `key_point`: claim prefix + authored probe, or + `fallback` (the
    template or a checked LLM question) when the bank has no unused probe."""
    return claim_prefix(grade, key_point) + (authored_probe(rec, key_point) or fallback)


class PointStatus(StrEnum):
    covered = "covered"
    covered_later = "covered after a follow-up"
    partly = "partly"
    contradicted = "contradicted"
    missed = "missed"


@dataclass(frozen=True)
class PointFeedback:
    """What a candidate should read about one key point."""

    key_point: str
    status: PointStatus
    quote: str | None  # the candidate's own words (covered, partly, contradicted)
    probe: str | None  # a question to practise with (missed, partly, contradicted)

    @property
    def line(self) -> str:
        """One plain-text line, as the terminal, report and exports show it."""
        if self.status in (PointStatus.covered, PointStatus.covered_later):
            said = f' You said: "{self.quote}"' if self.quote else ""
            later = " after a follow-up" if self.status is PointStatus.covered_later else ""
            return f"Covered{later}: {self.key_point}{said}"
        if self.status is PointStatus.contradicted:
            said = f'You said "{self.quote}", but: ' if self.quote else "Contradicted: "
            return said + self.key_point + _practise(self.probe)
        if self.status is PointStatus.partly:
            said = f' (you said: "{self.quote}")' if self.quote else ""
            return f"Partly: {self.key_point}{said}{_practise(self.probe)}"
        return f"Missed: {self.key_point}{_practise(self.probe)}"


def _practise(probe: str | None) -> str:
    return f" Practise: {probe}" if probe else ""


def point_feedback(rec: QuestionRecord) -> list[PointFeedback]:
    """Per key point of a graded question, after its follow-ups."""
    if rec.grade is None:
        return []
    out = []
    for i, point in enumerate(rec.criteria):
        first = verdict_for(rec.grade, point)
        later = next(
            (
                verdict_for(f.grade, point)
                for f in rec.follow_ups
                if f.key_point == point  # follow-ups target criteria by their exact text
                and (v := verdict_for(f.grade, point)) is not None
                and v.verdict is Verdict.covered
            ),
            None,
        )
        probe = (rec.probes[i][0] if i < len(rec.probes) and rec.probes[i] else None) or None
        verdict = first.verdict if first else Verdict.missed
        if verdict is Verdict.covered:
            out.append(PointFeedback(point, PointStatus.covered, first.evidence, None))  # type: ignore[union-attr]
        elif later is not None:
            out.append(PointFeedback(point, PointStatus.covered_later, later.evidence, None))
        elif verdict is Verdict.contradicted:
            out.append(PointFeedback(point, PointStatus.contradicted, first.evidence, probe))  # type: ignore[union-attr]
        elif verdict is Verdict.partly:
            out.append(PointFeedback(point, PointStatus.partly, first.evidence, probe))  # type: ignore[union-attr]
        else:
            out.append(PointFeedback(point, PointStatus.missed, None, probe))
    return out


# --- re-drill ------------------------------------------------------------------------------


def redrill_questions(records: list[QuestionRecord], *, source: str) -> list[Question]:
    """One short question per point a session left missed, partly covered or contradicted:
    the point's probe (or a plain prompt), graded against that one point with the original
    question's model answer as the reference."""
    out: list[Question] = []
    for rec in records:
        if rec.grade is None or rec.retry_of is not None or rec.kind != "technical":
            continue
        for fb in point_feedback(rec):
            if fb.status in (PointStatus.covered, PointStatus.covered_later):
                continue
            prompt = fb.probe or f"Back to: {rec.text} What else matters here?"
            text = f"{prompt} (from: {rec.text})"
            out.append(
                Question.create(
                    text,
                    source,
                    category=rec.category,
                    difficulty=rec.difficulty,
                    line=1,
                    tags=["redrill"],
                    reference=ReferenceAnswer(
                        text=rec.model_answer or fb.key_point, key_points=[fb.key_point]
                    ),
                )
            )
    return out
