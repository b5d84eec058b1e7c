"""Both seed files parse exactly as they are (skipped when ../shared is absent)."""

import re

from ingest import parse_file
from ingest.categories import CATEGORIES
from interviewer.models import QuestionKind, ReferenceOrigin

EXPECTED_PER_CATEGORY = [5, 5, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5]


def test_question_list_yields_exactly_59_questions_in_12_categories(list_seed):
    questions = parse_file(list_seed)
    assert len(questions) == 59
    counts = {}
    for q in questions:
        counts[q.category] = counts.get(q.category, 0) + 1
    assert list(counts) == list(CATEGORIES)
    assert list(counts.values()) == EXPECTED_PER_CATEGORY
    assert len({q.id for q in questions}) == 59


def test_question_list_repairs_spacing_and_keeps_follow_up_sentences(list_seed):
    texts = [q.text for q in parse_file(list_seed)]
    assert texts[0] == (
        "Explain the differences between Bagging and Boosting. "
        "How do they improve the performance of weak learners?"
    )
    assert (
        "How do you handle overfitting in neural networks? Explain the role of dropout, "
        "early stopping, and L2 regularization." in texts
    )
    assert (
        "What is SHAP (SHapley Additive exPlanations), and how is it used to explain model predictions?"
        in texts
    )
    assert texts[-1].startswith("How do you use machine learning in domains like natural language")
    for text in texts:
        assert "**" not in text and "  " not in text
        assert not re.search(r"[?.] - ", text), f"two questions merged: {text}"
        # Glued bold markers leave words like "Baggingand": none may survive.
        assert not re.search(r"[a-z](?:and|for|in|or)[A-Z]", text), text
        assert text.endswith(("?", ".")), text


def test_question_list_skips_the_closing_paragraph(list_seed):
    assert not any("These questions assess" in q.text for q in parse_file(list_seed))


def test_question_list_has_no_answers_and_marks_behavioural(list_seed):
    questions = parse_file(list_seed)
    assert all(q.reference.origin is ReferenceOrigin.none for q in questions)
    behavioural = [q for q in questions if q.kind is QuestionKind.behavioural]
    assert [q.text[:40] for q in behavioural] == ["Can you describe a machine learning proj"]
    assert behavioural[0].gradable and len(behavioural[0].criteria) == 3


def test_question_list_records_source_lines(list_seed):
    questions = parse_file(list_seed)
    lines = list_seed.read_text().splitlines()
    for q in questions:
        first_words = " ".join(q.text.split()[:2]).replace("**", "")
        assert first_words.split()[0] in lines[q.line - 1].replace("**", " "), (q.line, q.text)


def test_qa_document_yields_10_answered_questions(qa_seed):
    questions = parse_file(qa_seed)
    assert len(questions) == 10
    assert questions[0].text == "Explain backpropagation in neural networks."
    assert questions[-1].text == "How do you handle missing data in ML?"
    for q in questions:
        ref = q.reference
        assert ref.origin is ReferenceOrigin.authored and 1 <= len(ref.key_points) <= 6
        assert q.difficulty.value == "medium"  # from the front matter tags
        for point in ref.key_points:
            assert "import " not in point and "def " not in point and "```" not in point
    backprop = questions[0].reference
    assert "```python" in backprop.text and "\\frac{\\partial L}" in backprop.text
    assert "| Aspect | Bagging | Boosting |" in questions[1].reference.text


def test_qa_answers_keep_code_tables_and_latex_but_points_do_not(qa_seed):
    q = parse_file(qa_seed)[8]  # L1 vs L2
    assert "$$" in q.reference.text and "Elastic Net" in q.reference.text
    assert all("$" not in p for p in q.reference.key_points)
