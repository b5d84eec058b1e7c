"""The web UI driven headless with Streamlit's AppTest, against a real bank and session store.

A tiny Q&A bank is ingested into the test's own data folder (the real embedding model, so
those tests are `slow`); answers go through `chat_input` and the command buttons, and every
test checks `at.exception` is empty. The pure helpers of `ui.state` are tested directly first.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from interviewer.agent.config import SessionConfig
from interviewer.agent.phrasing import Message, MessageKind
from interviewer.agent.state import Outcome, QuestionRecord, SessionState
from interviewer.models import Difficulty, Grade, KeyPointVerdict, Verdict
from interviewer.settings import get_settings
from ui.state import (
    LLMChoice,
    checklist,
    escape_markdown,
    grader_badge,
    last_fallback,
    session_from_params,
    transcript_from_turns,
    user_label,
)

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
TIMEOUT = 180  # the first grade may load the embedding model

TINY_BANK = """---
category: Deep Learning
---

## Q1: Explain dropout and how it prevents overfitting.

*difficulty: medium*

**Answer**:

Dropout randomly zeroes a fraction of activations during training, so units cannot co-adapt.
At inference every unit is kept and activations are scaled to match the training expectation.

**Key points**:
- Dropout randomly zeroes activations during training with probability p.
- It prevents co-adaptation of units, acting as a regulariser.
- All units are used at inference, with scaling to keep expectations equal.

---

## Q2: What is batch normalization and why does it help?

*difficulty: medium*

**Answer**:

It normalises each feature over the mini-batch, then applies a learned scale and shift.
At inference it uses running averages of the batch statistics collected during training.

**Key points**:
- It normalises activations using the mini-batch mean and variance.
- It learns a scale and shift per feature after normalising.
- At inference it uses running statistics instead of batch statistics.

---

## Q3: What is the vanishing gradient problem?

*difficulty: medium*

**Answer**:

Gradients shrink as they are multiplied back through many layers, so early layers learn slowly.

