"""The report page: one session's scores, charts, what to study, and downloads."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from ui import components, resources
from ui import session as live
from ui.state import SESSION_PARAM, session_from_params

NO_SESSIONS = "No sessions yet: start one on the Interview page."


def _label(summary) -> str:
    when = datetime.fromtimestamp(summary.created_at).strftime("%Y-%m-%d %H:%M")
    score = f"{summary.score:.1f}/5" if summary.score is not None else "no score yet"
    cats = ", ".join(summary.categories[:3]) + ("…" if len(summary.categories) > 3 else "")
    return (
        f"{when} · {summary.status} · {summary.questions_done}/{summary.questions_total} · "
        f"{score} · {cats or 'no questions'}"
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _stored_report(
    db: str, session_id: str, version: int, _data_key: tuple, bank_error: str | None
):
    """A finished or paused session's report, rebuilt only when the session changes (or the
    bank comes back: `bank_error` is part of the key)."""
    from interviewer.agent import SessionRepository, build_report

    s = resources.settings()
    store = resources.store(s)
    stored = SessionRepository(store).load(session_id)
    return build_report(
        stored.state,
        session_id=stored.id,
        source=None if bank_error else resources.bank(s),
        store=store,
        created_at=stored.created_at,
        status=stored.status,
        source_error=bank_error,
    )


def _bank_error() -> str | None:
    """Why the bank cannot be used, or None. The report is built from the session store;
    the bank only adds "practise next" links, so an outage costs those and nothing else."""
    from interviewer.agent import BankUnavailable, bank_outage_message

    exc = resources.bank_failure(resources.settings())
    if exc is None:
        return None
    if isinstance(exc, BankUnavailable):  # it already says where the bank is and how to fix it
        return str(exc).rstrip(".")
    # A server that answered the handshake, then failed.
    problem = f"{type(exc).__name__}: {exc}"
    wait = f"reload this page (it checks again after {resources.BANK_RECHECK_SECONDS:.0f} s)"
    return bank_outage_message(problem, resources.settings(), wait).rstrip(".")


def page() -> None:
    st.title("Report")
    s = resources.settings()
    store = resources.store(s)
    sessions = components.candidate_sessions(store, NO_SESSIONS, "Go to the interview")
    if not sessions:
        return
    ids = [x.id for x in sessions]
    wanted = session_from_params(st.query_params)
    running = live.current()
    if wanted not in ids:
        wanted = running.id if running is not None and running.id in ids else ids[0]
    chosen = st.selectbox(
        "Session",
        options=ids,
        index=ids.index(wanted),
        format_func=lambda i: _label(sessions[ids.index(i)]),
        key="report_session",
    )
    st.query_params[SESSION_PARAM] = chosen
    bank_error = _bank_error()
    if running is not None and running.id == chosen:
        report = live.report(running)
    else:
        stored = store.get(chosen, with_turns=False)
        report = _stored_report(
            str(s.sessions_db), chosen, stored.version, (str(s.data_dir),), bank_error
        )
    summary = sessions[ids.index(chosen)]
    if summary.status != "finished" and st.button(
        "Resume this session", icon=":material/play_arrow:", key="report_resume"
    ):
        st.switch_page("views/interview.py", query_params={SESSION_PARAM: chosen})
    if bank_error is None:  # a re-drill session draws its questions from the bank
        redrill_button(chosen)
    components.report_view(report, key="report_page")


def redrill_button(session_id: str) -> None:
    """One click: a new practice session made of the points this one left open."""
    from interviewer.agent import (
        MAX_QUESTIONS,
        BankUnavailable,
        Mode,
        SessionConfig,
        SetupError,
        StoreError,
    )

    try:
        points = len(resources.engine().redrill_questions(session_id))
    except (StoreError, BankUnavailable):
        return  # the report above already says why the bank is missing
    if not points:
        return
    label = f"Re-drill the {points} point{'s' if points != 1 else ''} this session left open"
    if st.button(label, icon=":material/fitness_center:", key="report_redrill"):
        config = SessionConfig(
            redrill_of=session_id,
            questions=min(points, MAX_QUESTIONS),
            mode=Mode.practice,
            follow_ups=0,
        )
        try:
            started = live.start(config, live.llm_choice())
        except (SetupError, StoreError) as exc:
            st.error(str(exc))
            return
        st.switch_page("views/interview.py", query_params={SESSION_PARAM: started.id})


page()
