"""A candidate's fragment in the form the entailment model learnt to read. Pure; no model.

Why: the cross-encoder was trained on fragments written as full sentences (every one of the
team's 10,131 domain fragments ends with a full stop), and it reads style as evidence. The
same wrong claim, "Data validation should happen after deployment, not before", is a
contradiction (P 0.97) written as a sentence, and an entailment (P 0.93) written as a note
without the full stop; fillers ("So, um, ...") and phone shorthand ("bc", "isnt") flipped it
the same way. On the dev answers rewritten as bullet notes, as speech and as fast phone typing
(eval/data/answers/dev_restyled.csv), wrong answers that use the right terms scored 2.6-4.2
of 5 instead of 0.5 in prose. So before the model reads a fragment it gets what a careful
reader supplies anyway: fillers dropped, shorthand and arrows read as words, missing
apostrophes restored, and a full stop at the end.

Only the entailment model's input changes: evidence quotes, guards and the candidate's
transcript keep the candidate's own words.
"""

from __future__ import annotations

import re

# Hesitation sounds, as whole words (never "er" or "ah": "ER diagram", "AH" are words too).
_HESITATION_RE = re.compile(r"(?<![\w'-])(?:u+m+|u+h+|uhm|erm|hmm+)(?![\w'-]),?", re.I)
# Discourse fillers, only where commas set them off: "you know the labels" is a claim.
_SET_OFF_RE = re.compile(r",\s*(?:you know|i mean|like)\s*,", re.I)
_ARROW_RE = re.compile(r"\s*(?:->|=>|\u2192|\u21d2|\u27f6)\s*")
_SHORTHAND = (
    (re.compile(r"\s+=\s+"), " is "),
    (re.compile(r"\s+\+\s+"), " and "),
    (re.compile(r"(?<![\w/])w/o(?![\w/])", re.I), "without"),
    (re.compile(r"(?<![\w/])w/(?=\s)", re.I), "with"),
    (re.compile(r"\b(?:bc|b/c|cuz|coz)\b", re.I), "because"),
    (re.compile(r"\bu\b"), "you"),  # lower case only: "U" may be a matrix
    (re.compile(r"\bur\b"), "your"),
    (re.compile(r"\bppl\b", re.I), "people"),
    (re.compile(r"\bavg\b", re.I), "average"),
)
# Negative contractions typed without the apostrophe ("isnt", "dont"): the negation matters.
_BARE_NOT_RE = re.compile(
    r"\b(is|are|was|were|do|does|did|has|have|had|should|would|could|must|need|ca)nt\b", re.I
)
_ENDS_RE = re.compile(r"[.!?][\"')\]]*$")
# What the removals leave behind: a space before punctuation, ", ,", doubled spaces.
_SPACE_BEFORE_RE = re.compile(r"\s+([,.;:!?])")
_COMMAS_RE = re.compile(r",(?:\s*,)+")
_SPACES_RE = re.compile(r"\s{2,}")


def entailment_text(fragment: str) -> str:
    """`fragment` as the entailment model should read it (see the module docstring)."""
    text = _SET_OFF_RE.sub(",", fragment)
    text = _HESITATION_RE.sub("", text)
    text = _ARROW_RE.sub(", so ", text)
    for pattern, words in _SHORTHAND:
        text = pattern.sub(words, text)
    text = _BARE_NOT_RE.sub(lambda m: m.group(1) + "n't", text)
    text = _SPACE_BEFORE_RE.sub(r"\1", text)
    text = _COMMAS_RE.sub(",", text)
    text = _SPACES_RE.sub(" ", text).strip().lstrip(",;: ")
    if text and not _ENDS_RE.search(text):
        text = text.rstrip(",;:") + "."
    return text
