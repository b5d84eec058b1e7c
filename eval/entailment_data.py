"""Training pairs for the key-point entailment model: (key point, answer fragment, label).

The sources, all pure functions over rows read here:

- SemEval-2013 `train` (SciEntsBank and Beetle, read in place from ../shared/datasets): the
  reference answer is the key point, the student answer the fragment; correct -> entail,
  contradictory -> contradict, incorrect -> neutral (SemEval's "incorrect" covers partial,
  irrelevant and off-domain answers: none of them states the reference).
- The team's domain fragments (`eval/data/fragments/*.jsonl`): for each key point of the bundled
  bank's training categories, answer fragments that entail it (in plain words and in technical
  words), contradict it (swapped roles, reversed direction, wrong mechanism, negation, common
  misconceptions) or are related but do not address it. Written by helpers who never saw the
  grader's output.
- Derived neutrals: a fragment written for one key point, paired with a *different* key point
  of the same question, addresses something else. These teach "true and on-topic, but not this
  point", the commonest sentence in a real answer.
- Restatements: the key point itself, said with a lead-in ("I'd say ...") or followed by
  another point of the same question, entails it; another key point alone does not. Without
  these the model learned an artefact of the fragments: contradictions reuse the key point's
  words (swap one term) while entailing fragments paraphrase it, so a candidate who states
  the point in its own words was read as contradicting it.

- General fragments (`eval/data/general_fragments/*.jsonl`): the same kinds of fragment, with
  the derived neutrals and restatements made from them, for key points of interview
  questions the helpers invented on topics outside the bundled bank (statistics and
  experiments, NLP and vision, MLOps; never recommender systems or time series, the held-out
  categories), meant to teach the model to read a correct paraphrase on an unfamiliar topic
  as entailing (it reads many such paraphrases in the held-out categories as
  contradictions). Source "general": they always train and never move the held-out fragment
  questions. Opt-in (`train_entailment --general`): the one epoch trained with them read
  evidence better but ranked dev answers slightly worse, so the shipped model has not seen
  them (eval/README.md, "General fragments, tried and not shipped").

- Labelled answers (`eval/data/labels/*.jsonl`): for the blind training answers (and the
  team's set outside the held-out categories and the dev/test questions), a helper who had not
  written them marked every key point entails / partly / contradicts / absent, quoting the
  span; for an absent point, the sentence closest to it. These are the real distribution:
  (point, quote) pairs, and (point, closest sentence) as neutral hard negatives. A `partly`
  quote counts as a half-weight entailment.

Labels are indices into `LABELS`. The data hash (`data_hash`) covers every pair, so a model
card can say exactly what it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .datasets import load_semeval, semeval_available

LABELS = ("entail", "contradict", "neutral")
ENTAIL, CONTRADICT, NEUTRAL = range(3)
DATA_DIR = Path(__file__).resolve().parent / "data"
FRAGMENTS_DIR = DATA_DIR / "fragments"
GENERAL_DIR = DATA_DIR / "general_fragments"
GENERAL_SOURCE = "general"
LABELS_DIR = DATA_DIR / "labels"
_ANSWER_LABELS = {
    "entails": (ENTAIL, 1.0),
    "partly": (ENTAIL, 0.5),
    "contradicts": (CONTRADICT, 1.0),
}
_SEMEVAL_LABELS = {"correct": ENTAIL, "contradictory": CONTRADICT, "incorrect": NEUTRAL}


@dataclass(frozen=True)
class Pair:
    key_point: str
    fragment: str
    label: int
    source: str  # "scients", "beetle", "fragments", "derived", "restated", "labels", "general"
    group: str  # the question it belongs to: folds never split a question
    style: str = ""
    weight: float = 1.0
    question: str = ""  # the question the point answers (`build_pairs` fills it)

    def as_json(self) -> dict[str, object]:
        # No "question": it comes from the same rows (SemEval's CSV, the fragment's group),
        # so the data hash of a model trained without it stays what its card says.
        return {
            "key_point": self.key_point,
            "fragment": self.fragment,
            "label": LABELS[self.label],
            "source": self.source,
            "group": self.group,
            "style": self.style,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Fragment:
    question: str
    key_point: str
    label: str
    style: str
    text: str


def jsonl_rows(folder: Path, labels: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Every row of `folder/*.jsonl` in file and line order (blank lines skipped); a row whose
    "label" is not in `labels` is an error naming its file and line."""
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in labels:
                raise ValueError(f"{path}:{n}: label {row.get('label')!r} is not one of {labels}")
            yield row


