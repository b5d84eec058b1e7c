"""Guards against answers that must not earn credit, and against instructions to the grader.

Pure functions over strings (and similarities the grader has already computed). Each guard
returns a flag name from `Grade.flags` or None; `CAPPED_FLAGS` cap the score at `GUARD_CAP`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from interviewer import hygiene

from .text import STOP_WORDS, content_words, tokenize

EMPTY, IDK, RESTATED, OFF_TOPIC, GIBBERISH = "empty", "idk", "restated", "off_topic", "gibberish"
INJECTION, TRUNCATED = "injection", "truncated"
# Most of the answer was instructions to the grader.
INSTRUCTIONS = "instructions"
# Every sentence stays general (`vagueness.VAGUE_CUT`): not capped, the score model already
# weighs it; its covered points show as partly.
VAGUE = "vague"
CAPPED_FLAGS: frozenset[str] = frozenset({EMPTY, IDK, RESTATED, OFF_TOPIC, GIBBERISH, INSTRUCTIONS})
# An answer a guard caught scores at most this.
GUARD_CAP = 1.0
# An answer whose words are at least this share instructions to the grader is capped. Below
# it, the instructions are simply not graded: they earn nothing, and honest content keeps
# its credit (no penalty, so a false positive can cost an honest candidate little).
MOSTLY_INSTRUCTIONS = 0.5

GUARD_FEEDBACK: dict[str, str] = {
    EMPTY: "No answer was given.",
    IDK: "The answer says you don't know. Give it a try next time: partial answers earn credit.",
    RESTATED: "The answer restates the question without answering it.",
    OFF_TOPIC: "The answer is not about the question asked.",
    GIBBERISH: "The answer does not read as words, so it could not be graded.",
    INJECTION: (
        "The answer contained instructions to the grader; they were ignored and earn nothing. "
        "Only the answer itself is graded."
    ),
    INSTRUCTIONS: "The answer was mostly instructions to the grader rather than an answer.",
    TRUNCATED: "The answer was very long; only its beginning was graded.",
    VAGUE: (
        "Every sentence stays general: it names the topic but never says what happens, when "
        "or why. Name the mechanism, the condition or an example."
    ),
}

# --- injection: see interviewer/hygiene.py (one detector for both graders) ------------------

is_instruction = hygiene.is_instruction
strip_injection = hygiene.strip_injection
sanitise = hygiene.sanitise


def mostly_instructions(answer: str, removed: list[str]) -> bool:
    """Most of the answer addressed the grader: it is capped like a non-answer."""
    return hygiene.instruction_share(answer, removed) >= MOSTLY_INSTRUCTIONS


# --- empty, don't know, gibberish --------------------------------------------------------

_IDK_RE = re.compile(
    r"\b(?:i\s+(?:really\s+|honestly\s+|just\s+)?(?:do\s*not|don'?t|dont|cannot|can'?t|have\s+no)"
    r"\s+(?:know|idea|remember|recall|clue|say)|i\s*(?:'m|am)\s+(?:not\s+sure|unsure|clueless)"
    r"|no\s+(?:idea|clue)|not\s+sure|idk|dunno|never\s+heard\s+of\s+(?:it|this|that)"
    r"|(?:i\s+)?(?:have\s+)?no\s+experience\s+with\s+(?:it|this|that)"
    r"|i\s+(?:forgot|forget|have\s+forgotten|'ve\s+forgotten)|beats\s+me|i\s+give\s+up|no\s+comment)\b",
    re.I,
)
_SKIP_RE = re.compile(r"^\W*(?:pass|skip|next|n/?a|\?+|-+|\.+)\W*$", re.I)


def is_empty(answer: str) -> bool:
    return not any(c.isalnum() for c in answer)


def is_idk(answer: str) -> bool:
    """ "I don't know" and its cousins, when little else is said."""
    if _SKIP_RE.match(answer.strip()):
        return True
    if not _IDK_RE.search(answer):
        return False
    rest = _IDK_RE.sub(" ", answer)
    meaningful = [w for w in content_words(rest) if w not in _IDK_FILLER]
    return len(meaningful) <= 2


_IDK_FILLER = frozenset(
    {"sorry", "honest", "honestly", "answer", "question", "unfortunately", "sure", "think"}
)
_FILLER_TEXT = """
    blah bla asdf asd qwerty qwer lorem ipsum dolor foo bar baz xyz abc hmm hm um uh umm
    lol test testing aaa zzz xxx ok okay"""
_FILLER = frozenset(_FILLER_TEXT.split())
_VOWELS = set("aeiouy")
_CONSONANT_RUN_RE = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_REPEAT_RE = re.compile(r"(.)\1\1")


@lru_cache(maxsize=8192)
def _wordlike(word: str) -> bool:
    """Could this be a word (or an acronym such as SVM, or a known word)?"""
    if word.isupper() and len(word) <= 6:
        return True
    w = word.lower()
    if w in STOP_WORDS:
        return True
    if len(w) > 25 or _REPEAT_RE.search(w) or _CONSONANT_RUN_RE.search(w):
        return False
    return len(w) <= 3 or bool(_VOWELS & set(w))


def _without_code(answer: str) -> str:
    """Drop fenced code blocks and inline code: code is not prose but not gibberish either."""
    answer = re.sub(r"```.*?(```|$)", " ", answer, flags=re.S)
    return re.sub(r"`[^`]*`", " ", answer)


def is_gibberish(answer: str) -> bool:
    """Keyboard mashing, filler ("blah blah"), or one word repeated."""
    prose = _without_code(answer)
    words = re.findall(r"[A-Za-z]+", prose)
    if not words:
        # Only code, digits or symbols. Code and numbers may be answers; symbol soup is not.
        return not re.search(r"\w", answer)
    lower = [w.lower() for w in words]
    if sum(w in _FILLER for w in lower) / len(lower) >= 0.6:
        return True
    content = [w for w in lower if w not in STOP_WORDS]
    if content:
        top = max(Counter(content).values())
        if (len(content) >= 4 and len(set(content)) == 1) or (
            len(content) >= 8 and top / len(content) >= 0.6
        ):
            return True  # one word repeated ("blah blah blah blah")
    wordlike = sum(_wordlike(w) for w in words) / len(words)
    if len(words) <= 2:
        return wordlike == 0 and max(len(w) for w in words) >= 5
    if wordlike < 0.6:
        return True
    # Mashing that happens to have vowels ("asdf jkl sdfkj qweoiru") rarely uses stop words;
    # real prose of 6+ words almost always does, and keyword lists are short or comma-separated.
    stops = sum(w in STOP_WORDS for w in lower)
    has_punctuation = bool(re.search(r"[,.;:()\-]", prose))
    plain = [w.lower() for w in words if not (w.isupper() and len(w) <= 6)]
    return (
        len(lower) >= 3
        and stops == 0
        and not has_punctuation
        and bool(plain)
        and _unusual_share(plain) > 0.5
    )


# Letter pairs that are rare inside English words; mashing is full of them.
_RARE_BIGRAM_TEXT = """
    bq bx cb cf cg cj cp cv cw cx dx fj fq fv fx fz gq gv gx hx hz jb jc jd jf jg jh jk jl jm
    jn jp jq jr js jt jv jw jx jy jz kq kx kz lq lx mx mz pq pv px qb qc qd qe qf qg qh qj qk ql
    qm qn qo qp qq qr qs qt qv qw qx qy qz sx sz tq tx vb vc vd vf vg vh vj vk vm vn vp vq vt vw
    vx vz wq wv wx wz xb xd xg xj xk xm xn xq xr xs xv xw xz yq yv yz zb zc zd zf zg zj zk zm zn
    zp zq zr zs zt zv zw zx sd df fg hj"""
_RARE_BIGRAMS = frozenset(_RARE_BIGRAM_TEXT.split())


def _unusual_share(words: list[str]) -> float:
    """Share of words holding a letter pair that English words rarely have."""
    bad = 0
    for w in words:
        pairs = {w[i : i + 2] for i in range(len(w) - 1)}
        if pairs & _RARE_BIGRAMS:
            bad += 1
    return bad / len(words)


# --- restated, off topic (need similarities from the grader) -------------------------------


@dataclass(frozen=True)
class RelevanceThresholds:
    """Cut-offs for the relevance guards (checked on SemEval train: see eval/README.md)."""

    # Off topic: the answer is this far from both question and reference, and shares no
    # content word with them.
    off_topic_cosine: float = 0.15
    # Restated: nothing new beyond the question's words, and close to the question.
    restated_cosine: float = 0.75
    restated_novelty: float = 0.0


# Stems of the phrases a candidate stalls with ("That's a good question", "let me think"):
# they add nothing to a restated question, so they do not count as new words.
_STALLING = frozenset({"good", "great", "interest", "question", "think", "okay", "ok", "sure"})


def is_restated(
    answer: str,
    question: str,
    *,
    cos_question: float,
    cos_reference: float,
    thresholds: RelevanceThresholds = RelevanceThresholds(),
) -> bool:
    """The answer only repeats the question's words, and is close to the question (closer than
    to the reference) or asks it back."""
    a = content_words(answer)
    if not a:
        return False
    q = set(content_words(question))
    new = [w for w in a if w not in q and w not in _STALLING]
    if len(new) / len(a) > thresholds.restated_novelty:
        return False
    # A question made of the question's words asks it back, however far its embedding lands:
    # "Overfitting: how do you detect it and prevent it?" sat at cosine 0.7499. On SemEval
    # train, every answer of that form is graded incorrect.
    if answer.rstrip().endswith("?"):
        return True
    return cos_question >= thresholds.restated_cosine and cos_question >= cos_reference


def is_off_topic(
    answer: str,
    question: str,
    references: list[str],
    *,
    cos_question: float,
    cos_reference: float,
    thresholds: RelevanceThresholds = RelevanceThresholds(),
) -> bool:
    """Far from both the question and every reference, with no shared content word."""
    if max(cos_question, cos_reference) >= thresholds.off_topic_cosine:
        return False
    topic = set(content_words(question))
    for ref in references:
        topic.update(content_words(ref))
    return not (set(content_words(answer)) & topic)


def word_count(text: str) -> int:
    return len(tokenize(text))