**Key points**:
- Gradients shrink exponentially when multiplied back through many layers.
- Saturating activations such as sigmoid make it worse, and ReLU helps.
- Residual connections and careful initialisation keep gradients flowing.
"""

BAD_BANK = "## Q1: What is X?\n\nSome text without an answer marker.\n"


# -- pure helpers ------------------------------------------------------------------------------


def _record(i: int, **kw) -> QuestionRecord:
    return QuestionRecord(
        question_id=f"q{i}",
        text=f"Question {i}?",
        category="Deep Learning",
        difficulty=Difficulty.medium,
        criteria=["point a", "point b"],
        asked_at=float(i),
        **kw,
    )


def _state(*records: QuestionRecord, phase: str = "asking") -> SessionState:
    return SessionState(config=SessionConfig(), total=3, phase=phase, records=list(records))


def _grade(*verdicts: Verdict, fallback: bool = False) -> Grade:
    return Grade(
        score=2.5,
        verdicts=[
            KeyPointVerdict(key_point=p, verdict=v)
            for p, v in zip(["point a", "point b"], verdicts, strict=False)
        ],
        fallback=fallback,
        fallback_reason="LLM connection failed" if fallback else None,
    )


def test_the_turn_result_names_the_question_whose_card_follows(tmp_path):
    from interviewer.agent import InterviewEngine, SessionStore
    from tests.agent_fakes import KeywordGrader, answer_for, sample_questions, sample_source

    engine = InterviewEngine(
        source=sample_source(), grader=KeywordGrader(), store=SessionStore(tmp_path / "s.db")
    )
    session = engine.start(SessionConfig(questions=2, follow_ups=1, seed=3, categories=["Core ML"]))
    assert session.opening.closed_index is None
    question = {q.id: q for q in sample_questions()}[session.state.current.question_id]
    partial = session.submit(answer_for(question, 1))
    assert partial.closed_index is None and partial.follow_up  # a follow-up, no card yet
    closed = session.submit("I don't know")
    assert closed.closed_index == 0 and closed.follow_up is None


def test_checklist_symbols_and_follow_up_recovery():
    from interviewer.agent.state import FollowUpRecord

    first = _grade(Verdict.partly, Verdict.contradicted)
    rec = _record(0, grade=first, outcome=Outcome.answered)
    items = checklist(rec)
    assert [(i.symbol, i.point) for i in items] == [("~", "point a"), ("⚠", "point b")]
    follow = FollowUpRecord(
        key_point="point a",
        text="Tell me more about a?",
        asked_at=1.0,
        grade=Grade(
            score=5, verdicts=[KeyPointVerdict(key_point="point a", verdict=Verdict.covered)]
        ),
        recovered=0.4,
    )
    items = checklist(rec.model_copy(update={"follow_ups": [follow]}))
    assert items[0].symbol == "✓" and items[0].after_follow_up
    skipped = checklist(_record(0, outcome=Outcome.skipped, score=0.0))
    assert [i.symbol for i in skipped] == ["✗", "✗"]


def test_transcript_from_turns_puts_cards_after_the_closing_turn():
    from interviewer.store import TurnRow

    rec0 = _record(0, grade=_grade(Verdict.covered), outcome=Outcome.answered, score=2.5)
    state = _state(rec0, _record(1))
    reply = '[{"kind": "acknowledgement", "text": "Thanks."}]'
    turns = [
        TurnRow(kind="hint", question_index=0, reply_json=reply),
        TurnRow(kind="answer", question_index=0, answer="my answer", reply_json=reply),
    ]
    chat = transcript_from_turns(state, turns)
    assert [t.role for t in chat] == ["assistant", "user", "assistant", "user", "assistant"]
    assert chat[0].messages[0].kind is MessageKind.question
    assert chat[1].command == "hint" and chat[2].closed is None
    assert chat[3].text == "my answer" and chat[4].closed == 0
    assert chat[4].messages == [Message(kind=MessageKind.acknowledgement, text="Thanks.")]


def test_small_helpers():
    assert session_from_params({"session": "abc123"}) == "abc123"
    assert session_from_params({"session": ["x", "def456"]}) == "def456"
    assert session_from_params({"session": "../etc/passwd"}) is None
    assert session_from_params({}) is None
    assert grader_badge("offline") == "offline grader"
    assert grader_badge("gpt-4o-mini") == "LLM · gpt-4o-mini"
    assert user_label("", "skip") != "" and user_label("an answer", None) == "an answer"
    assert escape_markdown("![x](http://a) *b* $c$") == r"\!\[x\]\(http://a\) \*b\* \$c\$"
    fell = _record(0, grade=_grade(Verdict.covered, fallback=True), outcome=Outcome.answered)
    assert last_fallback(_state(fell)) is not None
    assert last_fallback(_state(_record(0, grade=_grade(Verdict.covered)))) is None


def test_llm_choice_keeps_the_key_secret():
    choice = LLMChoice("openai", "gpt-4o-mini", "", SecretStr("sk-test-1234567890"))
    assert "sk-test" not in repr(choice) and "sk-test" not in str(choice)
    overrides = choice.overrides()
    assert overrides["llm_api_key"].get_secret_value() == "sk-test-1234567890"
    assert "llm_base_url" not in overrides  # blank: the environment's value stays
    assert LLMChoice().grader_kind == "offline" and choice.grader_kind == "llm"


# -- the app -----------------------------------------------------------------------------------


@pytest.fixture
def tiny_bank(data_dir, tmp_path):
    """The three-question bank above, ingested into this test's data folder."""
    from ingest.pipeline import ingest
    from interviewer.bank import ChromaBank

    path = tmp_path / "tiny_bank.md"
    path.write_text(TINY_BANK)
    bank = ChromaBank(get_settings())
    report = ingest(bank, [path])
    assert not report.failed and bank.count() == 3
    return bank


def new_app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def live_session(at: AppTest):
    return at.session_state["interview_session"]


def good_answer(at: AppTest) -> str:
    """An answer that states every key point the current prompt asks about."""
    state = live_session(at).state
    fu = state.pending_follow_up
    if fu is not None:
        return fu.key_point
    return " ".join(state.current.criteria)


def start(at: AppTest, *, questions=2, follow_ups=0, mode="practice") -> AppTest:
    at.number_input(key="cfg_questions").set_value(questions)
    at.slider(key="cfg_follow_ups").set_value(follow_ups)
    at.radio(key="cfg_mode").set_value(mode)
    at.button(key="start_main").click().run()
    no_errors(at)
    return at