def read_fragments(folder: Path = FRAGMENTS_DIR) -> list[Fragment]:
    """Every fragment in `folder/*.jsonl`, in file and line order."""
    return [
        Fragment(
            question=row["question"],
            key_point=row["key_point"],
            label=row["label"],
            style=row.get("style", ""),
            text=row["text"].strip(),
        )
        for row in jsonl_rows(folder, LABELS)
    ]


def semeval_pairs(datasets: Sequence[str] = ("scients", "beetle")) -> list[Pair]:
    """SemEval train rows as (reference, student answer) pairs."""
    if not semeval_available():
        return []
    pairs = []
    for name in datasets:
        for row in load_semeval(name, split="train"):
            label = _SEMEVAL_LABELS[row.value("label")]
            answer = row.student_answer.strip()
            if answer and row.reference_answer:
                pairs.append(
                    Pair(
                        row.reference_answer,
                        answer,
                        label,
                        name,
                        f"{name}:{row.question_id}",
                        question=row.question,
                    )
                )
    return pairs


# A fragment that states only part of its point is half a lesson in "entails": the grader
# should read it as `partly`, as the labelled answers' half-weight `partly` quotes teach.
_STYLE_WEIGHTS = {"partial": 0.5}


def fragment_pairs(fragments: Iterable[Fragment]) -> list[Pair]:
    return [
        Pair(
            f.key_point,
            f.text,
            LABELS.index(f.label),
            "fragments",
            f.question,
            f.style,
            _STYLE_WEIGHTS.get(f.style, 1.0),
        )
        for f in fragments
    ]


def as_read(fragment: str) -> str:
    """`fragment` as the grader's cross-encoder reads an answer window: split and cleaned as
    an answer is (list markers and markdown gone), then in canonical form. Training on what
    inference sees: the model once read a note without a full stop as entailing."""
    from interviewer.grading.canonical import entailment_text
    from interviewer.hygiene import split_sentences

    return entailment_text(" ".join(split_sentences(fragment)) or fragment)


def derived_neutrals(fragments: Sequence[Fragment], *, per_point: int, seed: int) -> list[Pair]:
    """For each key point, `per_point` fragments written for other key points of the same
    question (entailing or contradicting those), labelled neutral for this one."""
    rng = random.Random(seed)
    by_question: dict[str, dict[str, list[Fragment]]] = defaultdict(lambda: defaultdict(list))
    for f in fragments:
        if f.label in ("entail", "contradict"):
            by_question[f.question][f.key_point].append(f)
    pairs = []
    for question in sorted(by_question):
        points = by_question[question]
        for point in sorted(points):
            others = [f for p in sorted(points) if p != point for f in points[p]]
            for f in rng.sample(others, min(per_point, len(others))):
                pairs.append(Pair(point, f.text, NEUTRAL, "derived", question, "other-point"))
    return pairs


_HEDGES = re.compile(r"\b(?:mainly|mostly|usually|typically|often|generally|largely) ")
_LEAD_INS = (
    "I'd say that",
    "As far as I know,",
    "The main thing is that",
    "Put simply,",
    "One key point:",
    "In practice,",
)


