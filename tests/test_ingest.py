"""The ingest pipeline against a real embedded Chroma and the real local embedding model."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from ingest.pipeline import ingest
from interviewer.bank import ChromaBank
from interviewer.cli import app
from interviewer.models import ReferenceOrigin
from interviewer.settings import get_settings

pytestmark = pytest.mark.slow

QA = """---
category: Deep Learning Concepts
---

## Q1: Explain dropout and how it prevents overfitting.

**Answer**:

Dropout randomly zeroes a fraction of activations during training, so units cannot co-adapt.
At inference every unit is kept and activations are scaled to match the training expectation.

**Key points**:
- Randomly zeroes activations during training with probability p.
- Prevents co-adaptation of units, acting as a regulariser.
- All units are used at inference, with scaling to keep expectations equal.

---

## Q2: What is batch normalization and why does it help?

**Answer**:

It normalises each feature over the mini-batch, then applies a learned scale and shift.

**Key points**:
- Normalises activations using mini-batch mean and variance.
- Learns a scale and shift per feature.
- Uses running statistics at inference.
"""

LIST = """### 1. **Deep Learning Concepts:**

- How does
**dropout**help prevent overfitting in neural networks? - What is the
**Frobenius norm**of a matrix in quantum chromodynamics lattice gauge theory?
"""


class CountingBank(ChromaBank):
    """A real ChromaBank that counts how many texts it embeds."""

    embedded = 0

    def embed(self, texts):
        CountingBank.embedded += len(texts)
        return super().embed(texts)


@pytest.fixture
def bank(data_dir):
    CountingBank.embedded = 0
    return CountingBank(get_settings())


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "qa.md").write_text(QA)
    (folder / "list.md").write_text(LIST)
    return folder


def snapshot(bank: ChromaBank) -> dict:
    found = bank.questions.get(include=["metadatas", "embeddings"])
    return {
        i: (m["payload"], list(e))
        for i, m, e in zip(found["ids"], found["metadatas"], found["embeddings"], strict=True)
    }


def test_ingest_is_idempotent(bank, files):
    first = ingest(bank, [files])
    assert {f.status for f in first.files} == {"added"}
    assert bank.count() == 4
    before, embedded = snapshot(bank), CountingBank.embedded
    second = ingest(bank, [files])
    assert {f.status for f in second.files} == {"unchanged"}
    assert CountingBank.embedded == embedded, "re-ingesting unchanged files embedded something"
    assert snapshot(bank) == before


def test_unanswered_question_gets_retrieved_reference_or_none(bank, files):
    ingest(bank, [files])
    by_text = {q.text: q for q in bank.list()}
    dropout = by_text["How does dropout help prevent overfitting in neural networks?"]
    assert dropout.reference.origin is ReferenceOrigin.retrieved
    assert dropout.reference.retrieved_from == next(
        q.id for q in bank.list() if q.text.startswith("Explain dropout")
    )
    assert dropout.reference.similarity >= bank.settings.retrieval_threshold
    assert dropout.gradable
    odd = next(q for q in by_text.values() if "chromodynamics" in q.text)
    assert odd.reference.origin is ReferenceOrigin.none and not odd.gradable


def test_edited_answer_is_updated_in_place_and_only_it_is_re_embedded(bank, files):
    ingest(bank, [files])
    ids_before = {q.id for q in bank.list()}
    CountingBank.embedded = 0
    qa = files / "qa.md"
    qa.write_text(
        QA.replace(
            "Uses running statistics at inference.",
            "Uses running averages of mean and variance at inference.",
        )
    )
    report = ingest(bank, [files])
    assert [f.status for f in report.files if f.path.name == "qa.md"] == ["updated"]
    assert CountingBank.embedded == 1  # only the edited question
    assert {q.id for q in bank.list()} == ids_before
    bn = next(q for q in bank.list() if q.text.startswith("What is batch"))
    assert bn.reference.key_points[-1] == "Uses running averages of mean and variance at inference."


def test_removed_question_is_deleted_and_prune_drops_missing_sources(bank, files):
    ingest(bank, [files])
    (files / "qa.md").write_text(QA.split("---\n\n## Q2")[0])
    ingest(bank, [files])
    assert not any(q.text.startswith("What is batch") for q in bank.list())
    (files / "list.md").unlink()
    report = ingest(bank, [files], prune=True)
    assert report.pruned == 2
    assert {q.source for q in bank.list()} == {"qa.md"}


def test_failing_file_leaves_store_exactly_as_it_was(bank, files):
    ingest(bank, [files])
    before = snapshot(bank)
    (files / "qa.md").write_text(QA.replace("**Answer**:\n\nIt normalises", "It normalises"))
    report = ingest(bank, [files])
    assert [f.path.name for f in report.failed] == ["qa.md"]
    assert "qa.md:" in report.failed[0].error and "expected" in report.failed[0].error
    assert snapshot(bank) == before


def test_cli_ingest_stats_list_show_search(data_dir, files):
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(files)])
    assert result.exit_code == 0, result.output
    assert "4 questions" in result.output and "2 files" in result.output

    stats = json.loads(runner.invoke(app, ["bank", "stats", "--json"]).output)
    assert stats["questions"] == 4 and stats["with_reference"] == 3
    assert stats["categories"] == {"Deep Learning Concepts": 4}

    listed = runner.invoke(app, ["bank", "list", "--difficulty", "medium", "--json"])
    ids = [q["id"] for q in json.loads(listed.output)]
    assert len(ids) == 4
    shown = runner.invoke(app, ["bank", "show", ids[0], "--json"])
    assert json.loads(shown.output)["id"] == ids[0]
    found = json.loads(
        runner.invoke(
            app, ["bank", "search", "normalising activations", "--json", "-k", "1"]
        ).output
    )
    assert found[0]["text"].startswith("What is batch")


def test_cli_reports_a_bad_file_and_exits_non_zero(data_dir, tmp_path):
    bad = tmp_path / "broken.md"
    bad.write_text("## Q1: What?\n\nno answer marker\n")
    result = CliRunner().invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "broken.md:3: expected" in result.output
    assert "Nothing from this file was stored" in result.output
    missing = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_seeds_ingest_together(bank, qa_seed, list_seed, tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(qa_seed, folder)
    shutil.copy(list_seed, folder)
    report = ingest(bank, [folder])
    assert sum(f.questions for f in report.files) == 69
    stats = bank.stats()
    assert stats.questions == 69 and len(stats.categories) == 12
    # Several list questions are answered by the Q&A document (e.g. bagging vs boosting).
    assert report.references_retrieved >= 3
    bagging = next(
        q for q in bank.list() if q.text.startswith("Explain the differences between Bagging")
    )
    assert bagging.reference.origin is ReferenceOrigin.retrieved


def test_an_answer_that_only_points_above_takes_the_answer_above(tmp_path):
    from ingest.parse import read_bank

    bank = tmp_path / "pointers.md"
    bank.write_text(
        "# Pointers\n\n"
        "## What does the first question ask?\n\nFor specifics, refer to the above answer.\n\n"
        "## What is bagging?\n\nBagging trains models on bootstrap samples and averages them.\n\n"
        "## Why does bagging help?\n\nSee the previous answer.\n",
        encoding="utf-8",
    )
    parsed = read_bank(bank)
    first, bagging, why = parsed.questions
    assert first.reference.origin.value == "none"  # nothing above it to point to
    assert why.reference.text == bagging.reference.text
    assert why.reference.key_points == bagging.reference.key_points
    reasons = [s.reason for s in parsed.skipped]
    assert any("none comes before: the question is kept without a reference" in r for r in reasons)
    assert any(r.startswith("the answer only points to the answer above") for r in reasons)
