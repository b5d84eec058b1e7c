"""The interviewer agent: a pure turn-loop state machine with I/O at the edges.

Front ends (the terminal chat, the Streamlit UI) use this API:

    from interviewer.agent import InterviewEngine, SessionConfig
    engine = InterviewEngine(source=bank, grader=grader, store=SessionStore(path))
    session = engine.start(SessionConfig(questions=5, mode=Mode.practice))
    session.opening            # TurnResult: messages, prompt, progress, done
    session.submit("answer")   # TurnResult for an answer or a command (/hint, /skip, ...)
    session.report()           # Report; render_markdown(report) / render_json(report)
    engine.resume(session_id)  # continue where it stopped; a saved, ungraded answer is
                               # graded first (session.recovered)

Importing this package is cheap: no torch, no Chroma, no LangChain.
"""

from interviewer.agent.commands import Command, parse_input
from interviewer.agent.config import DifficultySetting, Mode, SessionConfig
from interviewer.agent.engine import (
    GradingError,
    InterviewEngine,
    InterviewSession,
    LazyGrader,
    Progress,
    Prompt,
    SetupError,
    TurnResult,
)
from interviewer.agent.phrasing import LLMPhraser, Message, MessageKind, TemplatePhraser
from interviewer.agent.report import Report, build_report, render_json, render_markdown

__all__ = [
    "Command",
    "DifficultySetting",
    "GradingError",
    "InterviewEngine",
    "InterviewSession",
    "LLMPhraser",
    "LazyGrader",
    "Message",
    "MessageKind",
    "Mode",
    "Progress",
    "Prompt",
    "Report",
    "SessionConfig",
    "SetupError",
    "TemplatePhraser",
    "TurnResult",
    "build_report",
    "parse_input",
    "render_json",
    "render_markdown",
]