def texts(block) -> str:
    """All text shown inside a block (a chat message, a container), joined."""
    out = []
    for node in block:
        value = getattr(node, "value", None)
        if isinstance(value, str):
            out.append(value)
        label = getattr(node, "label", None)
        if isinstance(label, str):
            out.append(label)
    return "\n".join(out)


def score_metrics(at: AppTest) -> list[str]:
    return [m.value for m in at.metric if m.label == "Score"]


def stored_turns(session_id: str):
    from interviewer.store import SessionStore

    return SessionStore(get_settings().sessions_db).turns(session_id)


def test_no_gradable_questions_says_how_to_ingest(data_dir):
    at = new_app()
    no_errors(at)
    warning = " ".join(w.value for w in at.warning)
    assert "no gradable questions" in warning and "make run" in warning
    assert at.button(key="start_sidebar").disabled


LAZY_CHECK = f"""
import sys
sys.path.insert(0, {str(Path(APP).parent.parent)!r})
import ui.resources
ui.resources.start_warm_up = lambda: None  # the background warm-up may import them; the page not
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({APP!r}, default_timeout=60).run()
assert not at.exception, at.exception
heavy = ("torch", "sentence_transformers", "transformers", "langchain_openai", "openai")
print(",".join(m for m in heavy if m in sys.modules))
"""


