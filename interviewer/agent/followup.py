"""When to follow up, on what, and how a follow-up's answer folds into the question's score.

Pure functions over `Grade`s; no I/O.

Folding rule (documented in the report too): every criterion of a question weighs 5/n points.
A follow-up is graded against its one targeted key point only. If it earns more credit on that
point than the first answer did, the candidate recovers HALF of the difference:

    recovered = 0.5 × max(0, credit_follow_up − credit_first) × 5/n

so a fully covered follow-up on a missed point wins back half that point's share. The question's
score is min(5, first score before hints + Σ recovered) − hint penalties, floored at 0, one decimal.
Getting there only after a prompt is worth less than saying it unprompted, but it is worth
something.
"""

from __future__ import annotations

from collections.abc import Sequence

from interviewer.agent.wording import same_point
from interviewer.models import VERDICT_CREDIT, Grade, Verdict

# Guards whose answer is not worth probing: the candidate did not engage with the question.
NO_FOLLOW_UP_FLAGS = frozenset({"empty", "idk", "off_topic", "gibberish", "injection", "restated"})
RECOVERY = 0.5
MIN_ENGAGED_SCORE = 1.0
# A hint costs half the share of the key point it points at.
HINT_COST_SHARE = 0.5
MISSING = (Verdict.missed, Verdict.contradicted, Verdict.partly)


def point_weight(n_criteria: int) -> float:
    return 5.0 / max(1, n_criteria)


def hint_cost(n_criteria: int) -> float:
    return round(HINT_COST_SHARE * point_weight(n_criteria), 2)


def credit_for(grade: Grade, key_point: str) -> float:
    """Credit `grade` gives `key_point` (0 when it has no verdict on it)."""
    for v in grade.verdicts:
        if same_point(v.key_point, key_point):
            return VERDICT_CREDIT[v.verdict]
    return 0.0


def missed_in_order(grade: Grade, criteria: Sequence[str]) -> list[str]:
    """The criteria the grade marks contradicted, missed or partly, in the order to drill them.

    A contradicted point comes first: a wrong belief matters more than a gap. Then missed and
    partly covered points, most important first: key points are authored most important
    first, so criteria order is importance order.
    """
    wrong = [v.key_point for v in grade.verdicts if v.verdict is Verdict.contradicted]
    missing = [v.key_point for v in grade.verdicts if v.verdict in MISSING]
    ordered = [c for c in criteria if any(same_point(c, m) for m in wrong)]
    ordered += [c for c in criteria if any(same_point(c, m) for m in missing) and c not in ordered]
    # A grader may word a verdict's key point differently from the criterion; keep those too.
    extra = [m for m in missing if not any(same_point(m, c) for c in criteria)]
    return ordered + extra


def can_follow_up(grade: Grade) -> bool:
    """A follow-up only makes sense for an answer that engaged with the question.

    Not engaged: a guard fired (empty, "I don't know", off topic, gibberish, injection,
    restated), or the answer earned nothing at all (score below MIN_ENGAGED_SCORE with no key
    point even partly covered), which is an off-topic answer the guards did not catch.
    """
    if set(grade.flags) & NO_FOLLOW_UP_FLAGS:
        return False
    earned = any(v.verdict in (Verdict.covered, Verdict.partly) for v in grade.verdicts)
    return earned or grade.score >= MIN_ENGAGED_SCORE


def choose_target(
    grade: Grade,
    criteria: Sequence[str],
    *,
    already_targeted: Sequence[str],
    budget_left: int,
    proposed: str | None = None,
) -> str | None:
    """The key point to follow up on, or None to move on.

    Follow up only when points were missed, the budget is not spent and the answer was on
    topic. The target is the most important missed point not yet asked about, unless `proposed`
    (an LLM's suggestion) names another missed, not yet targeted point.
    """
    if budget_left <= 0 or not can_follow_up(grade):
        return None
    candidates = [
        p
        for p in missed_in_order(grade, criteria)
        if not any(same_point(p, t) for t in already_targeted)
    ]
    if not candidates:
        return None
    if proposed:
        for p in candidates:
            if same_point(p, proposed):
                return p
    return candidates[0]


def resolve_proposed_point(proposed: str | None, criteria: Sequence[str]) -> str | None:
    """Map an LLM's `follow_up_key_point` (text, or a 0/1-based index) to a criterion."""
    if not proposed:
        return None
    text = proposed.strip()
    if text.isdigit():
        i = int(text)
        # The grading prompt numbers key points from 1; accept 0 as the first as well.
        index = i - 1 if i >= 1 else 0
        return criteria[index] if index < len(criteria) else None
    for c in criteria:
        if same_point(c, text):
            return c
    return None


def recovered_points(first: Grade, follow_up: Grade, key_point: str, n_criteria: int) -> float:
    """Points a follow-up answer wins back for `key_point` (see the module docstring)."""
    before = credit_for(first, key_point)
    after = credit_for(follow_up, key_point)
    if not follow_up.verdicts:
        # A grader that gave no verdict (e.g. a guard fired) earned nothing on the point.
        after = 0.0
    return RECOVERY * max(0.0, after - before) * point_weight(n_criteria)


def fold_score(first_raw: float, recovered: Sequence[float], hint_penalty: float) -> float:
    """The question's score from its first answer, follow-up recoveries and hint penalties."""
    total = min(5.0, first_raw + sum(recovered)) - hint_penalty
    return round(max(0.0, total), 1)
