"""The end-of-session report: a pydantic model built from the session, rendered as markdown or
JSON.

Scores: a question's score folds its follow-ups and hints (see `followup`); skipped and
"I don't know" questions count as 0; a question still unanswered when the session ended does not
count. The overall score is the mean over counted questions, and so is each category's.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from interviewer.agent.drill import point_feedback
from interviewer.agent.followup import RECOVERY
from interviewer.agent.replies import (
    grader_label,
    grader_notes,
    overall_score,
    points_after_follow_ups,
)
from interviewer.agent.state import Outcome, QuestionRecord, SessionState
from interviewer.display import md_cell, md_code_block, md_escape, md_quote
from interviewer.source import QuestionSource
from interviewer.store import SessionStore

SCORING_RULE = (
    "Each question is scored 0-5 against its key points. A follow-up is graded on its one "
    f"targeted key point and recovers {RECOVERY:.0%} of the credit the first answer missed on "
    "it; each hint costs half of the hinted key point's share. Skipped and \"I don't know\" "
    "questions score 0; a question left unanswered when the session ended does not count."
)
STRONG = 3.5


class FollowUpResult(BaseModel):
    question: str
    key_point: str
    answer: str | None
    score: float | None
    recovered: float


class PointResult(BaseModel):
    """One key point after follow-ups, with the candidate's own words (see agent/drill.py)."""

    key_point: str
    status: str  # covered, covered after a follow-up, partly, contradicted, missed
    quote: str | None = None
    probe: str | None = None
    line: str


class QuestionResult(BaseModel):
    index: int  # 1-based
    question_id: str
    question: str
    category: str
    difficulty: str
    kind: str
    outcome: str
    score: float | None
    covered: list[str]
    covered_after_follow_up: list[str]
    missed: list[str]
    feedback: str
    model_answer: str
    answer: str | None
    follow_ups: list[FollowUpResult]
    hints: list[str]
    hint_penalty: float
    grader: str | None  # honest label: offline, LLM model, or fallback
    flags: list[str]
    points: list[PointResult] = Field(default_factory=list)
    retry_of: int | None = None  # 1-based index of the question this retried


class CategoryResult(BaseModel):
    category: str
    score: float
    questions: int


class BankLink(BaseModel):
    question_id: str
    question: str
    category: str
    similarity: float | None = None


class StudyArea(BaseModel):
    category: str
    question_id: str
    question: str
    score: float
    study: list[str]  # the key points to learn
    related: list[BankLink]  # bank entries to practise next


class CategoryTrend(BaseModel):
    category: str
    current: float
    previous: float | None  # the last earlier session that had this category
    earlier_sessions: int
    history: list[float]  # earlier sessions' means, oldest first
    delta: float | None
    direction: str  # up | down | flat | new


class Report(BaseModel):
    session_id: str
    candidate: str
    created_at: float | None
    status: str
    end_reason: str | None
    mode: str
    difficulty: str
    graders: list[str]
    overall: float | None
    answered: int
    total: int
    categories: list[CategoryResult]
    questions: list[QuestionResult]
    strengths: list[str]
    weakest: list[StudyArea]
    trends: list[CategoryTrend]
    scoring_rule: str = SCORING_RULE
    notes: list[str] = Field(default_factory=list)


def _question_result(i: int, rec: QuestionRecord) -> QuestionResult:
    covered, later, missed = points_after_follow_ups(rec)
    grade = rec.grade
    return QuestionResult(
        index=i + 1,
        question_id=rec.question_id,
        question=rec.text,
        category=rec.category,
        difficulty=rec.difficulty.value,
        kind=rec.kind,
        outcome=(rec.outcome or "open").__str__(),
        score=rec.score,
        covered=covered,
        covered_after_follow_up=later,
        missed=missed if rec.outcome is not Outcome.unanswered else [],
        feedback=grader_notes(rec),
        model_answer=rec.model_answer
        or "A strong answer covers:\n" + "\n".join(f"- {c}" for c in rec.criteria),
        answer=rec.answer,
        follow_ups=[
            FollowUpResult(
                question=f.text,
                key_point=f.key_point,
                answer=f.answer,
                score=f.grade.score if f.grade else None,
                recovered=round(f.recovered, 2),
            )
            for f in rec.follow_ups
        ],
        hints=list(rec.hints),
        hint_penalty=rec.hint_penalty,
        grader=grader_label(grade) if grade else None,
        flags=list(grade.flags) if grade else [],
        points=[
            PointResult(
                key_point=fb.key_point,
                status=fb.status.value,
                quote=fb.quote,
                probe=fb.probe,
                line=fb.line,
            )
            for fb in point_feedback(rec)
        ]
        if rec.outcome is not Outcome.unanswered
        else [],
        retry_of=rec.retry_of + 1 if rec.retry_of is not None else None,
    )


def category_means(records: Sequence[QuestionRecord]) -> list[CategoryResult]:
    by: dict[str, list[float]] = {}
    for r in records:
        if r.scored:
            by.setdefault(r.category, []).append(r.score or 0.0)
    return [
        CategoryResult(category=c, score=round(sum(s) / len(s), 1), questions=len(s))
        for c, s in sorted(by.items())
    ]


