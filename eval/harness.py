"""Run a grader over a human-graded CSV and measure agreement.

Pure parts (row -> Question, label mapping, metric tables, reports) are separate from the
loop that calls the grader, so tests can drive them with a fake grader.

Label mapping (documented in eval/README.md):
- 2-way: the grade says "correct" when score >= 2.5, else "incorrect".
- 3-way: "correct" when score >= 2.5; otherwise "contradictory" when any key-point verdict is
  `contradicted`, else "incorrect".
- AUC uses the score itself: correct vs the rest.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interviewer.grading.base import Grader
from interviewer.models import (
    SCORE_BANDS,
    Grade,
    Question,
    ReferenceAnswer,
    ReferenceOrigin,
    Verdict,
)

from . import metrics
from .datasets import GradedAnswer

CORRECT_CUT = SCORE_BANDS.passing
RESULTS_DIR = Path(__file__).resolve().parent / "results"
POSITIVE = "correct"
# Label spellings understood in --label columns, mapped onto correct / incorrect.
_LABEL_ALIASES = {
    "correct": "correct",
    "incorrect": "incorrect",
    "contradictory": "contradictory",
    "1": "correct",
    "0": "incorrect",
    "true": "correct",
    "false": "incorrect",
    "yes": "correct",
    "no": "incorrect",
    "pass": "correct",
    "fail": "incorrect",
}


class HarnessError(ValueError):
    """Bad harness input; the message says how to fix it."""


def question_from_row(row: GradedAnswer, *, source: str = "eval.csv") -> Question:
    """A Question for one CSV row: the reference answer is its one key point and the other
    acceptable references are alternatives.

    One key point, not one per sentence: SemEval references are one idea written in one or
    two sentences, and on `test-unseen-answers` (the split we may use for such choices) the
    whole reference did slightly better than its sentences (2-way macro-F1 0.725 vs 0.720
    SciEntsBank, 0.765 vs 0.752 Beetle).
    """
    reference = row.reference_answer.strip()
    answer_key = (
        ReferenceAnswer(
            text=reference,
            key_points=[reference],
            origin=ReferenceOrigin.authored,
            alternatives=[a for a in row.alternatives if a.strip() and a.strip() != reference],
        )
        if reference
        else ReferenceAnswer(origin=ReferenceOrigin.none)
    )
    return Question(
        id=f"eval_{row.question_id}",
        text=row.question.strip() or "(no question text)",
        category="eval",
        source=source,
        line=1,
        reference=answer_key,
    )


def normalise_label(value: str) -> str:
    key = value.strip().lower()
    if key not in _LABEL_ALIASES:
        raise HarnessError(
            f"label {value!r} is not understood. Fix: use correct/incorrect/contradictory "
            "(or 1/0, true/false, yes/no, pass/fail), or pass --target for numeric grades."
        )
    return _LABEL_ALIASES[key]


def predicted_label(grade: Grade, *, three_way: bool) -> str:
    if grade.score >= CORRECT_CUT:
        return "correct"
    if three_way and any(v.verdict is Verdict.contradicted for v in grade.verdicts):
        return "contradictory"
    return "incorrect"


@dataclass
class Prediction:
    row: GradedAnswer
    score: float | None  # None: the grader could not grade this row
    grade: Grade | None = None
    error: str | None = None
    seconds: float = 0.0


def run_grader(
    grader: Grader,
    rows: Sequence[GradedAnswer],
    *,
    source: str = "eval.csv",
    on_row: Callable[[int], None] | None = None,
    questions: Sequence[Question] | None = None,
) -> list[Prediction]:
    """Grade every row; a row whose question cannot be graded records the error instead.

    `questions` (one per row, e.g. looked up in a bank) replaces the question each row
    would otherwise make of its own reference answer."""
    from interviewer.grading.offline import UngradableQuestion

    out = []
    for i, row in enumerate(rows):
        question = questions[i] if questions is not None else question_from_row(row, source=source)
        start = time.perf_counter()
        try:
            grade = grader.grade(question, row.student_answer)
        except UngradableQuestion as exc:
            out.append(Prediction(row, None, error=str(exc)))
        else:
            out.append(Prediction(row, grade.score, grade, seconds=time.perf_counter() - start))
        if on_row is not None:
            on_row(i)
    return out


# --- metrics -----------------------------------------------------------------------------


@dataclass
class Evaluation:
    """Everything a report shows."""

    mode: str  # "target" or "label"
    column: str
    n: int
    skipped: int
    values: dict[str, float]
    ci: dict[str, tuple[float, float]]
    extra: dict[str, Any] = field(default_factory=dict)
    # For the plot: scores grouped by label (or by rounded target).
    groups: dict[str, list[float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: _num(v) for k, v in self.values.items()}
        out["ci"] = {k: [_num(lo), _num(hi)] for k, (lo, hi) in self.ci.items()}
        out.update(mode=self.mode, column=self.column, n=self.n, skipped=self.skipped)
        out.update(self.extra)
        return out


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def evaluate_target(
    predictions: Sequence[Prediction],
    column: str,
    *,
    target_max: float = 5.0,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """pearson, spearman, rmse and qwk of the score against a numeric column (0..target_max)."""
    graded = [p for p in predictions if p.score is not None]
    y_true, y_pred, groups = [], [], []
    for p in graded:
        raw = p.row.value(column).strip()
        try:
            y_true.append(float(raw) * 5.0 / target_max)
        except ValueError as exc:
            raise HarnessError(
                f"row {p.row.question_id}: target {column}={raw!r} is not a number. "
                "Fix: choose a numeric --target column or use --label."
            ) from exc
        y_pred.append(float(p.score))  # type: ignore[arg-type]
        groups.append(p.row.question_id)

    def qwk(a: Sequence[float], b: Sequence[float]) -> float:
        return metrics.quadratic_weighted_kappa(a, b, min_rating=0, max_rating=5)

    fns: dict[str, Callable[..., float]] = {
        "pearson": metrics.pearson,
        "spearman": metrics.spearman,
        "rmse": metrics.rmse,
        "qwk": qwk,
    }
    values = {k: f(y_true, y_pred) for k, f in fns.items()}
    ci = {
        k: metrics.bootstrap_ci(
            f, y_true, y_pred, groups=groups, n_resamples=n_resamples, seed=seed
        )
        for k, f in fns.items()
    }
    by_band: dict[str, list[float]] = {}
    for t, s in zip(y_true, y_pred, strict=True):
        by_band.setdefault(f"target {round(t)}", []).append(s)
    return Evaluation(
        "target",
        column,
        len(graded),
        len(predictions) - len(graded),
        values,
        ci,
        groups=dict(sorted(by_band.items())),
    )


def evaluate_labels(
    predictions: Sequence[Prediction],
    column: str,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """accuracy, macro_f1 and auc against a label column (2-way or 3-way)."""
    graded = [p for p in predictions if p.score is not None]
    truth = [normalise_label(p.row.value(column)) for p in graded]
    three_way = "contradictory" in set(truth)
    pred = [predicted_label(p.grade, three_way=three_way) for p in graded]  # type: ignore[arg-type]
    scores = [float(p.score) for p in graded]  # type: ignore[arg-type]
    positive = [t == POSITIVE for t in truth]
    groups = [p.row.question_id for p in graded]
    labels = ["correct", "contradictory", "incorrect"] if three_way else ["correct", "incorrect"]

    def f1(a: Sequence[str], b: Sequence[str]) -> float:
        return metrics.macro_f1(a, b, labels=labels)

    values = {
        "accuracy": metrics.accuracy(truth, pred),
        "macro_f1": f1(truth, pred),
        "auc": metrics.auc(positive, scores),
    }
    ci = {
        "accuracy": metrics.bootstrap_ci(
            metrics.accuracy, truth, pred, groups=groups, n_resamples=n_resamples, seed=seed
        ),
        "macro_f1": metrics.bootstrap_ci(
            f1, truth, pred, groups=groups, n_resamples=n_resamples, seed=seed
        ),
        "auc": metrics.bootstrap_ci(
            metrics.auc, positive, scores, groups=groups, n_resamples=n_resamples, seed=seed
        ),
    }
    extra: dict[str, Any] = {
        "labels": labels,
        "confusion": _confusion(truth, pred, labels),
        "per_class_f1": {c: round(metrics.macro_f1(truth, pred, labels=[c]), 4) for c in labels},
    }
    if three_way:
        truth2 = ["correct" if t == "correct" else "incorrect" for t in truth]
        pred2 = ["correct" if p == "correct" else "incorrect" for p in pred]
        lo, hi = metrics.bootstrap_ci(
            lambda a, b: metrics.macro_f1(a, b, labels=["correct", "incorrect"]),
            truth2,
            pred2,
            groups=groups,
            n_resamples=n_resamples,
            seed=seed,
        )
        extra["two_way"] = {
            "accuracy": round(metrics.accuracy(truth2, pred2), 4),
            "macro_f1": round(metrics.macro_f1(truth2, pred2, labels=["correct", "incorrect"]), 4),
            "macro_f1_ci": [round(lo, 4), round(hi, 4)],
        }
    by_label: dict[str, list[float]] = {c: [] for c in labels}
    for t, s in zip(truth, scores, strict=True):
        by_label[t].append(s)
    return Evaluation(
        "label", column, len(graded), len(predictions) - len(graded), values, ci, extra, by_label
    )


def _confusion(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict:
    counts = Counter(zip(truth, pred, strict=True))
    return {t: {p: counts[(t, p)] for p in labels} for t in labels}


def fallback_summary(predictions: Sequence[Prediction], grader_kind: str) -> dict[str, Any]:
    """Who really graded the rows: `llm_graded`, `fallbacks` (the LLM failed and the offline
    grader stepped in), `llm_share` of the graded rows, and `llm_figures`: whether the run may
    be called LLM figures at all (only when the LLM graded more than half of the rows)."""
    graded = [p.grade for p in predictions if p.grade is not None]
    fallbacks = sum(1 for g in graded if g.fallback)
    llm = len(graded) - fallbacks if grader_kind == "llm" else 0
    share = llm / len(graded) if graded else 0.0
    return {
        "graded_rows": len(graded),
        "fallbacks": fallbacks,
        "llm_graded": llm,
        "llm_share": round(share, 4),
        "llm_figures": grader_kind == "llm" and share > 0.5,
    }


def grader_caption(name: str, grader_kind: str, summary: dict[str, Any]) -> str:
    """What graded this run, honestly: never the model's name alone when it fell back."""
    if grader_kind != "llm":
        return name
    n, llm, fell = summary["graded_rows"], summary["llm_graded"], summary["fallbacks"]
    counts = f"{llm} of {n} rows graded by the LLM; {fell} fell back to offline"
    if summary["llm_figures"]:
        return f"LLM {name}: {counts}"
    return f"NOT LLM figures: mostly the offline fallback ({counts})"


