"""Features of one answer against one question's reference(s), from precomputed embeddings.

Pure: numpy and the text helpers only. The encoder (a model) runs elsewhere; the calibration
maps the vector returned by `answer_features` to P(correct).

Every feature is computed against each acceptable reference answer, and the reference that
matches best is kept: an answer only has to agree with one of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from interviewer.embedding.encoder import EncodedText

from .text import (
    NEGATIONS,
    STOP_WORDS,
    antonym_clashes,
    content_words,
    is_content,
    negation_count,
    numbers,
    stem,
    tokenize,
)

# Words that only repeat the question count this much (an answer that restates the question
# should not look like one that covers the reference).
QUESTION_DEMOTION = 0.3
# A reference token counts as "strongly matched" above this token cosine.
STRONG_TOKEN_MATCH = 0.7

FEATURE_NAMES: tuple[str, ...] = (
    "cos",  # answer vs reference, whole-text vectors
    "best_sentence_cos",  # best single answer sentence vs reference
    "soft_precision",  # BERTScore-like, question tokens demoted, stop words ignored
    "soft_recall",
    "soft_f1",
    "soft_recall_strong",  # share of reference tokens matched above STRONG_TOKEN_MATCH
    "lex_recall",  # reference content words found in the answer (question words demoted)
    "lex_recall_new",  # ... counting only reference words that are not in the question
    "lex_precision",  # answer content words (not from the question) found in the reference
    "cos_question",  # answer vs question
    "cos_gain",  # cos - cos_question: closer to the reference than to the question?
    "ref_cos_question",  # reference vs question (how much the reference restates it)
    "novelty",  # share of answer content words not in the question
    "negation_mismatch",  # one side negated, the other not
    "answer_negated",
    "reference_negated",
    "antonym_clash",
    "number_recall",  # reference numbers found in the answer (1 when it has none)
    "extra_numbers",  # the answer states numbers the reference and question do not
    "log_answer_words",
    "length_ratio",  # log of answer / reference content-word counts
    "residual_cos",  # cosine after projecting the question's direction out of both vectors
    "soft_recall_new",  # soft recall, reference tokens weighted by how unlike the question they are
    "soft_precision_new",  # soft precision, answer tokens weighted likewise
    "answer_echoes_question",  # share of answer tokens better matched in the question
    "worst_reference_match",  # the least-covered important reference token
    "best_clause_recall",  # soft recall of the best-covered reference clause
    "worst_clause_recall",  # ... of the least-covered clause
    "mean_clause_recall",
    "fuzzy_recall",  # reference content words found allowing misspellings ("evaperate")
    "log_reference_words",
    "question_why",  # the kind of question: why/explain ...
    "question_how",
    "question_what",  # what / which / identify / name
    "question_describe",
    "key_term_match",  # mean best match of the reference's 3 heaviest tokens
    "key_term_min",  # ... and the worst of them
    "log_reference_count",  # how many alternative references the question has
)

# Reference tokens that end a clause: an answer often gives one clause of a long reference.
_CLAUSE_BREAKS = frozenset(
    {
        ",",
        ";",
        ":",
        "so",
        "because",
        "and",
        "but",
        "which",
        "since",
        "therefore",
        "then",
        "if",
        "when",
        "while",
        "whereas",
        "thus",
        "hence",
        "(",
        ")",
    }
)


@dataclass(frozen=True)
class LexicalView:
    """The words of one text, prepared once (references and questions are cached)."""

    tokens: list[str]
    stems: frozenset[str]
    content: list[str]
    numbers: frozenset[str]
    negations: int

    @classmethod
    def of(cls, text: str) -> LexicalView:
        tokens = tokenize(text)
        return cls(
            tokens=tokens,
            stems=frozenset(stem(t) for t in tokens),
            content=content_words(text),
            numbers=frozenset(numbers(text)),
            negations=negation_count(tokens),
        )


@dataclass(frozen=True)
class Side:
    """A text with both its embedding and its lexical view."""

    encoded: EncodedText
    lexical: LexicalView


def token_weights(
    words: Sequence[str], demoted: frozenset[str], rarity: np.ndarray | None = None
) -> np.ndarray:
    """Weight of each token for soft alignment: 0 for stop words and punctuation,
    QUESTION_DEMOTION for words the question already says, else 1; times the word's rarity
    (common words such as "thing" count less than "evaporation")."""
    out = np.empty(len(words), dtype=np.float32)
    for i, word in enumerate(words):
        if not word or not any(c.isalnum() for c in word):
            out[i] = 0.0
        elif word in NEGATIONS:
            out[i] = 1.0
        elif word in STOP_WORDS or not is_content(word):
            out[i] = 0.0
        elif stem(word) in demoted:
            out[i] = QUESTION_DEMOTION
        else:
            out[i] = 1.0
    if rarity is not None and len(rarity) == len(out):
        out *= rarity
    return out


def _alignment_scores(
    sims: np.ndarray, answer_weights: np.ndarray, reference_weights: np.ndarray
) -> tuple[float, float, float, float]:
    """Greedy token matching (as BERTScore) on a (reference x answer) cosine matrix:
    precision, recall, F1 and the share of reference weight matched strongly."""
    best_for_ref = sims.max(axis=1)
    best_for_answer = sims.max(axis=0)
    rw, aw = reference_weights.sum(), answer_weights.sum()
    recall = float(best_for_ref @ reference_weights / rw) if rw > 0 else 0.0
    precision = float(best_for_answer @ answer_weights / aw) if aw > 0 else 0.0
    strong = float((best_for_ref >= STRONG_TOKEN_MATCH) @ reference_weights / rw) if rw else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1, strong


def soft_alignment(
    answer: EncodedText,
    reference: EncodedText,
    answer_weights: np.ndarray,
    reference_weights: np.ndarray,
) -> tuple[float, float, float, float]:
    """BERTScore-like precision, recall, F1 (and strong-match recall) of two texts."""
    if not len(answer.token_vectors) or not len(reference.token_vectors):
        return 0.0, 0.0, 0.0, 0.0
    sims = reference.token_vectors @ answer.token_vectors.T
    return _alignment_scores(sims, answer_weights, reference_weights)


def _question_likeness(tokens: np.ndarray, question: EncodedText) -> np.ndarray:
    """Per token, its best cosine to any question token (0 when there is no question)."""
    if not len(tokens) or not len(question.token_vectors):
        return np.zeros(len(tokens), dtype=np.float32)
    return np.clip((tokens @ question.token_vectors.T).max(axis=1), 0.0, 1.0)


def clause_ids(reference: EncodedText, weights: np.ndarray) -> np.ndarray:
    """Clause index of each reference token; clauses without a content token join the
    previous one."""
    ids = np.zeros(len(reference.token_words), dtype=np.int64)
    clause, has_content, prev_sentence = 0, False, 0
    for i, word in enumerate(reference.token_words):
        sentence = int(reference.token_sentence[i])
        if (word in _CLAUSE_BREAKS or sentence != prev_sentence) and has_content:
            clause, has_content = clause + 1, False
        prev_sentence = sentence
        ids[i] = clause
        has_content = has_content or weights[i] > 0
    if not has_content and clause > 0:  # a trailing clause of stop words joins the last one
        ids[ids == clause] = clause - 1
    return ids


def _residual_cos(a: np.ndarray, r: np.ndarray, q: np.ndarray) -> float:
    """Cosine of a and r once the question's direction q is projected out of both."""
    ra, rr = a - (a @ q) * q, r - (r @ q) * q
    na, nr = np.linalg.norm(ra), np.linalg.norm(rr)
    return float(ra @ rr / (na * nr)) if na > 1e-6 and nr > 1e-6 else 0.0


