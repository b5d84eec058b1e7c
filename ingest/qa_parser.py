"""Parser for Q&A documents: front matter, `## Qn: question` headings and `**Answer**:` sections.

Optional per-question extras (used by the bundled bank):
- a metadata line right after the heading: `*difficulty: hard · tags: a, b · kind: behavioural*`;
- a `**Key points**:` bullet list (authored key points; otherwise they are extracted, see
  `ingest.keypoints`);
- a `**Rubric**:` bullet list instead of an answer, for behavioural questions;
- authored follow-up probes, aligned with the key points (`probes[i]` belongs to key point i),
  written either as sub-bullets of a key point (`  - Follow-up: ...`; `Follow-ups:` and
  `Probe:` also work, several allowed) or as a `**Follow-ups**:` list after the key points,
  one bullet per key point in order (`- none` for a key point without one; sub-bullets add
  more probes to the same key point).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.categories import infer_category
from ingest.errors import BankFormatError
from ingest.keypoints import extract_key_points
from ingest.markdown import Line, plain_inline, scan_lines, split_front_matter
from interviewer.models import (
    Difficulty,
    Question,
    QuestionKind,
    ReferenceAnswer,
    ReferenceOrigin,
)

HEADING = re.compile(r"^##\s+Q(\d+)\s*[:.]\s*(.*?)\s*$")
ANY_H2 = re.compile(r"^##\s")
ANSWER = re.compile(r"^\s*\*\*Answer\*\*\s*:?\s*$|^\s*\*\*Answer:\*\*\s*$", re.I)
KEY_POINTS = re.compile(r"^\s*\*\*Key points\*\*\s*:?\s*$|^\s*\*\*Key points:\*\*\s*$", re.I)
RUBRIC = re.compile(r"^\s*\*\*Rubric\*\*\s*:?\s*$|^\s*\*\*Rubric:\*\*\s*$", re.I)
FOLLOW_UPS = re.compile(
    r"^\s*\*\*(?:Follow-?ups?|Follow-?up questions|Probes)(?:\*\*\s*:?|:\*\*)\s*$", re.I
)
PROBE_PREFIX = re.compile(r"^[*_]*(?:follow-?ups?|probes?)[*_]*\s*:[*_]*\s*", re.I)
NO_PROBE = re.compile(r"^(?:-+|—|–|none|n/?a|\(none\))\.?$", re.I)
META = re.compile(r"^\s*\*([a-z]+\s*:.*)\*\s*$", re.I)
BULLET = re.compile(r"^\s*[-*+]\s+(.+)$")
DIFFICULTY_WORDS = {d.value for d in Difficulty}


def file_defaults(meta: dict[str, Any]) -> tuple[str | None, Difficulty, list[str]]:
    """Category, difficulty and tags that the front matter sets for every question."""
    tags = [str(t) for t in meta.get("tags") or [] if str(t).strip()]
    difficulty = Difficulty.medium
    declared = str(meta.get("difficulty", "")).lower()
    hinted = [t.lower() for t in tags] + re.findall(r"\w+", str(meta.get("title", "")).lower())
    for word in [declared, *hinted]:
        if word in DIFFICULTY_WORDS:
            difficulty = Difficulty(word)
            break
    category = meta.get("category")
    topic_tags = [t for t in tags if t.lower() not in DIFFICULTY_WORDS]
    return (str(category) if category else None), difficulty, topic_tags


def _parse_meta_line(path: Path, line: Line) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in re.split(r"\s+[·|]\s+", META.match(line.text).group(1)):  # type: ignore[union-attr]
        key, sep, value = part.partition(":")
        if not sep:
            raise BankFormatError(path, line.number, "`key: value` pairs joined by ` · `", part)
        fields[key.strip().lower()] = value.strip()
    return fields


@dataclass
class _Bullet:
    """A `- ` bullet outside code: its indent, its first line's text and the lines that wrap it."""

    indent: int
    text: str
    wrapped: list[str] = field(default_factory=list)

    def plain(self, first: str | None = None) -> str:
        """The bullet as plain text, wrapped lines joined on (`first` replaces its first line)."""
        lines = [self.text if first is None else first, *self.wrapped]
        return " ".join(plain_inline(line) for line in lines)


