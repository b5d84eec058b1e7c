"""File identity by path, two-phase ingest, --strict, and the size check before hashing.

A real embedded Chroma, with a deterministic stand-in for the embedding model (these tests are
about which rows are written, not about similarity), so they need no model.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ingest.identity import assign_labels, path_tails
from ingest.pipeline import find_bank_files, ingest
from interviewer.bank import ChromaBank, question_metadata
from interviewer.cli import app
from interviewer.models import Question, ReferenceAnswer
from interviewer.settings import get_settings

BANKS = Path(__file__).parent / "fixtures" / "banks"


class HashBank(ChromaBank):
    """ChromaBank whose vectors come from a hash of the text: stable, no model load."""

    embedded = 0

    def embed(self, texts):
        HashBank.embedded += len(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).normal(size=384).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


@pytest.fixture
def bank(data_dir):
    HashBank.embedded = 0
    return HashBank(get_settings())


def notes(folder: Path, *questions: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "notes.md"
    body = "".join(
        f"**{q} ⭐️**\n\nAn answer about {q.lower()} in a sentence or two.\n\n" for q in questions
    )
    path.write_text("## Notes\n\n" + body)
    return path


def by_source(bank) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for q in bank.list():
        out.setdefault(q.source, []).append(q.text)
    return {k: sorted(v) for k, v in sorted(out.items())}


def test_labels_are_names_until_a_name_is_taken():
    a, b, c = Path("/x/a/notes.md"), Path("/x/b/notes.md"), Path("/y/a/notes.md")
    labels, moves = assign_labels([a, b, c], {}, lambda p: True)
    assert labels == {a: "notes.md", b: "b/notes.md", c: "a/notes.md"} and moves == {}
    # A stored file keeps its label; a stored file whose path is gone has moved.
    labels, moves = assign_labels([b, Path("/z/notes.md")], {str(a): "notes.md"}, lambda p: False)
    assert labels[b] == "notes.md" and moves == {b: str(a)}
    assert path_tails(Path("/x/b/notes.md")) == ["notes.md", "b/notes.md", "x/b/notes.md"]


def test_two_files_with_the_same_name_are_both_kept(bank, tmp_path):
    a = notes(tmp_path / "a", "What is bias?", "What is variance?")
    b = notes(tmp_path / "b", "What is bias?", "What is a kernel?")
    first = ingest(bank, [a])
    second = ingest(bank, [b])
    assert [f.status for f in first.files + second.files] == ["added", "added"]
    assert second.files[0].deleted == 0
    assert by_source(bank) == {
        "b/notes.md": ["What is a kernel?", "What is bias?"],
        "notes.md": ["What is bias?", "What is variance?"],
    }
    assert bank.count() == 4  # the shared question text is two questions, one per file


def test_re_ingesting_one_file_touches_only_its_own_questions(bank, tmp_path):
    a = notes(tmp_path / "a", "What is bias?", "What is variance?")
    b = notes(tmp_path / "b", "What is a kernel?")
    ingest(bank, [a, b])
    before_b = bank.questions.get(where={"path": str(b.resolve())}, include=["metadatas"])
    notes(tmp_path / "a", "What is bias?")  # a loses a question
    report = ingest(bank, [a])
    assert [(f.name, f.status, f.deleted) for f in report.files] == [("notes.md", "updated", 1)]
    after_b = bank.questions.get(where={"path": str(b.resolve())}, include=["metadatas"])
    assert after_b == before_b
    assert by_source(bank) == {"b/notes.md": ["What is a kernel?"], "notes.md": ["What is bias?"]}


def test_a_moved_file_keeps_its_ids_and_is_not_re_embedded(bank, tmp_path):
    a = notes(tmp_path / "old", "What is bias?", "What is variance?")
    ingest(bank, [a])
    ids = sorted(q.id for q in bank.list())
    embedded = HashBank.embedded
    moved = tmp_path / "new" / "notes.md"
    moved.parent.mkdir()
    a.rename(moved)
    report = ingest(bank, [moved])
    assert [f.status for f in report.files] == ["moved"]
    assert HashBank.embedded == embedded
    assert sorted(q.id for q in bank.list()) == ids
    assert set(bank.stored_files()) == {str(moved.resolve())}


def test_a_store_written_before_path_identity_keeps_working(bank, tmp_path):
    """Old stores already held `source` (the name) and `path` (resolved) per question."""
    from ingest.parse import read_bank
    from ingest.pipeline import content_hash, file_sha

    path = notes(tmp_path / "bank", "What is bias?").resolve()
    (q,) = read_bank(path).questions
    meta = question_metadata(
        q, content_hash=content_hash(q), file_sha=file_sha(path), path=str(path)
    )
    bank.upsert_questions([q], bank.embed([q.text]), [meta])
    report = ingest(bank, [path])
    assert [f.status for f in report.files] == ["unchanged"]
    assert [x.id for x in bank.list()] == [q.id]


def test_strict_stores_nothing_when_a_file_has_ambiguous_blocks(bank, tmp_path):
    good = notes(tmp_path / "good", "What is bias?")
    odd = tmp_path / "odd.md"
    odd.write_text("## Topic\n\nWhat is a p-value?\n\n**What is a mean?**\n\nThe average value.\n")
    report = ingest(bank, [good, odd], strict=True)
    assert report.strict_refused and bank.count() == 0
    assert {f.name: f.status for f in report.files} == {"notes.md": "held", "odd.md": "failed"}
    assert "odd.md: expected every block to be a question" in report.failed[0].error
    assert "line 3: reads like a question" in report.failed[0].error
    relaxed = ingest(bank, [good, odd])  # without --strict the rest is stored, skips reported
    assert bank.count() == 2
    assert [s.line for s in relaxed.files[1].skipped if s.ambiguous] == [3]


def test_a_huge_file_is_refused_from_stat_before_it_is_read_or_hashed(bank, tmp_path, monkeypatch):
    huge = tmp_path / "huge.md"
    with huge.open("wb") as handle:
        handle.truncate(1_000_000_000)  # sparse: 1 GB on paper, nothing on disk
    read = []
    monkeypatch.setattr("ingest.pipeline.file_sha", lambda p: read.append(p) or "x")
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    report = ingest(bank, [huge])
    assert read == []
    (result,) = report.failed
    assert "under 5 MB" in result.error and "1,000,000,000 bytes" in result.error


def test_folders_yield_every_bank_format_but_not_readmes_or_hidden_files(tmp_path):
    for name in ("a.md", "b.csv", "c.json", "d.yaml", "README.md", ".hidden/e.md", "f.pdf"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert [p.name for p in find_bank_files([tmp_path])] == ["a.md", "b.csv", "c.json", "d.yaml"]


def test_cli_dry_run_shows_everything_and_writes_nothing(data_dir, monkeypatch):
    import interviewer.cli

    monkeypatch.setattr(interviewer.cli.console, "width", 200)  # rows on one line each
    result = CliRunner().invoke(app, ["ingest", str(BANKS / "bold_topics.md"), "--dry-run"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "6 questions, 4 with a reference, 2 without" in out
    assert "Regression │ 3 │ 3 │ 0" in out and "Trees │ 3 │ 1 │ 2" in out
    assert "difficulty: easy 1 · medium 3 · hard 2" in out
    assert "What is regression?" in out and "Regression predicts" in out  # a sample, its answer
    for line, reason in [(3, "an HTML block"), (10, "introduction with the difficulty legend"),
                         (16, "table of contents"), (56, "placeholder answer")]:  # fmt: skip
        assert f"│ {line} │ {reason}" in out, reason
    assert "Dry run: nothing was written" in out
    assert not (data_dir / "chroma").exists()


def test_cli_dry_run_strict_and_columns(data_dir, tmp_path):
    odd = tmp_path / "odd.md"
    odd.write_text("## Topic\n\nWhat is a p-value?\n\n**What is a mean?**\n\nThe average value.\n")
    strict = CliRunner().invoke(app, ["ingest", str(odd), "--dry-run", "--strict"])
    assert strict.exit_code == 1 and "(ambiguous)" in strict.output
    cards = tmp_path / "cards.csv"
    cards.write_text("Front,Back,Deck\nWhat is AUC?,Area under the ROC curve.,Metrics\n")
    ok = CliRunner().invoke(
        app,
        [
            "ingest",
            str(cards),
            "--dry-run",
            "--columns",
            "question=Front,answer=Back,category=Deck",
        ],
    )
    assert ok.exit_code == 0 and "Metrics" in ok.output
    bad = CliRunner().invoke(app, ["ingest", str(cards), "--columns", "question"])
    assert bad.exit_code == 2 and "field=Column pairs" in bad.output


def test_cli_strict_ingest_stores_nothing_and_exits_non_zero(data_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("interviewer.bank.ChromaBank", HashBank)
    odd = tmp_path / "odd.md"
    odd.write_text("## Topic\n\nWhat is a p-value?\n\n**What is a mean?**\n\nThe average value.\n")
    result = CliRunner().invoke(app, ["ingest", str(odd), "--strict"])
    assert result.exit_code == 1
    assert "nothing from this run was stored" in result.output
    assert HashBank(get_settings()).count() == 0


def test_bank_show_lists_probes_under_their_key_points_and_escapes_markup(data_dir, monkeypatch):
    monkeypatch.setattr("interviewer.bank.ChromaBank", HashBank)
    bank = HashBank(get_settings())
    ref = ReferenceAnswer(
        text="One-hot suits nominal variables.",
        key_points=["One-hot suits [bold]nominal[/bold] variables.", "Ordinal suits ordered ones."],
        probes=[["What goes wrong if you label-encode colours?"], []],
    )
    q = Question.create(
        "When is one-hot [red]better[/red]?", "b.md", category="FE", line=1, reference=ref
    )
    meta = question_metadata(q, content_hash="-", file_sha="-", path="/b.md")
    bank.upsert_questions([q], bank.embed([q.text]), [meta])
    result = CliRunner().invoke(app, ["bank", "show", q.id])
    assert result.exit_code == 0, result.output
    assert "When is one-hot [red]better[/red]?" in result.output
    assert "One-hot suits [bold]nominal[/bold] variables." in result.output
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if "One-hot suits" in line and "•" in line)
    assert "↳ follow-up: What goes wrong if you label-encode colours?" in lines[at + 1]
    shown = json.loads(CliRunner().invoke(app, ["bank", "show", q.id, "--json"]).output)
    assert shown["reference"]["probes"] == [["What goes wrong if you label-encode colours?"], []]
