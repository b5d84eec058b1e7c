"""Contradictions made from SemEval's own reference answers (opt-in training source).

The cross-encoder reads a one-word edit of the key point as entailing it ("terminal 1 is not
connected to the negative terminal" entails "... connected to the negative battery terminal"
at P 0.90). These pairs teach the opposite on SemEval's own wording: each acceptable
reference with its first opposite word swapped (`SWAPS`) or its first verb negated or
un-negated (`NEGATIONS`) contradicts the question's reference; Beetle's other acceptable
references entail it. Pure string edits over rows read in place from ../shared/datasets; the
pairs carry their question's group, so questions reserved for the score fit drop them too.

    python -m eval.train_entailment --reference-edits ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .datasets import load_semeval, semeval_available
from .entailment_data import CONTRADICT, ENTAIL, Pair, as_read

SOURCE = "edits"

SWAPS: tuple[tuple[str, str], ...] = (
    ("positive", "negative"),
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("higher", "lower"),
    ("more", "less"),
    ("open", "closed"),
    ("series", "parallel"),
    ("same", "different"),
    ("high", "low"),
    ("larger", "smaller"),
    ("bigger", "smaller"),
    ("hotter", "colder"),
    ("faster", "slower"),
    ("heavier", "lighter"),
    ("conductor", "insulator"),
    ("attract", "repel"),
    ("gains", "loses"),
    ("absorbs", "reflects"),
    ("before", "after"),
    ("inside", "outside"),
    ("longer", "shorter"),
    ("warmer", "cooler"),
)
_OPPOSITE = {a: b for a, b in SWAPS} | {b: a for a, b in SWAPS}
# Tried in order; the first that matches is applied once (un-negating comes first, so "is
# not" does not become "is not not").
NEGATIONS: tuple[tuple[str, str], ...] = (
    (r"\bis not\b", "is"),
    (r"\bare not\b", "are"),
    (r"\bwill not\b", "will"),
    (r"\bcannot\b", "can"),
    (r"\bdoes not\b", "does"),
    (r"\bis\b", "is not"),
    (r"\bare\b", "are not"),
    (r"\bwill\b", "will not"),
    (r"\bcan\b", "cannot"),
    (r"\bhas\b", "does not have"),
    (r"\bhave\b", "do not have"),
)


def swapped(text: str) -> str | None:
    """`text` with its first word from `SWAPS` replaced by its opposite; None if it has none."""
    parts = re.findall(r"\w+|\W+", text)
    for i, word in enumerate(parts):
        opposite = _OPPOSITE.get(word.lower())
        if opposite:
            parts[i] = opposite.capitalize() if word[0].isupper() else opposite
            return "".join(parts)
    return None


def negated(text: str) -> str | None:
    """`text` with its first negatable verb negated (or un-negated); None if it has none."""
    for pattern, replacement in NEGATIONS:
        if re.search(pattern, text, flags=re.I):
            return re.sub(pattern, replacement, text, count=1, flags=re.I)
    return None


def edit_pairs(point: str, alternatives: Sequence[str], *, group: str, question: str) -> list[Pair]:
    """Pairs for one question: edits of every reference contradict `point`; the other
    references entail it."""
    pairs = []
    references = [point, *(a for a in alternatives if a.strip() and a.strip() != point)]
    for j, reference in enumerate(references):
        for edit in (swapped(reference), negated(reference)):
            if edit and edit != reference:
                pairs.append(
                    Pair(point, as_read(edit), CONTRADICT, SOURCE, group, "edit", 1.0, question)
                )
        if j > 0:
            pairs.append(
                Pair(point, as_read(reference), ENTAIL, SOURCE, group, "alternative", 1.0, question)
            )
    return pairs


def reference_edit_pairs(datasets: Sequence[str] = ("scients", "beetle")) -> list[Pair]:
    """`edit_pairs` for every SemEval train question, in file order; [] without ../shared."""
    if not semeval_available():
        return []
    out: list[Pair] = []
    seen: set[str] = set()
    for name in datasets:
        for row in load_semeval(name, split="train"):
            group = f"{name}:{row.question_id}"
            if group in seen or not row.reference_answer.strip():
                continue
            seen.add(group)
            out += edit_pairs(
                row.reference_answer.strip(), row.alternatives, group=group, question=row.question
            )
    return out