def _similar_spelling(a: str, b: str) -> bool:
    """Same word up to a typo: long enough, same start, edit ratio >= 0.8."""
    if len(a) < 5 or len(b) < 5 or a[:2] != b[:2] or abs(len(a) - len(b)) > 2:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.8


def _fuzzy_recall(needed: Sequence[str], have: frozenset[str]) -> float:
    if not needed:
        return 0.0
    found = sum(1 for w in needed if w in have or any(_similar_spelling(w, h) for h in have))
    return found / len(needed)


def _weighted_recall(needed: Sequence[str], have: frozenset[str], demoted: frozenset[str]) -> float:
    if not needed:
        return 0.0
    weights = [QUESTION_DEMOTION if w in demoted else 1.0 for w in needed]
    found = sum(wt for w, wt in zip(needed, weights, strict=True) if w in have)
    return found / sum(weights)


_WHY_RE = re.compile(r"\b(why|explain|reason)\b")
_HOW_RE = re.compile(r"\bhow\b")
_WHAT_RE = re.compile(r"\b(what|which|identify|name|list|who|where|when)\b")
_DESCRIBE_RE = re.compile(r"\b(describe|compare|contrast|difference|differences|tell)\b")


def question_kind_features(question: str) -> tuple[float, float, float, float]:
    """Cues of what the question asks for (several may fire): why, how, what, describe."""
    q = question.lower()
    return (
        float(bool(_WHY_RE.search(q))),
        float(bool(_HOW_RE.search(q))),
        float(bool(_WHAT_RE.search(q))),
        float(bool(_DESCRIBE_RE.search(q))),
    )


