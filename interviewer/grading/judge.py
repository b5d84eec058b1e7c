"""Per key point: does the answer entail it, contradict it, or not address it?

Pure logic around the entailment model (`entailment.py`), which reads a key point and one
window of the answer together:

1. `windows`: each sentence of the answer, and each pair of neighbouring sentences (a point is
   often made across two: "Bagging trains trees in parallel. That mostly cuts variance.").
2. `candidates`: per key point, the few windows closest to it by embedding similarity. Only
   those pairs go through the cross-encoder, which keeps a 300-word answer inside the
   latency budget: the embedding narrows, the cross-encoder decides.
3. Two stages: the closest window of every point first, then `open_points` (the other
   candidates of the points it did not cover), joined by `merge_stages`.
4. `judge`: per key point, the best entailing window, and the most contradicting one.
5. `verdict`: covered / partly / missed / contradicted from those probabilities.

`drop_restated_contradictions` corrects a known fault of the model: a window that only
restates the key point (no word the point lacks, no negation or opposite it lacks) is often
read as contradicting it, because the contradictions it was trained on are small edits of the
point. Such a window cannot contradict the point; its P(contradict) is set to 0.

Nothing here imports a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from interviewer.models import Verdict

from .text import antonym_clashes, content_words, negation_count, stem, tokenize

# Windows per key point sent to the cross-encoder. 2 and 3 agreed with the dev set equally
# (Spearman 0.795 and 0.797); 2 costs a third less.
CANDIDATES = 2
# With fewer points the pairs go further: an answer graded on one point (a follow-up) has it
# read against up to PAIR_BUDGET windows. The embedding's closest window is often not the one
# that states the point: in blind follow-up answers (dev) the entailing window ranked third or
# lower in a third of the misses.
PAIR_BUDGET = 6
# A window this far from a point by embedding cosine is about something else and earns it no
# credit: the cross-encoder gives many such on-topic sentences P(entail) > 0.5. On
# blind dev follow-up answers graded against a point of another question in the category,
# this floor cut false credit from 36% to 12% with 6 windows a point (19% with 2 and none);
# true credit stayed at 92%.
SIMILARITY_FLOOR = 0.25


@dataclass(frozen=True)
class Window:
    """Sentences start..end-1 of the answer, joined."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Thresholds:
    """Verdict cut-offs on the entailment probabilities (fitted by eval.fit_scoring)."""

    covered: float = 0.5
    partly: float = 0.25
    contradicted: float = 0.5
    # With several key points a muddled or casual sentence has several chances to read as
    # contradicting one of them, so a contradiction must be surer before it is shown to the
    # candidate. None: the same cut-off whatever the number of points.
    contradicted_multi: float | None = None

    def for_points(self, n_points: int) -> Thresholds:
        """The cut-offs for a question graded against `n_points` key points."""
        if n_points > 1 and self.contradicted_multi is not None:
            return replace(self, contradicted=self.contradicted_multi)
        return self


@dataclass(frozen=True)
class PointJudgement:
    """What the cross-encoder says of one key point against the whole answer."""

    entail: float  # the best window's P(entail)
    contradict: float  # the most contradicting window's P(contradict)
    entail_window: int  # index into the windows
    contradict_window: int
    similarity: float  # embedding cosine of the closest window

    def verdict(self, th: Thresholds) -> Verdict:
        # A contradiction stands only when no window states the point: a candidate who says
        # the right thing and then muddles it has still said it, and a sentence about another
        # part of the question often reads as "contradicting" a point it is not about.
        if self.entail >= th.covered:
            return Verdict.covered
        if self.contradict >= th.contradicted and self.contradict > self.entail:
            return Verdict.contradicted
        if self.entail >= th.partly:
            return Verdict.partly
        return Verdict.missed

    def credit(self) -> float:
        """Soft credit in [-1, 1]: entailed minus contradicted."""
        return self.entail - self.contradict


# Neighbouring sentences are joined only while the pair stays this short: a point spread over
# two sentences is usually made in short ones ("It trains in parallel. That cuts variance."),
# and long pairs are what makes the cross-encoder slow (its cost grows with the tokens).
PAIR_WORDS = 40


def windows(sentences: Sequence[str]) -> list[Window]:
    """Single sentences, then neighbouring pairs of at most PAIR_WORDS words."""
    out = [Window(i, i + 1, s) for i, s in enumerate(sentences)]
    out += [
        Window(i, i + 2, f"{sentences[i]} {sentences[i + 1]}")
        for i in range(len(sentences) - 1)
        if len(sentences[i].split()) + len(sentences[i + 1].split()) <= PAIR_WORDS
    ]
    return out


def window_vectors(sentence_vectors: np.ndarray, spans: Sequence[Window]) -> np.ndarray:
    """One L2-normalised vector per window: the normalised sum of its sentence vectors."""
    if not spans:
        return np.zeros((0, sentence_vectors.shape[1]), dtype=np.float32)
    rows = np.stack([sentence_vectors[w.start : w.end].sum(axis=0) for w in spans])
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


