"""Follow-up targeting and the documented folding rule."""

from __future__ import annotations

import pytest

from interviewer.agent import followup
from interviewer.models import Grade, KeyPointVerdict, Verdict

KP = ["first point about alpha beta", "second point about gamma delta", "third point epsilon"]


def g(*verdicts, flags=(), points=KP, score=2.0):
    return Grade(
        score=score,
        verdicts=[
            KeyPointVerdict(key_point=p, verdict=Verdict(v))
            for p, v in zip(points, verdicts, strict=False)
        ],
        flags=list(flags),
    )


def test_choose_target_most_important_missed_first():
    assert (
        followup.choose_target(
            g("covered", "missed", "missed"), KP, already_targeted=[], budget_left=1
        )
        == KP[1]
    )


def test_choose_target_skips_already_targeted_and_respects_budget():
    grade = g("missed", "missed", "covered")
    assert followup.choose_target(grade, KP, already_targeted=[KP[0]], budget_left=2) == KP[1]
    assert followup.choose_target(grade, KP, already_targeted=KP[:2], budget_left=2) is None
    assert followup.choose_target(grade, KP, already_targeted=[], budget_left=0) is None


def test_contradicted_counts_as_missed():
    assert (
        followup.choose_target(
            g("covered", "contradicted", "covered"), KP, already_targeted=[], budget_left=1
        )
        == KP[1]
    )


@pytest.mark.parametrize(
    ("proposed", "expected"),
    [
        ("3", KP[2]),
        ("1", KP[0]),
        ("9", None),
        (KP[1], KP[1]),
        ("nothing alike", None),
        (None, None),
    ],
)
def test_resolve_proposed_point(proposed, expected):
    assert followup.resolve_proposed_point(proposed, KP) == expected


def test_recovered_points_rule():
    first = g("covered", "missed", "partly")
    # Missed -> covered: half of the point's 5/3 share.
    assert followup.recovered_points(
        first, g("covered", points=[KP[1]]), KP[1], 3
    ) == pytest.approx(0.5 * 5 / 3)
    # Partly -> covered: half of the missing half.
    assert followup.recovered_points(
        first, g("covered", points=[KP[2]]), KP[2], 3
    ) == pytest.approx(0.5 * 0.5 * 5 / 3)
    # Missed -> partly.
    assert followup.recovered_points(first, g("partly", points=[KP[1]]), KP[1], 3) == pytest.approx(
        0.5 * 0.5 * 5 / 3
    )
    # Nothing gained never costs anything.
    assert followup.recovered_points(first, g("missed", points=[KP[1]]), KP[1], 3) == 0.0


def test_fold_score_caps_and_floors():
    assert followup.fold_score(4.8, [0.8], 0.0) == 5.0
    assert followup.fold_score(0.2, [], 1.0) == 0.0
    assert followup.fold_score(2.0, [0.83, 0.42], 0.5) == 2.8


def test_hint_cost_is_half_a_point_share():
    assert followup.hint_cost(4) == 0.62 or followup.hint_cost(4) == 0.63
    assert followup.hint_cost(2) == 1.25
