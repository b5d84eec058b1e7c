"""The field names structured banks use, and turning one record into an Entry.

Shared by the CSV/TSV/Anki reader and the JSON/YAML reader, so `Front`, `prompt` and
`question` mean the same in both, and `--columns question=Front,answer=Back` works for both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ingest.cleaning import clean_question
from ingest.difficulty import word_level
from ingest.entries import Entry
from ingest.errors import BankFormatError

FIELDS = ("question", "answer", "category", "difficulty", "tags", "key_points")
NAMES: dict[str, tuple[str, ...]] = {
    "question": (
        "question",
        "questions",
        "q",
        "prompt",
        "front",
        "title",
        "question_text",
        "query",
        "text",
    ),
    "answer": (
        "answer",
        "answers",
        "a",
        "ans",
        "back",
        "response",
        "solution",
        "reference",
        "reference_answer",
        "model_answer",
        "explanation",
    ),
    "category": (
        "category",
        "categories",
        "topic",
        "deck",
        "section",
        "subject",
        "area",
        "domain",
        "group",
        "chapter",
    ),
    "difficulty": ("difficulty", "level", "difficulty_level", "complexity", "hardness"),
    "tags": ("tags", "tag", "keywords", "labels"),
    "key_points": ("key_points", "keypoints", "points", "key_ideas"),
}
LEVEL_HELP = "difficulty easy, medium or hard (or 1-3, or a mark 👶 ⭐️ 🚀)"


def normal_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def field_for(name: str) -> str | None:
    """Which of our fields a column or key name means, or None."""
    key = normal_name(name)
    for field, names in NAMES.items():
        if key in names:
            return field
    return None


def parse_columns(spec: str | None) -> dict[str, str] | None:
    """`question=Front,answer=Back,category=Deck` -> {"question": "Front", ...}.

    Raises ValueError with the fix when the spec is malformed.
    """
    if not spec:
        return None
    out: dict[str, str] = {}
    for part in spec.split(","):
        field, sep, column = part.partition("=")
        field = normal_name(field)
        if not sep or not column.strip():
            raise ValueError(
                f"--columns: expected field=Column pairs such as question=Front,answer=Back; "
                f"got {part!r}"
            )
        if field not in FIELDS:
            raise ValueError(
                f"--columns: unknown field {field!r}; the fields are {', '.join(FIELDS)}"
            )
        out[field] = column.strip()
    if "question" not in out:
        raise ValueError("--columns: name the question column, e.g. question=Front")
    return out


def split_tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [t for t in re.split(r"[,;]\s*|\s+(?=\S)", str(value).strip()) if t]


def text_of(value: Any) -> str:
    """A field value as text: lists become bullet lines (an answer given as points)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(f"- {text_of(v)}" for v in value)
    return str(value).strip()


def entry_from(
    path: Path,
    line: int,
    record: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> Entry:
    """An Entry from a record already keyed by our field names; bad levels are an error."""
    defaults = defaults or {}
    level_raw = record.get("difficulty") or defaults.get("difficulty")
    level = None
    tags = split_tags(record.get("tags"))
    if level_raw not in (None, ""):
        level = word_level(str(level_raw))
        if level is None:
            raise BankFormatError(path, line, LEVEL_HELP, str(level_raw))
    else:
        # A level among the tags (Anki decks often tag cards `hard`).
        for tag in tags:
            found = word_level(tag.split("::")[-1])
            if found is not None and not tag.isdigit():
                level = found
                tags = [t for t in tags if t != tag]
                break
    category = text_of(record.get("category") or defaults.get("category")) or None
    if category and "::" in category:  # Anki sub-decks: `ML::Statistics` -> `Statistics`
        category = category.split("::")[-1].strip() or None
    points = record.get("key_points")
    return Entry(
        text=clean_question(text_of(record.get("question"))),
        line=line,
        category=category,
        difficulty=level,
        answer=text_of(record.get("answer")),
        answer_line=line,
        tags=tags,
        key_points=[text_of(p) for p in points] if isinstance(points, list) else None,
    )
