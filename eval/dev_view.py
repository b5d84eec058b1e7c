"""The dev view: every figure a grader change is judged by, on data that is not the test set.

    python -m eval.dev_view                        # print the dev figures
    python -m eval.dev_view --save /tmp/a.json     # ... and keep them
    python -m eval.dev_view --compare /tmp/a.json  # ... side by side with a saved run

Choices (a new model, a threshold, a feature) are made here and only here; the frozen test
sets (`test.csv`, `test_restyled.csv`, `public.csv`, the SemEval test splits) are run once per
shipped grader version, with the commands in eval/README.md. What this reads:

- `dev.csv`, `dev_restyled.csv`: blind answers to the dev questions (written from the question
  alone, graded by a separate helper), graded against the bundled bank.
- `public_dev.csv`: blind answers to 32 questions of the public bank (`../shared/banks/theory.md`)
  that `public.csv` does not use, graded against its community answers (skipped when
  ../shared is absent).
- `followups_dev.csv`: blind follow-up answers to probes of dev-side key points; the share that
  move their point to covered, and the false credit of the same answers against another
  question's point (`benchmarks.bench_drill`).
- `support_quotes_dev.jsonl`: the LLM evidence check's cross-encoder stage on blind quotes
  that state, contradict or miss the held-out categories' key points (`eval.support_check`).
- the SemEval-2013 train questions the entailment model never trained on (its card lists them).
  The single-point score model is fitted on these, and the holistic calibration on all train
  questions, so these figures are in-sample: a check that nothing broke, not a held-out
  result. The held-out figure for them is the score fit's own cross-validation, grouped by
  question with the holistic input out of sample (`eval.fit_scoring`), shown from
  scoring.json as "single fit CV".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "eval" / "data" / "answers"
BANK = REPO / "bank"
PUBLIC_DEV = "public_dev.csv"


def interview_view(grader: Any, index: Any, name: str) -> dict[str, Any]:
    """Agreement, pair order, false contradictions and per-kind means of one blind dev set."""
    from .datasets import load_answers
    from .harness import run_grader
    from .interview_eval import interview_figures

    rows = load_answers(ANSWERS / name, required=("question", "student_answer"))
    questions = [index.lookup(r, i + 1) for i, r in enumerate(rows)]
    preds = run_grader(grader, rows, source=name, questions=questions)
    figures = interview_figures(preds, target_column="human_score", kind_column="kind")["all"]
    figures.pop("ci", None)
    return figures


def semeval_view(grader: Any) -> dict[str, Any]:
    """2-way and 3-way macro-F1 on the SemEval train questions the cross-encoder left out."""
    from interviewer.grading.entailment import read_card

    from .datasets import load_semeval, semeval_available
    from .harness import evaluate_labels, run_grader

    if not semeval_available():
        return {"skipped": "../shared/datasets is absent"}
    reserved = set(read_card().get("semeval_reserved_for_scoring", []))
    out: dict[str, Any] = {}
    for name in ("scients", "beetle"):
        rows = [r for r in load_semeval(name, "train") if f"{name}:{r.question_id}" in reserved]
        ev = evaluate_labels(run_grader(grader, rows, source=name), "label", n_resamples=1)
        out[name] = {
            "n": ev.n,
            "two_way": ev.extra["two_way"]["macro_f1"],
            "three_way": round(ev.values["macro_f1"], 4),
        }
    return out


def single_fit_cv() -> dict[str, Any]:
    """The single-point score fit's grouped cross-validation, as scoring.json records it."""
    from interviewer.grading.scoring import load_scoring

    cv = load_scoring().provenance.get("cv_grouped_by_question", {})
    return dict(cv.get("single_cv", {}))


def drill_view(grader: Any) -> dict[str, Any]:
    from benchmarks.bench_drill import false_credit_share, landing_share

    path = ANSWERS / "followups_dev.csv"
    land = landing_share(grader, path)
    credit = false_credit_share(grader, path)
    return {"land": land["share_covered"], "false_credit": credit["share"]}


