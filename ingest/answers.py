"""Turn the answer text a bank gives into a reference, or decide it is not an answer.

An empty answer, a placeholder (`Answer here`) or a bare link is no answer: the question then
goes the way of any question from a list (retrieval, generation, or "no reference").
"""

from __future__ import annotations

import re

from ingest.cleaning import HTML_TAG, IMAGE, is_link_only, is_placeholder
from ingest.keypoints import (
    MAX_WORDS,
    extract_key_points,
    is_pointer,
    plain_prose,
    prose_sentences,
)
from interviewer.hygiene import split_sentences
from interviewer.models import ReferenceAnswer, ReferenceOrigin

NO_REFERENCE = ReferenceAnswer(origin=ReferenceOrigin.none)

# Lines that only separate or navigate: `<br/>`, `---`, `[back to top](#contents)`.
_SEPARATOR = re.compile(
    r"^\s*(?:<br\s*/?>|<hr\s*/?>|-{3,}|\*{3,}|_{3,}|"
    r"\**\[[^\]]*(?:back to top|top|⬆|↑)[^\]]*\]\(#[^)]*\)\**)\s*$",
    re.I,
)
# A label that opens the answer: `**Answer**:`, `A:`, `Solution:`, or `**Answer**` alone.
_LABEL = re.compile(r"^\s*[*_]*(?:A|Ans|Answer|Solution)[*_]*\s*:[*_]*\s*", re.I)
_LABEL_LINE = re.compile(r"^\s*[*_]*(?:Answer|Solution)[*_]*\s*$", re.I)
_FENCED = re.compile(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$")


def trim_answer(lines: list[str]) -> str:
    """The answer's markdown without separators at either end or an opening `Answer:` label."""
    start, end = 0, len(lines)

    def blank(line: str) -> bool:
        return not line.strip() or bool(_SEPARATOR.match(line))

    while start < end and blank(lines[start]):
        start += 1
    if start < end and _LABEL_LINE.match(lines[start]):
        start += 1
    elif start < end and (label := _LABEL.match(lines[start])):
        lines = [*lines[:start], lines[start][label.end() :], *lines[start + 1 :]]
    while start < end and blank(lines[start]):
        start += 1
    while end > start and blank(lines[end - 1]):
        end -= 1
    return "\n".join(lines[start:end]).strip()


def _for_key_points(answer: str) -> str:
    """HTML tags and images are layout, not claims: drop them before picking key points."""
    if "![" in answer:
        answer = IMAGE.sub(" ", answer)
    return HTML_TAG.sub(" ", answer) if "<" in answer else answer


def community_key_points(answer: str, wanted: int = 3) -> list[str]:
    """The deterministic key points, topped up to `wanted` with further prose sentences.

    Community answers are often one paragraph, where the section rule yields a single point;
    a reference with one point grades an answer on one sentence.
    """
    prose = unwrap(_for_key_points(answer))
    fast = plain_prose(prose)
    points = fast[0] if fast else extract_key_points(prose)
    if len(points) >= wanted:
        return points
    seen = {_norm(p) for p in points}
    for sentence in fast[1] if fast else prose_sentences(prose):
        if len(points) >= wanted:
            break
        key = _norm(sentence)
        if not any(key.startswith(s) or s.startswith(key) for s in seen):
            seen.add(key)
            points.append(sentence)
    return points


_BLOCK_START = re.compile(r"^\s*(?:[-*+>|#$]|\d+[.)]\s|```|~~~|\*\*|<)")


def unwrap(markdown: str) -> str:
    """Join hard-wrapped prose lines into one, so a sentence is never cut at a line end.

    Lists, headings, tables, quotes, maths, HTML, bold labels and code stay as they are.
    """
    out: list[str] = []
    in_code = False
    joinable = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            out.append(line)
            joinable = False
            continue
        if in_code or not stripped or _BLOCK_START.match(line):
            out.append(line)
            joinable = bool(stripped) and not in_code and not _BLOCK_START.match(line)
            continue
        if joinable:
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
        joinable = True
    return "\n".join(out)


_NON_WORDS = re.compile(r"\W+")


def _norm(text: str) -> str:
    return _NON_WORDS.sub(" ", text.lower()).strip()


def why_not_an_answer(answer: str) -> str | None:
    """The reason this text cannot serve as a reference, or None when it can."""
    if not answer.strip():
        return "no answer"
    if is_placeholder(answer):
        return f"placeholder answer {answer.strip()[:40]!r}"
    if is_link_only(answer):
        return "the answer is only a link"
    return None


# What a pointer-only answer points at: the answer before it ("refer to the above answer").
_POINTS_UP = re.compile(r"\b(?:above|previous|preceding|earlier)\b", re.I)


def _plain_words(answer: str) -> str:
    """The answer's words without code blocks, HTML, images or markdown marks, on one line."""
    prose = _FENCED.sub(" ", _for_key_points(answer))
    return " ".join(re.sub(r"[`*_#>|$]", " ", prose).split())


def points_to_answer_above(answer: str) -> bool:
    """True when the whole answer only sends the reader to the answer above it
    ("For specifics, refer to the above answer."): it has no claim of its own to grade."""
    sentences = split_sentences(_plain_words(answer))
    return bool(sentences) and all(is_pointer(s) and _POINTS_UP.search(s) for s in sentences)


def reference_from(
    answer: str, key_points: list[str] | None = None, *, checked: bool = False
) -> ReferenceAnswer:
    """An authored reference for a real answer; NO_REFERENCE for none, placeholders and links.

    `checked`: the caller already asked `why_not_an_answer`.
    """
    if not checked and why_not_an_answer(answer):
        return NO_REFERENCE
    points = [p for p in key_points or [] if p.strip()][:6] or community_key_points(answer)
    if not points:
        # A short answer ("Support vector machine.") still says something checkable.
        words = _plain_words(answer).split()
        if not words:
            return NO_REFERENCE
        points = [" ".join(words[:MAX_WORDS]) + ("…" if len(words) > MAX_WORDS else "")]
    return ReferenceAnswer(text=answer, key_points=points, origin=ReferenceOrigin.authored)