def latency_summary(predictions: Iterable[Prediction]) -> dict[str, float]:
    times = sorted(p.seconds for p in predictions if p.score is not None)
    if not times:
        return {}

    def pct(q: float) -> float:
        return round(1000 * times[min(len(times) - 1, int(q * len(times)))], 1)

    return {"p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": round(1000 * times[-1], 1)}


# --- outputs -----------------------------------------------------------------------------


def write_predictions(
    path: Path, predictions: Sequence[Prediction], *, three_way: bool | None = None
) -> None:
    """Every input column, plus `prediction` (the score; empty when not graded), `flags`
    (the grade's guard flags) and, when a label mode ran, `predicted_label`."""
    if not predictions:
        path.write_text("prediction\n", encoding="utf-8")
        return
    columns = list(predictions[0].row.row.keys())
    extra = ["prediction", "flags"] + (["predicted_label"] if three_way is not None else [])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*columns, *extra], extrasaction="ignore")
        writer.writeheader()
        for p in predictions:
            out = dict(p.row.row)
            out["prediction"] = "" if p.score is None else f"{p.score:.1f}"
            out["flags"] = " ".join(p.grade.flags) if p.grade is not None else "ungradable"
            if three_way is not None:
                out["predicted_label"] = (
                    "" if p.grade is None else predicted_label(p.grade, three_way=three_way)
                )
            writer.writerow(out)


