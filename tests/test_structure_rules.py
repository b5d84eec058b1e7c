"""The structural reader's rules, each on the smallest file that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import BankFormatError
from ingest.cleaning import clean_question, is_link_only, is_placeholder
from ingest.detect import BankFormat, markdown_layout
from ingest.difficulty import parse_legend
from ingest.parse import read_bank
from interviewer.models import Difficulty


def read(tmp_path, text, name="bank.md"):
    path = tmp_path / name
    path.write_text(text)
    return read_bank(path)


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("## Q1: What is X?\n\n**Answer**:\n\nX.\n", BankFormat.qa),
        ("### 1. **Core ML:**\n\n- What is X?\n", BankFormat.question_list),
        ("### 1. Cat\n\nJust prose.\n\n### 2. Other\n\n- Q?\n", BankFormat.question_list),
        ("### 1. What is X? [[src]](http://x)\n\nAn answer.\n", BankFormat.structure),
        ("## 1. Statistics\n\n**What is a p-value?**\n\nAn answer.\n", BankFormat.structure),
        ("## 1. Statistics\n\n### What is a p-value?\n\nAn answer.\n", BankFormat.structure),
        ("# Title\n\n**What is X? 👶**\n\nAn answer.\n", BankFormat.structure),
        ("```\n## Q1: in code\n```\n\n**What is X?**\n\nAnswer.\n", BankFormat.structure),
    ],
)
def test_each_file_goes_to_the_reader_for_its_layout(text, layout):
    assert markdown_layout(text) is layout


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("**What is regression? 👶**", "What is regression?"),
        ("**What is AUC? ‍⭐️I**", "What is AUC?"),
        ("#### 12) Question text? [[src](https://x.y)]", "Question text?"),
        ("### 1. What is bias? [[src]](https://x.y)", "What is bias?"),
        ("### Q1: What is a CNN? ###", "What is a CNN?"),
        ("**Q3:** What does `np.dot` do? [Hard]", "What does np.dot do?"),
        ("What is 3D convolution? (difficulty: easy)", "What is 3D convolution?"),
        ("<a name='x'></a>What is *lift*?", "What is lift?"),
        (r"What is \_\_init\_\_?", "What is __init__?"),
    ],
)
def test_question_text_is_stored_clean(raw, clean):
    assert clean_question(raw) == clean


def test_placeholders_and_links_are_not_answers():
    for text in ("Answer here", "TODO", "TBD.", "...", "Coming soon", "[Answer here]"):
        assert is_placeholder(text), text
    for text in ("[[Answer]](https://x)", "See [this post](https://x).", "https://x.y/z"):
        assert is_link_only(text), text
    assert not is_link_only("Yes: see [the paper](https://x) for the proof of convergence.")
    assert not is_placeholder("An answer.")


def test_a_legend_defines_the_marks_it_names(tmp_path):
    assert parse_legend("Legend: 🟢 easy, 🟠 medium, 💀 hard") == {
        "🟢": Difficulty.easy, "🟠": Difficulty.medium, "💀": Difficulty.hard,
    }  # fmt: skip
    parsed = read(
        tmp_path, "Legend: 🟢 easy, 💀 hard\n\n## Topic\n\n**What is X? 💀**\n\nX is y.\n"
    )
    assert parsed.questions[0].difficulty is Difficulty.hard
    assert parsed.questions[0].text == "What is X?"


def test_level_headings_set_the_level_and_the_topic_stays_the_category(tmp_path):
    text = "## Statistics\n\n### Easy\n\n- What is a mean?\n\n### Hard questions\n\n- What is a copula?\n"
    questions = read(tmp_path, text).questions
    assert [(q.text, q.category, q.difficulty.value) for q in questions] == [
        ("What is a mean?", "Statistics", "easy"),
        ("What is a copula?", "Statistics", "hard"),
    ]


def test_front_matter_sets_the_category_and_level_unless_a_mark_says_otherwise(tmp_path):
    text = "---\ncategory: Stats\ndifficulty: hard\n---\n\n**What is a mean?**\n\nThe average.\n\n**What is a mode? [Easy]**\n\nThe most common value.\n"
    questions = read(tmp_path, text).questions
    assert [(q.category, q.difficulty.value) for q in questions] == [
        ("Stats", "hard"),
        ("Stats", "easy"),
    ]


def test_a_question_heading_with_questions_under_it_is_a_topic(tmp_path):
    text = "## What to know about trees?\n\n**What is a split? 👶**\n\nA rule on one feature.\n"
    (q,) = read(tmp_path, text).questions
    assert q.category == "What to know about trees?" and q.text == "What is a split?"


def test_numbered_headings_follow_their_numbered_siblings(tmp_path):
    text = (
        "# Questions\n\n### 1. What is bias?\n\nError from wrong assumptions.\n\n"
        "### 2. Variance\n\nError from sensitivity to the sample.\n\n"
        "### 3. What is a trade-off?\n\nLowering one raises the other.\n"
    )
    assert [q.text for q in read(tmp_path, text).questions] == [
        "What is bias?", "Variance", "What is a trade-off?",
    ]  # fmt: skip


def test_a_how_to_section_among_topics_is_not_a_question(tmp_path):
    text = (
        "## Statistics\n\n**What is a mean? 👶**\n\nThe average.\n\n"
        "## How to contribute\n\nOpen a pull request.\n"
    )
    parsed = read(tmp_path, text)
    assert [q.text for q in parsed.questions] == ["What is a mean?"]
    assert (9, "text outside any question") in [(s.line, s.reason) for s in parsed.skipped]


def test_a_contents_entry_matches_its_section_by_anchor_even_when_worded_differently(tmp_path):
    text = (
        "* [Q1: Overfitting?](#q1-what-is-overfitting)\n\n"
        "### Q1: What is overfitting? ###\n\nThe model learns noise in the training data.\n"
    )
    parsed = read(tmp_path, text)
    assert [(q.text, q.line) for q in parsed.questions] == [("What is overfitting?", 3)]


def test_the_same_question_twice_is_stored_once_with_the_answer_it_has(tmp_path):
    text = "## T\n\n**What is X?**\n\nAnswer here\n\n**What is X?**\n\nX is a thing we measure.\n"
    parsed = read(tmp_path, text)
    (q,) = parsed.questions
    assert q.line == 3 and q.reference.text == "X is a thing we measure."
    assert (7, "the same question as line 3") in [(s.line, s.reason) for s in parsed.skipped]


def test_unmarked_question_like_prose_is_ambiguous(tmp_path):
    text = "## T\n\nWhat is a p-value?\n\nIt is a probability.\n\n**What is a mean?**\n\nThe average.\n"
    parsed = read(tmp_path, text)
    assert [q.text for q in parsed.questions] == ["What is a mean?"]
    assert [(s.line, s.ambiguous) for s in parsed.ambiguous] == [(3, True)]


def refused(path: Path, text: str, match: str | None = None) -> BankFormatError:
    """Write `text` to `path`: reading it as a bank must fail, saying `match`."""
    path.write_text(text)
    with pytest.raises(BankFormatError, match=match) as info:
        read_bank(path)
    return info.value


def test_a_file_without_questions_names_the_layouts_it_accepts(tmp_path):
    path = tmp_path / "notes.md"
    text = "# My notes\n\nSome thoughts about models.\n\n## Later\n\nMore thoughts.\n"
    message = str(refused(path, text))
    assert message.startswith(f"{path}:1: expected a question bank")
    for layout in ("headings", "bold lines", "<details><summary>", "Q:`/`A:", "list of questions"):
        assert layout in message


def test_a_bad_level_in_a_structured_bank_names_the_line(tmp_path):
    text = "question,difficulty\nWhat is X?,easy\nWhat is Y?,brutal\n"
    assert refused(tmp_path / "b.csv", text, "difficulty easy, medium or hard").line == 3


def test_a_csv_without_a_recognisable_header_says_how_to_name_the_columns(tmp_path):
    path = tmp_path / "b.csv"
    assert refused(path, "Frage,Antwort\nWas ist X?,Y\n", "--columns question=Front").line == 1
    with pytest.raises(BankFormatError, match="a column named 'Front'"):
        read_bank(path, columns={"question": "Front"})
    assert [q.text for q in read_bank(path, columns={"question": "Frage"}).questions] == [
        "Was ist X?"
    ]


def test_bad_json_and_yaml_name_the_line(tmp_path):
    bad_json = '[\n  {"question": "What is X?",}\n]\n'
    assert refused(tmp_path / "b.json", bad_json, "valid JSON").line == 2
    refused(tmp_path / "b.yaml", "- question: What is X?\n  answer: [unclosed\n", "valid YAML")
    no_list = '{"name": "no list here"}'
    refused(tmp_path / "e.json", no_list, "a list of objects with a question field")


def test_a_details_answer_under_a_list_item_or_a_plain_question_line(tmp_path):
    text = (
        "## Basics\n\n1. What is supervised learning?\n<details><summary><b>Answer</b></summary>\n\n"
        "Learning a mapping from inputs to labelled outputs.\n\n</details>\n\n"
        "What is semi-supervised learning?\n<details><summary>Solution</summary>\n"
        "Using a few labels and many unlabelled examples together.\n</details>\n"
    )
    parsed = read(tmp_path, text)
    assert [(q.text, q.reference.text) for q in parsed.questions] == [
        ("What is supervised learning?", "Learning a mapping from inputs to labelled outputs."),
        (
            "What is semi-supervised learning?",
            "Using a few labels and many unlabelled examples together.",
        ),
    ]
    assert parsed.skipped == []


def test_a_generic_questions_heading_is_not_a_category(tmp_path):
    text = (
        "# 65 Machine Learning Interview Questions 2024\n\nIntro.\n\n## Questions\n\n"
        "#### 1) What is bias? [[src](https://x.y)]\n\nError from wrong assumptions.\n\n"
        "## Contributions\n\n1. Fork the repository.\n2. Open a pull request.\n"
    )
    parsed = read(tmp_path, text)
    assert [(q.text, q.category) for q in parsed.questions] == [
        ("What is bias?", "Machine Learning")
    ]
    assert [s.reason for s in parsed.skipped] == ["introduction", "a list that is not questions"]


def test_contents_entries_match_sections_despite_quotes_and_shortening(tmp_path):
    text = (
        "* [Q1: Why isn’t accuracy enough?](#q1)\n"
        "* [Q2: What can you do to reduce overfitting in a deep network](#q2)\n\n"
        "### Q1: Why isn't accuracy enough? ###\n\nBecause of class imbalance.\n\n"
        "### Q2: What can you do to reduce overfitting in a deep network? Name three ways. ###\n\n"
        "More data, regularisation and early stopping.\n"
    )
    assert [q.line for q in read(tmp_path, text).questions] == [4, 8]


def test_a_sub_heading_inside_a_bold_answer_continues_it(tmp_path):
    text = (
        "## Deep learning\n\n**What is dropout? ⭐️**\n\nDropout zeroes random units.\n\n"
        "#### Example\n\nWith p = 0.5 half the units are dropped.\n\n"
        "**What is batch norm? ⭐️**\n\nIt normalises activations.\n\n"
        "### CNNs\n\n**What is a convolution? 👶**\n\nA learned filter slid over the image.\n"
    )
    parsed = read(tmp_path, text)
    assert [(q.text, q.category) for q in parsed.questions] == [
        ("What is dropout?", "Deep learning"),
        ("What is batch norm?", "Deep learning"),
        ("What is a convolution?", "CNNs"),
    ]
    assert parsed.questions[0].reference.text.endswith(
        "#### Example\n\nWith p = 0.5 half the units are dropped."
    )
    assert parsed.skipped == []


def test_an_answer_that_is_only_a_figure_or_code_is_reported_and_not_a_reference(tmp_path):
    text = "## T\n\n**What does the ROC curve look like? 👶**\n\n![roc](https://x.y/roc.png)\n\n**What is X? 👶**\n\nX is a thing we measure.\n"
    parsed = read(tmp_path, text)
    assert [q.reference.origin.value for q in parsed.questions] == ["none", "authored"]
    assert [(s.line, s.reason.split(" (")[0]) for s in parsed.skipped] == [
        (5, "the answer has no text to grade against")
    ]
