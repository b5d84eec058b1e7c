"""The report: scores per question and category, strengths, weakest areas, trends, renderers."""

from __future__ import annotations

import json

import pytest

from interviewer.agent.config import Mode, SessionConfig
from interviewer.agent.engine import InterviewEngine
from interviewer.agent.report import render_json, render_markdown
from interviewer.store import SessionStore
from tests.agent_fakes import KeywordGrader, answer_for, sample_source


@pytest.fixture
def engine(tmp_path):
    return InterviewEngine(
        source=sample_source(),
        grader=KeywordGrader(),
        store=SessionStore(tmp_path / "s.sqlite3"),
    )


def play(engine, answers, **cfg):
    """Run a session; `answers(i, question)` returns what to type for the i-th input."""
    session = engine.start(SessionConfig(**cfg))
    i = 0
    while not session.state.done:
        q = engine.source.get(session.state.current.question_id)
        session.submit(answers(i, q))
        i += 1
    return session


def test_report_contents(engine):
    s = play(
        engine,
        lambda i, q: answer_for(q) if i == 0 else answer_for(q, 1) if i == 1 else "skip",
        questions=3,
        follow_ups=0,
        seed=1,
    )
    rep = s.report()
    assert rep.answered == 3 and rep.total == 3
    scores = [q.score for q in rep.questions]
    assert scores[0] == 5.0 and scores[2] == 0.0
    assert rep.overall == pytest.approx(round(sum(scores) / 3, 1))
    first = rep.questions[0]
    assert first.covered and not first.missed and first.model_answer and first.feedback
    assert rep.questions[2].outcome == "skipped"
    assert rep.graders == ["offline grader"]
    # The weakest area is the skipped question, with bank entries to practise next.
    weakest = rep.weakest[0]
    assert weakest.question_id == rep.questions[2].question_id
    assert weakest.study == rep.questions[2].missed
    assert weakest.related and all(
        link.question_id != weakest.question_id for link in weakest.related
    )
    assert len(rep.weakest) <= 3
    assert any("Explained well" in s for s in rep.strengths)


def test_trend_compares_with_earlier_sessions(engine):
    play(engine, lambda i, q: "skip", questions=3, follow_ups=0, seed=2, categories=["Evaluation"])
    later = play(
        engine,
        lambda i, q: answer_for(q),
        questions=3,
        follow_ups=0,
        seed=3,
        categories=["Evaluation"],
    )
    rep = later.report()
    trend = next(t for t in rep.trends if t.category == "Evaluation")
    assert trend.previous == 0.0 and trend.current == 5.0
    assert trend.direction == "up" and trend.delta == 5.0 and trend.earlier_sessions == 1


def test_unfinished_session_report_says_so(engine):
    session = engine.start(SessionConfig(questions=3, seed=4))
    session.submit("skip")
    rep = session.report()
    assert rep.answered == 1
    assert any("not finished" in n for n in rep.notes)


def test_markdown_and_json_renderers(engine):
    s = play(
        engine,
        lambda i, q: answer_for(q, 1),
        questions=2,
        follow_ups=1,
        seed=5,
        mode=Mode.interview,
    )
    rep = s.report()
    md = render_markdown(rep)
    for heading in (
        "# Interview report",
        "## Scores by category",
        "## Weakest areas",
        "## Questions",
        "## How this was scored",
    ):
        assert heading in md
    assert rep.questions[0].question in md
    assert "Model answer" in md
    assert "## Questions" not in render_markdown(rep, questions=False)
    data = json.loads(render_json(rep))
    assert data["session_id"] == s.id
    assert data["overall"] == rep.overall
    assert {"categories", "questions", "strengths", "weakest", "trends"} <= set(data)
    assert data["questions"][0]["follow_ups"]
