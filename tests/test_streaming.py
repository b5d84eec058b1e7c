# ruff: noqa: F811  (pytest fixtures are imported, then named as arguments)
"""Streaming the grader's feedback: the incremental JSON field extractor, LLMGrader's `on_text`
hook against the scripted fake port, the adapter over a scripted LangChain model and the real
client on loopback, the engine's gate, and one LLM-mode turn through the web UI."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from interviewer.agent.config import DifficultySetting, Mode, SessionConfig
from interviewer.agent.engine import InterviewEngine, LazyGrader, streams_feedback
from interviewer.agent.phrasing import LLMPhraser
from interviewer.grading.streaming import FieldHook, StringFieldStream, partial_string_field
from interviewer.store import SessionStore
from tests.agent_fakes import KeywordGrader, sample_source
from tests.fake_chat import FakeChatModel, FakeReply
from tests.fake_port import FakeChatPort, Scripted
from tests.llm_fixtures import (  # noqa: F401  (fixtures)
    ANSWER,
    GOOD_REPLY,
    fake_openai_server,
    l2_question,
    langchain_grader,
    llm_settings,
    offline_grader,
    port_grader,
    reply,
    wire_grader,
)
from tests.test_ui_apptest import good_answer, live_session, new_app, no_errors, start, tiny_bank  # noqa: F401

# -- the extractor -----------------------------------------------------------------------------

TRICKY = json.dumps(
    {
        "feedback": 'Say "why": a \\ slash, a tab\there,\nnew line, caf\u00e9, \U0001f600 done.',
        "strengths": ["feedback"],
        "interviewer": {"acknowledgement": "Thanks \u2014 noted."},
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("Here is my grade:", None),
        ('{"feedb', None),
        ('{"feedback"', None),
        ('{"feedback": ', None),
        ('{"feedback": "', ""),
        ('{"feedback": "You ex', "You ex"),
        ('{"feedback": "done", "gaps": [', "done"),
        ('```json\n{"feedback": "fenced', "fenced"),
        ('{"feedback": "a \\"quote', 'a "quote'),
        ('{"feedback": "a \\', "a "),  # an escape not finished yet shows nothing of it
        ('{"feedback": "line\\nnext', "line\nnext"),
        ('{"feedback": "caf\\u00', "caf"),
        ('{"feedback": "caf\\u00e9', "caf\u00e9"),
        ('{"feedback": "smile \\ud83d', "smile "),  # half a surrogate pair waits
        ('{"feedback": "smile \\ud83d\\ude', "smile "),
        ('{"feedback": "smile \\ud83d\\ude00!', "smile \U0001f600!"),
        ('{"feedback": "lone \\ud83d x', "lone \ufffd x"),
        ('{"feedback": "bad \\q', "bad q"),
        ('{"feedback": "bad \\u12x', "bad \\u12x"),
        # Another field's text that looks like the key does not count.
        ('{"gaps": ["feedback"], "x": "\\"feedback\\": \\"no', None),
        ('{"gaps": ["a"], "feedback": "after', "after"),
        ('{"interviewer": {"feedback": "nested"}, "feedback": "top', "top"),
        ('{"key_points": [{"feedback": "in an array', None),
        # Text before the object is skipped, as `extract_json` skips it.
        ('[{"feedback": "after a bracket', "after a bracket"),
        ('{"key_points": [{"feedback": "in an array"}], "feedback": "ok', "ok"),
        ('{"feedback": 3, "x": "y', None),
        ('{"feedback": "first", "feedback": "second', "first"),
        ('{"a": {"b": [1, {"c": "}"}]}, "feedback": "deep', "deep"),
        ('{"feedback": "x"} {"feedback": "another object', "x"),
    ],
)
def test_partial_feedback(text, expected):
    assert partial_string_field(text, "feedback") == expected


def test_nested_path_reads_the_acknowledgement():
    assert partial_string_field(TRICKY, "interviewer", "acknowledgement") == "Thanks \u2014 noted."
    cut = TRICKY.index("noted.") + 2
    assert (
        partial_string_field(TRICKY[:cut], "interviewer", "acknowledgement") == "Thanks \u2014 no"
    )
    assert (
        partial_string_field('{"acknowledgement": "top level"}', "interviewer", "acknowledgement")
        is None
    )


@pytest.mark.parametrize(
    "text", [TRICKY, GOOD_REPLY, json.dumps({"feedback": "caf\u00e9 \U0001f600 \\ back"})]
)
def test_every_prefix_is_a_prefix_of_the_real_value(text):
    full = json.loads(text)["feedback"]
    seen = []
    for end in range(len(text) + 1):
        partial = partial_string_field(text[:end], "feedback")
        if partial is not None:
            assert full.startswith(partial), (end, partial)
            seen.append(partial)
    assert seen[-1] == full
    assert all(len(a) <= len(b) for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13])
def test_any_chunking_gives_the_same_value(size):
    stream = StringFieldStream("feedback")
    grew = []
    for i in range(0, len(TRICKY), size):
        partial = stream.feed(TRICKY[i : i + size])
        if partial is not None:
            grew.append(partial)
    assert stream.complete and stream.value == json.loads(TRICKY)["feedback"]
    assert grew[-1] == stream.value
    assert len(set(grew)) == len(grew)  # reported only when it grew


def test_feed_reports_nothing_until_the_field_grows():
    stream = StringFieldStream("feedback")
    assert stream.feed('{"feedback": "') is None and stream.started
    assert stream.feed("ab") == "ab"
    assert stream.feed("\\") is None
    assert stream.feed("n") == "ab\n"
    assert stream.feed('", "gaps": ["zz"]}') is None and stream.complete
    with pytest.raises(ValueError, match="key path"):
        StringFieldStream()


def test_field_hook_reads_the_field_from_the_reply_so_far_and_restarts_with_it():
    shown: list[str] = []
    hook = FieldHook(shown.append, "feedback")
    for end in (5, 16, 20, 20, 27):
        hook('{"feedback": "Good start, then"'[:end])
    assert shown == ["Go", "Good s", "Good start, t"]  # told only when the field grew
    hook('{"feedback": "Ag')  # a retried stream: the reply starts again
    assert shown[-1] == "Ag"


# -- LLMGrader with the scripted fake port -----------------------------------------------------

ESCAPED_REPLY = reply(
    ("covered", "adds the sum of squared weights to the loss"),
    ("partly", "The weights get smaller"),
    ("missed", None),
    feedback='Good: the "penalty" is right \u2014 but say why variance drops.\nTry again \U0001f642',
)


@pytest.mark.parametrize("chunk_size", [0, 1, 3, 8])
def test_on_text_gets_growing_feedback_and_the_grade_is_unchanged(offline_grader, chunk_size):
    plain_model = FakeChatPort().enqueue(ESCAPED_REPLY)
    plain = port_grader(plain_model, offline_grader).grade(l2_question(), ANSWER)

    model = FakeChatPort().enqueue(Scripted(ESCAPED_REPLY, chunk_size=chunk_size))
    grader = port_grader(model, offline_grader)
    shown: list[str] = []
    streamed = grader.grade(l2_question(), ANSWER, on_text=shown.append)

    assert plain_model.modes == ["complete"] and model.modes == ["stream"]
    feedback = json.loads(ESCAPED_REPLY)["feedback"]
    assert len(shown) > 3 and shown[-1] == feedback
    assert all(feedback.startswith(s) for s in shown)
    assert all(len(a) < len(b) for a, b in itertools.pairwise(shown))
    assert streamed == plain and not streamed.fallback
    assert grader.primary.last_usage["output_tokens"] == model.usage[0].output_tokens > 0


def test_streamed_invalid_reply_is_re_asked_and_the_text_starts_again(offline_grader):
    bad = json.dumps({"feedback": "First try.", "key_points": []})
    model = FakeChatPort().enqueue(bad, GOOD_REPLY)
    shown: list[str] = []
    grade = port_grader(model, offline_grader).grade(l2_question(), ANSWER, on_text=shown.append)

    assert model.modes == ["stream", "stream"]
    assert "First try." in shown and shown[-1] == json.loads(GOOD_REPLY)["feedback"]
    assert grade.score == 2.5 and not grade.fallback
    assert (
        grade.confidence
        < port_grader(FakeChatPort().enqueue(GOOD_REPLY), offline_grader)
        .grade(l2_question(), ANSWER)
        .confidence
    )  # the re-ask still costs confidence


# -- through the adapter, over a scripted LangChain model --------------------------------------


def test_slow_stream_hits_the_deadline_and_stops_calling_the_hook(offline_grader):
    slow = FakeReply(GOOD_REPLY, chunk_size=4, chunk_delay=0.02)  # about 2 s in all
    model = FakeChatModel().enqueue(slow)
    shown: list[str] = []
    started = time.monotonic()
    grade = langchain_grader(model, offline_grader, timeout=0.4).grade(
        l2_question(), ANSWER, on_text=shown.append
    )
    assert time.monotonic() - started < 1.5
    assert grade.fallback and grade.fallback_reason == "LLM timed out after 0.4 s; graded offline"
    calls = len(shown)
    time.sleep(0.3)
    assert len(shown) == calls  # the abandoned stream no longer reaches the page


def test_a_failing_hook_does_not_cost_the_grade(offline_grader, caplog):
    def broken(text: str) -> None:
        raise RuntimeError("page gone")

    model = FakeChatModel().enqueue(GOOD_REPLY)
    grader = langchain_grader(model, offline_grader)
    grade = grader.grade(l2_question(), ANSWER, on_text=broken)
    assert grade.score == 2.5 and not grade.fallback
    assert "streamed-text hook failed (RuntimeError)" in caplog.text


def test_stream_errors_are_retried_like_calls(offline_grader):
    class Overloaded(Exception):
        status_code = 503

    model = FakeChatModel().enqueue(
        FakeReply(error=Overloaded()), FakeReply(GOOD_REPLY, chunk_size=5)
    )
    shown: list[str] = []
    grader = langchain_grader(model, offline_grader)
    grade = grader.grade(l2_question(), ANSWER, on_text=shown.append)
    assert model.modes == ["stream", "stream"] and grade.score == 2.5 and shown


# -- the engine --------------------------------------------------------------------------------

BAGGING = dict(categories=["Core ML"], difficulty=DifficultySetting.medium, questions=1, seed=1)
BAGGING_ANSWER = "Bagging trains learners independently on bootstrap samples and averages them."


def bagging_reply(n: int) -> str:
    return json.dumps(
        {
            "feedback": "Clear on bagging; the rest is missing.",
            "key_points": [
                {
                    "key_point": i,
                    "verdict": "covered" if i == 1 else "missed",
                    "evidence": BAGGING_ANSWER[:40] if i == 1 else None,
                }
                for i in range(1, n + 1)
            ],
            "interviewer": {"acknowledgement": "Thanks, noted."},
        }
    )


def lazy_llm_engine(tmp_path, chat: FakeChatPort):
    grader = port_grader(chat, KeywordGrader(), timeout=5)
    store = SessionStore(tmp_path / "sessions.sqlite3")
    engine = InterviewEngine(
        source=sample_source(),
        grader=LazyGrader(lambda: grader, "gpt-test"),
        store=store,
        phraser=LLMPhraser(),
    )
    return engine, store


def test_engine_streams_through_the_lazy_grader_and_stores_before_returning(tmp_path):
    chat = FakeChatPort("gpt-test")
    engine, store = lazy_llm_engine(tmp_path, chat)
    session = engine.start(SessionConfig(follow_ups=0, **BAGGING))
    assert streams_feedback(session.state)
    n = len(session.state.current.criteria)
    chat.enqueue(Scripted(bagging_reply(n), chunk_size=6))
    stored_while_streaming: list[int] = []

    def on_text(text: str) -> None:
        stored_while_streaming.append(len(store.turns(session.id)))

    result = session.submit(BAGGING_ANSWER, on_text=on_text)

    assert chat.modes == ["stream"] and stored_while_streaming
    assert set(stored_while_streaming) == {0}  # nothing stored while the reply is written
    (turn,) = store.turns(session.id)
    stored = json.loads(turn.grade_json)
    assert stored["feedback"] == "Clear on bagging; the rest is missing."
    assert result.grade is not None and result.grade.grader == "gpt-test"
    assert result.grade.score == turn.score


@pytest.mark.parametrize(
    "config",
    [
        SessionConfig(follow_ups=1, **BAGGING),  # the feedback would give the follow-up away
        SessionConfig(follow_ups=0, mode=Mode.interview, **BAGGING),  # feedback waits for the end
    ],
)
def test_engine_does_not_stream_feedback_the_candidate_must_not_see_yet(tmp_path, config):
    chat = FakeChatPort("gpt-test")
    engine, _ = lazy_llm_engine(tmp_path, chat)
    session = engine.start(config)
    assert not streams_feedback(session.state)
    chat.enqueue(bagging_reply(len(session.state.current.criteria)))
    shown: list[str] = []
    result = session.submit(BAGGING_ANSWER, on_text=shown.append)
    assert chat.modes == ["complete"] and shown == [] and result.grade is not None


def test_offline_grader_ignores_the_hook(tmp_path):
    engine = InterviewEngine(
        source=sample_source(),
        grader=LazyGrader(KeywordGrader, "offline"),
        store=SessionStore(tmp_path / "sessions.sqlite3"),
    )
    session = engine.start(SessionConfig(follow_ups=0, **BAGGING))
    shown: list[str] = []
    result = session.submit(BAGGING_ANSWER, on_text=shown.append)
    assert shown == [] and result.grade is not None and result.saved


# -- the real client on loopback ---------------------------------------------------------------


def test_streamed_grade_over_the_wire(fake_openai_server, llm_settings, offline_grader):
    fake_openai_server.enqueue(GOOD_REPLY, GOOD_REPLY)
    plain = wire_grader(llm_settings, offline_grader).grade(l2_question(), ANSWER)
    grader = wire_grader(llm_settings, offline_grader)
    shown: list[str] = []
    streamed = grader.grade(l2_question(), ANSWER, on_text=shown.append)

    first, second = fake_openai_server.chat_requests
    assert first.body is not None and not first.body.get("stream")
    assert second.body is not None and second.body["stream"] is True
    feedback = json.loads(GOOD_REPLY)["feedback"]
    assert len(shown) > 3 and shown[-1] == feedback
    assert all(feedback.startswith(s) for s in shown)
    assert streamed == plain and not streamed.fallback
    usage = grader.primary.last_usage
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0


# -- the web UI --------------------------------------------------------------------------------


@pytest.mark.slow
def test_ui_llm_turn_streams_and_completes(tiny_bank, fake_openai_server, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_LLM_MAX_RETRIES", "0")
    at = new_app()
    at.selectbox(key="llm_provider").set_value("openai-compatible").run()
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(fake_openai_server.base_url)
    at.text_input(key="llm_api_key").input("sk-test-not-a-real-key-7")
    at = start(at, questions=1, follow_ups=0)
    criteria = live_session(at).state.current.criteria
    feedback = 'All three points are there, stated "plainly".\nWell done.'
    fake_openai_server.enqueue(
        json.dumps(
            {
                "feedback": feedback,
                "key_points": [
                    {"key_point": i, "verdict": "covered", "evidence": c}
                    for i, c in enumerate(criteria, 1)
                ],
                "interviewer": {"acknowledgement": "Thanks."},
            }
        )
    )
    at.chat_input[0].set_value(good_answer(at)).run()
    no_errors(at)

    # The grading call, then (the session is over) the short wrap-up-line call, which the web
    # UI now makes too.
    request, *rest = fake_openai_server.chat_requests
    assert len(rest) <= 1
    assert request.body is not None and request.body["stream"] is True
    grade = live_session(at).state.records[0].grade
    assert not grade.fallback and grade.grader == "fake-model" and grade.score == 5.0
    assert grade.feedback == feedback
    shown = "\n".join(m.value for m in at.markdown)
    assert "All three points are there" in shown  # the grade card, drawn after the stream
    assert live_session(at).state.done
    assert [t.role for t in at.session_state["interview_transcript"]][-2:] == ["user", "assistant"]


class _Placeholder:
    """Stands in for `st.empty()`: records what is drawn; can fail like a rerun request."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.drawn: list[str] = []
        self.fail_at = fail_at

    def markdown(self, text: str) -> None:
        if self.fail_at is not None and len(self.drawn) == self.fail_at:
            raise KeyboardInterrupt("rerun requested")  # a BaseException, like Streamlit's
        self.drawn.append(text)


