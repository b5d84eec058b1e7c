"""The bundled bank: complete, well-formed, and covering both seed documents."""

from __future__ import annotations

import numpy as np
import pytest

from ingest import parse_file
from ingest.categories import CATEGORIES
from interviewer.models import QuestionKind, ReferenceOrigin
from interviewer.settings import BUNDLED_BANK_DIR


@pytest.fixture(scope="module")
def bank_questions():
    files = sorted(BUNDLED_BANK_DIR.glob("*.md"))
    return [q for f in files for q in parse_file(f)]


def test_bank_has_at_least_80_entries_in_the_12_categories(bank_questions):
    assert len(bank_questions) >= 80
    assert {q.category for q in bank_questions} == set(CATEGORIES)
    per_category = {c: sum(q.category == c for q in bank_questions) for c in CATEGORIES}
    assert min(per_category.values()) >= 6, per_category
    assert len({q.id for q in bank_questions}) == len(bank_questions)


def test_every_entry_has_a_reference_key_points_and_difficulty(bank_questions):
    for q in bank_questions:
        assert q.difficulty.value in {"easy", "medium", "hard"}
        if q.kind is QuestionKind.behavioural:
            assert len(q.rubric) == 3, q.text
            continue
        ref = q.reference
        assert ref.origin is ReferenceOrigin.authored, q.text
        assert 3 <= len(ref.key_points) <= 6, q.text
        assert len(ref.text.split()) >= 80, q.text
        for point in ref.key_points:
            assert len(point.split()) <= 30 and "```" not in point and "$" not in point, point


def test_difficulties_are_mixed(bank_questions):
    levels = {
        d: sum(q.difficulty.value == d for q in bank_questions) for d in ("easy", "medium", "hard")
    }
    assert all(n >= 10 for n in levels.values()), levels


@pytest.mark.slow
def test_bank_covers_every_seed_question(bank_questions, list_seed, qa_seed):
    from interviewer.embedding import encode

    bank_vectors = encode([q.text for q in bank_questions])
    listed = parse_file(list_seed)
    sims = encode([q.text for q in listed]) @ bank_vectors.T
    weakest = [
        (float(s.max()), q.text) for s, q in zip(sims, listed, strict=True) if s.max() < 0.85
    ]
    assert not weakest, f"list questions without a close bank entry: {weakest}"
    # Each Q&A topic is covered by some entry (their wording differs more).
    answered = parse_file(qa_seed)
    topic_sims = encode([q.text for q in answered]) @ bank_vectors.T
    assert np.all(topic_sims.max(axis=1) >= 0.6), topic_sims.max(axis=1)