class BankExtrasMissing(RuntimeError):
    """The bank could not be read, so the report's links to it are left out."""


def _related(
    source: QuestionSource | None, rec: QuestionRecord, topic: str, k: int = 3
) -> list[BankLink]:
    """Bank entries close to what was missed; same-category entries if search is unavailable.

    Raises `BankExtrasMissing` when the bank cannot be read at all.
    """
    if source is None:
        return []
    links: list[BankLink] = []
    try:
        hits = source.search(topic, k=k + 1, categories=[rec.category])
        links = [
            BankLink(
                question_id=h.question.id,
                question=h.question.text,
                category=h.question.category,
                similarity=round(h.similarity, 3),
            )
            for h in hits
            if h.question.id != rec.question_id and h.question.gradable
        ]
    except Exception:  # search needs embeddings; a report must still render without them
        try:
            listed = source.list(categories=[rec.category])
        except Exception as exc:  # the bank itself is gone (a Chroma server down)
            raise BankExtrasMissing(str(exc)) from exc
        links = [
            BankLink(question_id=q.id, question=q.text, category=q.category)
            for q in listed
            if q.id != rec.question_id and q.gradable
        ]
    return links[:k]


def weakest_areas(
    records: Sequence[QuestionRecord],
    source: QuestionSource | None,
    n: int = 3,
    *,
    problems: list[str] | None = None,
) -> list[StudyArea]:
    """The n lowest-scoring questions with something missed, each with what to study.

    Everything but the "practise next" links comes from the records; if the bank cannot be
    read, the links are left out and the reason is appended to `problems`.
    """
    scored = [r for r in records if r.scored]
    scored.sort(key=lambda r: (r.score or 0.0, r.asked_at))
    areas = []
    for rec in scored:
        _, _, missed = points_after_follow_ups(rec)
        if not missed:
            continue
        try:
            related = _related(source, rec, missed[0])
        except BankExtrasMissing as exc:
            if problems is not None:
                problems.append(str(exc))
            source, related = None, []  # do not ask a dead bank again
        areas.append(
            StudyArea(
                category=rec.category,
                question_id=rec.question_id,
                question=rec.text,
                score=rec.score or 0.0,
                study=missed,
                related=related,
            )
        )
        if len(areas) == n:
            break
    return areas


def strengths(records: Sequence[QuestionRecord], categories: list[CategoryResult]) -> list[str]:
    out = [
        f"{c.category}: {c.score:.1f}/5 over {c.questions} question{'s' if c.questions > 1 else ''}"
        for c in categories
        if c.score >= STRONG
    ]
    for rec in sorted((r for r in records if r.scored), key=lambda r: -(r.score or 0.0)):
        if (rec.score or 0.0) < STRONG:
            break
        for point in points_after_follow_ups(rec)[0][:2]:
            out.append(f"Explained well: {point}")
    return out[:6]


def trends(
    store: SessionStore | None,
    candidate: str,
    created_at: float | None,
    current: list[CategoryResult],
) -> list[CategoryTrend]:
    """Per category: this session against the candidate's earlier sessions."""
    if store is None or created_at is None:
        return []
    earlier: dict[str, list[float]] = {}
    for _sid, _t, cat, mean, _n in store.category_scores_by_session(candidate, before=created_at):
        earlier.setdefault(cat, []).append(round(mean, 2))
    out = []
    for c in current:
        hist = earlier.get(c.category, [])
        prev = hist[-1] if hist else None
        delta = round(c.score - prev, 1) if prev is not None else None
        if delta is None:
            direction = "new"
        elif delta >= 0.3:
            direction = "up"
        elif delta <= -0.3:
            direction = "down"
        else:
            direction = "flat"
        out.append(
            CategoryTrend(
                category=c.category,
                current=c.score,
                previous=prev,
                earlier_sessions=len(hist),
                history=hist,
                delta=delta,
                direction=direction,
            )
        )
    return out


def build_report(
    state: SessionState,
    *,
    session_id: str,
    source: QuestionSource | None = None,
    store: SessionStore | None = None,
    created_at: float | None = None,
    status: str | None = None,
    source_error: str | None = None,
) -> Report:
    """The report, from the session's own records (and the store, for trends).

    The bank only adds "practise next" links; when it cannot be read (`source_error` when the
    caller could not even open it), the report says so in one note and is otherwise complete.
    """
    candidate = state.config.candidate
    if store is not None and created_at is None:
        stored = store.get(session_id, with_turns=False)
        created_at, status = stored.created_at, stored.status
    categories = category_means(state.records)
    graders = []
    for r in state.records:
        grades = [r.grade, *(f.grade for f in r.follow_ups)]
        for g in grades:
            if g is not None and g.grader != "rule" and (label := grader_label(g)) not in graders:
                graders.append(label)
    notes = []
    if not state.done:
        notes.append("The session is not finished; this report covers the questions so far.")
    problems = [source_error] if source_error else []
    weakest = weakest_areas(state.records, source, problems=problems)
    if problems:
        notes.append(
            f'"Practise next" links are left out: {problems[0].rstrip(".")}. Everything else '
            "comes from the session store and is complete."
        )
    return Report(
        session_id=session_id,
        candidate=candidate,
        created_at=created_at,
        status=status or ("finished" if state.done else "active"),
        end_reason=state.end_reason,
        mode=state.config.mode.value,
        difficulty=state.config.difficulty.value,
        graders=graders,
        overall=overall_score(state.records),
        answered=sum(1 for r in state.records if r.scored),
        total=state.total,
        categories=categories,
        questions=[_question_result(i, r) for i, r in enumerate(state.records)],
        strengths=strengths(state.records, categories),
        weakest=weakest,
        trends=trends(store, candidate, created_at, categories),
        notes=notes,
    )


