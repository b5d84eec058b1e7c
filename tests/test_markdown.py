"""Pure markdown helpers: bold repair, inline clean-up, front matter and fences."""

from pathlib import Path

import pytest

from ingest.errors import BankFormatError
from ingest.markdown import plain_inline, repair_bold, scan_lines, split_front_matter


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        (
            "Explain the differences between\n**Bagging**and**Boosting**.",
            "Explain the differences between Bagging and Boosting.",
        ),
        (
            "the role of\n**dropout**,**early stopping**, and**L2 regularization**.",
            "the role of dropout, early stopping, and L2 regularization.",
        ),
        (
            "What is\n**SHAP**(SHapley Additive exPlanations), and",
            "What is SHAP (SHapley Additive exPlanations), and",
        ),
        (
            "Explain\n**Principal Component Analysis (PCA)**. How",
            "Explain Principal Component Analysis (PCA). How",
        ),
        ("like\n**LSTMs**and**GRUs**for time", "like LSTMs and GRUs for time"),
        ("no markers here", "no markers here"),
    ],
)
def test_repair_bold_restores_spacing(raw, fixed):
    assert repair_bold(raw) == fixed


def test_plain_inline_strips_markup_and_light_latex():
    text = r"Each layer applies: $z = Wx + b$, then `relu` and $\frac{a}{b}$ **bold**"
    assert plain_inline(text) == "Each layer applies: z = Wx + b, then relu and a/b bold"


def test_front_matter_unclosed_is_an_error(tmp_path):
    with pytest.raises(BankFormatError) as info:
        split_front_matter(tmp_path / "x.md", "---\ntitle: x\n\n## Q1: q")
    assert "x.md:1" in str(info.value) and "closing `---`" in str(info.value)


def test_front_matter_bad_yaml_names_the_line(tmp_path):
    with pytest.raises(BankFormatError) as info:
        split_front_matter(tmp_path / "x.md", "---\ntitle: [unclosed\n---\n")
    assert "x.md:" in str(info.value) and "YAML" in str(info.value)


def test_unclosed_code_fence_points_at_its_opening(tmp_path):
    lines = ["text", "```python", "x = 1", "more"]
    with pytest.raises(BankFormatError) as info:
        scan_lines(Path("bank.md"), lines)
    assert info.value.line == 2


def test_code_lines_are_tagged():
    tagged = scan_lines(Path("b.md"), ["a", "```", "## not a heading", "```", "b"])
    assert [t.in_code for t in tagged] == [False, True, True, True, False]
