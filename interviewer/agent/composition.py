"""The composition root: the one place an interview is wired from settings.

Both front ends (the terminal chat and the Streamlit app) call `build_interview`; they differ
only in how they build the bank and the session store (the UI shares them across browser
sessions) and in the grader factory (the UI shares one offline grader per process).
"""

from __future__ import annotations

from collections.abc import Callable

from interviewer.agent.engine import InterviewEngine, LazyGrader
from interviewer.agent.phrasing import make_phraser
from interviewer.grading.base import Grader
from interviewer.settings import Settings
from interviewer.source import QuestionSource
from interviewer.store import SessionStore

GraderFactory = Callable[[str, Settings], Grader]


def default_grader(kind: str, settings: Settings) -> Grader:
    from interviewer.grading import make_grader

    return make_grader(kind, settings)


def build_interview(
    settings: Settings,
    *,
    kind: str,
    source: QuestionSource,
    store: SessionStore,
    grader_factory: GraderFactory = default_grader,
) -> InterviewEngine:
    """An engine over `source` and `store` whose grader (`kind`: "offline" or "llm") is built
    on first use, so the first question shows before torch or LangChain load. With the LLM,
    the interviewer's words come from the LLM's notes (checked) and the closing line from one
    short, deadline-bound call (a fixed line otherwise)."""
    label = settings.llm_model if kind == "llm" else "offline"
    grader = LazyGrader(lambda: grader_factory(kind, settings), label)
    line_writer = None
    if kind == "llm":
        from interviewer.agent.lines import make_line_writer

        line_writer = make_line_writer(settings)
    return InterviewEngine(
        source=source,
        grader=grader,
        store=store,
        phraser=make_phraser(kind == "llm"),
        line_writer=line_writer,
    )


def open_bank(settings: Settings):  # -> ChromaBank, imported lazily (chromadb is heavy)
    """The Chroma question bank the settings describe (raises BankUnavailable, with the fix)."""
    from interviewer.bank import ChromaBank

    return ChromaBank(settings)


def open_store(settings: Settings) -> SessionStore:
    return SessionStore(settings.sessions_db)


def check_llm_connection(settings: Settings):
    """One tiny request to the configured LLM; a ConnectionCheck that says what to fix."""
    from interviewer.llm import check_connection

    return check_connection(settings)


def start_model_warm_up(model: str):
    """Load the embedding model in a daemon thread (the first question shows meanwhile)."""
    from interviewer.embedding import start_warm_up

    return start_warm_up(model)


def warm_up_models(model: str) -> None:
    """Load the embedding model and run one tiny batch (blocking)."""
    from interviewer.embedding import warm_up

    warm_up(model)
