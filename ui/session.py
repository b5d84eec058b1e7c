"""The live interview in `st.session_state`: start, resume, submit, and the transcript.

The engine commits every turn to SQLite before it returns, and the session id sits in the URL
(`?session=...`), so a refresh loses nothing: a new browser session finds the id in the URL and
resumes the session from the store, transcript included.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from queue import Empty, Queue
from typing import TYPE_CHECKING, Any

import streamlit as st

from interviewer.agent import Message, MessageKind
from ui import resources
from ui.state import (
    SESSION_PARAM,
    LLMChoice,
    Turn,
    escape_markdown,
    session_from_params,
    transcript_from_turns,
)

if TYPE_CHECKING:
    from interviewer.agent import InterviewSession, SessionConfig, TurnResult

SESSION = "interview_session"
TRANSCRIPT = "interview_transcript"
PENDING = "interview_pending"
NOTICE = "interview_notice"
REPORT = "interview_report"


@dataclass(frozen=True)
class Notice:
    """A message about the last input that is not part of the interview (nothing stored)."""

    kind: str  # "warning" | "error"
    text: str
    retry: bool = False  # offer "retry saving"
    reload: bool = False  # offer to reload the session (another tab moved it on)
    answer: str | None = None  # the answer that was not recorded, to copy back


def llm_choice() -> LLMChoice:
    """The LLM settings typed in the sidebar (the key stays in this browser session)."""
    from pydantic import SecretStr

    key = st.session_state.get("llm_api_key") or ""
    return LLMChoice(
        provider=st.session_state.get("llm_provider", "none"),
        model=st.session_state.get("llm_model", ""),
        base_url=st.session_state.get("llm_base_url", ""),
        api_key=SecretStr(key) if key else None,
    )


def current() -> InterviewSession | None:
    return st.session_state.get(SESSION)


def transcript() -> list[Turn]:
    return st.session_state.setdefault(TRANSCRIPT, [])


def _install(session: InterviewSession, turns: list[Turn]) -> None:
    _prepare_next(session)
    st.session_state[SESSION] = session
    st.session_state[TRANSCRIPT] = turns
    st.session_state.pop(NOTICE, None)
    st.session_state.pop(REPORT, None)
    st.query_params[SESSION_PARAM] = session.id


def clear() -> None:
    for key in (SESSION, TRANSCRIPT, PENDING, NOTICE, REPORT):
        st.session_state.pop(key, None)
    st.query_params.pop(SESSION_PARAM, None)


def start(config: SessionConfig, llm: LLMChoice) -> InterviewSession:
    """Start a session (raises the engine's `SetupError`, whose message says what to change)."""
    session = resources.engine(llm).start(config)
    assert session.opening is not None
    _install(session, [Turn(role="assistant", messages=list(session.opening.messages))])
    return session


def resume(session_id: str, llm: LLMChoice) -> InterviewSession:
    """Load a stored session and rebuild its chat (raises `StoreError` if there is none).

    An answer saved before a crash but never graded is graded first (by `engine.resume`); its
    turn is then in the store, so the rebuilt chat shows it like any other.
    """
    from interviewer.agent import current_prompt_messages

    engine = resources.engine(llm)
    with st.spinner("Opening the session…"):
        session = engine.resume(session_id)
    turns = transcript_from_turns(session.state, engine.store.turns(session.id))
    if not session.state.done or session.recovered is not None:
        welcome = [*session.welcome, *current_prompt_messages(session.state)]
        if session.state.config.grader == "llm" and not llm.enabled:
            welcome.insert(
                1,
                Message(
                    kind=MessageKind.note,
                    text="This session was started with an LLM grader, which is not set up in "
                    "this browser tab: answers from now on are graded by the offline grader. "
                    "Set the LLM in the sidebar and resume again to use it.",
                ),
            )
        turns.append(Turn(role="assistant", messages=welcome))
    _install(session, turns)
    return session


def follow_url(llm: LLMChoice) -> None:
    """Make the session in the URL the live one (a refresh, a link, or History's resume)."""
    wanted = session_from_params(st.query_params)
    live = current()
    if wanted is None:
        if live is not None:
            st.query_params[SESSION_PARAM] = live.id  # back from another page: keep it visible
        return
    if live is not None and live.id == wanted:
        return
    from interviewer.agent import SourceUnavailable, StoreError, bank_outage_message

    try:
        resume(wanted, llm)
    except StoreError as exc:
        st.query_params.pop(SESSION_PARAM, None)
        st.session_state[NOTICE] = Notice("error", str(exc))
    except SourceUnavailable as exc:  # grading a saved answer needs the bank
        st.session_state[NOTICE] = Notice(
            "error",
            bank_outage_message(
                str(exc), resources.settings(), "reload this page (every answer is saved)"
            ),
        )


def queue(text: str, command: str | None = None) -> None:
    """Callback for the chat input and the command buttons: handled on this rerun."""
    st.session_state[PENDING] = (text, command)


def take_pending() -> tuple[str, str | None] | None:
    return st.session_state.pop(PENDING, None)


def submit(
    session: InterviewSession, text: str, command: str | None, *, stream_to: Any = None
) -> TurnResult | None:
    """Send one input to the engine and extend the transcript; returns None if nothing changed.

    An empty answer is not a turn: the notice says so and nothing is stored or graded. With
    `stream_to` (an `st.empty()`), an answer's feedback is shown there as the grader writes it,
    when the engine allows streaming it (see `streams_feedback`).
    """
    held: list[BaseException] = []
    try:
        return _submit(session, text, command, stream_to, held)
    finally:
        if held:
            # A rerun or stop asked for while the feedback streamed: raised now that the turn
            # is saved and recorded, so the request is not lost and neither is the answer.
            raise held[0]


def _submit(
    session: InterviewSession,
    text: str,
    command: str | None,
    stream_to: Any,
    held: list[BaseException],
) -> TurnResult | None:
    from interviewer.agent import (
        ConcurrentSessionError,
        GradingError,
        SourceUnavailable,
        StoreError,
    )

    if command is None and not text.strip():
        st.session_state[NOTICE] = Notice(
            "warning",
            "Empty answer: nothing was graded or recorded. Type your answer, or use the "
            "buttons for a hint, to skip, or to end.",
        )
        return None
    st.session_state.pop(NOTICE, None)
    try:
        if stream_to is None or command is not None:
            result = session.submit(text)
        else:
            result = submit_streaming(session, text, stream_to, held)
    except GradingError as exc:
        # The engine words its fix for the terminal; say it in this page's terms.
        message = str(exc).replace(
            "restart with --grader offline",
            "set the LLM grader's provider to Off in the sidebar and start a new interview",
        )
        st.session_state[NOTICE] = Notice("error", message, answer=text)
        return None
    except SourceUnavailable as exc:
        from interviewer.agent import bank_outage_message

        message = bank_outage_message(str(exc), resources.settings(), "reload this page")
        if command is None:  # the engine saved the answer before it needed the bank
            message += " Your answer is saved: reopening the session grades it first."
        st.session_state[NOTICE] = Notice(
            "error", message, answer=text if command is None else None
        )
        return None
    except ConcurrentSessionError:
        # Retrying cannot help: this tab's copy is behind. Nothing of this answer was stored.
        st.session_state[NOTICE] = Notice(
            "error",
            f"Session {session.id} was moved on in another tab or window, so this answer was "
            "not recorded. Fix: reload the session below and continue from where it is now.",
            reload=True,
            answer=text,
        )
        return None
    except StoreError as exc:
        st.session_state[NOTICE] = Notice("error", str(exc), retry=session.has_unsaved, answer=text)
        return None
    _record(session, text, command or result.command, result)
    return result


_DONE = object()
# Above the LLM's feedback while it is written: its claims are checked against the answer only
# when the reply is complete, and the card that replaces this text says what was credited.
DRAFT_LABEL = "*The LLM's draft feedback, not yet checked against your answer:*"


def draft_markdown(text: str) -> str:
    """The streamed feedback as the page shows it: labelled as a draft, escaped (it may echo
    the candidate's text)."""
    return f"{DRAFT_LABEL}\n\n{escape_markdown(text)}"


def submit_streaming(
    session: InterviewSession, text: str, placeholder: Any, held: list[BaseException]
) -> TurnResult:
    """`session.submit(text)` in a worker thread, its streamed feedback drawn in `placeholder`.

    Only this (the script) thread writes to the page: the grader's hook just queues the text.
    A rerun or stop raised by a page write goes to `held` until the engine has finished (the
    turn is saved by then), so the caller can record the turn before raising it.
    """
    updates: Queue[Any] = Queue()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = session.submit(text, on_text=updates.put)
        except BaseException as exc:  # re-raised in the script thread below
            outcome["error"] = exc
        finally:
            updates.put(_DONE)

    worker = threading.Thread(target=run, name="grade-answer", daemon=True)
    worker.start()
    try:
        while (item := updates.get()) is not _DONE:
            with contextlib.suppress(Empty):
                while True:  # only the newest text matters; skip what the page fell behind on
                    newer = updates.get_nowait()
                    if newer is _DONE:
                        updates.put(_DONE)
                        break
                    item = newer
            placeholder.markdown(draft_markdown(item))
    except BaseException as exc:  # Streamlit's rerun/stop: finish the turn first
        held.append(exc)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def retry_save(session: InterviewSession) -> None:
    """Write the turn that failed to save, once the database is usable again."""
    from interviewer.agent import StoreError

    notice: Notice | None = st.session_state.get(NOTICE)
    try:
        result = session.retry_save()
    except StoreError as exc:
        st.session_state[NOTICE] = Notice("error", str(exc), retry=session.has_unsaved)
        return
    st.session_state.pop(NOTICE, None)
    _record(session, notice.answer or "" if notice else "", result.command, result)


def _record(session: InterviewSession, text: str, command: str | None, result: TurnResult) -> None:
    turns = transcript()
    turns.append(Turn(role="user", text=text, command=command))
    turns.append(
        Turn(
            role="assistant",
            messages=list(result.messages),
            closed=result.closed_index,
        )
    )
    st.session_state.pop(REPORT, None)


def _prepare_next(session: InterviewSession) -> None:
    """Encode the question now out while the candidate reads it (offline grader only: the
    model is already loading in the background; an LLM grader needs no preparation)."""
    session.prefetch_in_background(build=session.state.config.grader == "offline")


def report(session: InterviewSession):
    """The session's report, built once per stored version (it searches the bank)."""
    cached = st.session_state.get(REPORT)
    if cached is not None and cached[0] == (session.id, session.version):
        return cached[1]
    built = session.report()
    st.session_state[REPORT] = ((session.id, session.version), built)
    return built
