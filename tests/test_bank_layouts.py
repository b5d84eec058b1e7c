"""Every accepted layout, on a small file the team wrote (tests/fixtures/banks/).

Each test pins the questions, their categories, difficulties and whether they carry the
community answer as their reference; a question without one takes the retrieval path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse import read_bank
from interviewer.models import QuestionKind, ReferenceOrigin

BANKS = Path(__file__).parent / "fixtures" / "banks"
E, M, H = "easy", "medium", "hard"


def rows(name: str, **kwargs) -> list[tuple[str, str, str, bool]]:
    parsed = read_bank(BANKS / name, **kwargs)
    return [
        (q.text, q.category, q.difficulty.value, q.reference.origin is ReferenceOrigin.authored)
        for q in parsed.questions
    ]


def skipped(name: str) -> list[tuple[int, str]]:
    return [(s.line, s.reason) for s in read_bank(BANKS / name).skipped]


def test_bold_questions_under_topic_headings():
    assert rows("bold_topics.md") == [
        ("What is regression? Which models solve a regression problem?", "Regression", E, True),
        ("What is the normal equation?", "Regression", M, True),
        ("Precision-recall trade-off", "Regression", M, True),
        ("How do we handle categorical variables in decision trees?", "Trees", M, False),
        ("Are CNNs resistant to rotations? What happens to the predictions?", "Trees", H, True),
        ("Possible approaches to the cold start problem?", "Trees", H, False),
    ]
    assert skipped("bold_topics.md") == [
        (3, "an HTML block (such as a warning table)"),
        (10, "introduction with the difficulty legend"),
        (16, "table of contents (2 entries)"),
        (56, "placeholder answer 'Answer here': the question is kept without a reference"),
    ]


def test_bold_answers_keep_lists_code_and_figures_but_not_separators():
    questions = read_bank(BANKS / "bold_topics.md").questions
    regression, normal = questions[0].reference, questions[1].reference
    assert regression.text.startswith("Regression predicts a continuous target")
    assert "- *Ridge regression* adds an L2 penalty" in regression.text
    assert "<br/>" not in regression.text and "<br/>" not in normal.text
    assert "```\nw = (X^T X)^-1 X^T y\n```" in normal.text
    assert normal.text.endswith("![formula](https://example.com/normal-equation.png)")
    assert all("```" not in p and "![" not in p for p in normal.key_points)


def test_numbered_headings_with_source_links_under_topics():
    assert rows("numbered_src.md") == [
        ("What is a p-value?", "Statistics", M, True),
        ("Explain the central limit theorem", "Statistics", M, True),
        ("What is the difference between type I and type II errors?", "Statistics", M, False),
        ("How do you detect overfitting?", "Modelling", M, True),
        ("Why use regularization?", "Modelling", M, False),
    ]
    reasons = dict(skipped("numbered_src.md"))
    assert reasons[3] == "introduction"
    assert (
        reasons[17]
        == reasons[30]
        == ("the answer is only a link: the question is kept without a reference")
    )
    overfitting = read_bank(BANKS / "numbered_src.md").questions[3].reference
    assert "- Watch learning curves as the data grows." in overfitting.text


def test_numbered_headings_without_topics_take_the_title_topic():
    assert rows("numbered_no_topics.md") == [
        ("What is a vanishing gradient?", "Deep learning", M, True),
        ("What does batch normalization do?", "Deep learning", M, True),
        ("Why is dropout a regulariser?", "Deep learning", M, True),
        ("What is transfer learning?", "Deep learning", M, False),
        ("Explain the attention mechanism", "Deep learning", M, True),
    ]


def test_linked_contents_then_sections_stores_each_question_once():
    parsed = read_bank(BANKS / "toc_sections.md")
    assert rows("toc_sections.md") == [
        ("What is non-maximum suppression?", "Computer vision", M, False),  # listed, no section
        ("What is a convolution?", "Computer vision", M, True),
        ("Why do CNNs use pooling?", "Computer vision", M, True),
        ("What is data augmentation?", "Computer vision", M, True),
    ]
    convolution = parsed.questions[1]
    assert convolution.line == 8  # the section, not the contents entry
    assert "#### Padding and stride" in convolution.reference.text  # deeper headings belong
    assert [s.reason for s in parsed.skipped] == [
        "table of contents (4 entries, 4 of them questions)",
        "1 question listed in the table of contents has no section: stored without an answer",
    ]


def test_details_blocks_with_the_question_in_the_summary_or_above_it():
    assert rows("details_blocks.md") == [
        ("What is the difference between variance and standard deviation?", "Statistics", E, True),
        ("When would you use the median instead of the mean?", "Statistics", M, True),
        ("What is bootstrapping?", "Statistics", H, False),
        ("What is a confidence interval?", "Statistics", M, True),
    ]
    median = read_bank(BANKS / "details_blocks.md").questions[1].reference
    assert "<summary>" not in median.text and "</details>" not in median.text


def test_q_and_a_pairs():
    assert rows("qa_pairs.md") == [
        ("What is the difference between WHERE and HAVING?", "SQL", M, True),
        ("What does a LEFT JOIN return?", "SQL", M, True),
        ("What is a window function?", "SQL", M, True),
        ("How do you find missing values in a DataFrame?", "Pandas", M, True),
        ("What is the difference between loc and iloc?", "Pandas", M, False),
    ]
    first = read_bank(BANKS / "qa_pairs.md").questions[0].reference.text
    assert (
        first == "WHERE filters rows before grouping; HAVING filters groups after the aggregation."
    )


def test_lists_of_questions_with_a_nested_answer_and_a_stray_item():
    parsed = read_bank(BANKS / "question_lists.md")
    assert rows("question_lists.md") == [
        ("What is the bias-variance trade-off?", "Machine learning", M, False),
        ("Explain gradient boosting to a product manager.", "Machine learning", M, False),
        ("How would you detect data drift in production?", "Machine learning", M, True),
        ("Tell me about a time you disagreed with a stakeholder.", "Behavioural", M, False),
        ("Describe a project you are proud of.", "Behavioural", M, False),
    ]
    assert parsed.questions[3].kind is QuestionKind.behavioural
    assert [(s.line, s.ambiguous) for s in parsed.ambiguous] == [(11, True)]


def test_csv_with_a_header_row():
    parsed = read_bank(BANKS / "bank.csv")
    assert rows("bank.csv") == [
        ("What is precision?", "Model Evaluation", E, True),
        ("What is recall?", "Model Evaluation", E, True),
        ("What is the F1 score, and when is it better than accuracy?", "Model Evaluation", M, True),
        ("What is log loss?", "Model Evaluation", H, False),
    ]
    assert parsed.layout == "CSV"
    assert parsed.questions[0].tags == ["metrics", "classification"]
    assert [q.line for q in parsed.questions] == [2, 3, 4, 6]  # a quoted cell spans lines 4-5
    assert [(s.line, s.reason, s.ambiguous) for s in parsed.skipped] == [
        (1, "the header row", False),
        (7, "a row with no question", True),
    ]


def test_tsv_with_anki_style_header_and_levels_as_words_numbers_and_marks():
    assert rows("bank.tsv") == [
        ("What is a random forest?", "Trees", M, True),
        ("What is bagging?", "Trees", M, True),
        ("What is a decision stump?", "Trees", E, True),
    ]


def test_anki_notes_in_plain_text_without_a_header():
    parsed = read_bank(BANKS / "anki_notes.txt")
    assert parsed.layout == "Anki notes"
    assert rows("anki_notes.txt") == [
        ("What is an embedding?", "General", H, True),  # `hard` among the tags
        ("What is tokenization?", "General", M, True),
    ]
    embedding = parsed.questions[0]
    assert embedding.tags == ["nlp"]
    assert embedding.reference.text.endswith("close.\nUsed for words, users and products.")
    assert [s.reason for s in parsed.skipped] == ["a cloze note, not a question with an answer"]


def test_anki_export_with_directives_for_notetype_deck_and_tags_columns():
    parsed = read_bank(BANKS / "anki_export.txt")
    assert rows("anki_export.txt") == [
        ("What is collaborative filtering?", "Recommenders", M, True),
        ("What is the cold start problem?", "Recommenders", M, True),
    ]
    assert [q.line for q in parsed.questions] == [6, 7]
    assert "nothing to go on. Content features help." in parsed.questions[1].reference.text


def test_json_object_holding_a_list_with_common_field_names():
    parsed = read_bank(BANKS / "bank.json")
    assert rows("bank.json") == [
        ("What is stationarity?", "Time Series", E, True),
        ("How do you remove a trend from a series?", "Time Series", M, True),
        ("What is ARIMA?", "Time Series", H, False),
    ]
    assert [q.line for q in parsed.questions] == [6, 12, 17]
    assert parsed.questions[1].reference.text == (
        "- Difference the series once.\n- Or fit a trend line and keep the residuals."
    )
    assert [(s.reason, s.ambiguous) for s in parsed.skipped] == [
        ("an object with no question field (question, questions, q, prompt, front, ...)", True)
    ]


def test_yaml_lists_named_by_their_category():
    parsed = read_bank(BANKS / "bank.yaml")
    assert rows("bank.yaml") == [
        ("How does k-means work?", "Clustering", M, True),
        ("How do you choose k?", "Clustering", E, True),
        ("What is PCA used for?", "Dimensionality reduction", M, False),
        ("What is t-SNE?", "Dimensionality reduction", H, False),
    ]
    assert [q.line for q in parsed.questions] == [2, 7, 11, 12]
    # A wrapped YAML paragraph is one sentence, not two half key points.
    assert parsed.questions[0].reference.key_points == [
        "It alternates two steps until the assignments stop changing: assign every point to "
        "the nearest centroid, then move each centroid to the mean of its points."
    ]


def test_columns_option_names_the_columns_of_a_csv(tmp_path):
    path = tmp_path / "cards.csv"
    path.write_text("Front,Back,Deck\nWhat is AUC?,Area under the ROC curve.,Metrics\n")
    parsed = read_bank(path, columns={"question": "Front", "answer": "Back", "category": "Deck"})
    assert [(q.text, q.category) for q in parsed.questions] == [("What is AUC?", "Metrics")]
    by_position = read_bank(path, columns={"question": "1", "answer": "2"})
    assert [q.text for q in by_position.questions] == ["Front", "What is AUC?"]


@pytest.mark.parametrize(
    "name",
    [
        "bold_topics.md",
        "numbered_src.md",
        "numbered_no_topics.md",
        "toc_sections.md",
        "details_blocks.md",
        "qa_pairs.md",
        "question_lists.md",
        "bank.csv",
        "bank.tsv",
        "anki_notes.txt",
        "anki_export.txt",
        "bank.json",
        "bank.yaml",
    ],
)
def test_question_texts_are_clean(name):
    for q in read_bank(BANKS / name).questions:
        assert not any(
            mark in q.text for mark in ("**", "`", "[[", "](", "###", "<", "👶", "⭐", "🚀")
        )
        assert q.text == q.text.strip() and "  " not in q.text