@dataclass(frozen=True)
class PreparedReference:
    """One reference with everything that does not depend on the answer."""

    side: Side
    weights: np.ndarray  # token weights (question words demoted, rarity applied)
    question_likeness: np.ndarray  # per token, best cosine to the question's tokens
    clauses: np.ndarray  # clause id per token
    heavy: np.ndarray  # indices of its 3 heaviest tokens
    new_content: list[str]  # content stems the question does not already say
    cos_question: float


@dataclass(frozen=True)
class PreparedQuestion:
    """A question and its acceptable references, ready to compare answers against."""

    question: Side
    demoted: frozenset[str]
    kind: tuple[float, float, float, float]
    references: list[PreparedReference]


def prepare(question: Side, references: Sequence[Side]) -> PreparedQuestion:
    """Precompute the answer-independent half of the features (cache the result)."""
    if not references:
        raise ValueError("a question needs at least one reference to compare answers with")
    demoted = frozenset(question.lexical.content)
    prepared = []
    for ref in references:
        enc = ref.encoded
        w = token_weights(enc.token_words, demoted, enc.token_rarity)
        heavy = np.argsort(-w, kind="stable")[:3]
        prepared.append(
            PreparedReference(
                side=ref,
                weights=w,
                question_likeness=_question_likeness(enc.token_vectors, question.encoded),
                clauses=clause_ids(enc, w),
                heavy=heavy[w[heavy] > 0],
                new_content=[c for c in ref.lexical.content if c not in demoted],
                cos_question=(
                    float(enc.vector @ question.encoded.vector)
                    if not question.encoded.empty and not enc.empty
                    else 0.0
                ),
            )
        )
    return PreparedQuestion(
        question=question,
        demoted=demoted,
        kind=question_kind_features(" ".join(question.lexical.tokens)),
        references=prepared,
    )


# The soft-alignment family, as `_token_features` names them.
TOKEN_FEATURES = (
    "soft_precision",
    "soft_recall",
    "soft_f1",
    "soft_recall_strong",
    "soft_recall_new",
    "soft_precision_new",
    "answer_echoes_question",
    "worst_reference_match",
    "best_clause_recall",
    "worst_clause_recall",
    "mean_clause_recall",
    "key_term_match",
    "key_term_min",
)


def _token_features(
    answer: EncodedText,
    aw: np.ndarray,
    a_q: np.ndarray,
    ref: PreparedReference,
) -> dict[str, float]:
    """The soft-alignment family of features (TOKEN_FEATURES), by name."""
    re_ = ref.side.encoded
    if not len(answer.token_vectors) or not len(re_.token_vectors):
        return dict.fromkeys(TOKEN_FEATURES, 0.0)
    rw = ref.weights
    sims = re_.token_vectors @ answer.token_vectors.T
    sp, sr, sf, strong = _alignment_scores(sims, aw, rw)
    _, sr_new, _, _ = _alignment_scores(sims, aw, rw * (1 - ref.question_likeness))
    sp_new, _, _, _ = _alignment_scores(sims, aw * (1 - a_q), rw)
    best_for_ref = sims.max(axis=1)
    best_for_answer = sims.max(axis=0)
    important = aw > 0
    echoes = float(np.mean(a_q[important] > best_for_answer[important])) if important.any() else 0.0
    ref_important = rw >= 1.0
    worst = float(best_for_ref[ref_important].min()) if ref_important.any() else sr
    totals = np.bincount(ref.clauses, weights=rw)
    found = np.bincount(ref.clauses, weights=rw * best_for_ref)
    clauses = found[totals > 0] / totals[totals > 0]
    if not len(clauses):
        clauses = np.array([sr])
    heavy = ref.heavy
    key_mean = float(best_for_ref[heavy].mean()) if len(heavy) else sr
    key_min = float(best_for_ref[heavy].min()) if len(heavy) else sr
    alignment = [sp, sr, sf, strong, sr_new, sp_new, echoes, worst]
    by_clause = [float(clauses.max()), float(clauses.min()), float(clauses.mean())]
    return dict(zip(TOKEN_FEATURES, [*alignment, *by_clause, key_mean, key_min], strict=True))


