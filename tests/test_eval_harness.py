"""The eval harness: CSV in, metrics with CIs, predictions and reports out."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval import cli, harness
from eval.datasets import GradedAnswer, datasets_dir, load_answers, parse_alternatives
from interviewer.models import Grade, KeyPointVerdict, Question, Verdict

COLUMNS = [
    "question_id",
    "question",
    "reference_answer",
    "all_reference_answers",
    "student_answer",
    "label",
    "label_2way",
    "human_score",
    "split",
]
ROWS = [
    (
        "q1",
        "Why does the bulb light?",
        "The circuit is closed. Current flows.",
        "",
        # The LLM path's test quotes these, and the offline entailment model must find that the
        # quote states the whole reference (one key point here). Since its third epoch it reads
        # half of a two-sentence point ("current flows") or a bare noun phrase ("closed
        # circuit") as contradicting it (eval/README.md, Misses), so the quotes state both.
        "right: the circuit is closed, so current flows",
        "correct",
        "correct",
        "5",
        "test",
    ),
    (
        "q1",
        "Why does the bulb light?",
        "The circuit is closed. Current flows.",
        "",
        "right: current flows because the circuit is closed",
        "correct",
        "correct",
        "4",
        "test",
    ),
    (
        "q1",
        "Why does the bulb light?",
        "The circuit is closed. Current flows.",
        "",
        "opposite: circuit is open",
        "contradictory",
        "incorrect",
        "1",
        "test",
    ),
    (
        "q2",
        "What is overfitting?",
        "Memorising noise.",
        "Memorising noise. ||| Fitting noise [GOOD]",
        "right: fits noise",
        "correct",
        "correct",
        "5",
        "test",
    ),
    (
        "q2",
        "What is overfitting?",
        "Memorising noise.",
        "",
        "no clue",
        "incorrect",
        "incorrect",
        "0",
        "test",
    ),
    (
        "q2",
        "What is overfitting?",
        "Memorising noise.",
        "",
        "opposite: generalises",
        "contradictory",
        "incorrect",
        "1",
        "train",
    ),
    ("q3", "Name a kernel.", "RBF", "", "right: rbf", "correct", "correct", "5", "test"),
    ("q3", "Name a kernel.", "RBF", "", "meh", "incorrect", "incorrect", "2", "test"),
]


class ScriptedGrader:
    """Scores by a prefix of the answer, and records what it was asked."""

    name = "scripted"

    def __init__(self) -> None:
        self.seen: list[tuple[Question, str]] = []

    def grade(self, question: Question, answer: str, *, criteria=None) -> Grade:
        self.seen.append((question, answer))
        point = question.criteria[0]
        if answer.startswith("right"):
            return Grade(
                score=4.5, verdicts=[KeyPointVerdict(key_point=point, verdict=Verdict.covered)]
            )
        if answer.startswith("opposite"):
            return Grade(
                score=0.5, verdicts=[KeyPointVerdict(key_point=point, verdict=Verdict.contradicted)]
            )
        if answer == "meh":
            return Grade(
                score=3.0, verdicts=[KeyPointVerdict(key_point=point, verdict=Verdict.partly)]
            )
        return Grade(score=0.0, verdicts=[KeyPointVerdict(key_point=point, verdict=Verdict.missed)])


@pytest.fixture
def tiny_csv(tmp_path) -> Path:
    path = tmp_path / "tiny.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    return path


@pytest.fixture
def scripted(monkeypatch) -> ScriptedGrader:
    grader = ScriptedGrader()
    monkeypatch.setattr(cli, "_build_grader", lambda kind, err: grader)
    return grader


def invoke(*args: str):
    return CliRunner().invoke(cli.app, ["grader", *args])


def json_metrics(dataset: Path, *args: str) -> dict[str, Any]:
    """What `grader --dataset DATASET ARGS --json` prints, parsed; the run must succeed."""
    result = invoke("--dataset", str(dataset), *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_question_from_row_makes_the_reference_one_key_point_and_keeps_alternatives():
    row = GradedAnswer(
        "q",
        "Why?",
        "Terminal 1 is separated by the gap. It is not connected.",
        parse_alternatives(
            "Terminal 1 is separated by the gap. It is not connected. [BEST] ||| "
            "There is a gap [GOOD] ||| not connected [MINIMAL]",
            "Terminal 1 is separated by the gap. It is not connected.",
        ),
        "answer",
        row={},
    )
    q = harness.question_from_row(row)
    assert q.gradable
    assert q.reference.key_points == ["Terminal 1 is separated by the gap. It is not connected."]
    assert q.reference.alternatives == ["There is a gap", "not connected"]


def test_a_row_without_reference_is_ungradable():
    row = GradedAnswer("q", "Why?", "", [], "answer", row={})
    assert not harness.question_from_row(row).gradable


def test_label_json_has_the_metrics_and_cis(tiny_csv, scripted, tmp_path):
    out = json_metrics(tiny_csv, "--label", "label", "--results-dir", str(tmp_path / "r"))
    for key in ("accuracy", "macro_f1", "auc"):
        assert isinstance(out[key], float)
        lo, hi = out["ci"][key]
        assert lo <= out[key] <= hi or out[key] in (lo, hi)
    # 3-way: all three "right" answers correct, both "opposite" contradictory, "no clue"
    # incorrect; "meh" (score 3.0) is called correct but is incorrect: 7 of 8 right.
    assert out["accuracy"] == pytest.approx(7 / 8)
    assert out["confusion"]["incorrect"]["correct"] == 1
    assert out["two_way"]["accuracy"] == pytest.approx(7 / 8)
    assert len(scripted.seen) == len(ROWS)


def test_two_way_label_and_split_filter(tiny_csv, scripted, tmp_path):
    out = json_metrics(tiny_csv, "--split", "test", "--label", "label_2way", "--no-report")
    assert out["n"] == 7 and out["labels"] == ["correct", "incorrect"]
    # Every correct answer outscores every incorrect one, but "meh" (3.0) crosses the 2.5 cut.
    assert out["auc"] == pytest.approx(1.0)
    assert out["accuracy"] == pytest.approx(6 / 7, abs=1e-4) and out["macro_f1"] < 1.0


def test_target_mode_reports_correlations(tiny_csv, scripted, tmp_path):
    out = json_metrics(tiny_csv, "--target", "human_score", "--no-report")
    assert set(out) >= {"pearson", "spearman", "rmse", "qwk", "ci"}
    assert out["spearman"] > 0.8
    assert set(out["ci"]) == {"pearson", "spearman", "rmse", "qwk"}


def test_predictions_file_has_every_input_column_plus_prediction(tiny_csv, scripted, tmp_path):
    out_csv = tmp_path / "pred.csv"
    result = invoke(
        "--dataset",
        str(tiny_csv),
        "--label",
        "label",
        "--predictions",
        str(out_csv),
        "--no-report",
        "--limit",
        "5",
    )
    assert result.exit_code == 0, result.output
    with out_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    assert list(rows[0])[: len(COLUMNS)] == COLUMNS
    assert [r["prediction"] for r in rows] == ["4.5", "4.5", "0.5", "4.5", "0.0"]
    assert [r["predicted_label"] for r in rows][2] == "contradictory"


def test_reports_are_written(tiny_csv, scripted, tmp_path):
    results = tmp_path / "results"
    result = invoke("--dataset", str(tiny_csv), "--label", "label", "--results-dir", str(results))
    assert result.exit_code == 0, result.output
    name = "tiny-all-label-offline"
    md = (results / f"{name}.md").read_text()
    assert "macro_f1" in md and "95% CI" in md and f"{name}.svg" in md
    report = json.loads((results / f"{name}.json").read_text())
    assert report["metrics"]["n"] == len(ROWS) and report["grader"] == "scripted"
    svg = ET.fromstring((results / f"{name}.svg").read_text())
    assert svg.tag.endswith("svg") and len(list(svg.iter("{http://www.w3.org/2000/svg}rect"))) > 10


def test_bad_input_fails_with_a_fix(tiny_csv, scripted, tmp_path):
    def invoke(*args: str):  # rich wraps long lines; compare with whitespace collapsed
        result = CliRunner().invoke(cli.app, ["grader", *args])
        result.text = " ".join(result.output.split())
        return result

    both = invoke("--dataset", str(tiny_csv), "--label", "label", "--target", "human_score")
    assert both.exit_code == 2 and "exactly one" in both.text
    missing = invoke("--dataset", str(tiny_csv), "--label", "nope", "--no-report")
    assert missing.exit_code == 2 and "no column 'nope'" in missing.text
    nofile = invoke("--dataset", str(tmp_path / "absent.csv"), "--label", "label")
    assert nofile.exit_code == 2 and "not found" in nofile.text
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer\nq,a\n")
    wrong = invoke("--dataset", str(bad), "--label", "label")
    assert wrong.exit_code == 2 and "reference_answer" in wrong.text


def test_help_teaches_usage():
    result = CliRunner().invoke(cli.app, ["grader", "--help"])
    assert result.exit_code == 0
    for needle in ("--dataset", "--label", "--target", "--predictions", "scients", "2.5"):
        assert needle in result.output


@pytest.mark.slow
def test_real_offline_grader_on_the_tiny_csv(tiny_csv):
    from interviewer.grading import OfflineGrader

    rows = load_answers(tiny_csv)
    preds = harness.run_grader(OfflineGrader(), rows)
    scores = {p.row.student_answer: p.score for p in preds}
    assert all(s is not None and 0 <= s <= 5 for s in scores.values())
    assert scores["right: current flows because the circuit is closed"] > scores["no clue"]
    assert scores["no clue"] <= 1.0  # "no clue" is an "I don't know"


@pytest.mark.slow
@pytest.mark.shared
def test_semeval_sample_beats_chance():
    if not (datasets_dir() / "scients.csv").is_file():
        pytest.skip(f"{datasets_dir()} is absent: the SemEval CSVs live outside the repo")
    from interviewer.grading import OfflineGrader

    rows = load_answers(datasets_dir() / "scients.csv", split="test-unseen-answers", limit=150)
    evaluation = harness.evaluate_labels(
        harness.run_grader(OfflineGrader(), rows), "label_2way", n_resamples=200
    )
    assert evaluation.values["macro_f1"] > 0.6
    assert evaluation.values["auc"] > 0.7


@pytest.mark.slow
def test_llm_grader_path_over_loopback(tiny_csv, fake_openai_server, monkeypatch, tmp_path):
    """`--grader llm` drives the real LLM grader against an OpenAI-compatible server on
    127.0.0.1 (no network): every row is sent to the model and scored from its reply."""
    from tests.fake_openai_server import MODEL_ID
    from tests.llm_fixtures import TEST_API_KEY, reply

    rows = load_answers(tiny_csv)
    for row in rows:
        quote = row.student_answer.split(":")[-1].strip()
        verdict = "covered" if row.student_answer.startswith("right") else "missed"
        fake_openai_server.enqueue(reply((verdict, quote if verdict == "covered" else None)))
    for key, value in {
        "INTERVIEWER_LLM_PROVIDER": "openai-compatible",
        "INTERVIEWER_LLM_BASE_URL": fake_openai_server.base_url,
        "INTERVIEWER_LLM_MODEL": MODEL_ID,
        "INTERVIEWER_LLM_API_KEY": TEST_API_KEY,
        "INTERVIEWER_LLM_MAX_RETRIES": "0",
    }.items():
        monkeypatch.setenv(key, value)
    out_csv = tmp_path / "pred.csv"
    result = CliRunner().invoke(
        cli.app,
        [
            "grader",
            "--dataset",
            str(tiny_csv),
            "--label",
            "label_2way",
            "--grader",
            "llm",
            "--json",
            "--no-report",
            "--predictions",
            str(out_csv),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(fake_openai_server.chat_requests) == len(ROWS)
    assert TEST_API_KEY not in result.output
    out = json.loads(result.stdout)
    assert out["n"] == len(ROWS) and out["accuracy"] > 0.8
    with out_csv.open() as fh:
        predicted = [r["predicted_label"] for r in csv.DictReader(fh)]
    assert predicted[:2] == ["correct", "correct"]
