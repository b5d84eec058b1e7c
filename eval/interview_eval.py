"""Interview-style evaluation: grade rows against a question bank, as an interview would.

`interviewer eval grader --bank PATH` uses this. A row needs only `question` and
`student_answer`: the question is looked up in the bank by its text (exactly, up to case,
spacing and trailing punctuation) and graded against that bank question's reference and key
points. Also here: the figures a blind interview answer set is judged by (mean score per kind
of answer, within-question pair order, figures per group of rows). Pure functions apart from
`BankIndex.from_paths`, which parses bank files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interviewer.models import Question, normalise_text

from . import metrics

if TYPE_CHECKING:
    from .datasets import GradedAnswer
    from .harness import Prediction

# Pairs of answers to one question whose human grades differ by at least this much are the
# pairs whose order a grader must get right.
PAIR_GAP = 1.5


class BankLookupError(ValueError):
    """A row's question is not in the bank; the message names the row."""


def _key(text: str) -> str:
    return " ".join(normalise_text(text).split())


@dataclass
class BankIndex:
    """Bank questions by normalised text."""

    questions: dict[str, Question]
    sources: list[str]

    @classmethod
    def from_paths(cls, paths: Sequence[Path]) -> BankIndex:
        """Parse every bank file under `paths` (files or folders)."""
        from ingest.parse import parse_file

        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files += sorted(p for p in path.rglob("*") if p.is_file() and _bank_file(p))
            elif path.is_file():
                files.append(path)
            else:
                raise BankLookupError(
                    f"--bank {path}: no such file or folder. Fix: pass a bank file or folder, "
                    "for example `--bank bank/`."
                )
        questions: dict[str, Question] = {}
        for file in files:
            for q in parse_file(file):
                questions.setdefault(_key(q.text), q)
        return cls(questions, [str(f) for f in files])

    def find(self, text: str) -> Question | None:
        """The bank question whose text matches `text` up to case and spacing."""
        return self.questions.get(_key(text))

    def lookup(self, row: GradedAnswer, number: int) -> Question:
        found = self.find(row.question)
        if found is None:
            shown = row.question if len(row.question) <= 90 else row.question[:87] + "..."
            raise BankLookupError(
                f"row {number} ({row.question_id}): question {shown!r} is not in the bank "
                f"({len(self.questions)} questions from {len(self.sources)} file(s)). Fix: use "
                "the bank question's exact text, or pass the bank that holds it with --bank."
            )
        return found


def _bank_file(path: Path) -> bool:
    return path.suffix.lower() in {".md", ".markdown", ".csv", ".tsv", ".json", ".yaml", ".yml"}


def target_values(predictions: Sequence[Prediction], column: str) -> list[float]:
    return [float(p.row.value(column)) for p in predictions]


def kind_means(
    predictions: Sequence[Prediction], *, kind_column: str, target_column: str
) -> dict[str, dict[str, float]]:
    """Per kind of answer: how many, the grader's mean score and the human mean."""
    by_kind: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        if p.score is not None:
            by_kind[p.row.value(kind_column) or "(none)"].append(p)
    out = {}
    for kind in sorted(by_kind):
        rows = by_kind[kind]
        out[kind] = {
            "n": len(rows),
            "grader_mean": round(sum(float(p.score or 0.0) for p in rows) / len(rows), 3),
            "human_mean": round(sum(target_values(rows, target_column)) / len(rows), 3),
        }
    return out


def pair_order(
    predictions: Sequence[Prediction], *, target_column: str, gap: float = PAIR_GAP
) -> dict[str, float]:
    """Within each question, over answer pairs whose human grades differ by >= `gap`: the
    share the grader puts in the same order (a tie counts half)."""
    by_question: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for p in predictions:
        if p.score is not None:
            human = float(p.row.value(target_column))
            by_question[p.row.question].append((human, float(p.score)))
    agree = 0.0
    pairs = 0
    for rows in by_question.values():
        for (h1, s1), (h2, s2) in combinations(rows, 2):
            if abs(h1 - h2) < gap:
                continue
            pairs += 1
            if s1 == s2:
                agree += 0.5
            elif (s1 > s2) == (h1 > h2):
                agree += 1.0
    return {"pairs": pairs, "pair_order": round(agree / pairs, 4) if pairs else float("nan")}


# A human grade this high means every point the grader marks "contradicted" is a false alarm.
GOOD_ANSWER = 4.0