def test_first_paint_imports_no_model_libraries(data_dir):
    """Drawing the page imports neither torch nor sentence-transformers nor an LLM SDK."""
    env = {**os.environ, "INTERVIEWER_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1:] in ([], [""]), done.stdout


def test_bad_upload_shows_file_and_line_and_stores_nothing(data_dir):
    at = new_app()
    at.switch_page("views/bank.py").run()
    no_errors(at)
    at.file_uploader(key="bank_upload").upload("bad_bank.md", BAD_BANK.encode(), "text/markdown")
    at.run()  # the preview reads the file; nothing is stored
    no_errors(at)
    errors = shown(" ".join(e.value for e in at.error))
    assert "bad_bank.md:3: expected" in errors and "**Answer**" in errors, errors
    assert "Nothing from this file will be stored" in errors
    assert not any(b.key == "bank_store" for b in at.button)  # nothing to store
    assert not (data_dir / "uploads" / "bad_bank.md").exists()
    from interviewer.bank import ChromaBank

    assert ChromaBank(get_settings()).count() == 0


def shown(markdown: str) -> str:
    """What the reader sees of escaped markdown (bank text is escaped before display)."""
    return re.sub(r"\\(.)", r"\1", markdown)


COMMUNITY_BANK = """# Questions

* Legend: 👶 easy ⭐️ medium 🚀 expert

## Regression

**What is linear regression? 👶**

A model that predicts the target as a weighted sum of the features plus an intercept.

**What is [the normal equation](https://x.y)? 🚀**

Answer here
"""


def test_upload_preview_shows_counts_samples_and_skipped_blocks(data_dir):
    at = new_app()
    at.switch_page("views/bank.py").run()
    at.file_uploader(key="bank_upload").upload(
        "community.md", COMMUNITY_BANK.encode(), "text/markdown"
    )
    at.run()
    no_errors(at)
    assert not at.error
    header = shown(" ".join(m.value for m in at.markdown))
    assert "community.md" in header and "2 questions, 1 with a reference, 1 without" in header
    categories, samples, skipped = (d.value for d in at.dataframe[-3:])
    assert list(categories["category"]) == ["Regression"]
    assert list(samples["question"]) == [
        "What is linear regression?",
        "What is the normal equation?",
    ]
    assert list(skipped["line"]) == [3, 13]
    store = next(b for b in at.button if b.key == "bank_store")
    assert store.label == "Store 2 questions from 1 file(s)"
    from interviewer.bank import ChromaBank

    assert ChromaBank(get_settings()).count() == 0  # a preview writes nothing


def test_upload_with_an_unusable_file_name_is_an_error_not_a_traceback(data_dir):
    from ui.uploads import preview_uploads

    long_name = "q" * 300 + ".md"
    previews = preview_uploads(
        [("bad\x00name.md", TINY_BANK.encode()), (long_name, TINY_BANK.encode())]
    )
    errors = [p.error for p in previews]
    assert "expected a file name without NUL bytes" in errors[0] and "\\x00" in errors[0]
    assert "at most 255 bytes, found 303" in errors[1]
    at = new_app()
    at.switch_page("views/bank.py").run()
    at.file_uploader(key="bank_upload").upload(long_name, TINY_BANK.encode(), "text/markdown")
    at.run()
    no_errors(at)
    assert "at most 255 bytes" in shown(" ".join(e.value for e in at.error))


@pytest.mark.slow
def test_good_upload_is_previewed_then_stored_with_progress(data_dir):
    at = new_app()
    at.switch_page("views/bank.py").run()
    at.file_uploader(key="bank_upload").upload("tiny_bank.md", TINY_BANK.encode(), "text/markdown")
    at.run()
    no_errors(at)
    next(b for b in at.button if b.key == "bank_store").click().run()
    no_errors(at)
    assert not at.error
    assert any("Ingested 1 file" in s.value for s in at.success)
    assert (data_dir / "uploads" / "tiny_bank.md").exists()
    assert [m.value for m in at.metric][:2] == ["3", "3"]  # the page shows the new bank
    at.text_input(key="bank_query").input("why do units stop co-adapting").run()
    no_errors(at)
    rows = at.dataframe[0].value
    assert "similarity" in rows.columns and "dropout" in rows.iloc[0]["question"].lower()


@pytest.mark.slow
def test_practice_interview_grade_cards_then_report(tiny_bank):
    at = start(new_app(), questions=2, follow_ups=0)
    assert at.query_params["session"] == live_session(at).id
    assert "Question 1 of 2" in at.subheader[0].value
    first = good_answer(at)
    at.chat_input[0].set_value(first).run()
    no_errors(at)
    user, reply = at.chat_message[-2], at.chat_message[-1]
    assert user.name == "user" and escape_markdown(first)[:40] in texts(user)
    card = texts(reply)
    assert "Key points" in card and "✓" in card and "Model answer" in card
    score = score_metrics(at)
    assert len(score) == 1 and score[0].endswith("/5") and float(score[0][:-2]) >= 3.0, score
    assert "Question 2 of 2" in at.subheader[0].value

    at.chat_input[0].set_value(good_answer(at)).run()
    no_errors(at)
    assert len(score_metrics(at)) == 2
    assert "Finished" in at.subheader[0].value
    assert any(m.label == "Overall" for m in at.metric)
    assert {b.label for b in at.download_button} >= {"Download Markdown", "Download JSON"}
    turns = stored_turns(live_session(at).id)
    assert [t.kind for t in turns] == ["answer", "answer"] and turns[0].answer == first


@pytest.mark.slow
def test_interview_mode_keeps_feedback_for_the_report(tiny_bank):
    at = start(new_app(), questions=2, follow_ups=0, mode="interview")
    at.chat_input[0].set_value(good_answer(at)).run()
    no_errors(at)
    assert score_metrics(at) == []  # no grade card during the interview
    assert not any(m.label == "Overall" for m in at.metric)
    at.chat_input[0].set_value(good_answer(at)).run()
    no_errors(at)
    assert score_metrics(at) == []
    overall = [m.value for m in at.metric if m.label == "Overall"]
    assert overall and overall[0].endswith("/5")
    assert at.expander  # the questions of the report, with their feedback
    assert any("Your report" in h.value for h in at.header)


@pytest.mark.slow
def test_commands_hint_repeat_skip_idk_end_and_empty_answer(tiny_bank):
    at = start(new_app(), questions=3, follow_ups=0)
    sid = live_session(at).id
    question = live_session(at).state.current.text

    at.chat_input[0].set_value("   ").run()
    no_errors(at)
    assert any("Empty answer" in w.value for w in at.warning)
    assert stored_turns(sid) == [] and score_metrics(at) == []

    at.button(key="cmd_hint").click().run()
    no_errors(at)
    assert "costs" in texts(at.chat_message[-1])
    at.button(key="cmd_repeat").click().run()
    no_errors(at)
    assert question in texts(at.chat_message[-1])

    at.button(key="cmd_skip").click().run()
    no_errors(at)
    assert "skipped" in texts(at.chat_message[-1]) and score_metrics(at) == ["0.0/5"]

    at.button(key="cmd_idk").click().run()
    no_errors(at)
    assert "you said you don't know" in texts(at.chat_message[-1])
    assert score_metrics(at) == ["0.0/5", "0.0/5"]

    at.button(key="cmd_end").click().run()
    no_errors(at)
    assert "Finished" in at.subheader[0].value
    assert [t.kind for t in stored_turns(sid)] == ["hint", "skip", "idk", "end"]
    assert at.chat_input[0].disabled


@pytest.mark.slow
def test_refresh_restores_the_session_from_the_store(tiny_bank):
    at = start(new_app(), questions=2, follow_ups=0)
    sid = live_session(at).id
    answer = good_answer(at)
    at.chat_input[0].set_value(answer).run()
    no_errors(at)

    again = new_app(session=sid)  # a new browser session with the same URL
    no_errors(again)
    assert live_session(again).id == sid
    shown = "\n".join(texts(m) for m in again.chat_message)
    assert escape_markdown(answer)[:40] in shown
    assert len(score_metrics(again)) == 1  # the first question's grade card is back
    assert "Question 2 of 2" in again.subheader[0].value
    again.chat_input[0].set_value(good_answer(again)).run()
    no_errors(again)
    assert "Finished" in again.subheader[0].value


@pytest.mark.slow
def test_reopening_a_session_grades_the_answer_saved_before_a_crash(tiny_bank):
    from interviewer.store import PendingAnswer, SessionStore

    at = start(new_app(), questions=2, follow_ups=0)
    session = live_session(at)
    answer = good_answer(at)
    # What a process killed while grading leaves behind: the answer, saved but not graded.
    SessionStore(get_settings().sessions_db).save_pending(
        session.id,
        PendingAnswer(
            kind="answer",
            question_index=0,
            answer=answer,
            answered_at=time.time(),
            version=session.version,
            question_id=session.state.current.question_id,
        ),
    )
    again = new_app(session=session.id)  # the candidate reopens the session
    no_errors(again)
    shown = "\n".join(texts(m) for m in again.chat_message)
    assert "saved before the interruption" in shown
    assert escape_markdown(answer)[:40] in shown
    assert len(score_metrics(again)) == 1  # its grade card
    assert "Question 2 of 2" in again.subheader[0].value
    assert [t.answer for t in stored_turns(session.id)] == [answer]


@pytest.mark.slow
def test_history_and_report_pages(tiny_bank):
    at = start(new_app(), questions=1, follow_ups=0)
    sid = live_session(at).id
    at.chat_input[0].set_value(good_answer(at)).run()
    at.switch_page("views/history.py").run()
    no_errors(at)
    assert any(sid in str(d.value) for d in at.dataframe)
    at.switch_page("views/report.py").run()
    no_errors(at)
    assert at.selectbox(key="report_session").value == sid
    assert any(m.label == "Overall" for m in at.metric)
    assert len(at.get("vega_lite_chart")) == 2  # per category and per question
    assert {b.label for b in at.download_button} >= {"Download Markdown", "Download JSON"}

    fresh = new_app()  # another browser: History opens the session on the interview page
    fresh.switch_page("views/history.py").run()
    assert fresh.get("vega_lite_chart")  # the trend per category
    fresh.button(key="history_resume").click().run()
    no_errors(fresh)
    assert live_session(fresh).id == sid and fresh.query_params["session"] == sid
    assert len(score_metrics(fresh)) == 1


@pytest.mark.slow
def test_two_tabs_on_one_session_reload_instead_of_losing_answers(tiny_bank):
    first = start(new_app(), questions=2, follow_ups=0)
    sid = live_session(first).id
    second = new_app(session=sid)
    first.chat_input[0].set_value(good_answer(first)).run()
    no_errors(first)
    second.chat_input[0].set_value("an answer typed in a stale tab").run()
    no_errors(second)
    assert any("another tab" in e.value for e in second.error)
    assert [t.kind for t in stored_turns(sid)] == ["answer"]  # the stale answer was not stored
    second.button(key="reload").click().run()
    no_errors(second)
    assert live_session(second).version == live_session(first).version
    assert "Question 2 of 2" in second.subheader[0].value


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_llm_down_falls_back_to_offline_and_says_so(tiny_bank, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_LLM_MAX_RETRIES", "0")
    key = "sk-test-not-a-real-key-42"
    at = new_app()
    at.selectbox(key="llm_provider").set_value("openai-compatible").run()
    at.text_input(key="llm_model").input("test-model")
    at.text_input(key="llm_base_url").input(f"http://127.0.0.1:{_closed_port()}/v1")
    at.text_input(key="llm_api_key").input(key)
    at.button(key="llm_test").click().run()
    no_errors(at)
    failure = " ".join(e.value for e in at.error)
    assert "connection refused" in failure or "could not connect" in failure, failure
    assert key not in failure

    at = start(at, questions=1, follow_ups=0)
    assert "LLM · test-model" in "\n".join(m.value for m in at.markdown)
    started = time.perf_counter()
    at.chat_input[0].set_value(good_answer(at)).run()
    no_errors(at)
    assert time.perf_counter() - started < 60
    grade = live_session(at).state.records[0].grade
    assert grade.fallback and grade.grader == "offline"
    shown = "\n".join(m.value for m in at.markdown)
    assert "fallback" in shown
    assert len(score_metrics(at)) == 1
    # The key was typed into the page only: nothing in the data folder holds it.
    for path in Path(get_settings().data_dir).rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_a_bank_that_went_away_shows_one_line_not_a_traceback(data_dir, monkeypatch):
    import httpx

    import ui.resources

    class GoneBank:
        def stats(self):
            raise httpx.ConnectError("[Errno 111] Connection refused")

    monkeypatch.setattr(ui.resources, "bank", lambda settings: GoneBank())
    at = new_app()
    no_errors(at)
    (error,) = at.error
    assert "Cannot reach" in error.value and "INTERVIEWER_CHROMA_HOST/PORT" in error.value
    assert "ConnectError" in error.value and "reload this page" in error.value


def test_reopening_a_session_while_the_bank_is_down_keeps_the_answer_and_says_why(
    data_dir, monkeypatch
):
    import ui.resources
    from interviewer.agent.engine import InterviewEngine
    from interviewer.bank import BankStats
    from interviewer.store import PendingAnswer, SessionStore
    from tests.agent_fakes import KeywordGrader, sample_source

    store = SessionStore(get_settings().sessions_db)
    session = InterviewEngine(source=sample_source(), grader=KeywordGrader(), store=store).start(
        SessionConfig(questions=2, follow_ups=0, seed=1)
    )
    store.save_pending(
        session.id,
        PendingAnswer(kind="answer", question_index=0, answer="saved", answered_at=1.0, version=1),
    )

    class GoneSource:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionRefusedError("[Errno 111] Connection refused")

            return fail

    stats = BankStats(
        questions=9, with_reference=8, categories={"Core ML": 3}, by_origin={}, sources={}
    )
    monkeypatch.setattr(
        ui.resources, "bank", lambda s: type("B", (), {"stats": lambda self: stats})()
    )
    monkeypatch.setattr(
        ui.resources,
        "engine",
        lambda llm=None: InterviewEngine(source=GoneSource(), grader=KeywordGrader(), store=store),
    )
    at = new_app(session=session.id)
    no_errors(at)
    shown = " ".join(e.value for e in at.error)
    assert "Cannot reach" in shown and "every answer is saved" in shown
    assert store.pending(session.id).answer == "saved" and store.turns(session.id) == []


@pytest.mark.slow
def test_try_again_then_redrill_from_the_report(tiny_bank):
    at = start(new_app(), questions=1, follow_ups=0)
    at.chat_input[0].set_value("I think it is something about the data.").run()
    no_errors(at)
    sid = live_session(at).id
    # Practice mode: a graded question can be tried again, stored as a retry.
    at.button(key="cmd_retry").click().run()
    no_errors(at)
    state = live_session(at).state
    assert state.records[-1].retry_of == 0 and not state.done
    at.chat_input[0].set_value(good_answer(at)).run()
    no_errors(at)
    assert [t.kind for t in stored_turns(sid)] == ["answer", "retry", "answer"]
    # The report offers the points the first attempt left open as a new session.
    report = AppTest.from_file(
        str(Path(APP).parent / "views" / "report.py"), default_timeout=TIMEOUT
    )
    report.query_params["session"] = sid
    report.run()
    no_errors(report)
    redrill = report.button(key="report_redrill")
    assert "Re-drill the" in redrill.label
