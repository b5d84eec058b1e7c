"""Export a stored session: the full record as JSON, or a readable markdown transcript."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from interviewer.agent.report import Report, render_markdown
from interviewer.agent.repository import LoadedSession
from interviewer.display import md_cell, md_escape, md_quote
from interviewer.store import grader_label


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "–"


def session_json(stored: LoadedSession, report: Report) -> dict[str, Any]:
    """Everything stored about a session, plus its report: config, state, every turn."""
    return {
        "id": stored.id,
        "candidate": stored.candidate,
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
        "status": stored.status,
        "grader": stored.grader,
        "config": stored.state.config.model_dump(mode="json"),
        "state": stored.raw_state,
        "turns": [
            {
                "seq": t.seq,
                "kind": t.kind,
                "question_index": t.question_index,
                "question_id": t.question_id,
                "question": t.question_text,
                "prompt": t.prompt,
                "answer": t.answer,
                "grade": t.grade(),
                "grader": t.grader,
                "score": t.score,
                "asked_at": t.asked_at,
                "answered_at": t.answered_at,
                "saved_at": t.saved_at,
                "reply": json.loads(t.reply_json) if t.reply_json else [],
            }
            for t in stored.turns
        ],
        "report": report.model_dump(mode="json"),
    }


def render_export_json(stored: LoadedSession, report: Report) -> str:
    return json.dumps(session_json(stored, report), indent=2, ensure_ascii=False)


def render_transcript_markdown(stored: LoadedSession, report: Report) -> str:
    """The transcript, then the report. Candidate, bank and LLM text is escaped: it reads as
    the literal text that was typed or stored, never as live HTML or Markdown."""
    state = stored.state
    cfg = state.config
    e = md_escape
    graded_by = grader_label(stored.grader, stored.graded_by)
    lines = [
        f"# Interview session {e(stored.id)}",
        "",
        f"- Started: {_when(stored.created_at)} · last activity: {_when(stored.updated_at)}",
        f"- Status: {e(stored.status)} · grader: {e(graded_by)} · "
        f"mode: {cfg.mode.value} · difficulty: {cfg.difficulty.value} · questions: "
        f"{state.total} · follow-ups per question: {cfg.follow_ups}",
    ]
    if cfg.categories:
        lines.append(f"- Categories: {md_cell(', '.join(cfg.categories))}")
    if cfg.focus:
        lines.append(f"- Focus: {md_cell(cfg.focus)}")
    lines += ["", "## Transcript", ""]
    last_prompt = None
    for t in stored.turns:
        if t.prompt and t.prompt != last_prompt:
            label = "Interviewer" if t.prompt == t.question_text else "Interviewer (follow-up)"
            lines += [f"**{label}** (question {t.question_index + 1}): {md_cell(t.prompt)}", ""]
            last_prompt = t.prompt
        if t.kind in ("answer", "follow_up_answer"):
            lines += [f"**Candidate** ({_when(t.answered_at)}):", ""]
            lines += [md_quote(t.answer or ""), ""]
            grade = t.grade() or {}
            label = str(grade.get("grader", t.grader))
            if grade.get("fallback"):
                label = f"offline (fallback: {grade.get('fallback_reason')})"
            lines += [f"*Graded {t.score:.1f}/5 by {md_cell(str(label))}*", ""]
        else:
            lines += [f"**Candidate**: /{e(t.kind)}", ""]
        for m in json.loads(t.reply_json) if t.reply_json else []:
            if m["kind"] in ("question", "follow_up"):
                continue  # shown as the next prompt
            lines += [f"*{e(m['kind'])}*: {md_escape(m['text'])}", ""]
    lines += ["", "---", "", render_markdown(report)]
    return "\n".join(lines)