class _StreamingSession:
    """A session whose grader writes three partial texts, slowly, then returns a result."""

    def __init__(self) -> None:
        self.finished = False

    def submit(self, text: str, on_text=None):
        for partial in ("A", "A b", "A b c"):
            on_text(partial)
            time.sleep(0.02)
        self.finished = True
        return "result"


def test_ui_draws_streamed_text_from_the_script_thread():
    from ui.session import DRAFT_LABEL, submit_streaming

    placeholder, held = _Placeholder(), []
    result = submit_streaming(_StreamingSession(), "answer", placeholder, held)
    assert result == "result" and held == []
    assert placeholder.drawn and placeholder.drawn[-1].endswith("A b c")
    assert placeholder.drawn == sorted(placeholder.drawn, key=len)
    # Unchecked text is labelled as such: the card that replaces it says what was credited.
    assert all(d.startswith(DRAFT_LABEL) for d in placeholder.drawn)


def test_streamed_draft_feedback_is_escaped():
    from ui.session import draft_markdown

    drawn = draft_markdown("Excellent! <img src=x onerror=alert(1)> **5/5**")
    assert "\\<img" in drawn and "<img" not in drawn.replace("\\<img", "")
    assert "\\*\\*5/5\\*\\*" in drawn


def test_ui_rerun_mid_stream_waits_for_the_saved_turn():
    from ui.session import submit_streaming

    session, placeholder, held = _StreamingSession(), _Placeholder(fail_at=0), []
    result = submit_streaming(session, "answer", placeholder, held)
    # The interruption is held back until the engine has finished, so the turn can be recorded.
    assert result == "result" and session.finished
    assert len(held) == 1 and isinstance(held[0], KeyboardInterrupt)
