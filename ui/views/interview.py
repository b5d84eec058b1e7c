"""The interview page: set-up and LLM settings in the sidebar, the chat in the middle."""

from __future__ import annotations

import streamlit as st

from interviewer.agent import MAX_FOLLOW_UPS, MAX_QUESTIONS, DifficultySetting, Mode
from ui import resources
from ui import session as live

# Only what the set-up sidebar needs is imported above: the sidebar is drawn first, then the
# bank (chromadb) and the engine load while the candidate looks at it.

PROVIDERS = {
    "none": "Off: offline grader only",
    "openai": "OpenAI",
    "openai-compatible": "OpenAI-compatible (Ollama, vLLM, LM Studio…)",
}
DIFFICULTY_LABELS = {
    "easy": "Easy",
    "medium": "Medium",
    "hard": "Hard",
    "adaptive": "Adaptive: follows your answers",
}
NO_GRADABLE = (
    "The question bank has no gradable questions yet (none has a reference answer or a "
    "rubric), so nothing can be graded honestly. Fix: run `make run`, which ingests the bundled "
    "bank before opening this page, or `interviewer ingest bank/`; or upload a Q&A markdown file "
    "on the **Bank** page."
)


def _defaults() -> None:
    """Widget values live under these keys; set them once so every page keeps them."""
    env = resources.settings()
    defaults = {
        "cfg_categories": [],
        "cfg_difficulty": DifficultySetting.adaptive.value,
        "cfg_questions": 5,
        "cfg_mode": Mode.practice.value,
        "cfg_follow_ups": 1,
        "cfg_focus": "",
        "llm_provider": env.llm_provider.value,
        "llm_model": env.llm_model,
        "llm_base_url": env.llm_base_url or "",
        "llm_api_key": "",
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def session_config():
    from interviewer.agent import SessionConfig
    from ui.state import CANDIDATE

    llm = live.llm_choice()
    return SessionConfig(
        categories=list(st.session_state["cfg_categories"]),
        difficulty=DifficultySetting(st.session_state["cfg_difficulty"] or "adaptive"),
        questions=int(st.session_state["cfg_questions"]),
        mode=Mode(st.session_state["cfg_mode"]),
        follow_ups=int(st.session_state["cfg_follow_ups"]),
        focus=st.session_state["cfg_focus"] or None,
        grader=llm.grader_kind,
        candidate=CANDIDATE,
    )


def _start() -> None:
    from interviewer.agent import SetupError, SourceUnavailable, StoreError, bank_outage_message
    from ui import session as live

    try:
        live.start(session_config(), live.llm_choice())
    except SourceUnavailable as exc:
        message = bank_outage_message(str(exc), resources.settings(), "start again")
        st.session_state[live.NOTICE] = live.Notice("error", message)
    except (SetupError, StoreError, ValueError) as exc:
        st.session_state[live.NOTICE] = live.Notice("error", str(exc))


def _test_connection() -> None:
    check = resources.check_connection(live.llm_choice())
    st.session_state["llm_check"] = (check.ok, check.message)


def sidebar() -> tuple:
    """The set-up form, drawn before the bank loads; returns the slots filled in after."""
    with st.sidebar:
        st.header("Set-up", divider="gray")
        categories_slot = st.empty()
        st.selectbox(
            "Difficulty",
            options=[d.value for d in DifficultySetting],
            format_func=lambda d: DIFFICULTY_LABELS.get(d, d),
            key="cfg_difficulty",
            help="Adaptive moves up after strong answers and down after weak ones.",
        )
        st.number_input("Questions", min_value=1, max_value=MAX_QUESTIONS, key="cfg_questions")
        st.radio(
            "Mode",
            options=[m.value for m in Mode],
            key="cfg_mode",
            horizontal=True,
            format_func=lambda m: m.capitalize(),
            help="Practice shows a grade card after each question; interview keeps all "
            "feedback for the report at the end.",
        )
        st.slider("Follow-ups per question", 0, MAX_FOLLOW_UPS, key="cfg_follow_ups")
        st.text_input(
            "Focus (optional)",
            key="cfg_focus",
            placeholder="e.g. regularisation, tree models",
            help="Questions closest in meaning to this text come first.",
        )
        with st.expander("LLM grader (optional)", icon=":material/smart_toy:"):
            st.selectbox(
                "Provider",
                options=list(PROVIDERS),
                format_func=lambda p: PROVIDERS.get(p, p),
                key="llm_provider",
            )
            enabled = st.session_state["llm_provider"] != "none"
            st.text_input("Model", key="llm_model", disabled=not enabled)
            st.text_input(
                "Base URL",
                key="llm_base_url",
                disabled=not enabled,
                placeholder="default: OpenAI, or http://127.0.0.1:11434/v1 for Ollama",
            )
            st.text_input(
                "API key",
                key="llm_api_key",
                type="password",
                disabled=not enabled,
                help="Kept in this browser session's memory only: never written to disk or logs.",
            )
            st.button(
                "Test connection",
                key="llm_test",
                on_click=_test_connection,
                disabled=not enabled,
                icon=":material/network_check:",
                width="stretch",
            )
            check = st.session_state.get("llm_check")
            if check is not None:
                ok, message = check
                (st.success if ok else st.error)(message)
        start_slot = st.container()
    return categories_slot, start_slot


def categories_widget(slot, categories: dict[str, int]) -> None:
    # Categories the bank no longer has (another data folder, a re-ingest) would break the
    # widget; drop them quietly.
    st.session_state["cfg_categories"] = [
        c for c in st.session_state["cfg_categories"] if c in categories
    ]
    slot.multiselect(
        "Categories",
        options=list(categories),
        format_func=lambda c: f"{c} ({categories[c]})",
        key="cfg_categories",
        placeholder="All categories",
    )


def start_button(slot, can_start: bool, running: bool) -> None:
    with slot:
        st.button(
            "Start a new interview" if running else "Start interview",
            key="start_sidebar",
            type="primary",
            on_click=_start,
            disabled=not can_start,
            icon=":material/play_arrow:",
            width="stretch",
        )
        if running:
            st.caption("The current session is saved: resume it any time from History.")


def welcome(stats, can_start: bool) -> None:
    st.title("AI mock interviewer")
    st.markdown(
        "Practise ML and data-science interview questions. Answer in your own words; each "
        "answer is graded against the key points of a reference answer, strictly and fairly."
    )
    # Plain badges, not st.metric: a metric pulls Vega's charting bundle into the first paint.
    with st.container(horizontal=True, gap="small"):
        st.badge(f"{stats.questions} questions in the bank", icon=":material/quiz:", color="gray")
        st.badge(f"{stats.with_reference} gradable", icon=":material/task_alt:", color="green")
        n = len(stats.categories)
        st.badge(f"{n} categor{'y' if n == 1 else 'ies'}", icon=":material/category:", color="gray")
    if not can_start:
        st.warning(NO_GRADABLE, icon=":material/warning:")
        return
    st.markdown(
        "- Pick categories, difficulty and mode in the sidebar, then start.\n"
        "- **Practice** mode shows a grade card after each question: your score, the key "
        "points you covered ✓, partly covered ~, missed ✗ or contradicted ⚠, and a model "
        "answer. **Interview** mode saves all feedback for the report at the end.\n"
        "- Stuck? Ask for a hint (it costs part of the score), skip, or say you don't know.\n"
        "- Every answer is saved as you go: refresh the page or come back later and resume "
        "from History."
    )
    st.button(
        "Start interview",
        key="start_main",
        type="primary",
        on_click=_start,
        icon=":material/play_arrow:",
    )


def show_notice() -> None:
    from ui import session as live

    notice = st.session_state.get(live.NOTICE)
    if notice is None:
        return
    if notice.kind == "warning":
        st.warning(notice.text, icon=":material/info:")
    else:
        st.error(notice.text, icon=":material/error:")
        if notice.answer:
            st.caption("Your answer, to send again:")
            st.code(notice.answer, language=None, wrap_lines=True)
    session = live.current()
    if notice.retry and session is not None and st.button("Retry saving", key="retry_save"):
        live.retry_save(session)
        st.rerun()
    if notice.reload and session is not None and st.button("Reload the session", key="reload"):
        live.resume(session.id, live.llm_choice())
        st.rerun()


def header(session) -> None:
    from ui import components
    from ui.state import last_fallback

    state = session.state
    done = sum(1 for r in state.records if not r.open and r.retry_of is None)
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        if state.done:
            st.subheader(f"Finished · {done} of {state.total} questions")
        else:
            rec = state.current
            where = f" · {rec.category} · {rec.difficulty.value}" if rec else ""
            again = " (try again)" if rec is not None and rec.retry_of is not None else ""
            st.subheader(f"Question {state.number(state.index)} of {state.total}{again}{where}")
    with right:
        components.grader_badges(session.engine.grader.name, last_fallback(state))
    st.progress(min(1.0, done / state.total) if state.total else 1.0)


def actions(session) -> None:
    from ui import session as live

    done = session.state.done
    buttons = [
        ("Hint", "hint", ":material/lightbulb:", "A nudge towards a missed point; costs score."),
        ("Skip", "skip", ":material/skip_next:", "Move on; this question scores 0."),
        ("Repeat", "repeat", ":material/replay:", "Show the question again."),
        ("I don't know", "idk", ":material/help:", "Scores 0 and shows the model answer."),
        ("End", "end", ":material/stop_circle:", "Finish now and see the report."),
    ]
    with st.container(horizontal=True, gap="small"):
        for label, command, icon, tip in buttons:
            st.button(
                label,
                key=f"cmd_{command}",
                icon=icon,
                help=tip,
                disabled=done,
                on_click=live.queue,
                args=(f"/{command}", command),
            )
        retry_button(session)


def retry_button(session) -> None:
    """Practice mode, right after a question is graded: a fresh attempt at it."""
    from interviewer.agent import retryable

    if retryable(session.state) is None:
        return
    st.button(
        "Try again",
        key="cmd_retry",
        icon=":material/restart_alt:",
        help="A fresh attempt at the question just graded, kept as a retry; the first "
        "attempt still counts for the score.",
        on_click=live.queue,
        args=("/retry", "retry"),
    )


def _on_answer() -> None:
    from ui import session as live

    live.queue(st.session_state.get("answer_box") or "", None)


def grade_streaming(session, text: str, *, practice: bool) -> None:
    """Grade an answer with the LLM, showing its feedback in the reply bubble as it is written.

    The engine streams only feedback that is shown right after the answer anyway (practice
    mode, no follow-up to come); otherwise the bubble just shows the spinner. The bubbles drawn
    here are temporary: the recorded turn replaces them once the answer is saved.
    """
    from ui import components
    from ui import session as live
    from ui.state import Turn

    live_slot = st.empty()
    with live_slot.container():
        components.render_turn(Turn(role="user", text=text), session.state, practice=practice)
        with (
            st.chat_message("assistant", avatar=components.ASSISTANT_AVATAR),
            st.spinner("Grading your answer…"),
        ):
            live.submit(session, text, None, stream_to=st.empty())
    live_slot.empty()


def page() -> None:
    _defaults()
    categories_slot, start_slot = sidebar()

    from interviewer.agent import BankUnavailable
    from ui import session as live

    try:
        bank = resources.bank(resources.settings())
        stats = bank.stats()
    except BankUnavailable as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    except Exception as exc:  # a Chroma server that went away after the bank was opened
        from interviewer.agent import bank_outage_message

        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        st.error(
            bank_outage_message(
                problem, resources.settings(), "reload this page (your sessions are saved)"
            ),
            icon=":material/error:",
        )
        st.stop()
    can_start = stats.with_reference > 0
    categories_widget(categories_slot, stats.categories)
    live.follow_url(live.llm_choice())
    session = live.current()
    start_button(start_slot, can_start, session is not None and not session.state.done)

    if session is None:
        welcome(stats, can_start)
        show_notice()
        return

    from ui import components
    from ui.state import SESSION_PARAM

    practice = session.state.config.mode is Mode.practice
    top = st.container()
    chat = st.container()
    with chat:
        for turn in live.transcript():
            components.render_turn(turn, session.state, practice=practice)
        pending = live.take_pending()
        if pending is not None:
            text, command = pending
            before = len(live.transcript())
            if command is None and text.strip() and session.state.config.grader == "llm":
                grade_streaming(session, text, practice=practice)
            else:
                with st.spinner("Grading your answer…" if command is None else "One moment…"):
                    live.submit(session, text, command)
            for turn in live.transcript()[before:]:
                components.render_turn(turn, session.state, practice=practice)
    with top:
        header(session)
    show_notice()
    if session.state.done:
        retry_button(session)
        st.divider()
        st.header("Your report")
        components.report_view(live.report(session), key="inline_report")
        st.chat_input(
            "The interview is over: start a new one from the sidebar.",
            key="answer_box",
            disabled=True,
        )
        return
    actions(session)
    st.chat_input(
        "Your answer… (or /hint, /skip, /repeat, /idk, /end)",
        key="answer_box",
        on_submit=_on_answer,
        submit_mode="disable",
    )
    st.query_params[SESSION_PARAM] = session.id


page()