# -- renderers --------------------------------------------------------------------------------


def _fmt(score: float | None) -> str:
    return "–" if score is None else f"{score:.1f}/5"


def render_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def render_markdown(report: Report, *, questions: bool = True) -> str:
    """The report as markdown; `questions=False` leaves out the per-question section.

    Every piece of text that comes from the candidate, the bank, the LLM or an error message
    is escaped (`interviewer.display`): it shows literally, never as HTML or Markdown.
    """
    e = md_escape
    lines = [f"# Interview report: session {e(report.session_id)}", ""]
    lines.append(
        f"**Overall: {_fmt(report.overall)}** over {report.answered} of {report.total} "
        f"questions · mode {report.mode} · difficulty {report.difficulty} · "
        f"graded by {e(', '.join(report.graders)) or 'nobody yet'}"
    )
    if report.end_reason and report.end_reason != "completed":
        lines.append(f"\nThe session ended early: {e(report.end_reason)}.")
    for note in report.notes:
        lines.append(f"\n{md_quote(note)}")
    if not report.categories:
        lines += ["", "No question was answered, so there is nothing to score yet."]
    else:
        lines += ["", "## Scores by category", "", "| Category | Score | Questions |"]
        lines.append("|---|---|---|")
    for c in report.categories:
        lines.append(f"| {md_cell(c.category)} | {c.score:.1f}/5 | {c.questions} |")
    if report.strengths:
        lines += ["", "## Strengths", ""] + [f"- {md_cell(s)}" for s in report.strengths]
    if report.weakest:
        lines += ["", "## Weakest areas: what to study", ""]
        for i, a in enumerate(report.weakest, 1):
            lines.append(
                f"{i}. **{md_cell(a.category)}**: {md_cell(a.question)} ({_fmt(a.score)}, "
                f"`{a.question_id}`)"
            )
            for point in a.study:
                lines.append(f"   - Study: {md_cell(point)}")
            for link in a.related:
                lines.append(f"   - Practise next: {md_cell(link.question)} (`{link.question_id}`)")
    if report.trends:
        lines += [
            "",
            "## Compared with your earlier sessions",
            "",
            "| Category | Now | Before | Change | Earlier sessions |",
            "|---|---|---|---|---|",
        ]
        arrows = {"up": "↑", "down": "↓", "flat": "→", "new": "new"}
        for t in report.trends:
            change = f"{arrows[t.direction]} {t.delta:+.1f}" if t.delta is not None else "new"
            lines.append(
                f"| {md_cell(t.category)} | {t.current:.1f} | {_fmt(t.previous)} | "
                f"{change} | {t.earlier_sessions} |"
            )
    if questions:
        lines += ["", "## Questions", ""]
    for q in report.questions if questions else []:
        retry = f" (retry of question {q.retry_of})" if q.retry_of else ""
        lines.append(f"### {q.index}. {md_cell(q.question)}{retry}")
        lines.append("")
        lines.append(
            f"*{md_cell(q.category)} · {q.difficulty} · {q.outcome} · score {_fmt(q.score)}"
            + (f" · {md_cell(q.grader)}" if q.grader else "")
            + "*"
        )
        lines.append("")
        if q.answer:
            shown = q.answer if len(q.answer) <= 1500 else q.answer[:1500] + " […]"
            lines += ["**Your answer:**", "", md_quote(shown), ""]
        for f in q.follow_ups:
            lines.append(f"- Follow-up: {md_cell(f.question)}")
            if f.answer:
                lines.append(f"  - You: {md_cell(f.answer[:600])}")
            lines.append(f"  - Recovered {f.recovered:.1f} points")
        if q.hints:
            lines.append(f"- Hints taken: {len(q.hints)} (−{q.hint_penalty:.1f})")
        for result in q.points:
            lines.append(f"- {md_cell(result.line)}")
        if q.feedback:
            lines.append(f"- Feedback: {md_cell(q.feedback)}")
        if q.model_answer:
            lines += [
                "",
                "<details><summary>Model answer</summary>",
                "",
                md_code_block(q.model_answer),
                "",
                "</details>",
            ]
        lines.append("")
    lines += ["## How this was scored", "", report.scoring_rule, ""]
    return "\n".join(lines)