def _bullet_items(lines: list[Line]) -> list[_Bullet]:
    """The bullets in `lines` outside code, in order; a non-blank line that is not a bullet
    wraps the bullet before it."""
    items: list[_Bullet] = []
    for line in lines:
        if line.in_code:
            continue
        match = BULLET.match(line.text)
        if match:
            items.append(_Bullet(_indent(line.text), match.group(1)))
        elif items and line.text.strip():
            items[-1].wrapped.append(line.text)  # a wrapped bullet
    return items


def _bullets(lines: list[Line]) -> list[str]:
    return [bullet.plain() for bullet in _bullet_items(lines)]


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _points_and_probes(lines: list[Line]) -> tuple[list[str], list[list[str]]]:
    """Key-point bullets, and the `Follow-up:` sub-bullets under each (aligned by index).

    Sub-bullets without a follow-up prefix stay key points, as they always were.
    """
    points: list[str] = []
    probes: list[list[str]] = []
    items = _bullet_items(lines)
    base = items[0].indent if items else 0
    for bullet in items:
        prefix = PROBE_PREFIX.match(bullet.text)
        if prefix and bullet.indent > base and points:
            probes[-1].append(bullet.plain(bullet.text[prefix.end() :]))
        else:
            points.append(bullet.plain())
            probes.append([])
    return points, probes


def _follow_up_list(
    path: Path, marker_line: int, lines: list[Line], n_points: int
) -> list[list[str]]:
    """`**Follow-ups**:` bullets, one per key point in order; sub-bullets add probes."""
    out: list[list[str]] = []
    items = _bullet_items(lines)
    base = items[0].indent if items else 0
    for bullet in items:
        probe = PROBE_PREFIX.sub("", bullet.text, count=1)
        if bullet.indent > base and out:
            out[-1].append(bullet.plain(probe))
        elif NO_PROBE.match(plain_inline(probe)):
            out.append([])  # a key point without a probe (its wrapped lines are dropped too)
        else:
            out.append([bullet.plain(probe)])
    if len(out) > n_points:
        raise BankFormatError(
            path,
            marker_line,
            f"at most one `- ` bullet under `**Follow-ups**:` per key point ({n_points} key "
            f"point{'s' if n_points != 1 else ''}); put several probes for one key point as "
            "sub-bullets under its bullet",
            f"{len(out)} bullets",
        )
    return out


def _merge_probes(nested: list[list[str]], listed: list[list[str]], n: int) -> list[list[str]]:
    """Both spellings together, aligned with the n key points; empty when there are none."""
    merged = [
        (nested[i] if i < len(nested) else []) + (listed[i] if i < len(listed) else [])
        for i in range(n)
    ]
    return merged if any(merged) else []


def _trim(lines: list[Line]) -> list[Line]:
    """Drop blank lines and `---` separators at both ends of a block."""

    def blank(line: Line) -> bool:
        return not line.in_code and line.text.strip() in ("", "---")

    while lines and blank(lines[0]):
        lines = lines[1:]
    while lines and blank(lines[-1]):
        lines = lines[:-1]
    return lines


def _split_blocks(body: list[Line]) -> dict[str, tuple[int, list[Line]]]:
    """Split a question's body at the `**Answer**:`, `**Key points**:` and `**Rubric**:` markers."""
    blocks: dict[str, tuple[int, list[Line]]] = {}
    current: str | None = None
    for line in body:
        marker = None
        if not line.in_code:
            if ANSWER.match(line.text):
                marker = "answer"
            elif KEY_POINTS.match(line.text):
                marker = "key_points"
            elif RUBRIC.match(line.text):
                marker = "rubric"
            elif FOLLOW_UPS.match(line.text):
                marker = "follow_ups"
        if marker:
            current = marker
            blocks[marker] = (line.number, [])
        elif current:
            blocks[current][1].append(line)
        elif line.text.strip():
            blocks.setdefault("preamble", (line.number, []))[1].append(line)
    return blocks


