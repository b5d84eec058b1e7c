"""JSON and YAML banks: a list of objects, or an object holding such a list.

Accepted shapes:
- `[{"question": ..., "answer": ..., "category": ..., "difficulty": ..., "tags": [...]}, ...]`;
- `{"category": "Statistics", "questions": [...]}`: the holder's own fields are defaults;
- `{"Statistics": [...], "Deep learning": [...]}`: several lists, named by their category;
- items may be plain strings (questions without an answer).

Field names follow `ingest.fields` (`question`/`q`/`prompt`/`front`, `answer`/`a`/`back`, ...);
`--columns` renames them the same way as for CSV.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from ingest.entries import Defaults, Entry, build_questions
from ingest.errors import BankFormatError
from ingest.fields import NAMES, entry_from, field_for, normal_name
from ingest.result import ParsedBank, Skipped, excerpt

CONTAINERS = ("questions", "items", "cards", "data", "entries", "records", "bank", "qa", "faq")
LINE_KEY = "__line__"
EXPECTED = (
    "a list of objects with a question field (question, q, prompt, front, ...), or an object "
    "holding such a list under a key such as `questions`"
)


class _LineLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader that records the line of every mapping."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


class _Lines(list):
    """A YAML sequence that remembers the line of each item (plain strings have no dict)."""

    lines: list[int]


def _construct_sequence(loader, node):
    items = _Lines()
    items.lines = [child.start_mark.line + 1 for child in node.value]
    yield items
    items.extend(loader.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(path: Path, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BankFormatError(
            path,
            mark.line + 1 if mark is not None else None,
            "valid YAML",
            str(getattr(exc, "problem", None) or exc).split("\n")[0],
        ) from exc


def load_json(path: Path, text: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BankFormatError(path, exc.lineno, "valid JSON", exc.msg) from exc
    _attach_json_lines(text, data)
    return data


def _attach_json_lines(text: str, data: Any) -> None:
    """json has no positions: find each record's line from where its question key appears.

    Exact when each record names its question once (the usual case); otherwise records get
    the line of the list that holds them.
    """
    for records in _record_lists(data):
        dicts = [
            r for r in records if isinstance(r, dict) and any(field_for(k) == "question" for k in r)
        ]
        keys = {k for r in dicts for k in r if field_for(k) == "question"}
        if not keys:
            continue
        pattern = "|".join(re.escape(json.dumps(k)) for k in keys)
        starts = [m.start() for m in re.finditer(rf"(?:{pattern})\s*:", text)]
        if len(starts) != len(dicts):
            continue
        line, last = 1, 0
        for record, start in zip(dicts, starts, strict=True):
            line += text.count("\n", last, start)
            last = start
            record[LINE_KEY] = line


def _record_lists(data: Any) -> list[list]:
    if isinstance(data, list):
        return [data]
    if isinstance(data, dict):
        return [v for v in data.values() if isinstance(v, list)]
    return []


def _groups(path: Path, data: Any) -> list[tuple[dict[str, Any], list]]:
    """(defaults, records) pairs from the shapes in the module doc."""
    if isinstance(data, list):
        return [({}, data)]
    if not isinstance(data, dict):
        raise BankFormatError(path, 1, EXPECTED, type(data).__name__)
    lists = {k: v for k, v in data.items() if isinstance(v, list) and k != LINE_KEY}
    holder = {
        f: v for k, v in data.items() if not isinstance(v, list | dict) and (f := field_for(k))
    }
    for key in CONTAINERS:
        for k, v in lists.items():
            if normal_name(k) == key:
                return [(holder, v)]
    if len(lists) == 1:
        return [(holder, next(iter(lists.values())))]
    if len(lists) > 1:
        return [({**holder, "category": k}, v) for k, v in lists.items()]
    if any(field_for(k) == "question" for k in data):
        return [({}, [data])]
    raise BankFormatError(path, 1, EXPECTED, "an object with no list in it")


def _rename(record: dict[str, Any], columns: dict[str, str] | None) -> dict[str, Any]:
    """Our field names for a record's keys (explicit --columns first, then common names)."""
    out: dict[str, Any] = {}
    if columns:
        lowered = {normal_name(k): v for k, v in record.items()}
        for field, key in columns.items():
            if normal_name(key) in lowered:
                out[field] = lowered[normal_name(key)]
    for key, value in record.items():
        name = field_for(key)
        if name and name not in out:
            out[name] = value
    return out


def parse_records(
    path: Path, text: str, source: str, *, kind: str, columns: dict[str, str] | None = None
) -> ParsedBank:
    """Read a JSON (`kind="json"`) or YAML bank (see the module doc)."""
    data = load_json(path, text) if kind == "json" else load_yaml(path, text)
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for holder, records in _groups(path, data):
        holder_line = 1
        lines = getattr(records, "lines", None)
        for position, item in enumerate(records):
            if lines is not None:
                holder_line = lines[position]
            if isinstance(item, str):
                entries.append(entry_from(path, holder_line, {"question": item}, holder))
                continue
            if not isinstance(item, dict):
                skipped.append(
                    Skipped(holder_line, "an item that is not an object", excerpt(str(item)), True)
                )
                continue
            line = int(item.get(LINE_KEY, holder_line))
            holder_line = line
            record = _rename({k: v for k, v in item.items() if k != LINE_KEY}, columns)
            if not str(record.get("question") or "").strip():
                names = ", ".join(NAMES["question"][:5])
                keys = ", ".join(k for k in item if k != LINE_KEY)
                skipped.append(
                    Skipped(
                        line,
                        f"an object with no question field ({names}, ...)",
                        excerpt(keys),
                        True,
                    )
                )
                continue
            entries.append(entry_from(path, line, record, holder))
    questions = build_questions(entries, source, Defaults(), skipped)
    if not questions:
        raise BankFormatError(path, 1, EXPECTED)
    skipped.sort(key=lambda s: s.line)
    return ParsedBank(path, kind.upper(), questions, skipped)
