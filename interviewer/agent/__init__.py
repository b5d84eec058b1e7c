"""The interviewer agent's public API: everything a front end (the terminal chat in
ui/terminal.py, the Streamlit app in ui/) may use. Front ends import from here only.

    from interviewer.agent import SessionConfig, build_interview, open_bank, open_store
    engine = build_interview(settings, kind="offline", source=open_bank(settings),
                             store=open_store(settings))
    session = engine.start(SessionConfig(questions=5, mode=Mode.practice))
    session.opening            # TurnResult: messages, prompt, progress, events, done
    session.submit("answer")   # TurnResult for an answer or a command (/hint, /skip, ...)
    session.report()           # Report; render_markdown(report) / render_json(report)
    engine.resume(session_id)  # continue where it stopped; a saved, ungraded answer is
                               # graded first (session.recovered)

Importing this package is cheap: no torch, no Chroma, no LangChain (they load on first use).
"""

from interviewer.agent.commands import HELP_TEXT, Command, parse_input
from interviewer.agent.composition import (
    build_interview,
    check_llm_connection,
    default_grader,
    open_bank,
    open_store,
    start_model_warm_up,
    warm_up_models,
)
from interviewer.agent.config import (
    MAX_FOLLOW_UPS,
    MAX_QUESTIONS,
    DifficultySetting,
    Mode,
    SessionConfig,
)
from interviewer.agent.drill import PointFeedback, PointStatus, point_feedback
from interviewer.agent.engine import (
    GradingError,
    InterviewEngine,
    InterviewSession,
    LazyGrader,
    Progress,
    Prompt,
    SetupError,
    TurnResult,
    streams_feedback,
)
from interviewer.agent.export import render_export_json, render_transcript_markdown
from interviewer.agent.phrasing import LLMPhraser, Message, MessageKind, TemplatePhraser
from interviewer.agent.replies import (
    current_prompt_messages,
    grader_label,
    grader_notes,
    question_message,
)
from interviewer.agent.report import Report, build_report, render_json, render_markdown
from interviewer.agent.repository import LoadedSession, SessionRepository
from interviewer.agent.state import Outcome, QuestionRecord, SessionState, retryable
from interviewer.bank import BankUnavailable, ChromaBank
from interviewer.grading.base import Grader, warm_up_parts
from interviewer.llm import ConnectionCheck
from interviewer.models import SCORE_BANDS, Difficulty, Grade, GraderKind, Verdict
from interviewer.source import QuestionSource, SourceUnavailable, bank_outage_message
from interviewer.store import (
    ConcurrentSessionError,
    SessionStore,
    SessionSummary,
    StoreError,
    StoreReadOnlyError,
    TurnRow,
)

__all__ = [
    "HELP_TEXT",
    "MAX_FOLLOW_UPS",
    "MAX_QUESTIONS",
    "SCORE_BANDS",
    "BankUnavailable",
    "ChromaBank",
    "Command",
    "ConcurrentSessionError",
    "ConnectionCheck",
    "Difficulty",
    "DifficultySetting",
    "Grade",
    "Grader",
    "GraderKind",
    "GradingError",
    "InterviewEngine",
    "InterviewSession",
    "LLMPhraser",
    "LazyGrader",
    "LoadedSession",
    "Message",
    "MessageKind",
    "Mode",
    "Outcome",
    "PointFeedback",
    "PointStatus",
    "Progress",
    "Prompt",
    "QuestionRecord",
    "QuestionSource",
    "Report",
    "SessionConfig",
    "SessionRepository",
    "SessionState",
    "SessionStore",
    "SessionSummary",
    "SetupError",
    "SourceUnavailable",
    "StoreError",
    "StoreReadOnlyError",
    "TemplatePhraser",
    "TurnResult",
    "TurnRow",
    "Verdict",
    "bank_outage_message",
    "build_interview",
    "build_report",
    "check_llm_connection",
    "current_prompt_messages",
    "default_grader",
    "grader_label",
    "grader_notes",
    "open_bank",
    "open_store",
    "parse_input",
    "point_feedback",
    "question_message",
    "render_export_json",
    "render_json",
    "render_markdown",
    "render_transcript_markdown",
    "retryable",
    "start_model_warm_up",
    "streams_feedback",
    "warm_up_models",
    "warm_up_parts",
]
