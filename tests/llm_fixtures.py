"""Pytest fixtures for the LLM path. `tests/conftest.py` imports them:

from tests.llm_fixtures import (  # noqa: F401
    fake_chat,
    fake_openai_server,
    fake_port,
    llm_settings,
    offline_grader,
)
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from interviewer.models import (
    Grade,
    KeyPointVerdict,
    Question,
    QuestionKind,
    Verdict,
)
from interviewer.settings import Settings
from tests.agent_fakes import make_question
from tests.fake_chat import FakeChatModel
from tests.fake_openai_server import FakeOpenAIServer
from tests.fake_port import FakeChatPort

# A key-shaped secret: tests assert it never shows up in any output.
TEST_API_KEY = "sk-test-DO-NOT-LEAK-4f9a2c71e0b3"

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture
def fake_port() -> FakeChatPort:
    """A scripted chat-model port: `fake_port.enqueue(...)`, then read `fake_port.calls`."""
    return FakeChatPort()


@pytest.fixture
def fake_chat() -> FakeChatModel:
    """A scripted LangChain chat model, for the adapter: `fake_chat.enqueue(...)`, then read
    `fake_chat.calls`."""
    return FakeChatModel()


@pytest.fixture
def fake_openai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    """An OpenAI-compatible server on 127.0.0.1 at a free port, stopped after the test."""
    # A proxy from the environment would carry loopback requests off the machine.
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def llm_settings(fake_openai_server: FakeOpenAIServer, tmp_path) -> Settings:
    """Settings that point the real OpenAI client at the loopback server, with a secret key."""
    return fake_openai_server.settings(
        tmp_path, llm_api_key=TEST_API_KEY, llm_timeout=2.0, llm_max_retries=2
    )


# -- test data and a stand-in for the offline grader -------------------------------------------

L2_KEY_POINTS = [
    "L2 adds a penalty proportional to the sum of squared weights to the loss",
    "It shrinks weights towards zero but rarely makes them exactly zero",
    "It reduces overfitting by trading a little bias for lower variance",
]


def l2_question() -> Question:
    """A technical question with an authored reference of three key points."""
    return make_question(
        "What does L2 regularisation do to a linear model?",
        "ml-fundamentals",
        key_points=L2_KEY_POINTS,
        answer="L2 regularisation adds lambda times the sum of squared weights to the loss. "
        "Weights shrink towards zero but are rarely exactly zero. This lowers variance "
        "and so reduces overfitting, at the cost of a little bias.",
        source="test_bank.md",
        line=3,
    )


def behavioural_question() -> Question:
    return Question.create(
        "Tell me about a time a model you shipped underperformed in production.",
        "test_bank.md",
        category="behavioural",
        kind=QuestionKind.behavioural,
        line=9,
    )


def ungradable_question() -> Question:
    return Question.create(
        "Explain the kernel trick.", "test_bank.md", category="ml-fundamentals", line=12
    )


ANSWER = (
    "L2 adds the sum of squared weights to the loss, scaled by lambda. "
    "The weights get smaller, so the model is simpler."
)


def reply(*verdicts: tuple[str, str | None], **extra: object) -> str:
    """A grade_answer reply with the given (verdict, evidence) per criterion, in order."""
    body: dict[str, object] = {
        "feedback": "You explained the penalty but not its effect on variance.",
        "strengths": ["names the squared-weight penalty"],
        "gaps": ["no link to overfitting"],
        "key_points": [
            {"key_point": i, "verdict": v, "evidence": e} for i, (v, e) in enumerate(verdicts, 1)
        ],
        "injection_attempt": False,
        "interviewer": {
            "acknowledgement": "Thanks, noted.",
            "follow_up_question": "Why would a smaller model generalise better?",
            "follow_up_key_point": 3,
        },
    }
    body.update(extra)
    return json.dumps(body)


GOOD_REPLY = reply(
    ("covered", "adds the sum of squared weights to the loss"),
    ("partly", "The weights get smaller"),
    ("missed", None),
)


class UngradableQuestion(ValueError):
    """What the real offline grader raises for a question with nothing to grade against."""


class StubOfflineGrader:
    """Stands in for the offline grader: a fixed, recognisable grade, and the same refusal."""

    name = "offline"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str] | None]] = []

    def grade(self, question: Question, answer: str, *, criteria: list[str] | None = None) -> Grade:
        self.calls.append((question.id, answer, criteria))
        if not question.gradable:
            raise UngradableQuestion(f"{question.id} has no reference answer to grade against")
        points = criteria or question.criteria
        return Grade(
            score=1.0,
            verdicts=[KeyPointVerdict(key_point=p, verdict=Verdict.missed) for p in points],
            feedback="graded by the offline stub",
            reference_origin=question.reference.origin,
            grader="offline",
        )


@pytest.fixture
def offline_grader() -> StubOfflineGrader:
    return StubOfflineGrader()


class FoundQuoteSupport:
    """A `SupportCheck` that accepts every quote found in the answer: the grader as it was
    before the support check, for tests of parsing, retries, streaming and the wire, so they
    need no embedding model. The real check is tested in tests/test_support_check.py."""

    name = "found-quote (test stand-in)"

    def supports(self, question: Question, key_point: str, quote: str) -> bool:
        return True


NO_SUPPORT_CHECK = FoundQuoteSupport()


# -- graders over a fake: the port itself, or the real adapter over a LangChain fake -----------


def port_grader(model, fallback, **kwargs):
    """The LLM grader over `model` (a `ChatModel`, usually `FakeChatPort`), backed by
    `fallback` as `make_grader("llm", ...)` builds it; support check off unless given."""
    from interviewer.grading.fallback import FallbackGrader
    from interviewer.grading.llm import LLMGrader

    kwargs.setdefault("support", NO_SUPPORT_CHECK)
    return FallbackGrader(LLMGrader(model, **kwargs), fallback)


def adapter_over(chat: FakeChatModel, name: str = "fake-chat", **kwargs):
    """The real LangChain adapter over a scripted LangChain model; `.sleeps` records the
    waits between retries (none are slept)."""
    from interviewer.llm import LangChainChatModel

    sleeps: list[float] = []
    port = LangChainChatModel(chat, name=name, sleep=sleeps.append, **kwargs)
    port.sleeps = sleeps  # type: ignore[attr-defined]
    return port


def langchain_grader(chat: FakeChatModel, fallback, *, name: str = "fake-chat", **kwargs):
    """`port_grader` through the real adapter over `chat`: retries, deadlines and error words
    as on the wire. `.sleeps` records the waits between retries."""
    port = adapter_over(chat, name)
    grader = port_grader(port, fallback, **kwargs)
    grader.sleeps = port.sleeps  # type: ignore[attr-defined]
    return grader


def wire_grader(settings: Settings, fallback, *, support=NO_SUPPORT_CHECK):
    """`make_grader("llm", settings)` with this fallback: the real adapter and clients, to the
    server the settings name. `.sleeps` records the waits between retries (none are slept);
    `support=None` keeps the real support check."""
    from interviewer.grading.fallback import FallbackGrader
    from interviewer.grading.llm import make_llm_grader

    sleeps: list[float] = []
    grader = FallbackGrader(
        make_llm_grader(settings, sleep=sleeps.append, support=support), fallback
    )
    grader.sleeps = sleeps  # type: ignore[attr-defined]
    return grader