def reference_features(
    answer: Side,
    ref: PreparedReference,
    prepared: PreparedQuestion,
    *,
    answer_weights: np.ndarray,
    answer_question_likeness: np.ndarray,
) -> np.ndarray:
    """The feature vector (FEATURE_NAMES order) of an answer against one reference."""
    a, r, q = answer.lexical, ref.side.lexical, prepared.question.lexical
    ae, re_, qe = answer.encoded, ref.side.encoded, prepared.question.encoded
    qstems = prepared.demoted
    cos = float(ae.vector @ re_.vector)
    cos_q = float(ae.vector @ qe.vector) if not qe.empty else 0.0
    soft = _token_features(ae, answer_weights, answer_question_likeness, ref)
    answer_content = frozenset(a.content)
    lex_recall = _weighted_recall(r.content, answer_content, qstems)
    new_ref = ref.new_content
    lex_recall_new = (
        _weighted_recall(new_ref, answer_content, frozenset()) if new_ref else lex_recall
    )
    own = [w for w in a.content if w not in qstems]
    a_neg, r_neg = a.negations > 0, r.negations > 0
    values = {
        "cos": cos,
        "best_sentence_cos": float((ae.sentence_vectors @ re_.vector).max()),
        "lex_recall": lex_recall,
        "lex_recall_new": lex_recall_new,
        "lex_precision": sum(1 for w in own if w in r.stems) / len(own) if own else 0.0,
        "cos_question": cos_q,
        "cos_gain": cos - cos_q,
        "ref_cos_question": ref.cos_question,
        "novelty": len(own) / len(a.content) if a.content else 0.0,
        "negation_mismatch": float(a_neg != r_neg),
        "answer_negated": float(a_neg),
        "reference_negated": float(r_neg),
        "antonym_clash": float(antonym_clashes(a.stems, r.stems)),
        "number_recall": len(r.numbers & a.numbers) / len(r.numbers) if r.numbers else 1.0,
        "extra_numbers": float(bool(a.numbers - r.numbers - q.numbers)),
        "log_answer_words": math.log1p(len(a.content)),
        "length_ratio": math.log((1 + len(a.content)) / (1 + len(r.content))),
        "residual_cos": _residual_cos(ae.vector, re_.vector, qe.vector) if not qe.empty else cos,
        "fuzzy_recall": _fuzzy_recall(new_ref or r.content, answer_content),
        "log_reference_words": math.log1p(len(r.content)),
        "question_why": prepared.kind[0],
        "question_how": prepared.kind[1],
        "question_what": prepared.kind[2],
        "question_describe": prepared.kind[3],
        "log_reference_count": math.log(len(prepared.references)),
        **soft,
    }
    return np.array([values[name] for name in FEATURE_NAMES], dtype=np.float32)


def answer_features(answer: Side, prepared: PreparedQuestion) -> tuple[np.ndarray, int]:
    """Features against the best-matching reference, and that reference's index.

    "Best" is the highest mean of whole-text cosine and soft F1; taking one reference's whole
    vector (not a per-feature max) keeps the features consistent with each other.
    """
    enc = answer.encoded
    aw = token_weights(enc.token_words, prepared.demoted, enc.token_rarity)
    a_q = _question_likeness(enc.token_vectors, prepared.question.encoded)
    best: tuple[float, np.ndarray, int] | None = None
    for i, ref in enumerate(prepared.references):
        vec = reference_features(
            answer, ref, prepared, answer_weights=aw, answer_question_likeness=a_q
        )
        key = 0.5 * (vec[_COS] + vec[_SOFT_F1])
        if best is None or key > best[0]:
            best = (key, vec, i)
    assert best is not None
    return best[1], best[2]


_COS = FEATURE_NAMES.index("cos")
_SOFT_F1 = FEATURE_NAMES.index("soft_f1")
