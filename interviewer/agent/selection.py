"""Which question to ask next: pure scoring over the bank, the history and this session.

Spaced repetition (SM-2-like, per question, from every past grade of this candidate):

* A score s (0-5) is the recall quality. If s >= 3 the repetition count goes up and the next
  interval is 1 day, then 6 days, then the previous interval × ease; if s < 3 the count resets
  and the interval is 1 day.
* ease starts at 2.5 and becomes max(1.3, ease + 0.1 − (5−s)·(0.08 + (5−s)·0.02)).
* A question is due once `interval` days have passed since it was last answered.

Each candidate question then gets a priority (higher is asked first):

    3.0 × difficulty match   (1 on the target level, 0.4 one level away, 0 two away)
  + 2.0 × freshness          (unseen 1; due 0.75-1 growing with overdue time; not yet due
                              0-0.5 growing with the time since it was seen)
  + 1.0 × category weakness  (1 − mean past score / 5 in its category; 0.5 if never tried)
  + 3.0 × focus similarity   (when --focus is set: cosine to the focus text, scaled 0-1)
  − 0.5 × questions already asked from its category in this session (spreads the session)
  + 0.3 × jitter             (seeded, so sessions vary but are reproducible with a seed)

Questions asked earlier in the session are never candidates.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from interviewer.models import Difficulty, Question

if TYPE_CHECKING:
    from interviewer.agent.state import SessionState

DAY = 86_400.0
START_EASE = 2.5
MIN_EASE = 1.3
PASS_SCORE = 3.0

W_DIFFICULTY = 3.0
W_FRESHNESS = 2.0
W_WEAKNESS = 1.0
W_FOCUS = 3.0
W_SAME_CATEGORY = 0.5
W_JITTER = 0.3

_LEVEL = {Difficulty.easy: 0, Difficulty.medium: 1, Difficulty.hard: 2}


@dataclass(frozen=True)
class PastGrade:
    """One scored question from an earlier session (or earlier in this one)."""

    question_id: str
    category: str
    score: float
    at: float  # unix time


@dataclass
class Review:
    """The spaced-repetition state of one question."""

    reps: int = 0
    interval_days: float = 0.0
    ease: float = START_EASE
    last_seen: float = 0.0
    last_score: float = 0.0
    history: list[float] = field(default_factory=list)


def update_review(review: Review, score: float, at: float) -> Review:
    """Apply one graded answer to a review (SM-2 with the 0-5 score as quality)."""
    q = max(0.0, min(5.0, score))
    if q >= PASS_SCORE:
        reps = review.reps + 1
        if reps == 1:
            interval = 1.0
        elif reps == 2:
            interval = 6.0
        else:
            interval = round(review.interval_days * review.ease, 2)
    else:
        reps, interval = 0, 1.0
    ease = max(MIN_EASE, review.ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    return Review(
        reps=reps,
        interval_days=interval,
        ease=round(ease, 3),
        last_seen=at,
        last_score=q,
        history=[*review.history, q],
    )


def build_schedule(history: Iterable[PastGrade]) -> dict[str, Review]:
    """Replay every past grade in time order into one Review per question."""
    reviews: dict[str, Review] = {}
    for g in sorted(history, key=lambda g: g.at):
        reviews[g.question_id] = update_review(reviews.get(g.question_id, Review()), g.score, g.at)
    return reviews


def freshness(review: Review | None, now: float) -> float:
    """1 for an unseen question; due questions 0.75-1; recently seen ones close to 0."""
    if review is None:
        return 1.0
    elapsed = max(0.0, now - review.last_seen) / DAY
    ratio = elapsed / max(review.interval_days, 1e-6)
    if ratio >= 1.0:
        return 0.75 + 0.25 * min(1.0, ratio - 1.0)
    return 0.5 * ratio


def category_weakness(history: Iterable[PastGrade]) -> dict[str, float]:
    """1 − mean score / 5 per category: 1 is all zeros, 0 is all fives."""
    sums: dict[str, list[float]] = {}
    for g in history:
        sums.setdefault(g.category, []).append(g.score)
    return {c: 1.0 - (sum(s) / len(s)) / 5.0 for c, s in sums.items()}


def difficulty_match(question: Difficulty, target: Difficulty) -> float:
    distance = abs(_LEVEL[question] - _LEVEL[target])
    return {0: 1.0, 1: 0.4}.get(distance, 0.0)


def scale_focus(similarities: Mapping[str, float]) -> dict[str, float]:
    """Cosine similarities rescaled to 0-1 over the candidates (best is 1)."""
    if not similarities:
        return {}
    lo, hi = min(similarities.values()), max(similarities.values())
    span = hi - lo
    return {k: (v - lo) / span if span > 1e-9 else 1.0 for k, v in similarities.items()}


@dataclass(frozen=True)
class Choice:
    question: Question
    priority: float


def rank(
    candidates: Sequence[Question],
    *,
    asked_ids: Iterable[str],
    target: Difficulty,
    reviews: Mapping[str, Review],
    weakness: Mapping[str, float],
    now: float,
    focus: Mapping[str, float] | None = None,
    session_categories: Sequence[str] = (),
    seed: int | None = None,
) -> list[Choice]:
    """Every askable question, highest priority first (see the module docstring)."""
    asked = set(asked_ids)
    rng = random.Random(seed if seed is not None else 0)
    focus_scaled = scale_focus(focus or {})
    per_category: dict[str, int] = {}
    for c in session_categories:
        per_category[c] = per_category.get(c, 0) + 1
    choices = []
    for q in sorted(candidates, key=lambda q: q.id):  # sorted: the jitter draw is reproducible
        jitter = rng.random()
        if q.id in asked:
            continue
        priority = (
            W_DIFFICULTY * difficulty_match(q.difficulty, target)
            + W_FRESHNESS * freshness(reviews.get(q.id), now)
            + W_WEAKNESS * weakness.get(q.category, 0.5)
            + W_FOCUS * focus_scaled.get(q.id, 0.0)
            - W_SAME_CATEGORY * per_category.get(q.category, 0)
            + W_JITTER * jitter
        )
        choices.append(Choice(q, round(priority, 6)))
    choices.sort(key=lambda c: (-c.priority, c.question.id))
    return choices


def askable(
    questions: Iterable[Question],
    *,
    categories: Sequence[str] = (),
    difficulty: Difficulty | None = None,
) -> tuple[list[Question], list[Question]]:
    """Split the bank into questions this session may ask and ungradable ones it must not.

    A question without a usable reference cannot be graded honestly, so it is never asked.
    """
    ok: list[Question] = []
    ungradable: list[Question] = []
    for q in questions:
        if categories and q.category not in categories:
            continue
        if difficulty is not None and q.difficulty != difficulty:
            continue
        (ok if q.gradable else ungradable).append(q)
    return ok, ungradable


@dataclass(frozen=True)
class ChoiceInput:
    """What choosing the next question needs from outside the session, read before a
    transition (never in the middle of one): the questions this session may ask, the
    candidate's grades from other sessions, and the focus similarities."""

    candidates: list[Question]
    past: list[PastGrade]
    focus: dict[str, float] | None = None
    in_order: bool = False  # a re-drill asks its questions in their given order


def choose(state: SessionState, inp: ChoiceInput, *, now: float, seed: int) -> Question | None:
    """The next question for `state`, or None when none is left. Pure."""
    if inp.in_order:
        left = [q for q in inp.candidates if q.id not in state.asked_ids]
        return left[0] if left else None
    # This session's own closed questions count too: weak areas surface within a session.
    past = inp.past + [
        PastGrade(r.question_id, r.category, r.score or 0.0, r.asked_at)
        for r in state.records
        if r.scored
    ]
    ranked = rank(
        inp.candidates,
        asked_ids=state.asked_ids,
        target=state.level,
        reviews=build_schedule(past),
        weakness=category_weakness(past),
        now=now,
        focus=inp.focus,
        session_categories=[r.category for r in state.records],
        seed=seed + len(state.records),
    )
    return ranked[0].question if ranked else None
