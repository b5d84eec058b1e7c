"""Streamlit building blocks: chat bubbles, the grade card, badges, the report and its charts.

Each function draws one thing from the engine's models; the deciding is done elsewhere (the
engine, and the pure helpers in `ui.state`). altair and pandas load only when a chart is drawn.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import streamlit as st

from interviewer.agent import SCORE_BANDS, Message, MessageKind, Verdict, grader_label, grader_notes
from ui.state import (
    CANDIDATE,
    Turn,
    checklist,
    escape_markdown,
    grader_badge,
    is_card_message,
    outcome_label,
    score_colour,
    score_level,
    user_label,
)

if TYPE_CHECKING:
    from interviewer.agent import (
        Grade,
        QuestionRecord,
        Report,
        SessionState,
        SessionStore,
        SessionSummary,
    )

ASSISTANT_AVATAR = ":material/record_voice_over:"
USER_AVATAR = ":material/person:"
SCORE_DOMAIN = [0, 5]
CHART_HEIGHT = 260


def candidate_sessions(store: SessionStore, none_yet: str, link_label: str) -> list[SessionSummary]:
    """The candidate's latest sessions, newest first; when there are none, says `none_yet` and
    links to the interview page with `link_label` instead."""
    sessions = store.list_sessions(limit=200, candidate=CANDIDATE)
    if not sessions:
        st.info(none_yet, icon=":material/info:")
        st.page_link("views/interview.py", label=link_label, icon=":material/forum:")
    return sessions


def _fmt(score: float | None) -> str:
    return "–" if score is None else f"{score:.1f}/5"


def plain_markdown(text: str) -> str:
    """Keep the engine's line breaks: single newlines become markdown line breaks."""
    lines = text.split("\n")
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("- "):
            out.append(stripped)  # a list item, whatever its indent in the plain text
        else:
            out.append(line + "  ")
    return "\n".join(out).rstrip()


# -- badges ------------------------------------------------------------------------------------


def grader_badges(name: str, fallback: Grade | None = None) -> None:
    """Which grader is in use, plus a warning badge when the last grade fell back."""
    with st.container(horizontal=True, gap="small"):
        st.badge(
            grader_badge(name),
            icon=":material/offline_bolt:" if name == "offline" else ":material/smart_toy:",
            color="blue" if name == "offline" else "violet",
        )
        if fallback is not None:
            st.badge(
                "fallback",
                icon=":material/warning:",
                color="orange",
                help=grader_label(fallback),
            )


# -- chat ---------------------------------------------------------------------------------------


def render_message(message: Message, *, interim: bool = False) -> None:
    kind, text = message.kind, message.text
    if kind is MessageKind.question:
        header, _, body = text.partition("\n")
        st.caption(header)
        st.markdown(f"**{body.strip()}**" if "\n" not in body.strip() else body)
    elif kind is MessageKind.follow_up:
        st.markdown(f":orange[**Follow-up:**] {text}")
    elif kind is MessageKind.hint:
        st.info(text, icon=":material/lightbulb:")
    elif kind in (MessageKind.note, MessageKind.help):
        st.caption(plain_markdown(text))
    elif kind is MessageKind.error:
        st.error(text)
    elif kind is MessageKind.model_answer:
        title, _, body = text.partition("\n")
        with st.expander(title.rstrip(":") or "Model answer"):
            st.markdown(body)
    elif kind is MessageKind.wrap_up:
        st.markdown(f"**{text}**")
    elif kind is MessageKind.feedback and interim:
        # Practice mode before a follow-up: the score so far; the checklist waits, so the
        # follow-up is not given away.
        st.markdown(f":blue-background[{text}]")
    else:
        st.markdown(plain_markdown(text))


def render_turn(turn: Turn, state: SessionState | None, *, practice: bool) -> None:
    """One chat bubble; in practice mode a closed question's feedback becomes its grade card."""
    if turn.role == "user":
        with st.chat_message("user", avatar=USER_AVATAR):
            if turn.command:
                st.markdown(f":gray[*{user_label(turn.text, turn.command)}*]")
            else:
                st.markdown(plain_markdown(escape_markdown(turn.text)))
        return
    with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
        show_card = practice and turn.closed is not None and state is not None
        card_done = False
        for message in turn.messages:
            if show_card and is_card_message(message):
                if not card_done:
                    grade_card(state.records[turn.closed])  # type: ignore[union-attr,index]
                    card_done = True
                continue
            if (
                show_card
                and not card_done
                and message.kind
                in (
                    MessageKind.question,
                    MessageKind.wrap_up,
                )
            ):
                grade_card(state.records[turn.closed])  # type: ignore[union-attr,index]
                card_done = True
            render_message(message, interim=turn.closed is None)
        if show_card and not card_done:
            grade_card(state.records[turn.closed])  # type: ignore[union-attr,index]


