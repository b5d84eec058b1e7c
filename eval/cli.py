"""`interviewer eval grader`: measure a grader against human grades.

Mounted by the main CLI as `interviewer eval`; also runs alone: `python -m eval.cli grader ...`.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Measure the grader against human grades (SemEval-2013 or your own CSV).",
    no_args_is_help=True,
    add_completion=False,
)

_EPILOG = """
Examples:

  interviewer eval grader --dataset scients --split test-unseen-questions --label label_2way

  interviewer eval grader --dataset beetle --split test-unseen-questions --label label --json

  interviewer eval grader --dataset my.csv --target human_score --predictions out.csv

  interviewer eval grader --dataset eval/data/answers/test.csv --bank bank/ \\
      --target human_score --group-by held_out

  INTERVIEWER_LLM_PROVIDER=openai-compatible INTERVIEWER_LLM_BASE_URL=http://localhost:11434/v1
  INTERVIEWER_LLM_MODEL=llama3.1 interviewer eval grader --dataset scients --grader llm --limit 200

'scients' and 'beetle' name the SemEval CSVs in ../shared/datasets (or $INTERVIEWER_SHARED_DIR).
Label mapping: score >= 2.5 is "correct"; below that, a contradicted key point makes it
"contradictory" (3-way), else "incorrect". AUC uses the score. CIs: bootstrap over questions.
"""


@app.callback()
def _group() -> None:
    """Grader evaluations."""


# The options of `grader`, named so that its signature reads as a list of choices.
Dataset = Annotated[
    str,
    typer.Option(
        "--dataset",
        "-d",
        help="CSV with question, reference_answer, student_answer columns; or 'scients' / "
        "'beetle' for the SemEval files.",
    ),
]
Split = Annotated[
    str | None,
    typer.Option(
        "--split",
        "-s",
        help="Keep rows whose 'split' column equals this (SemEval: "
        "train, test-unseen-answers, test-unseen-questions, test-unseen-domains).",
    ),
]
Target = Annotated[
    str | None,
    typer.Option(
        help="Numeric human-grade column (0..--target-max): reports pearson, spearman, rmse, qwk."
    ),
]
Label = Annotated[
    str | None,
    typer.Option(
        help="Label column (SemEval: 'label' 3-way or 'label_2way'): reports "
        "accuracy, macro_f1, auc."
    ),
]
GraderKindOption = Annotated[
    str,
    typer.Option(
        "--grader",
        "-g",
        help="offline (no network) or llm (INTERVIEWER_LLM_* "
        "settings; falls back to offline per answer on failure).",
    ),
]
Limit = Annotated[
    int | None, typer.Option("--limit", "-n", min=1, help="Grade the first N rows only.")
]
Predictions = Annotated[
    Path | None,
    typer.Option(
        "--predictions", "-p", help="Write every input row plus a 'prediction' column (the score)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object (metrics + 'ci').")]
TargetMax = Annotated[float, typer.Option(help="Top of the --target scale.")]
WriteReport = Annotated[
    bool, typer.Option("--report/--no-report", help="Write eval/results/<name>.md/.json/.svg.")
]
ResultsDir = Annotated[Path, typer.Option(help="Where reports go.")]
Resamples = Annotated[
    int, typer.Option("--bootstrap", min=100, help="Bootstrap resamples for CIs.")
]
Banks = Annotated[
    list[Path] | None,
    typer.Option(
        "--bank",
        "-b",
        help="Grade each row against the bank question whose text matches the row's "
        "'question' (as an interview would: that question's reference and key points). Rows "
        "then need only question and student_answer. Repeat for several files or folders.",
        show_default=False,
    ),
]
KindColumn = Annotated[
    str,
    typer.Option(
        help="With --target: report the mean score per value of this column when present "
        "(e.g. strong / partial / wrong_vocab)."
    ),
]
GroupBy = Annotated[
    str | None,
    typer.Option(
        help="With --target: also report every figure per value of this column (e.g. held_out)."
    ),
]
RESULTS = Path(__file__).resolve().parent / "results"


@app.command(epilog=_EPILOG)
def grader(
    dataset: Dataset,
    split: Split = None,
    target: Target = None,
    label: Label = None,
    grader_kind: GraderKindOption = "offline",
    limit: Limit = None,
    predictions: Predictions = None,
    as_json: AsJson = False,
    target_max: TargetMax = 5.0,
    report: WriteReport = True,
    results_dir: ResultsDir = RESULTS,
    resamples: Resamples = 1000,
    bank: Banks = None,
    kind_column: KindColumn = "kind",
    group_by: GroupBy = None,
) -> None:
    """Grade every answer in a CSV and report agreement with the human grades, with 95% CIs."""
    from rich.console import Console

    from . import harness
    from .datasets import DatasetError, load_answers, resolve_dataset

    err = Console(stderr=True, highlight=False)
    bank = bank or []
    if (target is None) == (label is None):
        err.print("[red]Give exactly one of --target COLUMN or --label COLUMN.[/red]")
        raise typer.Exit(2)
    from .interview_eval import BankIndex, BankLookupError

    try:
        path = resolve_dataset(dataset)
        required = ("question", "student_answer") if bank else None
        rows = load_answers(path, split=split, limit=limit, required=required)
        index = BankIndex.from_paths(bank) if bank else None
        questions = [index.lookup(r, i + 1) for i, r in enumerate(rows)] if index else None
    except (DatasetError, BankLookupError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    column = target or label
    if rows and column not in rows[0].row:
        err.print(
            f"[red]{path.name} has no column {column!r}. Columns: {', '.join(rows[0].row)}[/red]"
        )
        raise typer.Exit(2)

    the_grader = _build_grader(grader_kind, err)
    preds = _grade_all(the_grader, rows, path.name, err, quiet=as_json, questions=questions)
    try:
        if target is not None:
            evaluation = harness.evaluate_target(
                preds, target, target_max=target_max, n_resamples=resamples
            )
        else:
            evaluation = harness.evaluate_labels(preds, label, n_resamples=resamples)  # type: ignore[arg-type]
    except harness.HarnessError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc

    if target is not None:
        from .interview_eval import interview_figures

        has_kind = bool(rows) and kind_column in rows[0].row
        if has_kind or group_by or bank:
            evaluation.extra["interview"] = interview_figures(
                preds,
                target_column=target,
                kind_column=kind_column if has_kind else None,
                group_column=group_by,
            )
            evaluation.extra["group_by"] = group_by

    graded_by = harness.fallback_summary(preds, grader_kind)
    meta = {
        "dataset": path.name,
        "split": split or "all",
        "grader": harness.grader_caption(
            getattr(the_grader, "name", grader_kind), grader_kind, graded_by
        ),
        "grader_kind": grader_kind,
        "rows": len(rows),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "command": "interviewer eval grader " + " ".join(shlex.quote(a) for a in _argv()),
        "latency": harness.latency_summary(preds),
        **graded_by,
    }
    if predictions is not None:
        three = None if label is None else "contradictory" in evaluation.extra.get("labels", [])
        harness.write_predictions(predictions, preds, three_way=three)
    if report:
        # A run the LLM mostly did not grade is not named as an LLM run.
        kind_label = grader_kind
        if grader_kind == "llm" and not graded_by["llm_figures"]:
            kind_label = "llm-mostly-offline-fallback"
        name = "-".join(
            x
            for x in (path.stem, split or "all", column, kind_label, f"n{limit}" if limit else "")
            if x
        )
        paths = harness.write_reports(evaluation, name=name, meta=meta, out_dir=results_dir)
        if not as_json:
            err.print(f"reports: {', '.join(str(p) for p in paths)}")
    if as_json:
        # Who really graded the rows travels with the figures (see harness.fallback_summary).
        keys = ("grader", "grader_kind", "graded_rows", "fallbacks", "llm_graded", "llm_share")
        graded_by = {k: meta[k] for k in (*keys, "llm_figures")}
        typer.echo(json.dumps({**evaluation.to_json(), **graded_by}))
        return
    _print_table(evaluation, meta)


def _argv() -> list[str]:
    args = sys.argv[1:]
    # Drop the sub-command path so the recorded command reads "interviewer eval grader ...".
    while args and args[0] in ("eval", "grader"):
        args = args[1:]
    return args


def _build_grader(kind: str, err):
    from interviewer.grading import GraderUnavailable, make_grader
    from interviewer.settings import get_settings

    try:
        built = make_grader(kind, get_settings())
        from interviewer.grading.base import warm_up_parts

        warm_up_parts(built)  # load the models now, so per-answer latency is honest
        return built
    except GraderUnavailable as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except Exception as exc:  # e.g. an LLM config error, whose message states the fix
        err.print(f"[red]Could not build the {kind} grader: {exc}[/red]")
        raise typer.Exit(2) from exc


def _grade_all(the_grader, rows, source: str, err, *, quiet: bool, questions=None):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from . import harness

    if len(rows) < 50:
        return harness.run_grader(the_grader, rows, source=source, questions=questions)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=quiet,
    ) as progress:
        task = progress.add_task("grading", total=len(rows))
        return harness.run_grader(
            the_grader,
            rows,
            source=source,
            questions=questions,
            on_row=lambda _: progress.advance(task),
        )


def _print_table(evaluation, meta) -> None:
    from rich.console import Console
    from rich.table import Table

    from interviewer.display import rich_escape

    table = Table(
        # Escaped: "[test-unseen-questions]" would otherwise be taken for a Rich style tag.
        title=rich_escape(
            f"{meta['dataset']} [{meta['split']}] vs {evaluation.column} ({meta['grader']})"
        )
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("95% CI", justify="right")
    for key, value in evaluation.values.items():
        lo, hi = evaluation.ci[key]
        table.add_row(key, f"{value:.3f}", f"{lo:.3f} – {hi:.3f}")
    out = Console(highlight=False)
    out.print(table)
    out.print(
        f"graded {evaluation.n} answers (skipped {evaluation.skipped}); latency {meta['latency']}"
    )
    if meta["grader_kind"] == "llm":
        out.print(
            f"graded by the LLM: {meta['llm_graded']} of {meta['graded_rows']} rows "
            f"({meta['llm_share']:.0%}); fell back to offline: {meta['fallbacks']}"
        )
        if not meta["llm_figures"]:
            out.print(
                "[bold red]Most rows fell back to the offline grader: these are not LLM "
                "figures.[/bold red] Fix the LLM connection (see the fallback reasons with "
                "--predictions) and run again."
            )
    if "two_way" in evaluation.extra:
        out.print(f"collapsed to 2-way: {evaluation.extra['two_way']}")
    if "interview" in evaluation.extra:
        from .interview_eval import figures_markdown

        out.print(
            "\n".join(
                figures_markdown(
                    evaluation.extra["interview"], group_column=evaluation.extra.get("group_by")
                )
            ),
            markup=False,
        )


if __name__ == "__main__":
    app()
