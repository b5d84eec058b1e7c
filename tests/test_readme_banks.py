"""Every bank example in the README's bank section parses, as the README says it does."""

from __future__ import annotations

import re

import pytest

from ingest.parse import read_bank
from interviewer.settings import REPO_ROOT

SECTION = REPO_ROOT.joinpath("README.md").read_text().split("## The question bank")[1]
SECTION = SECTION.split("\n## Using an LLM")[0]
EXAMPLES = re.findall(r"```(markdown|csv|yaml)\n(.*?)```", SECTION, re.S)
SUFFIX = {"markdown": ".md", "csv": ".csv", "yaml": ".yaml"}


def test_the_bank_section_has_an_example_per_layout():
    assert [kind for kind, _ in EXAMPLES].count("markdown") >= 7
    assert {"csv", "yaml"} <= {kind for kind, _ in EXAMPLES}


@pytest.mark.parametrize(
    ("kind", "text"), EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))]
)
def test_each_readme_example_parses(tmp_path, kind, text):
    path = tmp_path / f"example{SUFFIX[kind]}"
    path.write_text(text)
    parsed = read_bank(path)
    assert parsed.questions and not parsed.ambiguous
    for q in parsed.questions:
        assert "**" not in q.text and "[[" not in q.text


def test_the_readme_probe_example_aligns_probes_with_key_points(tmp_path):
    text = next(t for kind, t in EXAMPLES if "**Follow-ups**:" in t)
    path = tmp_path / "probes.md"
    path.write_text(text)
    (q,) = read_bank(path).questions
    assert q.reference.probes == [
        ["What goes wrong if you label-encode colours for a linear model?"],
        ["How would you encode a column with 10,000 levels?"],
    ]