def histogram_svg(groups: dict[str, list[float]], *, bins: int = 10, title: str = "") -> str:
    """A hand-written SVG: one small histogram of scores (0-5) per group, side by side.

    matplotlib is not a dependency and altair needs vl-convert for images, so this writes
    the SVG directly; any browser shows it.
    """
    names = [g for g in groups if groups[g]]
    panel_w, panel_h, pad, top = 220, 150, 30, 40
    width = max(1, len(names)) * (panel_w + pad) + pad
    height = panel_h + top + 50
    colours = ["#2b8a3e", "#c92a2a", "#e67700", "#1971c2", "#6741d9", "#495057"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{pad}" y="18" font-size="13">{_esc(title)}</text>',
    ]
    for k, name in enumerate(names):
        scores = groups[name]
        counts = [0] * bins
        for s in scores:
            counts[min(bins - 1, max(0, int(s / 5.0 * bins)))] += 1
        peak = max(counts) or 1
        x0 = pad + k * (panel_w + pad)
        y0 = top + panel_h
        bar_w = panel_w / bins
        colour = colours[k % len(colours)]
        for b, c in enumerate(counts):
            h = panel_h * c / peak
            parts.append(
                f'<rect x="{x0 + b * bar_w + 1:.1f}" y="{y0 - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{c}</title></rect>'
            )
        parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x0 + panel_w}" y2="{y0}" stroke="#333"/>')
        for tick in range(6):
            tx = x0 + panel_w * tick / 5
            parts.append(f'<text x="{tx:.1f}" y="{y0 + 14}" text-anchor="middle">{tick}</text>')
        cut = x0 + panel_w * CORRECT_CUT / 5
        parts.append(
            f'<line x1="{cut:.1f}" y1="{top}" x2="{cut:.1f}" y2="{y0}" stroke="#888" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x0 + panel_w / 2:.1f}" y="{y0 + 32}" text-anchor="middle">'
            f"{_esc(name)} (n={len(scores)})</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_histogram(groups: dict[str, list[float]], *, bins: int = 10, width: int = 30) -> str:
    """The same distributions as a monospace histogram, for the markdown report."""
    lines = []
    for name, scores in groups.items():
        if not scores:
            continue
        counts = [0] * bins
        for s in scores:
            counts[min(bins - 1, max(0, int(s / 5.0 * bins)))] += 1
        peak = max(counts) or 1
        lines.append(f"{name} (n={len(scores)})")
        for b, c in enumerate(counts):
            lo, hi = 5.0 * b / bins, 5.0 * (b + 1) / bins
            bar = "#" * round(width * c / peak)
            lines.append(f"  {lo:3.1f}-{hi:3.1f} | {bar} {c}")
    return "\n".join(lines)


def write_reports(
    evaluation: Evaluation,
    *,
    name: str,
    meta: dict[str, Any],
    out_dir: Path = RESULTS_DIR,
) -> tuple[Path, Path, Path]:
    """Write <name>.md, <name>.json and <name>.svg; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, json_path, svg_path = (out_dir / f"{name}{ext}" for ext in (".md", ".json", ".svg"))
    payload = {**meta, "metrics": evaluation.to_json()}
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    svg_path.write_text(
        histogram_svg(evaluation.groups, title=f"{name}: score by {evaluation.column}"),
        encoding="utf-8",
    )
    lines = [f"# Grader evaluation: {name}", ""]
    if meta.get("llm_figures") is False and meta.get("grader_kind") == "llm":
        lines += [
            f"> **These are not LLM figures.** The LLM graded {meta['llm_graded']} of "
            f"{meta['graded_rows']} rows; {meta['fallbacks']} fell back to the offline grader.",
            "",
        ]
    for key in ("dataset", "split", "grader", "rows", "date", "command"):
        if key in meta:
            lines.append(
                f"- **{key}**: `{meta[key]}`" if key == "command" else f"- **{key}**: {meta[key]}"
            )
    lines += [f"- **graded**: {evaluation.n} (skipped: {evaluation.skipped})"]
    if "fallbacks" in meta:
        lines.append(
            f"- **fallbacks to offline**: {meta['fallbacks']}"
            + (
                f" · **graded by the LLM**: {meta['llm_graded']} "
                f"({meta['llm_share']:.0%} of graded rows)"
                if meta.get("grader_kind") == "llm"
                else ""
            )
        )
    lines.append("")
    lines += ["| metric | value | 95% CI |", "| --- | --- | --- |"]
    for key, value in evaluation.values.items():
        lo, hi = evaluation.ci.get(key, (float("nan"), float("nan")))
        lines.append(f"| {key} | {value:.3f} | {lo:.3f} to {hi:.3f} |")
    lines.append("")
    lines.append(
        "CIs: percentile bootstrap, 1000 resamples of whole questions (answers to one "
        "question are not independent)."
    )
    if "two_way" in evaluation.extra:
        tw = evaluation.extra["two_way"]
        lines += [
            "",
            f"Collapsed to 2-way (contradictory counts as incorrect): accuracy "
            f"{tw['accuracy']:.3f}, macro-F1 {tw['macro_f1']:.3f} "
            f"(CI {tw['macro_f1_ci'][0]:.3f} to {tw['macro_f1_ci'][1]:.3f}).",
        ]
    if "confusion" in evaluation.extra:
        labels = evaluation.extra["labels"]
        lines += ["", "Confusion (rows: human label, columns: grader):", ""]
        lines.append("| human \\ grader | " + " | ".join(labels) + " |")
        lines.append("| --- |" + " --- |" * len(labels))
        for t in labels:
            row = evaluation.extra["confusion"][t]
            lines.append(f"| {t} | " + " | ".join(str(row[p]) for p in labels) + " |")
    if "interview" in evaluation.extra:
        from .interview_eval import figures_markdown

        lines += [
            "",
            *figures_markdown(
                evaluation.extra["interview"], group_column=evaluation.extra.get("group_by")
            ),
        ]
    if "latency" in meta:
        lines += ["", f"Latency per answer (ms): {meta['latency']}"]
    lines += [
        "",
        f"## Score distribution by {evaluation.column}",
        "",
        f"![score distribution]({svg_path.name}) (hand-written SVG; text version below)",
        "",
        "```text",
        text_histogram(evaluation.groups),
        "```",
        "",
    ]
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return md_path, json_path, svg_path