def grade_card(rec: QuestionRecord) -> None:
    """Score, the key-point checklist, the feedback and the model answer of a closed question."""
    with st.container(border=True, key=f"grade_card_{rec.question_id}_{int(rec.asked_at * 1000)}"):
        left, right = st.columns([1, 3], vertical_alignment="center")
        with left:
            st.metric("Score", _fmt(rec.score))
        with right:
            with st.container(horizontal=True, gap="small"):
                st.badge(score_level(rec.score), color=score_colour(rec.score))  # type: ignore[arg-type]
                st.badge(outcome_label(rec), color="gray")
                if rec.grade is not None and rec.grade.grader != "rule":
                    fell_back = rec.grade.fallback
                    st.badge(
                        "offline grader · fallback"
                        if fell_back
                        else grader_badge(rec.grade.grader),
                        color="orange" if fell_back else "gray",
                        help=grader_label(rec.grade),
                    )
                if rec.hint_penalty:
                    st.badge(f"hints −{rec.hint_penalty:g}", color="gray")
                recovered = sum(f.recovered for f in rec.follow_ups)
                if recovered > 0:
                    st.badge(f"follow-ups +{recovered:.1f}", color="gray")
            if rec.follow_ups and rec.grade is not None:
                st.caption(f"First answer {rec.raw_score:.1f}/5 before follow-ups and hints.")
        st.markdown("**Key points**" if rec.kind != "behavioural" else "**Rubric**")
        lines = []
        for item in checklist(rec):
            line = f"- :{item.colour}[**{item.symbol}**] {escape_markdown(item.point)}"
            if item.after_follow_up:
                line += " *(after the follow-up)*"
            if item.evidence and item.verdict is Verdict.contradicted:
                line += f"\n  - You said: “{escape_markdown(item.evidence)}”, which contradicts it."
            elif item.evidence:
                line += f"\n  - You said: “{escape_markdown(item.evidence)}”"
            if item.probe and item.verdict is not Verdict.covered:
                line += f"\n  - Practise: *{escape_markdown(item.probe)}*"
            lines.append(line)
        st.markdown("\n".join(lines))
        extra = grader_notes(rec)
        if extra:
            if rec.follow_ups:
                # The grader's words are about the first answer; the checklist above is final.
                st.caption("On your first answer, before the follow-up:")
            st.markdown(escape_markdown(extra))
        if rec.grade is not None and rec.grade.fallback:
            st.caption(f"Graded by the offline grader as a fallback: {rec.grade.fallback_reason}")
        with st.expander("Model answer"):
            if rec.model_answer:
                st.markdown(rec.model_answer)
            else:
                st.markdown("A strong answer covers:\n" + "\n".join(f"- {c}" for c in rec.criteria))


# -- charts -------------------------------------------------------------------------------------


def _score_colours():
    """Red below 2.5, amber around it, green towards 5: the same in every chart."""
    import altair as alt

    return alt.Color(
        "score:Q",
        scale=alt.Scale(
            domain=[0, SCORE_BANDS.passing, 5], range=["#e4572e", "#f3a712", "#29a35a"]
        ),
        legend=None,
    )


