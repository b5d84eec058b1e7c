"""The pure per-key-point logic around the entailment model (interviewer/grading/judge.py)."""

from __future__ import annotations

import numpy as np

from interviewer.grading.judge import (
    CANDIDATES,
    PAIR_BUDGET,
    PAIR_WORDS,
    SIMILARITY_FLOOR,
    PointJudgement,
    Thresholds,
    candidates,
    drop_restated_contradictions,
    judge,
    merge_stages,
    open_points,
    pairs_for,
    restates,
    windows,
)
from interviewer.models import Verdict

TH = Thresholds(covered=0.5, partly=0.25, contradicted=0.5)
POINT = "Q-learning is value-based: it learns Q(s,a) and acts greedily."


def test_windows_are_sentences_then_short_neighbouring_pairs():
    long = " ".join(["word"] * PAIR_WORDS)
    spans = windows(["It trains in parallel.", "That cuts variance.", long])
    texts = [w.text for w in spans]
    assert texts == [
        "It trains in parallel.",
        "That cuts variance.",
        long,
        "It trains in parallel. That cuts variance.",
    ]


def test_candidates_are_the_closest_windows_per_point():
    similarity = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.7]])
    assert candidates(similarity, k=2) == [[1, 2], [0, 2]]


def test_one_point_is_read_against_more_windows_than_each_of_many():
    rng = np.random.default_rng(0)
    similarity = rng.random((10, 1))
    (only,) = candidates(similarity)
    assert len(only) == PAIR_BUDGET
    assert only == np.argsort(-similarity[:, 0]).tolist()[:PAIR_BUDGET]
    many = candidates(rng.random((10, 5)))
    assert all(len(picks) == CANDIDATES for picks in many)


def test_only_points_the_closest_window_left_open_are_read_again():
    chosen = [[0, 1], [2, 3], [4, 5, 6]]
    first = [
        PointJudgement(0.9, 0.0, 0, 0, 0.8),  # covered by its closest window: done
        PointJudgement(0.3, 0.0, 2, 2, 0.7),  # partly: its other windows may state it
        PointJudgement(0.1, 0.9, 4, 4, 0.6),  # contradicted: another window may state it
    ]
    assert open_points(chosen, first, TH) == [[], [3], [5, 6]]


def test_two_stages_merge_into_the_order_judge_reads():
    first, rest = [[0], [2], [4]], [[], [3], [5, 6]]
    p_first = np.array([[0.9, 0, 0.1], [0.3, 0, 0.7], [0.1, 0.9, 0]])
    p_rest = np.array([[0.8, 0, 0.2], [0.2, 0, 0.8], [0.95, 0, 0.05]])
    chosen, p = merge_stages(first, p_first, rest, p_rest)
    assert chosen == [[0], [2, 3], [4, 5, 6]]
    assert p[:, 0].tolist() == [0.9, 0.3, 0.8, 0.1, 0.2, 0.95]
    similarity = np.full((7, 3), 0.6)
    points = judge(chosen, p, similarity)
    assert [j.verdict(TH) for j in points] == [Verdict.covered] * 3
    assert points[2].entail_window == 6  # the third window states what the first contradicted


def test_a_window_about_something_else_earns_no_credit_but_may_still_contradict():
    below = SIMILARITY_FLOOR - 0.05
    similarity = np.array([[0.6], [below]])
    probabilities = np.array([[0.1, 0.1, 0.8], [0.95, 0.9, 0.0]])
    (point,) = judge([[0, 1]], probabilities, similarity)
    assert point.entail == 0.1 and point.entail_window == 0  # the far window's 0.95 is void
    assert (point.contradict, point.contradict_window) == (0.9, 1)
    (credited,) = judge([[0, 1]], probabilities, np.array([[0.6], [SIMILARITY_FLOOR]]))
    assert (credited.entail, credited.entail_window) == (0.95, 1)


def test_judge_takes_the_best_entailing_and_the_most_contradicting_window():
    chosen = [[1, 2], [0]]
    probabilities = np.array([[0.2, 0.7, 0.1], [0.6, 0.1, 0.3], [0.9, 0.05, 0.05]])
    similarity = np.array([[0.3, 0.9], [0.8, 0.2], [0.5, 0.7]])
    first, second = judge(chosen, probabilities, similarity)
    assert (first.entail, first.entail_window) == (0.6, 2)
    assert (first.contradict, first.contradict_window) == (0.7, 1)
    assert second.entail == 0.9 and second.similarity == 0.9


def test_a_point_stated_somewhere_is_not_contradicted_by_a_muddled_sentence():
    assert PointJudgement(0.6, 0.9, 0, 1, 0.8).verdict(TH) is Verdict.covered
    assert PointJudgement(0.1, 0.9, 0, 1, 0.8).verdict(TH) is Verdict.contradicted
    assert PointJudgement(0.3, 0.2, 0, 1, 0.8).verdict(TH) is Verdict.partly
    assert PointJudgement(0.1, 0.2, 0, 1, 0.8).verdict(TH) is Verdict.missed


def test_a_window_that_only_restates_the_point_cannot_contradict_it():
    assert restates(POINT, "Q-learning is a value-based method.")
    # A word the point lacks, an added negation, or an opposite: it may contradict.
    assert not restates(POINT, "Q-learning is policy-based.")
    assert not restates(POINT, "Q-learning is not value-based.")
    assert not restates("Bagging mainly reduces variance.", "Bagging mainly reduces bias.")
    # Directions said another way are the same claim; the opposite direction is not.
    bagging = "Bagging averages learners fit on bootstrap samples, which mainly reduces variance."
    assert restates(
        bagging, "Bagging averages learners fit on bootstrap samples, so variance goes down."
    )
    assert restates(bagging, "Bagging lowers the variance.")
    assert not restates(bagging, "Bagging averages learners, so the variance goes up.")
    assert not restates(bagging, "Bagging increases the variance.")
    pairs = [(POINT, "Q-learning is a value-based method."), (POINT, "Q-learning is policy-based.")]
    probabilities = np.array([[0.1, 0.85, 0.05], [0.1, 0.85, 0.05]])
    kept = drop_restated_contradictions(pairs, probabilities)
    assert kept[0].tolist() == [0.1, 0.0, 0.05] and kept[1].tolist() == [0.1, 0.85, 0.05]
    assert probabilities[0, 1] == 0.85  # the input is not changed


def test_pairs_follow_the_order_judge_reads():
    spans = windows(["A.", "B."])
    assert pairs_for(["p", "q"], spans, [[1], [0, 2]]) == [("p", "B."), ("q", "A."), ("q", "A. B.")]


def test_a_contradiction_among_several_points_must_be_surer():
    th = Thresholds(covered=0.5, partly=0.25, contradicted=0.5, contradicted_multi=0.75)
    muddled = PointJudgement(
        entail=0.1, contradict=0.6, entail_window=0, contradict_window=0, similarity=0.5
    )
    sure = PointJudgement(
        entail=0.1, contradict=0.8, entail_window=0, contradict_window=0, similarity=0.5
    )
    assert muddled.verdict(th.for_points(1)) is Verdict.contradicted
    assert muddled.verdict(th.for_points(3)) is Verdict.missed
    assert sure.verdict(th.for_points(3)) is Verdict.contradicted
    # Without a separate cut-off every question uses the one.
    assert TH.for_points(3) == TH
