"""Clean question text, tell a question from a label, and spot answers that are not answers.

Pure string functions shared by the markdown, tabular and record readers.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from ingest.difficulty import has_level_word, strip_level_tags
from ingest.markdown import plain_inline

# Pictographs, dingbats, misc symbols and their joiners/selectors: marks, never question text.
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\ufe0e\u200d\u20e3"
    "\U000e0020-\U000e007f]"
)
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
BARE_URL = re.compile(r"<?https?://\S+>?")
# `[[src](url)]`, `[[src]](url)`, `[src](url)`, `([1](url))`: source links, not question text.
SOURCE_WORDS = r"src|source|sources|link|answer|answers|ans|solution|ref|reference|\d{1,3}"
SOURCE_LINK = re.compile(rf"\(?\[{{1,2}}\s*(?:{SOURCE_WORDS})\s*\]{{1,2}}\([^)]*\)\]?\)?", re.I)
# `Q1:`, `Q.`, `Question 3 -`, `1)`, `12.`, `#4`: numbering before the question itself.
PREFIX = re.compile(
    r"^\s*(?:(?:Q(?:uestion)?|Ques)\s*#?\s*\d*\s*[:.)\-–]\s*|#?\d{1,4}\s*[.):\-–]\s*(?=\D))",
    re.I,
)
MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_HIDDEN = re.compile("[\ue000-\ue0ff]")
_OPENING_HASHES = re.compile(r"^#{1,6}\s+")
_CLOSING_HASHES = re.compile(r"\s#+\s*$")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_NOT_WORD = re.compile(r"[\W_]+")
_MARKERS_AND_SPACE = re.compile(r"[*_`\s]")
_NOT_MARKERS = re.compile(r"[^*_`\s]")
_FIRST_WORD = re.compile(r"\W*([A-Za-z']+)")

INTERROGATIVE = frozenset(
    re.findall(
        r"\S+",
        "what why how when where which who whom whose is are was were do does did can could "
        "should would will have has may might shall",
    )
)
IMPERATIVE = frozenset(
    re.findall(
        r"\S+",
        "explain describe compare contrast define list name implement write design derive give "
        "discuss outline tell walk show prove state summarize summarise differentiate "
        "distinguish illustrate suggest propose estimate calculate compute identify elaborate",
    )
)


def strip_markup(text: str) -> str:
    """Markdown and HTML to plain inline text (links keep their text, images go)."""
    # Escaped characters (`\_\_init\_\_`) are literal: hide them from the emphasis rules.
    escaped = "\\" in text
    if escaped:
        text = MD_ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), text)
    if "<" in text:
        text = HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "![" in text:
        text = IMAGE.sub(" ", text)
    text = plain_inline(text)  # collapses the spaces too
    if escaped:
        text = _HIDDEN.sub(lambda m: chr(ord(m.group(0)) - 0xE000), text)
    return text


@lru_cache(maxsize=65536)  # the reader asks about the same line more than once
def clean_question(raw: str) -> str:
    """A question line as plain text: no markup, emoji, level tags, source links or numbering."""
    # Each step runs only when its marker is present: this runs on every candidate line.
    text = raw.strip()
    if "<" in text:
        text = HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if text.startswith("#"):
        text = _OPENING_HASHES.sub("", text)
    if text.endswith("#"):
        text = _CLOSING_HASHES.sub("", text)  # closing hashes: `### Q1: ... ###`
    if "[" in text:
        text = SOURCE_LINK.sub(" ", text)
    if "![" in text or has_level_word(text):
        text = strip_level_tags(text)
    if "(" in text or "[" in text:
        text = _EMPTY_BRACKETS.sub(" ", text)
    if not text.isascii():
        text = EMOJI.sub(" ", _drop_residue_after_last_mark(text))
    text = strip_markup(text)
    for _ in range(2):  # `**Q1:** 1. What...` has two prefixes
        text = PREFIX.sub("", text, count=1)
    return text.strip(" \t-–—:|*_")


def _drop_residue_after_last_mark(text: str) -> str:
    """`... metric? ⭐️I**` has a stray letter after its mark; the mark ends the question."""
    marks = list(EMOJI.finditer(text))
    if not marks:
        return text
    tail = text[marks[-1].end() :]
    residue = _MARKERS_AND_SPACE.sub("", tail)
    if 0 < len(residue) <= 2 and residue.isalpha():
        return text[: marks[-1].end()] + _NOT_MARKERS.sub("", tail)
    return text


@lru_cache(maxsize=65_536)  # a contents entry, its section and the dedupe pass ask again
def loose_key(text: str) -> str:
    """Letters and digits only, lower case: `isn’t` and `isn't` are the same question."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def first_word(text: str) -> str:
    match = _FIRST_WORD.match(text)
    return match.group(1).lower() if match else ""


def reads_as_question(text: str) -> bool:
    """Plain text that asks something: ends with `?`, or opens like a question or a task."""
    text = text.strip()
    if text.endswith("?"):
        return True
    if text.endswith(":") or len(text.split()) < 3:
        return False
    return first_word(text) in INTERROGATIVE | IMPERATIVE


PLACEHOLDERS = re.compile(
    r"^(?:answer(?:s)?(?: goes)? here|your answer(?: here)?|add (?:an |the )?answer(?: here)?|"
    r"answer|todo|to do|tbd|tba|tbc|n/?a|wip|work in progress|coming soon|pending|empty|none|"
    r"no answer(?: yet)?|to be (?:added|written|done)|\?+|\.{2,}|…|-+|—|–)[.!:]*$",
    re.I,
)
FILLER = frozenset(
    re.findall(
        r"\S+",
        "answer answers src source sources link links here see read more solution ref reference "
        "references check this that refer to at click the article blog post video explanation "
        "details in on for a an and or below above full",
    )
)


def is_placeholder(text: str) -> bool:
    """`Answer here`, `TODO`, `...`: a slot for an answer nobody wrote."""
    if len(text) > 200 or len(text.split()) > 8:  # placeholders are short
        return False
    plain = strip_markup(text).strip(" \t()[]")
    return bool(plain) and bool(PLACEHOLDERS.match(plain))  # markup alone is not a slot


def is_link_only(text: str) -> bool:
    """An answer that only points elsewhere (`[[Answer]](url)`, `See [this post](url)`).

    Images are not links: a figure alone is an answer without text, reported as such.
    """
    if len(text) > 2000 or ("http" not in text and "](" not in text):
        return False
    if "![" in text:
        text = IMAGE.sub(" ", text)
    if not (LINK.search(text) or BARE_URL.search(text)):
        return False
    rest = HTML_TAG.sub(" ", text) if "<" in text else text
    rest = LINK.sub(" ", rest) if "](" in rest else rest
    rest = BARE_URL.sub(" ", rest) if "http" in rest else rest
    words = re.findall(r"[A-Za-z0-9']+", rest)
    return all(w.lower() in FILLER for w in words)
