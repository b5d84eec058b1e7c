"""Pure word-level helpers for grading: words, stems, stop words and question words.

Sentence splitting lives in `interviewer.hygiene` (one splitter for every grader).

Nothing here imports numpy or a model, so guards and features can use it on the hot path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

# Negation words are deliberately NOT stop words: "is not connected" and "is connected" must
# differ for the contradiction features.
NEGATIONS: frozenset[str] = frozenset(
    {"not", "no", "never", "none", "nothing", "nobody", "neither", "nor", "without", "cannot"}
)

_STOP_WORD_TEXT = """
    a about again all also am an and any are as at be because been being both but by can could
    did do does doing down during each for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just let me might must my myself
    of off on once only or other ought our ours ourselves out own shall she should so some such
    than that the their theirs them themselves then there these they this those through to too
    until up upon very was we were what when where which while who whom why will with would you
    your yours yourself yourselves s t d ll m re ve y us may etc eg ie vs via get gets got make
    makes made well really basically actually like just thing things way one ones something
    someone
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_TEXT.split())

_WORD_RE = re.compile(r"\d+(?:[.,]\d+)*%?|[a-z]+(?:'[a-z]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers; "n't" becomes a separate "not" so negation is visible."""
    lowered = text.lower().translate(_APOSTROPHES)
    found = _WORD_RE.findall(lowered)
    if "'" not in lowered:
        return found  # every match is a non-empty word with nothing to split
    words: list[str] = []
    for word in found:
        if word.endswith("n't"):
            base = word[:-3]
            words.extend([{"ca": "can", "wo": "will", "sha": "shall"}.get(base, base), "not"])
        elif "'" in word and not word[0].isdigit():
            words.append(word.split("'", 1)[0])
        else:
            words.append(word)
    return [w for w in words if w]


_STEP1 = (
    ("ational", "ate"),
    ("tional", "tion"),
    ("ization", "ize"),
    ("isation", "ize"),
    ("izing", "ize"),
    ("ising", "ize"),
    ("ised", "ize"),
    ("ises", "ize"),
    ("ise", "ize"),
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ousness", "ous"),
    ("ation", "ate"),
    ("ness", ""),
    ("ment", ""),
)
_IRREGULAR = {
    "data": "data",
    "children": "child",
    "men": "man",
    "women": "woman",
    "mice": "mouse",
    "feet": "foot",
    "teeth": "tooth",
    "analyses": "analysis",
    "hypotheses": "hypothesis",
    "indices": "index",
    "matrices": "matrix",
    "vertices": "vertex",
    "bias": "bias",
    "biases": "bias",
    "less": "less",
    "loss": "loss",
    "lower": "low",
    "lowest": "low",
    "higher": "high",
    "highest": "high",
    "larger": "large",
    "largest": "large",
    "smaller": "small",
    "smallest": "small",
    "greater": "great",
    "greatest": "great",
}
_VOWEL_RE = re.compile(r"[aeiouy]")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light suffix stripper: enough that "evaporated", "evaporation" and "evaporates" meet.

    Porter-like but smaller; it only needs to be consistent, not linguistically right.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix, repl in _STEP1:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            break
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        if w.endswith(suffix):
            base = w[: -len(suffix)]
            if len(base) >= 3 and _VOWEL_RE.search(base):
                w = base
                # running -> run, stopped -> stop; but not "fall" -> "fal"
                if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                    w = w[:-1]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def is_content(word: str) -> bool:
    """A word that carries meaning: not a stop word, not a negation, not a lone letter."""
    return word not in STOP_WORDS and word not in NEGATIONS and (len(word) > 1 or word.isdigit())


def content_words(text: str) -> list[str]:
    """Stems of the content words of `text`, in order (duplicates kept)."""
    return [stem(w) for w in tokenize(text) if is_content(w)]


def question_words(question: str) -> frozenset[str]:
    """Stems an answer may merely repeat from the question; they count for less."""
    return frozenset(content_words(question))


def word_weights(
    words: Sequence[str], demoted: Iterable[str] = (), *, demotion: float = 0.3
) -> list[float]:
    """Weight per stem: 1, or `demotion` when the stem only echoes the question."""
    demoted = frozenset(demoted)
    return [demotion if w in demoted else 1.0 for w in words]


def numbers(text: str) -> set[str]:
    """Numbers written in the text, normalised ("1.50" -> "1.5", "3,000" -> "3000")."""
    found: set[str] = set()
    for raw in re.findall(r"(?<![a-z])\d+(?:[.,]\d+)*", text.lower()):
        value = raw.replace(",", "")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value)
    return found


def negation_count(words: Iterable[str]) -> int:
    """How many negation words a tokenised text holds."""
    return sum(1 for w in words if w in NEGATIONS)


# Pairs of opposites common in science and ML answers; one side in the answer and the other
# in the reference is a contradiction cue. Stems, as `stem` produces them.
ANTONYMS: tuple[tuple[str, str], ...] = (
    ("increas", "decreas"),
    ("more", "less"),
    ("more", "fewer"),
    ("high", "low"),
    ("large", "small"),
    ("great", "less"),
    ("big", "small"),
    ("open", "clos"),
    ("same", "different"),
    ("positive", "negative"),
    ("true", "false"),
    ("before", "after"),
    ("series", "parallel"),
    ("connect", "separat"),
    ("connect", "disconnect"),
    ("complete", "incomplete"),
    ("overfit", "underfit"),
    ("add", "remov"),
    ("rise", "fall"),
    ("gain", "los"),
    ("hot", "cold"),
    ("warm", "cool"),
    ("fast", "slow"),
    ("up", "down"),
    ("in", "out"),
    ("on", "off"),
    ("light", "heavy"),
    ("strong", "weak"),
    ("attract", "repel"),
    ("absorb", "reflect"),
    ("conductor", "insulator"),
    ("solid", "liquid"),
    ("liquid", "gas"),
    ("supervis", "unsupervis"),
    ("bias", "varianc"),
    ("precision", "recall"),
    ("linear", "nonlinear"),
)


def antonym_clashes(answer_words: Iterable[str], reference_words: Iterable[str]) -> int:
    """Opposite pairs where the answer uses one side and the reference only the other."""
    a, r = set(answer_words), set(reference_words)
    clashes = 0
    for x, y in ANTONYMS:
        if (x in a and y in r and y not in a and x not in r) or (
            y in a and x in r and x not in a and y not in r
        ):
            clashes += 1
    return clashes