def category_chart(report: Report):
    import altair as alt
    import pandas as pd

    score_colours = _score_colours()

    data = pd.DataFrame(
        [
            {"category": c.category, "score": c.score, "questions": c.questions}
            for c in report.categories
        ]
    )
    return (
        alt.Chart(data, title="Score by category", height=CHART_HEIGHT)
        # Bars as thick as fit, but not slabs when there are only one or two categories.
        .mark_bar(cornerRadiusEnd=4, size=int(min(28, 0.6 * (CHART_HEIGHT - 60) / len(data))))
        .encode(
            x=alt.X(
                "score:Q",
                scale=alt.Scale(domain=SCORE_DOMAIN),
                axis=alt.Axis(values=[0, 1, 2, 3, 4, 5]),
                title="mean score (0-5)",
            ),
            y=alt.Y("category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            color=score_colours,
            tooltip=["category", "score", "questions"],
        )
    )


def question_chart(report: Report):
    import altair as alt
    import pandas as pd

    score_colours = _score_colours()

    rows = [
        {
            "question": f"Q{q.index}",
            "text": q.question,
            "category": q.category,
            "score": q.score,
            "outcome": q.outcome,
        }
        for q in report.questions
        if q.score is not None
    ]
    data = pd.DataFrame(rows)
    return (
        alt.Chart(data, title="Score by question", height=CHART_HEIGHT)
        .mark_bar(cornerRadiusEnd=4, width=alt.RelativeBandSize(0.6))
        .encode(
            x=alt.X(
                "question:N",
                sort=None,
                title=None,
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y(
                "score:Q",
                scale=alt.Scale(domain=SCORE_DOMAIN),
                axis=alt.Axis(values=[0, 1, 2, 3, 4, 5]),
                title="score (0-5)",
            ),
            color=score_colours,
            tooltip=["question", "text", "category", "outcome", "score"],
        )
    )


def trend_chart(rows: list[tuple[str, float, str, float, int]]):
    """Mean score per category per session, over time."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame(
        [
            {
                "session": sid,
                "when": datetime.fromtimestamp(t),
                "category": cat,
                "score": round(mean, 2),
                "questions": n,
            }
            for sid, t, cat, mean, n in rows
        ]
    )
    return (
        alt.Chart(data, title="Mean score per category, by session")
        .mark_line(point=True)
        .encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format="%d %b %H:%M", labelAngle=0)),
            y=alt.Y("score:Q", scale=alt.Scale(domain=SCORE_DOMAIN), title="mean score (0-5)"),
            color=alt.Color("category:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["category", "score", "questions", "session", "when"],
        )
    )


# -- the report ---------------------------------------------------------------------------------


def report_view(report: Report, *, key: str) -> None:
    """The whole end-of-session report, with charts and downloads."""
    from interviewer.agent import render_json, render_markdown

    cols = st.columns(4)
    cols[0].metric("Overall", _fmt(report.overall))
    cols[1].metric("Answered", f"{report.answered} of {report.total}")
    cols[2].metric("Mode", report.mode)
    cols[3].metric("Difficulty", report.difficulty)
    graders = ", ".join(report.graders) or "nobody yet"
    st.caption(f"Session `{report.session_id}` · {report.status} · graded by {graders}")
    if report.end_reason and report.end_reason != "completed":
        st.info(f"The session ended early: {report.end_reason}.", icon=":material/info:")
    for note in report.notes:  # may quote a server's error text
        st.info(escape_markdown(note), icon=":material/info:")

    if report.categories:
        left, right = st.columns(2)
        with left:
            st.altair_chart(category_chart(report), width="stretch", height=CHART_HEIGHT)
        with right:
            st.altair_chart(question_chart(report), width="stretch", height=CHART_HEIGHT)
    else:
        st.caption("No question was scored, so there is nothing to chart yet.")

    left, right = st.columns(2)
    with left:
        st.subheader("Strengths", divider="green")
        if report.strengths:
            st.markdown("\n".join(f"- {s}" for s in report.strengths))
        else:
            st.caption("Nothing scored 3.5/5 or more this time.")
    with right:
        st.subheader("What to study next", divider="orange")
        if report.weakest:
            for area in report.weakest:
                st.markdown(f"**{area.category}** · {area.question} ({_fmt(area.score)})")
                st.markdown("\n".join(f"- {p}" for p in area.study))
                if area.related:
                    st.caption(
                        "Practise next: " + " · ".join(link.question for link in area.related)
                    )
        else:
            st.caption("No missed key points among the scored questions.")

    if any(t.previous is not None for t in report.trends):
        st.subheader("Compared with your earlier sessions", divider="gray")
        arrows = {"up": "↑", "down": "↓", "flat": "→", "new": "new"}
        st.dataframe(
            [
                {
                    "category": t.category,
                    "now": f"{t.current:.1f}",
                    "before": f"{t.previous:.1f}" if t.previous is not None else "–",
                    "change": f"{arrows[t.direction]} {t.delta:+.1f}"
                    if t.delta is not None
                    else "new",
                    "earlier sessions": t.earlier_sessions,
                }
                for t in report.trends
            ],
            hide_index=True,
            width="stretch",
        )

    st.subheader("Questions", divider="gray")
    for q in report.questions:
        title = f"Q{q.index}. {q.question} — {_fmt(q.score)} · {q.outcome}"
        with st.expander(title):
            st.caption(f"{q.category} · {q.difficulty}" + (f" · {q.grader}" if q.grader else ""))
            if q.answer:
                st.markdown("**Your answer**")
                st.markdown(plain_markdown(escape_markdown(q.answer)))
            for f in q.follow_ups:
                st.markdown(f":orange[**Follow-up:**] {f.question}")
                if f.answer:
                    st.markdown("> " + escape_markdown(f.answer).replace("\n", "\n> "))
                st.caption(f"Recovered {f.recovered:.1f} points")
            if q.hints:
                st.caption(f"Hints taken: {len(q.hints)} (−{q.hint_penalty:.1f})")
            if q.covered:
                st.markdown("**Covered**\n" + "\n".join(f"- :green[✓] {p}" for p in q.covered))
            if q.covered_after_follow_up:
                st.markdown(
                    "**Covered after a follow-up**\n"
                    + "\n".join(f"- :green[✓] {p}" for p in q.covered_after_follow_up)
                )
            if q.missed:
                st.markdown("**Missed**\n" + "\n".join(f"- :red[✗] {p}" for p in q.missed))
            if q.feedback:
                st.markdown(q.feedback)
            if q.model_answer:
                st.markdown("**Model answer**")
                st.markdown(q.model_answer)
    st.caption(report.scoring_rule)

    downloads = (
        ("Markdown", render_markdown, "md", "text/markdown", ":material/download:"),
        ("JSON", render_json, "json", "application/json", ":material/data_object:"),
    )
    columns = st.columns([1, 1, 2])[:2]  # the third column is the space on the right
    for column, (label, render, ext, mime, icon) in zip(columns, downloads, strict=True):
        column.download_button(
            f"Download {label}",
            render(report),
            file_name=f"interview-report-{report.session_id}.{ext}",
            mime=mime,
            icon=icon,
            on_click="ignore",
            key=f"{key}_{ext}",
            width="stretch",
        )