def candidates(similarity: np.ndarray, k: int | None = None) -> list[list[int]]:
    """Per key point (column of `similarity`, windows x points), its `k` closest windows,
    closest first. By default `k` shares PAIR_BUDGET among the points, never below
    CANDIDATES."""
    if similarity.size == 0:
        return [[] for _ in range(similarity.shape[1] if similarity.ndim == 2 else 0)]
    if k is None:
        k = max(CANDIDATES, PAIR_BUDGET // max(similarity.shape[1], 1))
    order = np.argsort(-similarity, axis=0, kind="stable")
    return [order[:k, j].tolist() for j in range(similarity.shape[1])]


def judge(
    chosen: Sequence[Sequence[int]],
    probabilities: np.ndarray,
    similarity: np.ndarray,
    floor: float = SIMILARITY_FLOOR,
) -> list[PointJudgement]:
    """Per key point, from the probabilities (rows in `chosen`'s flattened order, columns
    entail / contradict / neutral) of its candidate windows. A window below `floor` earns no
    credit (its P(entail) counts as 0); it may still contradict the point."""
    out = []
    row = 0
    for j, picks in enumerate(chosen):
        if not picks:
            out.append(PointJudgement(0.0, 0.0, -1, -1, 0.0))
            continue
        p = probabilities[row : row + len(picks)]
        row += len(picks)
        entail = np.where(similarity[picks, j] >= floor, p[:, 0], 0.0)
        e = int(np.argmax(entail))
        c = int(np.argmax(p[:, 1]))
        out.append(
            PointJudgement(
                entail=float(entail[e]),
                contradict=float(p[c, 1]),
                entail_window=picks[e],
                contradict_window=picks[c],
                similarity=float(similarity[picks[0], j]),
            )
        )
    return out


def open_points(
    chosen: Sequence[Sequence[int]], first: Sequence[PointJudgement], th: Thresholds
) -> list[list[int]]:
    """Per key point, the candidate windows still to read after the closest one: none when
    the closest already covers the point (no other window can change that verdict, though the
    soft credit and the score features no longer see them; the score model is fitted on this
    reading), else the rest. Reading in two stages spends the cross-encoder on the points
    still open: on the blind dev set, 8.3 pairs an answer instead of 10.2. (Dropping a far
    second window instead saved as much but cost honest answers: 12 of the dev answers graded
    >= 4 had a point marked contradicted, against 8, because the second window is often the
    one that states a point the closest window seems to contradict.)"""
    return [
        list(picks[1:]) if j.entail < th.covered else []
        for picks, j in zip(chosen, first, strict=True)
    ]


def merge_stages(
    first: Sequence[Sequence[int]],
    p_first: np.ndarray,
    rest: Sequence[Sequence[int]],
    p_rest: np.ndarray,
) -> tuple[list[list[int]], np.ndarray]:
    """Both stages' windows per point (first stage first) and their probabilities in the
    flattened order `judge` reads. Pure."""
    chosen, rows = [], []
    i = k = 0
    for a, b in zip(first, rest, strict=True):
        chosen.append([*a, *b])
        rows += [p_first[i : i + len(a)], p_rest[k : k + len(b)]]
        i, k = i + len(a), k + len(b)
    width = p_first.shape[1] if p_first.ndim == 2 else 3
    return chosen, np.concatenate(rows) if rows else np.zeros((0, width), dtype=np.float32)


# Words an answer may add to a key point without changing its claim.
_GENERIC = frozenset(
    stem(w)
    for w in (
        "method",
        "approach",
        "technique",
        "model",
        "data",
        "way",
        "kind",
        "type",
        "idea",
        "process",
        "step",
        "use",
        "used",
        "using",
        "basically",
        "simply",
        "essentially",
        "generally",
        "usually",
        "often",
        "called",
        "known",
    )
)


# Ways of saying "goes down" / "goes up", read as one word each so that "the variance goes
# down" restates "reduces variance" (and "goes up" is still its opposite).
_DIRECTIONS = (
    (
        re.compile(r"\b(?:go(?:es)?|went|gone|going|come[s]?|brings?|bringing)\s+down\b"),
        "decreases",
    ),
    (re.compile(r"\b(?:go(?:es)?|went|gone|going|come[s]?)\s+up\b"), "increases"),
    (re.compile(r"\b(?:reduc|lower|cut|shrink|drop|decreas)\w*"), "decreases"),
    (re.compile(r"\b(?:rais|grow|increas)\w*"), "increases"),
)


def _directions(text: str) -> str:
    text = text.lower()
    for pattern, word in _DIRECTIONS:
        text = pattern.sub(word, text)
    return text


@lru_cache(maxsize=4096)
def _claim(text: str) -> tuple[frozenset[str], bool]:
    """Content stems (directions read as one word) and whether the text is negated. Cached:
    a question's key points come back with every answer."""
    text = _directions(text)
    return frozenset(content_words(text)), negation_count(tokenize(text)) > 0


def restates(point: str, window: str) -> bool:
    """True when `window` says nothing the key point does not: every content word is the
    point's (or generic), and it adds no negation and no opposite of the point's words. Pure."""
    point_words, point_negated = _claim(point)
    window_words, window_negated = _claim(window)
    if window_words - point_words - _GENERIC or window_negated != point_negated:
        return False
    return antonym_clashes(window_words, point_words) == 0


def drop_restated_contradictions(
    pairs: Sequence[tuple[str, str]], probabilities: np.ndarray
) -> np.ndarray:
    """`probabilities` (rows in `pairs` order) with P(contradict) 0 where the window only
    restates the point."""
    out = probabilities.copy()
    for row, (point, window) in enumerate(pairs):
        if out[row, 1] > 0 and restates(point, window):
            out[row, 1] = 0.0
    return out


def pairs_for(
    points: Sequence[str], spans: Sequence[Window], chosen: Sequence[Sequence[int]]
) -> list[tuple[str, str]]:
    """(key point, window text) pairs in the order `judge` reads them."""
    return [(points[j], spans[i].text) for j, picks in enumerate(chosen) for i in picks]
