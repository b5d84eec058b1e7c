"""CSV, TSV and Anki "Notes in Plain Text" banks.

- The columns come from the header row (`question`, `Front`, `prompt`, ... see
  `ingest.fields`), or from `--columns question=Front,answer=Back,category=Deck`, which names
  header columns or 1-based positions.
- An Anki export is tab-separated with no header row. Newer Anki versions write `#key:value`
  lines first (`#separator:tab`, `#html:true`, `#deck column:3`, `#tags column:5`,
  `#columns:Front<TAB>Back`); older ones write none, and then the first field is the question,
  the second the answer and a third, if any, the tags.
- A file without a header whose first cell is not a question is refused with the fix, rather
  than storing its header as a question.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from ingest.cleaning import HTML_TAG, reads_as_question, strip_markup
from ingest.entries import Defaults, Entry, build_questions
from ingest.errors import BankFormatError
from ingest.fields import NAMES, entry_from, field_for, normal_name
from ingest.result import ParsedBank, Skipped, excerpt

ANKI_HEADER = re.compile(r"^#([a-z ]+):(.*)$", re.I)
SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
CLOZE = re.compile(r"\{\{c\d+::")


def looks_tabular(text: str) -> bool:
    """A `.txt` that is an Anki export or TSV, not markdown: tab-separated lines throughout."""
    lines = [line for line in text.splitlines()[:40] if line.strip()]
    if any(line.lower().startswith("#separator:") for line in lines[:10]):
        return True
    body = [line for line in lines if not ANKI_HEADER.match(line)]
    if not body:
        return False
    tabbed = sum("\t" in line for line in body)
    return tabbed >= 0.8 * len(body)


def anki_html(value: str) -> str:
    """Anki fields hold HTML: line breaks and blocks become new lines, other tags go."""
    value = re.sub(r"<br\s*/?>|</(?:div|p|li)>", "\n", value, flags=re.I)
    value = re.sub(r"<li[^>]*>", "- ", value, flags=re.I)
    value = HTML_TAG.sub("", value)
    return html.unescape(value).replace("\xa0", " ").strip()


def parse_table(
    path: Path,
    text: str,
    source: str,
    *,
    delimiter: str | None = None,
    columns: dict[str, str] | None = None,
) -> ParsedBank:
    """Read a CSV/TSV/Anki file (see the module doc)."""
    lines = text.splitlines()
    directives: dict[str, str] = {}
    skip_lines = 0
    for raw in lines:
        match = ANKI_HEADER.match(raw)
        if not match:
            break
        directives[match.group(1).strip().lower()] = match.group(2).strip()
        skip_lines += 1
    anki = bool(directives)
    if "separator" in directives:
        sep = directives["separator"]
        delimiter = SEPARATORS.get(sep.lower(), sep[:1] or "\t")
    if delimiter is None:
        delimiter = _sniff(text)
    body = "\n".join(lines[skip_lines:])
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for row in reader:
            start = previous + 1 + skip_lines
            previous = reader.line_num
            if any(cell.strip() for cell in row):
                rows.append((start, row))
    except csv.Error as exc:
        raise BankFormatError(
            path,
            reader.line_num + skip_lines,
            "well-formed CSV (quote cells that hold the separator or new lines)",
            str(exc),
        ) from exc
    if not rows:
        raise BankFormatError(path, None, "rows of questions", "no rows")

    is_html = directives.get("html", "").lower() == "true"
    index, header_line = _column_map(path, rows, directives, columns, anki)
    skipped: list[Skipped] = []
    entries: list[Entry] = []
    data_rows = rows[1:] if header_line else rows
    if header_line:
        skipped.append(Skipped(header_line, "the header row", excerpt(delimiter.join(rows[0][1]))))
    for line, row in data_rows:
        record = {field: row[i].strip() if i < len(row) else "" for field, i in index.items()}
        if is_html or anki or path.suffix.lower() == ".txt":  # Anki exports keep HTML
            record = {k: anki_html(v) for k, v in record.items()}
        if not record.get("question"):
            skipped.append(Skipped(line, "a row with no question", excerpt(" | ".join(row)), True))
            continue
        if CLOZE.search(record["question"]):
            skipped.append(
                Skipped(line, "a cloze note, not a question with an answer", excerpt(row[0]))
            )
            continue
        entries.append(entry_from(path, line, record))
    questions = build_questions(entries, source, Defaults(), skipped)
    if not questions:
        raise BankFormatError(path, rows[0][0], "at least one row with a question")
    layout = (
        "Anki notes"
        if anki or path.suffix.lower() == ".txt"
        else ("TSV" if delimiter == "\t" else "CSV")
    )
    skipped.sort(key=lambda s: s.line)
    return ParsedBank(path, layout, questions, skipped)


def _sniff(text: str) -> str:
    sample = text[:4096]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if "\t" in sample else ","


def _column_map(
    path: Path,
    rows: list[tuple[int, list[str]]],
    directives: dict[str, str],
    columns: dict[str, str] | None,
    anki: bool,
) -> tuple[dict[str, int], int | None]:
    """{field: column index} and the header's line (None when there is no header row)."""
    first_line, first = rows[0]
    header = [normal_name(c) for c in first]
    if "columns" in directives:  # Anki's `#columns:Front<TAB>Back<TAB>Tags`
        header = [normal_name(c) for c in re.split(r"\t|,", directives["columns"])]
        named = {f: i for i, c in reversed(list(enumerate(header))) if (f := field_for(c))}
        return _with_anki_columns(named, directives), None
    if columns:
        index: dict[str, int] = {}
        for field, column in columns.items():
            if column.isdigit() and int(column) >= 1:
                index[field] = int(column) - 1
            elif normal_name(column) in header:
                index[field] = header.index(normal_name(column))
            else:
                raise BankFormatError(
                    path,
                    first_line,
                    f"a column named {column!r} for the {field} (from --columns)",
                    ", ".join(first),
                )
        uses_names = any(not c.isdigit() for c in columns.values())
        return index, first_line if uses_names else None
    named = {f: i for i, c in reversed(list(enumerate(first))) if (f := field_for(c))}
    if "question" in named and not anki:
        return {k: v for k, v in named.items() if k}, first_line
    # No header: the Anki convention (question, answer, tags), checked on the first cell.
    index = _with_anki_columns({"question": 0, "answer": 1}, directives)
    if not directives and len(first) >= 3:
        index["tags"] = 2
    cell = strip_markup(
        anki_html(first[index["question"]]) if index["question"] < len(first) else ""
    )
    if not anki and not reads_as_question(cell):
        names = ", ".join(NAMES["question"][:5])
        raise BankFormatError(
            path,
            first_line,
            f"a header row naming the question column ({names}, ...), or the columns named "
            "with --columns question=Front,answer=Back,category=Deck",
            ", ".join(first),
        )
    return index, None


def _with_anki_columns(index: dict[str, int], directives: dict[str, str]) -> dict[str, int]:
    """Shift the note fields past Anki's guid/notetype/deck/tags columns (`#deck column:3`)."""
    special: dict[str, int] = {}
    for key, field in (
        ("guid column", "guid"),
        ("notetype column", "notetype"),
        ("deck column", "category"),
        ("tags column", "tags"),
    ):
        value = directives.get(key, "")
        if value.isdigit():
            special[field] = int(value) - 1
    if not special:
        return index
    taken = set(special.values())
    free = (i for i in range(64) if i not in taken)
    fields = sorted((i, f) for f, i in index.items() if f not in ("category", "tags"))
    out = {f: next(free) for _, f in fields}
    if "category" in special:
        out["category"] = special["category"]
    if "tags" in special:
        out["tags"] = special["tags"]
    return out
