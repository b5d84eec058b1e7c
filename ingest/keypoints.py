"""Deterministic key-point extraction from a long markdown answer.

The rule, in order:
1. Code blocks, display maths (`$$ ... $$`) and table rows are never key points.
2. The answer is cut into sections at sub-headings (`### ...`) and at bold label lines
   (`**Forward Pass**:`); text before the first one is its own section.
3. In each section, candidates are ranked: a labelled sentence (`**Label**: claim`) first, then
   bullet or numbered items of at least four words, then the first sentence of each paragraph.
   A candidate under four words, or mostly maths, is dropped.
4. Sections are taken round-robin in document order, best candidate first, until six points are
   chosen; near-duplicates (same normalised text) are skipped. Each point is plain text, at most
   30 words, prefixed with its section label when the label adds context.
5. A sentence that only points elsewhere or introduces what follows ("refer to the above
   answer", "You can learn about convolutions below.", "It can be generated using two
   methods:") is never a key point: no answer can state it (`is_pointer`).

The same input always yields the same points; nothing here is random or learned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.markdown import collapse_space, plain_inline

MAX_POINTS = 6
MAX_WORDS = 30
MIN_WORDS = 4

_HEADING = re.compile(r"^#{3,6}\s+(.*)$")
_LABEL_ONLY = re.compile(r"^\s*\*\*([^*]+?)\*\*\s*(?:\([^)]*\))?\s*:?\s*$")
_LABEL_CLAIM = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?\*\*([^*]+?)\*\*\s*:?\s*(.+)$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]|✅|❌)\s+(.+)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_INLINE_MATHS = re.compile(r"\$[^$]+\$")
_NUMBERING = re.compile(r"^\d+[.)]\s*")
_OWN_LABEL = re.compile(r"^[^:]{1,40}: ")
_NON_WORDS = re.compile(r"\W+")
# "For specifics, refer to the above answer.", "You can learn about convolutions below."
_POINTS_ELSEWHERE = re.compile(
    r"\b(?:refer(?:s|red)?\s+to|see|read|learn|described|explained|discussed|mentioned|"
    r"shown|listed|covered)\b[^.;]*\b(?:above|below|following|previous\s+"
    r"(?:answer|question|section))\b",
    re.I,
)
# Short sentences that announce a list and say nothing themselves: "We can distinguish between
# two different ways of a cold start problem now.", "Other pooling techniques include:",
# "Here are some specific examples of how CNNs can be used". A short line ending in a colon
# is not enough: in a structured answer "Backward Pass: Propagate backwards using chain
# rule:" is a step, with its formula below.
_ANNOUNCES = re.compile(
    r"\b(?:two|three|four|five|several|many|various|a\s+few|different|some)\s+"
    r"(?:different\s+|available\s+|main\s+)?"
    r"(?:ways|methods|types|approaches|kinds|options|techniques|cases)\b[^,:;]*$",
    re.I,
)
_INTRODUCES = re.compile(
    r"^here\s+(?:is|are)\b|\b(?:the\s+following(?:\s+\w+){0,2}|as\s+follows|includes?|"
    r"looks?\s+like)\s*:?$",
    re.I,
)
ANNOUNCE_WORDS = 15


GENERIC_LABELS = {
    "how it works",
    "answer",
    "algorithm",
    "implementation",
    "example",
    "formula",
    "effect",
    "benefits",
    "pros",
    "cons",
    "problem",
    "solutions",
    "why it happens",
}


@dataclass
class _Section:
    label: str = ""
    heading: str = ""  # the enclosing `###` heading, used when the label says little
    labelled: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    firsts: list[str] = field(default_factory=list)

    def ranked(self) -> list[str]:
        return self.labelled + self.items + self.firsts


def _words(text: str) -> int:
    return len(text.split())


def _mostly_maths(raw: str) -> bool:
    if "$" not in raw:
        return False
    maths = sum(len(m) for m in _INLINE_MATHS.findall(raw))
    return maths > 0.4 * max(len(raw), 1)


def is_pointer(text: str) -> bool:
    """True for a sentence that points elsewhere or only introduces a list (rule 5)."""
    stripped = text.strip()
    if _POINTS_ELSEWHERE.search(stripped):
        return True
    if _words(stripped) > ANNOUNCE_WORDS:
        # A long sentence says something even when it ends by announcing a list
        # ("Bias-variance trade-off is a relationship between ... as small as possible:").
        return False
    return bool(_ANNOUNCES.search(stripped.rstrip(".!:")) or _INTRODUCES.search(stripped))


def _clip(text: str) -> str:
    words = text.split()
    if len(words) > MAX_WORDS:
        text = " ".join(words[:MAX_WORDS]).rstrip(",;:") + "…"
    return text


def _first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def _content_lines(markdown: str) -> list[str]:
    """Lines outside code blocks, display maths and tables."""
    out: list[str] = []
    in_code = in_maths = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        if stripped.startswith("$$"):
            if not (stripped.endswith("$$") and len(stripped) > 2):
                in_maths = not in_maths
            continue
        if in_maths or stripped.startswith("|"):
            continue
        out.append(line)
    return out


def _sections(markdown: str) -> list[_Section]:
    sections = [_Section()]
    paragraph_open = False
    for line in _content_lines(markdown):
        stripped = line.strip()
        if not stripped or stripped == "---":
            paragraph_open = False
            continue
        heading = _HEADING.match(stripped)
        label_only = _LABEL_ONLY.match(stripped)
        if heading or label_only:
            raw = (heading or label_only).group(1)  # type: ignore[union-attr]
            label = _NUMBERING.sub("", plain_inline(raw)).rstrip(":")
            parent = label if heading else sections[-1].heading
            sections.append(_Section(label=label, heading=parent))
            paragraph_open = False
            continue
        current = sections[-1]
        labelled = _LABEL_CLAIM.match(stripped)
        item = _ITEM.match(stripped)
        if labelled and _words(plain_inline(labelled.group(2))) >= 3:
            label, claim = plain_inline(labelled.group(1)), labelled.group(2)
            if label.lower() in GENERIC_LABELS:
                label = current.heading if current.heading != current.label else ""
            if not _mostly_maths(claim):
                claim = _first_sentence(plain_inline(claim))
                current.labelled.append(f"{label}: {claim}" if label else claim)
        elif item:
            if not _mostly_maths(item.group(1)):
                current.items.append(_first_sentence(plain_inline(item.group(1))))
        elif not paragraph_open and not _mostly_maths(stripped):
            current.firsts.append(_first_sentence(plain_inline(stripped)))
        paragraph_open = not (labelled or item)
    return sections


def _with_label(section: _Section, text: str) -> str:
    label = section.label
    if label.lower() in GENERIC_LABELS:
        label = section.heading
    if not label or text.lower().startswith(label.lower()):
        return text
    if _OWN_LABEL.match(text):  # already carries its own label
        return text
    return f"{label}: {text}"


def extract_key_points(markdown: str, max_points: int = MAX_POINTS) -> list[str]:
    """Pick up to `max_points` checkable claims from a markdown answer (see module doc)."""
    queues: list[list[str]] = []
    for section in _sections(markdown):
        ranked = [
            _clip(_with_label(section, text).rstrip(":"))
            for text in section.ranked()
            if _words(text) >= MIN_WORDS and not is_pointer(text)
        ]
        if ranked:
            queues.append(ranked)
    chosen: list[str] = []
    seen: set[str] = set()
    while queues and len(chosen) < max_points:
        for queue in list(queues):
            if not queue:
                queues.remove(queue)
                continue
            point = queue.pop(0)
            key = _NON_WORDS.sub(" ", point.lower()).strip()
            if key not in seen:
                seen.add(key)
                chosen.append(point)
            if len(chosen) >= max_points:
                break
    return chosen


def prose_sentences(markdown: str) -> list[str]:
    """Every sentence of at least four words outside code, tables and maths, in order.

    Used to top up the key points of a community answer written as one long paragraph, where
    the rule above finds only its first sentence.
    """
    out: list[str] = []
    paragraph: list[str] = []
    for line in [*_content_lines(markdown), ""]:
        stripped = line.strip()
        if stripped and not _HEADING.match(stripped):
            item = _ITEM.match(stripped)
            paragraph.append(item.group(1) if item else stripped)
            if not item:
                continue
        text = plain_inline(" ".join(paragraph))
        paragraph = []
        for sentence in _SENTENCE_END.split(text):
            sentence = sentence.strip()
            if (
                _words(sentence) >= MIN_WORDS
                and not _mostly_maths(sentence)
                and not is_pointer(sentence)
            ):
                out.append(_clip(sentence))
    return out


# Anything that could make a line more than a plain paragraph to the rules above.
_MARKUP = re.compile(r"[`*_$\[\]<>|#\\~]|^\s*(?:[-+✅❌]|\d+[.)])", re.M)


def plain_prose(markdown: str) -> tuple[list[str], list[str]] | None:
    """`(extract_key_points(md), prose_sentences(md))` computed directly for plain paragraphs
    (one line each, no markup at all), or None for anything else.

    For such text every rule above reduces to "first sentence of each paragraph" and "every
    sentence"; a community bank is mostly this, and the general path costs several times more.
    tests/test_keypoints.py checks both paths agree.
    """
    if _MARKUP.search(markdown):
        return None
    points: list[str] = []
    sentences: list[str] = []
    seen: set[str] = set()
    for line in markdown.splitlines():
        if not line.strip():
            continue
        # One split per paragraph serves both lists: its first part is the first sentence.
        parts = _SENTENCE_END.split(collapse_space(line))
        first = parts[0]
        if _words(first) >= MIN_WORDS and not is_pointer(first) and len(points) < MAX_POINTS:
            point = _clip(first.rstrip(":"))
            key = _NON_WORDS.sub(" ", point.lower()).strip()
            if key not in seen:
                seen.add(key)
                points.append(point)
        sentences.extend(
            _clip(s.strip())
            for s in parts
            if _words(s.strip()) >= MIN_WORDS and not is_pointer(s.strip())
        )
    return points, sentences
