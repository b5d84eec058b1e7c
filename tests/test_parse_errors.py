"""Every malformed or foreign file gets an error naming the file, the line and the fix."""

import pytest

from ingest import BankFormatError, parse_file

GOOD_QA = "## Q1: What is overfitting?\n\n**Answer**:\n\nThe model learns noise in the training data and fails to generalise to new data.\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("## Q1: What is X?\n\nSome text without an answer marker.\n", 3, "**Answer**"),
        ("## Q1: What is X?\n\n**Answer**:\n\n```python\nx = 1\n", 5, "closing ```"),
        ("## Q1: What is X?\n\n**Answer**:\n\n", 3, "answer text"),
        ("## Q1:   \n\n**Answer**:\n\ntext here that is long enough.\n", 1, "question text"),
        ("## Question one\n\n" + GOOD_QA, 1, "## Q3: <question>"),
        ("---\ntitle: x\n" + GOOD_QA, 1, "closing `---`"),
        ("---\ntags: [a\n---\n" + GOOD_QA, None, "YAML"),
        (
            GOOD_QA + "\n## Q2: What is overfitting?\n\n**Answer**:\n\nSame again, said twice.\n",
            7,
            "each question once",
        ),
        (
            "## Q1: What is X?\n\n*difficulty: brutal*\n\n**Answer**:\n\nAn answer of some length.\n",
            2,
            "difficulty easy, medium or hard",
        ),
        (
            "- What is a question before any category?\n\n### 1. Cat\n\n- Q?\n",
            1,
            "numbered category heading",
        ),
        ("### 1. Empty category\n\nJust prose.\n\n### 2. Other\n\n- Q?\n", 1, "bulleted questions"),
        ("Just some prose with no structure at all.\n", 1, "a question bank"),
        ("", None, "questions"),
    ],
)
def test_malformed_files_name_file_line_and_expectation(tmp_path, text, line, expected):
    path = write(tmp_path, "bad_bank.md", text)
    with pytest.raises(BankFormatError) as info:
        parse_file(path)
    message = str(info.value)
    assert "bad_bank.md" in message and "expected" in message
    assert expected in message, message
    if line is not None:
        assert info.value.line == line and f"bad_bank.md:{line}:" in message


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "bank.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(BankFormatError, match="binary"):
        parse_file(path)


def test_non_markdown_extension_is_refused(tmp_path):
    path = write(tmp_path, "bank.pdf", GOOD_QA)
    with pytest.raises(BankFormatError, match="markdown file"):
        parse_file(path)


def test_non_utf8_text_names_the_line(tmp_path):
    path = tmp_path / "bank.md"
    path.write_bytes(GOOD_QA.encode() + b"\n\xff\xfe broken\n")
    with pytest.raises(BankFormatError, match="UTF-8") as info:
        parse_file(path)
    assert info.value.line == 7  # GOOD_QA is 5 lines, then a blank one


def test_authored_key_points_and_metadata_are_read(tmp_path):
    text = (
        "---\ncategory: Deep Learning Concepts\n---\n\n"
        "## Q1: What is dropout?\n\n*difficulty: hard · tags: regularisation, nets*\n\n"
        "**Answer**:\n\nDropout zeroes random units while training.\n\n"
        "**Key points**:\n- Randomly zeroes activations during training.\n"
        "- Acts as a regulariser.\n- Disabled at inference time.\n\n---\n\n"
        "## Q2: Tell me about a model you shipped.\n\n*kind: behavioural*\n\n"
        "**Rubric**:\n- Structure: situation, action, result.\n- Specifics: numbers.\n"
        "- Outcome: impact.\n"
    )
    q1, q2 = parse_file(write(tmp_path, "b.md", text))
    assert q1.category == "Deep Learning Concepts" and q1.difficulty.value == "hard"
    assert q1.tags == ["regularisation", "nets"]
    assert q1.reference.key_points[2] == "Disabled at inference time."
    assert "Key points" not in q1.reference.text
    assert q2.kind.value == "behavioural" and q2.criteria[0].startswith("Structure")


def test_too_many_authored_key_points_is_an_error(tmp_path):
    points = "".join(f"- point number {i}\n" for i in range(7))
    text = f"## Q1: What is X?\n\n**Answer**:\n\nX is a thing.\n\n**Key points**:\n{points}"
    with pytest.raises(BankFormatError, match="1 to 6") as info:
        parse_file(write(tmp_path, "kp.md", text))
    assert info.value.line == 7
