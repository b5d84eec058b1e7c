"""The history page: past sessions, resume any of them, and the trend per category."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from ui import components, resources
from ui.state import CANDIDATE, SESSION_PARAM

NO_SESSIONS = "No sessions yet. Your sessions appear here as soon as you answer a question."


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def page() -> None:
    st.title("History")
    store = resources.store(resources.settings())
    sessions = components.candidate_sessions(store, NO_SESSIONS, "Start an interview")
    if not sessions:
        return

    trend = store.category_scores_by_session(CANDIDATE)
    if trend:
        st.altair_chart(components.trend_chart(trend), width="stretch")
    else:
        st.caption("Finish a question to see your trend per category.")

    st.subheader("Sessions", divider="gray")
    st.dataframe(
        [
            {
                "started": _when(x.created_at),
                "status": x.status,
                "progress": f"{x.questions_done}/{x.questions_total}",
                "score": x.score,
                "categories": ", ".join(x.categories),
                "grader": x.graded_by,
                "id": x.id,
            }
            for x in sessions
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "score": st.column_config.ProgressColumn(
                "score", min_value=0, max_value=5, format="%.1f"
            ),
        },
    )
    ids = [x.id for x in sessions]
    by_id = {x.id: x for x in sessions}
    chosen = st.selectbox(
        "Open a session",
        options=ids,
        format_func=lambda i: (
            f"{_when(by_id[i].created_at)} · {by_id[i].status} · "
            f"{by_id[i].questions_done}/{by_id[i].questions_total} · {i}"
        ),
        key="history_session",
    )
    summary = by_id[chosen]
    with st.container(horizontal=True, gap="small"):
        resume_label = "Resume" if summary.status != "finished" else "Open transcript"
        if st.button(resume_label, key="history_resume", type="primary", icon=":material/forum:"):
            st.switch_page("views/interview.py", query_params={SESSION_PARAM: chosen})
        if st.button("Report", key="history_report", icon=":material/insights:"):
            st.switch_page("views/report.py", query_params={SESSION_PARAM: chosen})


page()