def support_view() -> dict[str, float]:
    """The LLM evidence check's cross-encoder stage on the dev quotes: true quotes kept,
    contradicting and other-aspect quotes rejected."""
    from interviewer.grading.support import EntailmentSupport

    from .support_check import QUOTE_GROUPS, measure_quotes, right_share

    cut = EntailmentSupport().threshold
    groups = measure_quotes("entailment")
    return {
        ("kept" if label == "entails" else f"{label} rejected"): round(
            right_share(name, groups[name], cut), 4
        )
        for label, name in QUOTE_GROUPS.items()
    }


def collect() -> dict[str, Any]:
    from interviewer.grading import OfflineGrader
    from interviewer.grading.entailment import read_card

    from .datasets import shared_dir
    from .interview_eval import BankIndex

    grader = OfflineGrader()
    grader.warm_up()
    index = BankIndex.from_paths([BANK])
    started = time.time()
    result: dict[str, Any] = {"model_data_sha256": read_card().get("data", {}).get("sha256")}
    for name in ("dev.csv", "dev_restyled.csv"):
        print(f"grading {name} ...", file=sys.stderr)
        result[name] = interview_view(grader, index, name)
    public_bank = shared_dir() / "banks" / "theory.md"
    if public_bank.is_file():
        print(f"grading {PUBLIC_DEV} ...", file=sys.stderr)
        public = BankIndex.from_paths([public_bank])
        result[PUBLIC_DEV] = interview_view(grader, public, PUBLIC_DEV)
    print("grading the SemEval reserved questions ...", file=sys.stderr)
    result["semeval_reserved"] = semeval_view(grader)
    result["single_fit_cv"] = single_fit_cv()
    print("grading followups_dev.csv ...", file=sys.stderr)
    result["drill"] = drill_view(grader)
    print("checking the dev support quotes ...", file=sys.stderr)
    result["support_quotes_dev"] = support_view()
    result["seconds"] = round(time.time() - started)
    return result


def flatten(result: dict[str, Any]) -> dict[str, float]:
    """The figures worth comparing, one line each."""
    out: dict[str, float] = {}
    for name in ("dev.csv", "dev_restyled.csv", PUBLIC_DEV):
        r = result.get(name, {})
        for key in ("spearman", "pearson", "mae", "pair_order"):
            if key in r:
                out[f"{name} {key}"] = r[key]
        if "good_answers" in r:
            out[f"{name} good answers marked contradicted"] = r["good_with_contradiction"]
        for kind, k in sorted(r.get("kinds", {}).items()):
            out[f"{name} mean: {kind}"] = k["grader_mean"]
    for name, r in result.get("semeval_reserved", {}).items():
        if isinstance(r, dict):
            out[f"semeval reserved {name} 2-way F1"] = r["two_way"]
            out[f"semeval reserved {name} 3-way F1"] = r["three_way"]
    for name, r in result.get("single_fit_cv", {}).items():
        out[f"single fit CV {name} 2-way F1"] = r["macro_f1_2way"]
    for key, value in result.get("drill", {}).items():
        out[f"followups_dev {key}"] = value
    for key, value in result.get("support_quotes_dev", {}).items():
        out[f"support quotes (dev) {key}"] = value
    return out


def render(now: dict[str, float], before: dict[str, float] | None) -> str:
    width = max(len(k) for k in now)
    lines = []
    for key, value in now.items():
        line = f"{key:<{width}}  {value:8.3f}"
        if before is not None and key in before:
            line += f"  was {before[key]:8.3f}  ({value - before[key]:+.3f})"
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.dev_view",
        description="Grade the dev sets with the shipped offline grader and print the figures "
        "every grader change is judged by (2 cores: ~1.5 min with VNNI, ~5 without). Never "
        "reads the test sets.",
    )
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --save")
    args = parser.parse_args(argv)
    before = None
    if args.compare is not None:
        if not args.compare.is_file():
            parser.error(f"{args.compare} does not exist: make it with --save first")
        before = flatten(json.loads(args.compare.read_text(encoding="utf-8")))
    result = collect()
    if args.save is not None:
        args.save.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(render(flatten(result), before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