def _question(
    path: Path,
    source: str,
    number: int,
    heading: Line,
    text: str,
    body: list[Line],
    defaults: tuple[str | None, Difficulty, list[str]],
) -> Question:
    category, difficulty, tags = defaults
    kind = QuestionKind.technical
    lines = _trim(body)
    if lines and META.match(lines[0].text) and not lines[0].in_code:
        meta = _parse_meta_line(path, lines[0])
        lines = lines[1:]
        if "difficulty" in meta:
            if meta["difficulty"].lower() not in DIFFICULTY_WORDS:
                raise BankFormatError(
                    path, heading.number + 1, "difficulty easy, medium or hard", meta["difficulty"]
                )
            difficulty = Difficulty(meta["difficulty"].lower())
        if "tags" in meta:
            tags = [t.strip() for t in meta["tags"].split(",") if t.strip()]
        if "kind" in meta:
            value = meta["kind"].lower().replace("behavioral", "behavioural")
            if value not in {k.value for k in QuestionKind}:
                raise BankFormatError(
                    path, heading.number + 1, "kind technical or behavioural", meta["kind"]
                )
            kind = QuestionKind(value)
        category = meta.get("category", category)

    blocks = _split_blocks(lines)
    if "preamble" in blocks:
        number_, _ = blocks["preamble"]
        raise BankFormatError(
            path,
            number_,
            f"`**Answer**:` (or `**Rubric**:`) to start the answer to Q{number}",
            lines[0].text.strip(),
        )
    fields: dict[str, Any] = {
        "category": category or infer_category(text),
        "difficulty": difficulty,
        "tags": tags,
        "kind": kind,
        "line": heading.number,
    }
    if kind is QuestionKind.behavioural or ("rubric" in blocks and "answer" not in blocks):
        rubric = _bullets(blocks.get("rubric", (0, []))[1])
        fields["kind"] = QuestionKind.behavioural
        fields["rubric"] = rubric
        return Question.create(text, source, **fields)

    if "answer" not in blocks:
        raise BankFormatError(path, heading.number, f"`**Answer**:` after the heading of Q{number}")
    answer_line, answer_lines = blocks["answer"]
    answer_lines = _trim(answer_lines)
    answer = "\n".join(line.text for line in answer_lines).strip()
    if not answer:
        raise BankFormatError(path, answer_line, f"answer text under `**Answer**:` for Q{number}")
    nested: list[list[str]] = []
    if "key_points" in blocks:
        kp_line, kp_lines = blocks["key_points"]
        points, nested = _points_and_probes(kp_lines)
        if not 1 <= len(points) <= 6:
            raise BankFormatError(
                path,
                kp_line,
                "1 to 6 `- ` bullets under `**Key points**:`",
                f"{len(points)} bullets",
            )
    else:
        points = extract_key_points(answer)
        if not points:
            raise BankFormatError(
                path,
                answer_line,
                f"an answer to Q{number} with at least one sentence outside code blocks",
            )
    listed: list[list[str]] = []
    if "follow_ups" in blocks:
        fu_line, fu_lines = blocks["follow_ups"]
        listed = _follow_up_list(path, fu_line, fu_lines, len(points))
    try:
        fields["reference"] = ReferenceAnswer(
            text=answer,
            key_points=points,
            origin=ReferenceOrigin.authored,
            probes=_merge_probes(nested, listed, len(points)),
        )
        return Question.create(text, source, **fields)
    except ValidationError as exc:  # pragma: no cover - guarded above
        raise BankFormatError(path, heading.number, "a valid question", str(exc)) from exc


def parse_qa(path: Path, text: str, source: str) -> list[Question]:
    """Parse a Q&A document into questions with authored references."""
    meta, rest, consumed = split_front_matter(path, text)
    defaults = file_defaults(meta)
    lines = scan_lines(path, rest, offset=consumed)
    starts = [i for i, line in enumerate(lines) if not line.in_code and ANY_H2.match(line.text)]
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for pos, start in enumerate(starts):
        heading = lines[start]
        match = HEADING.match(heading.text)
        if not match:
            raise BankFormatError(
                path,
                heading.number,
                "a question heading like `## Q3: <question>`",
                heading.text.strip(),
            )
        number, question_text = int(match.group(1)), plain_inline(match.group(2))
        if not question_text:
            raise BankFormatError(path, heading.number, f"question text after `## Q{number}:`")
        end = starts[pos + 1] if pos + 1 < len(starts) else len(lines)
        question = _question(
            path, source, number, heading, question_text, lines[start + 1 : end], defaults
        )
        if question.id in seen:
            raise BankFormatError(
                path,
                heading.number,
                f"each question once (the same question is at line {seen[question.id]})",
            )
        seen[question.id] = heading.number
        questions.append(question)
    return questions
