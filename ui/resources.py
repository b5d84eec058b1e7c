"""The UI's adapters: the bank, the session store, graders and the engine, built once.

Heavy libraries (chromadb, torch, sentence-transformers, LangChain) are imported inside these
functions, never at module top, so the first paint only pays for what it draws. Shared objects
are `st.cache_resource`d per data folder; an LLM grader holds the candidate's key and so lives
in that candidate's own `st.session_state`, never in a shared cache.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import streamlit as st

from interviewer.settings import Settings, get_settings

if TYPE_CHECKING:
    from interviewer.agent import ChromaBank, ConnectionCheck, Grader, InterviewEngine, SessionStore
    from ui.state import LLMChoice

log = logging.getLogger(__name__)


def settings(llm: LLMChoice | None = None) -> Settings:
    """Settings from the environment, with the sidebar's LLM choice on top."""
    return get_settings(**llm.overrides()) if llm is not None else get_settings()


def _bank_key(s: Settings) -> tuple:
    return (str(s.data_dir), s.chroma_host, s.chroma_port, s.embedding_model)


@st.cache_resource(show_spinner=False)
def _bank(key: tuple, _settings: Settings) -> ChromaBank:
    from interviewer.agent import ChromaBank

    return ChromaBank(_settings)


def bank(s: Settings) -> ChromaBank:
    """The Chroma bank for these settings (raises `BankUnavailable` with the fix)."""
    return _bank(_bank_key(s), s)


# An unreachable Chroma server costs the client's connect timeout on every probe, and every
# click reruns the page that probes it: after a failure the verdict stands this long.
BANK_RECHECK_SECONDS = 15.0
_bank_failures: dict[tuple, tuple[float, Exception]] = {}
_bank_failures_lock = threading.Lock()


def bank_failure(s: Settings) -> Exception | None:
    """Why the bank cannot be used right now, or None when it answers.

    Opening is not enough (the bank object is cached and its server may have gone since), so
    this asks it for its size. While it is failing it is asked again only every
    `BANK_RECHECK_SECONDS`; a success is never remembered, so an outage shows on the next run.
    """
    key = _bank_key(s)
    with _bank_failures_lock:
        failed = _bank_failures.get(key)
    if failed is not None and time.monotonic() - failed[0] < BANK_RECHECK_SECONDS:
        return failed[1]
    try:
        bank(s).count()
    except Exception as exc:  # any failure: the caller words it
        with _bank_failures_lock:
            _bank_failures[key] = (time.monotonic(), exc)
        return exc
    with _bank_failures_lock:
        _bank_failures.pop(key, None)
    return None


@st.cache_resource(show_spinner=False)
def _store(path: str) -> SessionStore:
    from interviewer.agent import SessionStore

    return SessionStore(path)


def store(s: Settings) -> SessionStore:
    return _store(str(s.sessions_db))


@st.cache_resource(show_spinner=False)
def _offline_grader(key: tuple, _settings: Settings) -> Grader:
    from interviewer.agent import default_grader as make_grader

    return make_grader("offline", _settings)


def make_grader(kind: str, s: Settings) -> Grader:
    """The grader of this kind; the offline one is shared, an LLM one is built per session."""
    if kind == "offline":
        return _offline_grader((s.embedding_model,), s)
    from interviewer.agent import default_grader as build

    return build(kind, s)


def engine(llm: LLMChoice | None = None) -> InterviewEngine:
    """An engine whose grader is built on first use, so a question shows before heavy imports."""
    from interviewer.agent import build_interview

    s = settings(llm)
    kind = llm.grader_kind if llm is not None else "offline"
    # The bank is shared by every browser session, so it gets settings without the LLM key.
    return build_interview(
        s, kind=kind, source=bank(settings()), store=store(s), grader_factory=make_grader
    )


def check_connection(llm: LLMChoice) -> ConnectionCheck:
    from interviewer.agent import check_llm_connection as check

    return check(settings(llm))


@st.cache_resource(show_spinner=False)
def _warm_up(model: str, _grader: Grader) -> bool:
    import threading

    from interviewer.agent import start_model_warm_up as start_warm_up

    loading = start_warm_up(model)

    from interviewer.agent import warm_up_parts

    def grader_too() -> None:
        loading.join()
        try:
            warm_up_parts(_grader)  # calibration and one tiny batch
        except Exception as exc:  # the first grade reports the problem, with its fix
            log.warning("offline grader warm-up failed: %s", exc)

    threading.Thread(target=grader_too, name="grader-warm-up", daemon=True).start()
    return True


def start_warm_up() -> None:
    """Load the embedding model (and the offline grader) in the background, once per process.

    Called after the page is drawn, so the candidate reads the first question while it loads.
    """
    s = settings()
    _warm_up(s.embedding_model, make_grader("offline", s))