def restatement_pairs(fragments: Sequence[Fragment], *, seed: int) -> list[Pair]:
    """Per key point: itself with a lead-in, and followed by another point of its question
    (entail); another point alone (neutral)."""
    rng = random.Random(seed)
    points: dict[str, list[str]] = defaultdict(list)
    for f in fragments:
        if f.key_point not in points[f.question]:
            points[f.question].append(f.key_point)
    pairs = []
    for question in sorted(points):
        group = points[question]
        for point in group:
            lead = rng.choice(_LEAD_INS)
            said = (
                f"{lead} {point[0].lower()}{point[1:]}"
                if point[:2] != point[:2].upper()
                else f"{lead} {point}"
            )
            pairs.append(Pair(point, said, ENTAIL, "restated", question, "lead-in"))
            # The same point with its closing stop dropped or its hedging adverb removed: the
            # cross-encoder once read such near-copies as contradictions (contradicting
            # fragments are small edits of the point), and candidates who learned the point
            # say it almost verbatim.
            bare = point.rstrip(". ")
            if bare != point:
                pairs.append(Pair(point, bare, ENTAIL, "restated", question, "no-stop"))
            plain = _HEDGES.sub("", point)
            if plain != point:
                pairs.append(Pair(point, plain, ENTAIL, "restated", question, "no-hedge"))
            others = [p for p in group if p != point]
            if others:
                other = rng.choice(others)
                pairs.append(
                    Pair(point, f"{point} {other}", ENTAIL, "restated", question, "plus-other")
                )
                pairs.append(Pair(point, other, NEUTRAL, "restated", question, "other-point"))
    return pairs


def labelled_pairs(folder: Path = LABELS_DIR) -> list[Pair]:
    """(key point, quoted span) and (key point, closest sentence of an absent point) pairs."""
    pairs = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            label = row["label"]
            if label in _ANSWER_LABELS and row.get("quote"):
                index, weight = _ANSWER_LABELS[label]
                pairs.append(
                    Pair(
                        row["key_point"],
                        row["quote"],
                        index,
                        "labels",
                        row["question"],
                        label,
                        weight,
                    )
                )
            elif label == "absent" and row.get("closest"):
                pairs.append(
                    Pair(
                        row["key_point"],
                        row["closest"],
                        NEUTRAL,
                        "labels",
                        row["question"],
                        "closest",
                    )
                )
    return pairs


def build_pairs(
    *,
    fragments: Sequence[Fragment] | None = None,
    general: Sequence[Fragment] = (),
    semeval: bool = True,
    derived_per_point: int = 2,
    seed: int = 0,
    canonical: bool = True,
) -> list[Pair]:
    """All training pairs, in a deterministic order; with `canonical`, every fragment as the
    grader reads it (`as_read`)."""
    fragments = read_fragments() if fragments is None else fragments
    pairs = semeval_pairs() if semeval else []
    pairs += fragment_pairs(fragments)
    pairs += derived_neutrals(fragments, per_point=derived_per_point, seed=seed)
    pairs += restatement_pairs(fragments, seed=seed)
    pairs += labelled_pairs()
    pairs += general_pairs(general, derived_per_point=derived_per_point, seed=seed)
    # Every other source groups its pairs by the question's text.
    pairs = [p if p.question else replace(p, question=p.group) for p in pairs]
    if canonical:
        pairs = [replace(p, fragment=as_read(p.fragment)) for p in pairs]
    return pairs


def general_pairs(
    fragments: Sequence[Fragment], *, derived_per_point: int, seed: int
) -> list[Pair]:
    """The general fragments' pairs, derived neutrals and restatements, all as source
    "general" (after every other source, so the rest of the data keeps its order)."""
    made = fragment_pairs(fragments)
    made += derived_neutrals(fragments, per_point=derived_per_point, seed=seed)
    made += restatement_pairs(fragments, seed=seed)
    return [replace(p, source=GENERAL_SOURCE) for p in made]


def data_hash(pairs: Sequence[Pair]) -> str:
    """sha256 over the pairs' canonical JSON lines, in order."""
    digest = hashlib.sha256()
    for p in pairs:
        digest.update(json.dumps(p.as_json(), sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def label_counts(pairs: Sequence[Pair]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LABELS, 0))
    for p in pairs:
        out[p.source][LABELS[p.label]] += 1
    return {k: dict(v) for k, v in sorted(out.items())}