def false_contradictions(
    predictions: Sequence[Prediction], *, target_column: str, good: float = GOOD_ANSWER
) -> dict[str, int]:
    """Answers the human graded >= `good`, and how many of them the grader marked with a
    contradicted key point: the honest candidates a strict-but-wrong grader punishes."""
    rows = [p for p in predictions if p.grade is not None]
    good_rows = [p for p in rows if float(p.row.value(target_column)) >= good]
    hit = [p for p in good_rows if any(v.verdict.value == "contradicted" for v in p.grade.verdicts)]  # type: ignore[union-attr]
    return {"good_answers": len(good_rows), "good_with_contradiction": len(hit)}


def agreement(
    predictions: Sequence[Prediction], *, target_column: str, n_boot: int = 1000
) -> dict[str, Any]:
    """Spearman, Pearson and MAE of the score against the human grade (0-5), each with a 95%
    bootstrap interval over questions."""
    rows = [p for p in predictions if p.score is not None]
    human = target_values(rows, target_column)
    score = [float(p.score) for p in rows]  # type: ignore[arg-type]
    if len(rows) < 3:
        return {"n": len(rows)}
    questions = [p.row.question for p in rows]
    out: dict[str, Any] = {"n": len(rows)}
    ci: dict[str, list[float]] = {}
    for name, metric in (
        ("spearman", metrics.spearman),
        ("pearson", metrics.pearson),
        ("mae", _mae),
    ):
        out[name] = round(metric(human, score), 4)
        # Whole questions are resampled: answers to one question are not independent.
        low, high = metrics.bootstrap_ci(metric, human, score, groups=questions, n_resamples=n_boot)
        ci[name] = [round(low, 4), round(high, 4)]
    out["ci"] = ci
    return out


def _mae(a: Any, b: Any) -> float:
    return float(sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a))


def interview_figures(
    predictions: Sequence[Prediction],
    *,
    target_column: str,
    kind_column: str | None = None,
    group_column: str | None = None,
) -> dict[str, Any]:
    """Everything a blind interview set reports, overall and per group of rows."""

    def figures(rows: Sequence[Prediction]) -> dict[str, Any]:
        out: dict[str, Any] = agreement(rows, target_column=target_column)
        out.update(pair_order(rows, target_column=target_column))
        out.update(false_contradictions(rows, target_column=target_column))
        if kind_column:
            out["kinds"] = kind_means(rows, kind_column=kind_column, target_column=target_column)
        return out

    result: dict[str, Any] = {"all": figures(predictions)}
    if group_column:
        groups: dict[str, list[Prediction]] = defaultdict(list)
        for p in predictions:
            groups[p.row.value(group_column)].append(p)
        result["groups"] = {g: figures(rows) for g, rows in sorted(groups.items())}
    return result


def _with_ci(r: dict[str, Any], name: str) -> str:
    value = r.get(name, float("nan"))
    low, high = r.get("ci", {}).get(name, (float("nan"), float("nan")))
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def figures_markdown(result: dict[str, Any], *, group_column: str | None = None) -> list[str]:
    """Markdown lines for `interview_figures` output."""
    lines = ["## Interview figures", ""]
    sections = [("all rows", result["all"])]
    sections += [(f"{group_column} = {g}", r) for g, r in result.get("groups", {}).items()]
    lines += [
        "| rows | n | Spearman [95% CI] | Pearson [95% CI] | MAE [95% CI] | pair order (pairs) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in sections:
        lines.append(
            f"| {name} | {r['n']} | {_with_ci(r, 'spearman')} | {_with_ci(r, 'pearson')} | "
            f"{_with_ci(r, 'mae')} | {r['pair_order']:.3f} ({r['pairs']}) |"
        )
    lines += [""] + [
        f"{name}: {r['good_with_contradiction']} of {r['good_answers']} answers graded "
        f">= {GOOD_ANSWER:g} by the human have a key point marked contradicted."
        for name, r in sections
        if "good_answers" in r
    ]
    if "kinds" in result["all"]:
        lines += ["", "Mean score per kind of answer (grader / human):", ""]
        names = [name for name, _ in sections]
        lines.append("| kind | " + " | ".join(names) + " |")
        lines.append("| --- |" + " --- |" * len(names))
        for kind in result["all"]["kinds"]:
            cells = []
            for _, r in sections:
                k = r.get("kinds", {}).get(kind)
                cells.append(f"{k['grader_mean']:.2f} / {k['human_mean']:.2f}" if k else "-")
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return lines
