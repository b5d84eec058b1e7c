"""The entailment model's training pairs (`eval.entailment_data`): pure helpers, and the
integrity of the fragment files committed beside them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.entailment_data import (
    FRAGMENTS_DIR,
    LABELS,
    Fragment,
    as_read,
    build_pairs,
    fragment_pairs,
    read_fragments,
)

SPLITS = Path(__file__).resolve().parent.parent / "eval" / "data" / "splits.json"


@pytest.mark.parametrize(
    ("fragment", "read"),
    [
        # A bullet note is read as the grader reads a list item: marker gone, full stop added.
        ("- bagging -> lower variance", "bagging, so lower variance."),
        ("* trained w/o labels", "trained without labels."),
        # Spoken fillers go, as in `canonical.entailment_text`.
        ("So, um, the outer loop isnt tuned", "So, the outer loop isn't tuned."),
        # A finished sentence is left alone.
        ("Dropout reduces co-adaptation.", "Dropout reduces co-adaptation."),
    ],
)
def test_as_read_matches_what_the_grader_reads(fragment: str, read: str) -> None:
    assert as_read(fragment) == read


def test_partial_fragments_weigh_half() -> None:
    def frag(style: str) -> Fragment:
        return Fragment("q", "point", "entail", style, "text")

    pairs = fragment_pairs([frag("partial"), frag("paraphrase_note"), frag("plain")])
    assert [p.weight for p in pairs] == [0.5, 1.0, 1.0]


def test_built_pairs_are_read_canonically() -> None:
    pairs = build_pairs(semeval=False, derived_per_point=1, seed=0)
    notes = [p for p in pairs if p.style == "paraphrase_note"]
    assert notes, "the paraphrase notes (fragments/p*.jsonl) are part of the training data"
    assert all(p.fragment.endswith((".", "!", "?", '"', ")")) for p in notes)
    assert not any(p.fragment.startswith(("- ", "* ")) for p in notes)
    raw = build_pairs(semeval=False, derived_per_point=1, seed=0, canonical=False)
    assert len(raw) == len(pairs)


def test_fragment_files_are_well_formed() -> None:
    folder = FRAGMENTS_DIR
    fragments = read_fragments(folder)
    assert fragments
    assert {f.label for f in fragments} <= set(LABELS)
    assert all(f.text and f.key_point and f.question for f in fragments)
    # The paraphrase files: four fragments per key point, one of each style.
    for path in sorted(folder.glob("p*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        per_point = Counter((r["question"], r["key_point"]) for r in rows)
        assert set(per_point.values()) == {4}, path.name
        assert Counter(r["style"] for r in rows) == Counter(
            {
                s: len(per_point)
                for s in ("partial", "paraphrase_note", "paraphrase_casual", "contradict_casual")
            }
        ), path.name


def test_no_fragment_comes_from_a_held_out_category() -> None:
    """The held-out figures mean "questions with no domain data": keep it true."""
    from eval.interview_eval import BankIndex

    held_out = set(json.loads(SPLITS.read_text())["held_out_categories"])
    bank = BankIndex.from_paths([Path(__file__).resolve().parent.parent / "bank"])
    questions = {f.question for f in read_fragments()}
    found = {q: bank.find(q) for q in questions}
    missing = [q for q, hit in found.items() if hit is None]
    assert not missing, f"fragments for questions not in the bundled bank: {missing[:3]}"
    categories = {hit.category for hit in found.values() if hit is not None}
    assert not categories & held_out


GENERAL_STYLES = Counter(
    {
        "plain": 2,
        "paraphrase_casual": 1,
        "technical": 1,
        "embedded": 1,
        "partial": 1,
        "swap": 1,
        "reverse": 1,
        "negation": 1,
        "minimal": 1,
        "misconception": 1,
        "contradict_casual": 1,
        "related": 1,
        "other_aspect": 1,
    }
)


def test_general_fragments_are_well_formed_and_off_the_held_out_topics() -> None:
    """14 fragments per invented key point, one set of styles each; none about the held-out
    categories (recommender systems, time series), so the held-out figures stay honest."""
    from eval.entailment_data import GENERAL_DIR
    from eval.interview_eval import BankIndex

    fragments = read_fragments(GENERAL_DIR)
    assert fragments
    per_point: dict[tuple[str, str], Counter] = {}
    for f in fragments:
        per_point.setdefault((f.question, f.key_point), Counter())[f.style] += 1
    assert all(c == GENERAL_STYLES for c in per_point.values())
    held_out_words = ("recommend", "forecast", "time series", "time-series", "seasonal")
    assert not [q for q, _ in per_point if any(w in q.lower() for w in held_out_words)], (
        "a general question is about a held-out category"
    )
    bank = BankIndex.from_paths([Path(__file__).resolve().parent.parent / "bank"])
    assert not [q for q, _ in per_point if bank.find(q) is not None], "not invented: in the bank"


def test_general_pairs_train_and_never_move_the_held_out_fragment_questions() -> None:
    from eval.entailment_data import general_pairs
    from eval.train_entailment import split_holdout

    frag = [
        Fragment("Q?", "Point one is true.", "entail", "plain", "Point one holds."),
        Fragment("Q?", "Point two is true.", "contradict", "minimal", "Point two is false."),
    ]
    made = general_pairs(frag, derived_per_point=1, seed=0)
    assert {p.source for p in made} == {"general"}
    base = build_pairs(semeval=False, general=[], derived_per_point=1, seed=0, canonical=False)
    _, held = split_holdout(base, 0.1, 13)
    _, held_with = split_holdout(base + made, 0.1, 13)
    assert held == held_with


def test_every_built_pair_knows_its_question() -> None:
    pairs = build_pairs(semeval=False, derived_per_point=1, seed=0)
    # The domain sources group by the question's text, and that is the question they carry.
    assert pairs and all(p.question and p.question == p.group for p in pairs)


def test_point_side_reads_the_question_by_its_last_words() -> None:
    from interviewer.grading.entailment import QUESTION_WORDS, point_side

    assert point_side("Bagging reduces variance.") == "Bagging reduces variance."
    assert point_side("Bagging reduces variance.", "  ") == "Bagging reduces variance."
    assert point_side("p", "Why  bag?") == "p [SEP] Why bag?"
    setup = " ".join(["setup"] * 50) + " How did you separate the salt?"
    side = point_side("p", setup)
    assert side.endswith("How did you separate the salt?")
    assert len(side.split(" [SEP] ")[1].split()) == QUESTION_WORDS


def test_first_sides_read_a_share_of_pairs_with_their_question() -> None:
    from eval.train_entailment import first_sides

    pairs = build_pairs(semeval=False, derived_per_point=1, seed=0)[:400]
    assert first_sides(pairs, 0.0, 13) == [p.key_point for p in pairs]
    half = first_sides(pairs, 0.5, 13)
    assert half == first_sides(pairs, 0.5, 13)  # reproducible
    with_question = sum(" [SEP] " in s for s in half)
    assert 120 < with_question < 280
    assert all(s.startswith(p.key_point) for s, p in zip(half, pairs, strict=True))


def test_only_a_model_trained_with_questions_reads_them() -> None:
    from interviewer.grading.entailment import reads_question

    assert not reads_question({"config": {}})
    assert not reads_question({"config": {"question_share": 0.0}})
    assert reads_question({"config": {"question_share": 0.5}})
