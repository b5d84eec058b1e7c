"""Question choice: spaced repetition, weak categories, difficulty, focus, no repeats."""

from __future__ import annotations

import pytest

from interviewer.agent.selection import (
    DAY,
    PastGrade,
    Review,
    askable,
    build_schedule,
    category_weakness,
    freshness,
    rank,
    update_review,
)
from interviewer.models import Difficulty
from tests.agent_fakes import sample_questions

NOW = 1_000 * DAY


def test_sm2_intervals_grow_on_success_and_reset_on_failure():
    r = update_review(Review(), 5.0, at=0)
    assert (r.reps, r.interval_days) == (1, 1.0)
    r = update_review(r, 5.0, at=DAY)
    assert (r.reps, r.interval_days) == (2, 6.0)
    r = update_review(r, 4.0, at=7 * DAY)
    assert r.reps == 3
    assert r.interval_days == pytest.approx(6.0 * 2.7)  # previous interval x ease (2.5+0.1+0.1)
    failed = update_review(r, 1.0, at=20 * DAY)
    assert (failed.reps, failed.interval_days) == (0, 1.0)
    assert failed.ease < r.ease
    assert failed.ease >= 1.3


def test_ease_formula_matches_sm2():
    # q=5: +0.1; q=4: +0.0; q=3: -0.14
    assert update_review(Review(), 5, at=0).ease == pytest.approx(2.6)
    assert update_review(Review(), 4, at=0).ease == pytest.approx(2.5)
    assert update_review(Review(), 3, at=0).ease == pytest.approx(2.36)


def test_freshness_unseen_due_and_recent():
    assert freshness(None, NOW) == 1.0
    seen = Review(reps=2, interval_days=6.0, last_seen=NOW - 1 * DAY)
    due = Review(reps=2, interval_days=6.0, last_seen=NOW - 7 * DAY)
    overdue = Review(reps=2, interval_days=6.0, last_seen=NOW - 30 * DAY)
    assert freshness(seen, NOW) < 0.2
    assert 0.75 <= freshness(due, NOW) < freshness(overdue, NOW) <= 1.0


def test_build_schedule_replays_in_time_order():
    hist = [PastGrade("q1", "A", 5.0, 2 * DAY), PastGrade("q1", "A", 1.0, 1 * DAY)]
    r = build_schedule(hist)["q1"]
    assert r.history == [1.0, 5.0]
    assert r.last_seen == 2 * DAY


def test_category_weakness():
    w = category_weakness([PastGrade("a", "A", 1.0, 0), PastGrade("b", "A", 3.0, 0)])
    assert w["A"] == pytest.approx(1 - 2.0 / 5)


def _qs():
    return askable(sample_questions())[0]


def test_askable_drops_ungradable_and_filters():
    ok, ungradable = askable(sample_questions())
    assert [q.text for q in ungradable] == ["What is batch normalisation?"]
    assert all(q.gradable for q in ok)
    ok, _ = askable(sample_questions(), categories=["Evaluation"], difficulty=Difficulty.hard)
    assert [q.text for q in ok] == ["How would you evaluate a model on heavily imbalanced data?"]


def test_rank_never_offers_asked_questions():
    qs = _qs()
    ranked = rank(
        qs,
        asked_ids=[q.id for q in qs[:5]],
        target=Difficulty.medium,
        reviews={},
        weakness={},
        now=NOW,
    )
    assert {c.question.id for c in ranked} == {q.id for q in qs[5:]}


def test_rank_prefers_target_difficulty():
    ranked = rank(_qs(), asked_ids=[], target=Difficulty.hard, reviews={}, weakness={}, now=NOW)
    assert ranked[0].question.difficulty is Difficulty.hard


def test_rank_prefers_unseen_over_recently_seen():
    qs = [q for q in _qs() if q.difficulty is Difficulty.medium]
    recent = {qs[0].id: Review(reps=2, interval_days=6.0, last_seen=NOW - DAY)}
    ranked = rank(
        qs, asked_ids=[], target=Difficulty.medium, reviews=recent, weakness={}, now=NOW, seed=1
    )
    assert ranked[-1].question.id == qs[0].id


def test_rank_prefers_weak_categories():
    qs = [q for q in _qs() if q.difficulty is Difficulty.easy]  # one per category
    weak = {"Evaluation": 1.0, "Core ML": 0.0, "Deep Learning": 0.0}
    ranked = rank(qs, asked_ids=[], target=Difficulty.easy, reviews={}, weakness=weak, now=NOW)
    assert ranked[0].question.category == "Evaluation"


def test_rank_follows_focus_similarity():
    qs = _qs()
    target = next(q for q in qs if "imbalanced" in q.text)
    focus = {q.id: (0.9 if q is target else 0.1) for q in qs}
    ranked = rank(
        qs, asked_ids=[], target=Difficulty.medium, reviews={}, weakness={}, now=NOW, focus=focus
    )
    assert ranked[0].question.id == target.id


def test_rank_spreads_categories_within_a_session():
    qs = [q for q in _qs() if q.difficulty is Difficulty.medium]
    ranked = rank(
        qs,
        asked_ids=[],
        target=Difficulty.medium,
        reviews={},
        weakness={},
        now=NOW,
        session_categories=["Core ML", "Core ML"],
    )
    assert ranked[0].question.category != "Core ML"


def test_rank_is_reproducible_with_a_seed():
    a = rank(
        _qs(), asked_ids=[], target=Difficulty.medium, reviews={}, weakness={}, now=NOW, seed=7
    )
    b = rank(
        _qs(), asked_ids=[], target=Difficulty.medium, reviews={}, weakness={}, now=NOW, seed=7
    )
    assert [c.question.id for c in a] == [c.question.id for c in b]
