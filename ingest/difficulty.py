"""Difficulty marks in community banks: emoji, words, bracketed tags and legends.

Pure functions over strings. A question can carry several marks (`⭐️🚀`); the hardest wins,
because a bank that marks a question with two levels means "at least medium, sometimes hard".
"""

from __future__ import annotations

import re

from interviewer.models import Difficulty

EASY, MEDIUM, HARD = Difficulty.easy, Difficulty.medium, Difficulty.hard
ORDER = {EASY: 0, MEDIUM: 1, HARD: 2}

# Emoji marks seen in community banks. A legend line in the file may add or override these.
DEFAULT_MARKS: dict[str, Difficulty] = {
    "👶": EASY,
    "🐣": EASY,
    "🟢": EASY,
    "⭐": MEDIUM,
    "🌟": MEDIUM,
    "🟡": MEDIUM,
    "🟠": MEDIUM,
    "🚀": HARD,
    "🔥": HARD,
    "🔴": HARD,
}

WORDS: dict[str, Difficulty] = {
    "easy": EASY,
    "beginner": EASY,
    "basic": EASY,
    "elementary": EASY,
    "medium": MEDIUM,
    "intermediate": MEDIUM,
    "moderate": MEDIUM,
    "normal": MEDIUM,
    "hard": HARD,
    "difficult": HARD,
    "advanced": HARD,
    "expert": HARD,
}
_WORD = "|".join(WORDS)

# `[Easy]`, `(hard)`, `{Medium}`, `【Hard】`, optionally bold or code: a tag, never prose.
BRACKET_TAG = re.compile(
    rf"[*_`]*[\[(【{{]\s*[*_`]*\s*({_WORD})(?:\s+level)?\s*[*_`]*\s*[\])】}}][*_`]*", re.I
)
# `Difficulty: hard`, `level - easy`, `*difficulty: medium*`.
LABELLED_TAG = re.compile(
    rf"[*_]*\b(?:difficulty|level)\b[*_]*\s*[:=\-–]\s*[*_]*({_WORD})\b[*_]*", re.I
)
# A badge image whose alt text is a level: `![Easy](https://img.shields.io/...)`.
BADGE = re.compile(rf"!\[\s*({_WORD})\s*\]\([^)]*\)", re.I)
# A heading that only names a level: `## Easy`, `### Hard questions`, `## Medium level`.
LEVEL_HEADING = re.compile(
    rf"^\s*({_WORD})(?:\s+(?:level|questions?|problems?|ones|tier))*\s*:?\s*$", re.I
)


def hardest(levels: list[Difficulty]) -> Difficulty | None:
    return max(levels, key=ORDER.__getitem__) if levels else None


def word_level(text: str) -> Difficulty | None:
    """A level from a cell or field value: a word, an emoji mark, or 1-3."""
    value = text.strip().strip("*_`[]()").strip().lower()
    if not value:
        return None
    if value in WORDS:
        return WORDS[value]
    if value in {"1", "2", "3"}:
        return (EASY, MEDIUM, HARD)[int(value) - 1]
    return hardest(marks_in(value, DEFAULT_MARKS))


# Marks are symbols beyond Latin and general punctuation; English text has none, so a regex
# over this range is a fast first look.
_SYMBOLS = re.compile("[\u2000-\U0010ffff]")


def marks_in(text: str, marks: dict[str, Difficulty]) -> list[Difficulty]:
    return [marks[ch] for ch in _SYMBOLS.findall(text) if ch in marks]


_ANY_WORD = re.compile(rf"\b(?:{_WORD})\b", re.I)


def find_level(text: str, marks: dict[str, Difficulty]) -> Difficulty | None:
    """The level a question line declares with emoji, a bracketed or labelled tag, or a badge."""
    found = marks_in(text, marks)
    if has_level_word(text):  # the tag patterns are dearer; most lines name no level
        for pattern in (BRACKET_TAG, LABELLED_TAG, BADGE):
            found += [WORDS[m.group(1).lower()] for m in pattern.finditer(text)]
    return hardest(found)


def has_level_word(text: str) -> bool:
    """A level word anywhere (substring tests first: most lines have none)."""
    low = text.lower()
    return any(word in low for word in WORDS) and bool(_ANY_WORD.search(text))


def may_be_legend(line: str) -> bool:
    """Cheap test before `parse_legend`: two different level words on one short line."""
    if line.isascii() or len(line) > 300:  # a legend pairs words with symbols
        return False
    return len({w.lower() for w in _ANY_WORD.findall(line)}) >= 2


def strip_level_tags(text: str) -> str:
    """Remove word tags (`[Easy]`, `Difficulty: hard`, badges); emoji go with the emoji pass."""
    for pattern in (BADGE, BRACKET_TAG, LABELLED_TAG):
        text = pattern.sub(" ", text)
    return text


def level_heading(text: str) -> Difficulty | None:
    """`## Hard questions` sets the level of what follows instead of naming a topic."""
    match = LEVEL_HEADING.match(text)
    return WORDS[match.group(1).lower()] if match else None


_SYMBOL_FIRST = re.compile(rf"([^\w\s\x00-\u1fff])\s*[:=\-–]?\s*({_WORD})\b", re.I)
_WORD_FIRST = re.compile(rf"\b({_WORD})\s*[:=\-–]?\s*([^\w\s\x00-\u1fff])", re.I)


def parse_legend(line: str) -> dict[str, Difficulty] | None:
    """The marks a legend line defines (`Legend: 👶 easy ⭐️ medium 🚀 expert`), or None.

    A legend pairs at least two symbols with two different level words; the line itself is
    not a question.
    """
    text = line.replace("\u200d", " ").replace("\ufe0f", "")
    for pattern, symbol_group in ((_SYMBOL_FIRST, 1), (_WORD_FIRST, 2)):
        pairs = {
            m.group(symbol_group): WORDS[m.group(3 - symbol_group).lower()]
            for m in pattern.finditer(text)
        }
        if len(set(pairs.values())) >= 2:
            return pairs
    return None
