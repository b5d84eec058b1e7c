"""Clean question text, tell a question from a label, and spot answers that are not answers.

Pure string functions shared by the markdown, tabular and record readers.
"""

from __future__ import annotations

import html
import re
import unicodedata

from ingest.difficulty import strip_level_tags
from ingest.markdown import collapse_space, plain_inline

# Pictographs, dingbats, misc symbols and their joiners/selectors: marks, never question text.
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\ufe0e\u200d\u20e3"
    "\U000e0020-\U000e007f]"
)
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
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
    text = MD_ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), text)
    text = html.unescape(HTML_TAG.sub(" ", text))
    text = IMAGE.sub(" ", text)
    text = plain_inline(text)
    text = re.sub("[\ue000-\ue0ff]", lambda m: chr(ord(m.group(0)) - 0xE000), text)
    return collapse_space(text)


def clean_question(raw: str) -> str:
    """A question line as plain text: no markup, emoji, level tags, source links or numbering."""
    text = html.unescape(HTML_TAG.sub(" ", raw))
    text = re.sub(r"^#{1,6}\s+", "", text.strip())
    text = re.sub(r"\s#+\s*$", "", text)  # closing hashes: `### Q1: ... ###`
    text = SOURCE_LINK.sub(" ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", strip_level_tags(text))
    text = _drop_residue_after_last_mark(text)
    text = EMOJI.sub(" ", text)
    text = strip_markup(text)
    for _ in range(2):  # `**Q1:** 1. What...` has two prefixes
        text = PREFIX.sub("", text, count=1)
    text = text.strip(" \t-–—:|*_")
    return collapse_space(text)


def _drop_residue_after_last_mark(text: str) -> str:
    """`... metric? ⭐️I**` has a stray letter after its mark; the mark ends the question."""
    marks = list(EMOJI.finditer(text))
    if not marks:
        return text
    tail = text[marks[-1].end() :]
    residue = re.sub(r"[*_`\s]", "", tail)
    if 0 < len(residue) <= 2 and residue.isalpha():
        return text[: marks[-1].end()] + re.sub(r"[^*_`\s]", "", tail)
    return text


def loose_key(text: str) -> str:
    """Letters and digits only, lower case: `isn’t` and `isn't` are the same question."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


def first_word(text: str) -> str:
    match = re.match(r"\W*([A-Za-z']+)", text)
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
    plain = strip_markup(text).strip(" \t()[]")
    return not plain or bool(PLACEHOLDERS.match(plain))


def is_link_only(text: str) -> bool:
    """An answer that only points elsewhere (`[[Answer]](url)`, `See [this post](url)`)."""
    if not (LINK.search(text) or BARE_URL.search(text)):
        return False
    rest = BARE_URL.sub(" ", LINK.sub(" ", HTML_TAG.sub(" ", text)))
    words = re.findall(r"[A-Za-z0-9']+", rest)
    return all(w.lower() in FILLER for w in words)
