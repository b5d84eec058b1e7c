"""A real community bank, read in place from ../shared/banks (skipped when it is absent).

theory.md is the theory page of alexeygrigorev/data-science-interviews, "Data Science
Interviews" by Alexey Grigorev and contributors, licensed CC BY 4.0 (../shared/banks/
theory.LICENSE). It is not copied into this repository.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ingest.parse import read_bank
from interviewer.models import ReferenceOrigin
from tests.conftest import SHARED, need_shared

pytestmark = pytest.mark.shared

THEORY = SHARED / "banks" / "theory.md"
TOPICS = [
    "Supervised machine learning", "Linear regression", "Validation", "Classification",
    "Regularization", "Feature selection", "Decision trees", "Random forest",
    "Gradient boosting", "Parameter tuning", "Neural networks",
    "Optimization in neural networks", "Neural networks for computer vision",
    "Text classification", "Clustering", "Dimensionality reduction", "Ranking and search",
    "Recommender systems", "Time series",
]  # fmt: skip


@pytest.fixture(scope="module")
def theory():
    return read_bank(need_shared(THEORY))


def test_166_questions_in_the_19_topics(theory):
    questions = theory.questions
    assert len(questions) == 166
    assert list(dict.fromkeys(q.category for q in questions)) == TOPICS
    assert len({q.id for q in questions}) == 166


def test_152_carry_the_community_answer_and_14_go_the_unanswered_way(theory):
    origins = Counter(q.reference.origin for q in theory.questions)
    assert origins == {ReferenceOrigin.authored: 152, ReferenceOrigin.none: 14}
    placeholders = [s for s in theory.skipped if s.reason.startswith("placeholder answer")]
    assert len(placeholders) == 14 and all(s.excerpt == "Answer here" for s in placeholders)
    for q in theory.questions:
        if q.reference.origin is ReferenceOrigin.authored:
            assert 1 <= len(q.reference.key_points) <= 6
            text = q.reference.text
            assert not text.endswith("<br/>") and not text.startswith("<br/>"), text[-40:]
            assert "Answer here" not in text


def test_difficulties_come_from_the_marks(theory):
    levels = Counter(q.difficulty.value for q in theory.questions)
    assert levels == {"easy": 40, "medium": 113, "hard": 13}
    by_text = {q.text: q.difficulty.value for q in theory.questions}
    assert by_text["Possible approaches to solving the cold start problem?"] == "hard"  # ⭐️🚀
    assert by_text["What is supervised machine learning?"] == "easy"


def test_question_texts_carry_no_markup_or_emoji(theory):
    for q in theory.questions:
        assert not re.search(
            r"[*`#<>\[\]]|[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]", q.text
        ), q.text
        assert "\u200d" not in q.text and "\ufe0f" not in q.text
    texts = [q.text for q in theory.questions]
    assert texts[0] == "What is supervised machine learning?"
    assert "What is the area under the PR curve? Is it a useful metric?" in texts  # `⭐️I` typo
    assert "Precision-recall trade-off" in texts


def test_the_preamble_is_skipped_and_nothing_is_ambiguous(theory):
    reasons = [(s.line, s.reason) for s in theory.skipped if not s.reason.startswith("placeholder")]
    assert reasons == [
        (3, "an HTML block (such as a warning table)"),
        (14, "introduction with the difficulty legend"),
        (21, "table of contents (19 entries)"),
        (
            779,
            "the answer only points to the answer above: that answer (to 'Which "
            "hyper-parameter tuning strategies (in general) do you know?', line 765) is its "
            "reference",
        ),
    ]
    assert theory.ambiguous == []


def test_an_answer_that_only_points_above_is_graded_against_the_answer_above(theory):
    by_text = {q.text: q for q in theory.questions}
    pointer = by_text[
        "What’s the difference between grid search parameter tuning strategy and random "
        "search? When to use one or another?"
    ]
    above = by_text["Which hyper-parameter tuning strategies (in general) do you know?"]
    assert pointer.reference.text == above.reference.text
    assert pointer.reference.key_points == above.reference.key_points
    assert any("Random Search" in p for p in pointer.reference.key_points)
    assert not any("refer to" in p for q in theory.questions for p in q.reference.key_points)
