"""LLM mode through the engine: one call per answer, checked phrasing, honest fallback."""

from __future__ import annotations

import json

import pytest

from interviewer.agent.config import DifficultySetting, Mode, SessionConfig
from interviewer.agent.engine import InterviewEngine
from interviewer.agent.phrasing import LLMPhraser, MessageKind
from interviewer.llm import LLMError, LLMErrorKind
from interviewer.store import SessionStore
from tests.agent_fakes import KeywordGrader, sample_source
from tests.fake_chat import FakeChatModel, FakeReply
from tests.fake_port import FakeChatPort
from tests.llm_fixtures import (  # noqa: F401 (fixtures)
    adapter_over,
    fake_openai_server,
    llm_settings,
    port_grader,
    wire_grader,
)

ANSWER = "Bagging trains learners independently on bootstrap samples and averages them."
FOLLOW_UP = "How does the other method build its ensemble, and which error does it mainly attack?"


class StatusError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"HTTP {code}")
        self.status_code = code


def llm_reply(n: int, *, covered=(1,), evidence=None, ack="Thanks, noted.", fq=FOLLOW_UP, fkp=2):
    return json.dumps(
        {
            "feedback": "Clear on bagging; boosting is missing.",
            "strengths": ["bagging"],
            "gaps": ["boosting"],
            "key_points": [
                {
                    "key_point": i,
                    "verdict": "covered" if i in covered else "missed",
                    "evidence": (evidence or ANSWER[:40]) if i in covered else None,
                }
                for i in range(1, n + 1)
            ],
            "injection_attempt": False,
            "interviewer": {
                "acknowledgement": ack,
                "follow_up_question": fq,
                "follow_up_key_point": fkp,
            },
        }
    )


@pytest.fixture
def store(tmp_path):
    return SessionStore(tmp_path / "sessions.sqlite3")


def llm_engine(store, chat, *, timeout=5.0):
    """An engine grading with the LLM grader over `chat` (the port, or the adapter)."""
    grader = port_grader(chat, KeywordGrader(), timeout=timeout)
    return InterviewEngine(
        source=sample_source(), grader=grader, store=store, phraser=LLMPhraser()
    ), grader


BAGGING_ONLY = dict(categories=["Core ML"], difficulty=DifficultySetting.medium, questions=1)


def test_one_llm_call_per_answer_and_notes_drive_the_words(store):
    chat = FakeChatPort("gpt-test")
    engine, _ = llm_engine(store, chat)
    session = engine.start(SessionConfig(follow_ups=1, seed=1, **BAGGING_ONLY))
    assert chat.calls == []  # starting costs no LLM call

    chat.enqueue(llm_reply(3))
    r = session.submit(ANSWER)
    assert len(chat.calls) == 1
    assert r.messages[0].kind is MessageKind.acknowledgement
    assert r.messages[0].text == "Thanks, noted."
    assert r.messages[-1].kind is MessageKind.follow_up
    assert r.messages[-1].text == FOLLOW_UP
    assert r.grade.grader == "gpt-test" and not r.grade.fallback

    # The follow-up answer: one more call, graded on the targeted key point only.
    chat.enqueue(llm_reply(1, covered=(1,), evidence="sequentially", fq=None, fkp=None))
    r = session.submit("Boosting fits learners sequentially on the previous errors.")
    assert len(chat.calls) == 2
    prompt = "\n".join(m.content for m in chat.calls[1].messages)
    assert "1. Boosting trains learners sequentially" in prompt
    assert "2." not in prompt.split("Boosting trains learners sequentially")[1][:200]
    assert r.done
    assert chat.usage[0].input_tokens > 0


def test_commands_cost_no_llm_call(store):
    chat = FakeChatPort("gpt-test")
    engine, _ = llm_engine(store, chat)
    session = engine.start(SessionConfig(follow_ups=1, seed=2, questions=3))
    for command in ("/hint", "/repeat", "/help", "skip", "I don't know", "/end"):
        session.submit(command)
    assert chat.calls == []


def test_leaky_llm_acknowledgement_is_replaced_in_interview_mode(store):
    chat = FakeChatPort("gpt-test")
    engine, _ = llm_engine(store, chat)
    session = engine.start(SessionConfig(follow_ups=0, seed=3, mode=Mode.interview, **BAGGING_ONLY))
    leaky = "Noted, though boosting trains learners sequentially and reduces bias."
    chat.enqueue(llm_reply(3, ack=leaky))
    r = session.submit(ANSWER)
    assert leaky not in [m.text for m in r.messages]
    assert engine.phraser.rejected == ["acknowledgement"]


