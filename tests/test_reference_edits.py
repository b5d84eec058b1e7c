"""Contradictions made from SemEval references: one-word edits contradict, other references entail."""

from __future__ import annotations

from eval.entailment_data import CONTRADICT, ENTAIL
from eval.reference_edits import SOURCE, edit_pairs, negated, swapped


def test_swapped_replaces_the_first_opposite_word_keeping_its_case():
    assert swapped("Positive terminal is more charged.") == "Negative terminal is more charged."
    assert swapped("The bulbs are in series") == "The bulbs are in parallel"
    assert swapped("Terminal 1 is connected to the battery.") is None
    assert swapped("The impossible case") is None  # whole words only: "possible" is no swap


def test_negated_negates_or_unnegates_the_first_verb_once():
    assert negated("The switch is not closed.") == "The switch is closed."
    assert negated("Bulb A is on a closed path.") == "Bulb A is not on a closed path."
    assert negated("It has a gap.") == "It does not have a gap."
    assert negated("Voltage difference.") is None


def test_edit_pairs_contradict_with_edits_and_entail_with_other_references():
    point = "Terminal 1 is connected to the positive terminal."
    other = "Terminal 1 and the positive terminal are connected."
    pairs = edit_pairs(point, [point, other], group="beetle:Q1", question="Why?")
    assert {p.source for p in pairs} == {SOURCE} and {p.group for p in pairs} == {"beetle:Q1"}
    assert all(p.key_point == point and p.question == "Why?" for p in pairs)
    contradictions = {p.fragment for p in pairs if p.label == CONTRADICT}
    assert "Terminal 1 is connected to the negative terminal." in contradictions
    assert "Terminal 1 is not connected to the positive terminal." in contradictions
    assert "Terminal 1 and the negative terminal are connected." in contradictions
    # The point itself is never paired with itself as an entailment; the other reference is.
    assert [p.fragment for p in pairs if p.label == ENTAIL] == [
        "Terminal 1 and the positive terminal are connected."
    ]