def test_leaky_llm_follow_up_is_replaced_by_template(store):
    chat = FakeChatPort("gpt-test")
    engine, _ = llm_engine(store, chat)
    session = engine.start(SessionConfig(follow_ups=1, seed=4, **BAGGING_ONLY))
    leaky = "Did you know boosting trains learners sequentially, mainly reducing bias?"
    chat.enqueue(llm_reply(3, fq=leaky))
    r = session.submit(ANSWER)
    assert r.messages[-1].kind is MessageKind.follow_up
    assert r.messages[-1].text != leaky
    assert "sequentially" not in r.messages[-1].text


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ([FakeReply(delay=1.0)], "timed out"),
        ([FakeReply(error=StatusError(429))] * 3, "429"),
        ([FakeReply(error=StatusError(500))] * 3, "500"),
        (["this is not json", "still not json"], "invalid twice"),
    ],
)
def test_llm_failures_fall_back_to_offline_and_say_so(store, script, reason):
    chat = FakeChatModel()
    engine, _ = llm_engine(store, adapter_over(chat, "gpt-test"), timeout=0.3)
    session = engine.start(SessionConfig(follow_ups=0, seed=5, **BAGGING_ONLY))
    chat.enqueue(*script)
    r = session.submit(ANSWER)
    assert r.grade.fallback and r.grade.grader == "offline"
    assert reason in (r.grade.fallback_reason or "")
    feedback = next(m.text for m in r.messages if m.kind is MessageKind.feedback)
    assert "offline grader, fallback:" in feedback
    stored = json.loads(store.turns(session.id)[0].grade_json)
    assert stored["fallback"] is True
    assert r.done  # the turn completed


def test_fallback_through_the_real_openai_client_on_loopback(
    store,
    llm_settings,  # noqa: F811 (pytest fixture)
    fake_openai_server,  # noqa: F811 (pytest fixture)
):
    from tests.fake_openai_server import ScriptedReply

    grader = wire_grader(llm_settings, KeywordGrader())
    engine = InterviewEngine(
        source=sample_source(), grader=grader, store=store, phraser=LLMPhraser()
    )
    session = engine.start(
        SessionConfig(
            follow_ups=1,
            seed=6,
            questions=2,
            categories=["Core ML"],
            difficulty=DifficultySetting.medium,
        )
    )
    fake_openai_server.enqueue(llm_reply(3))
    r = session.submit(ANSWER)
    assert r.grade.grader == llm_settings.llm_model and not r.grade.fallback
    assert r.messages[-1].text == FOLLOW_UP
    fake_openai_server.enqueue(*[ScriptedReply(status=500)] * 3)
    r = session.submit("Boosting fits learners one after another on the errors.")
    assert r.grade.fallback
    assert len(fake_openai_server.chat_requests) == 4


def test_llm_wrap_up_is_one_extra_call_per_session_and_checked(store):
    from interviewer.agent.lines import LLMLineWriter

    for wrap_up, expect_llm in [
        ("That concludes our session. You answered 1 of 1 questions.", True),
        ("We're done; remember bagging trains learners independently on bootstrap samples.", False),
    ]:
        chat = FakeChatPort("gpt-test")
        engine, _ = llm_engine(store, chat)
        engine.line_writer = LLMLineWriter(chat, timeout=2)
        session = engine.start(SessionConfig(follow_ups=0, seed=7, **BAGGING_ONLY))
        chat.enqueue(llm_reply(3), wrap_up)
        r = session.submit(ANSWER)
        assert r.done and len(chat.calls) == 2
        assert "questions answered: 1 of 1" in chat.calls[1].messages[-1].content
        line = next(m.text for m in r.messages if m.kind is MessageKind.wrap_up)
        assert (line == wrap_up) is expect_llm
        # The stored transcript keeps the template line: the LLM call came after the commit.
        stored = json.loads(store.turns(session.id)[-1].reply_json)
        assert wrap_up not in [m["text"] for m in stored]


def test_llm_wrap_up_failure_keeps_the_template(store):
    from interviewer.agent.lines import LLMLineWriter

    chat = FakeChatPort("gpt-test")
    engine, _ = llm_engine(store, chat)
    engine.line_writer = LLMLineWriter(chat, timeout=0.2)
    session = engine.start(SessionConfig(follow_ups=0, seed=8, **BAGGING_ONLY))
    chat.enqueue(llm_reply(3), LLMError(LLMErrorKind.server, "LLM server failed with HTTP 500"))
    r = session.submit(ANSWER)
    line = next(m.text for m in r.messages if m.kind is MessageKind.wrap_up)
    assert line == "That's all the questions I have. Thank you for your time."
