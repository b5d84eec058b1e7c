"""Read a bank file safely and tell which layout it is in.

Markdown files go to one of three readers: the strict Q&A document (`## Q1:` headings with
`**Answer**:`), the strict question list (`### 1. Category` headings with `- question`
bullets), or the structural reader for everything else. The strict readers keep their exact
behaviour and error messages; a file is only sent to them when it is plainly in their layout.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from ingest.blocks import DETAILS_OPEN, HEADING, Q_LINE, bold_line
from ingest.cleaning import SOURCE_LINK, clean_question, reads_as_question
from ingest.errors import BankFormatError

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
TABLE_SUFFIXES = (".csv", ".tsv", ".tab")
RECORD_SUFFIXES = (".json", ".yaml", ".yml")
BANK_SUFFIXES = MARKDOWN_SUFFIXES + TABLE_SUFFIXES + RECORD_SUFFIXES
MAX_FILE_BYTES = 5_000_000

QA_HEADING = re.compile(r"^##\s+Q\d+\s*[:.]")
CATEGORY_HEADING = re.compile(r"^#{1,6}\s*\**\s*\d+\.\s*(.+?)\s*$")


class BankFormat(StrEnum):
    qa = "qa"  # `## Qn: ...` headings with `**Answer**:` sections
    question_list = "list"  # numbered category headings with bulleted questions
    structure = "structure"  # any other markdown: read by its structure
    table = "table"  # CSV, TSV, Anki plain-text export
    json = "json"
    yaml = "yaml"


def check_size(path: Path) -> int:
    """The file's size from stat, refusing a file over the limit before anything reads it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BankFormatError(
            path,
            None,
            f"a bank file under {MAX_FILE_BYTES // 1_000_000} MB; split it into smaller files",
            f"{size:,} bytes",
        )
    return size


def read_text(path: Path) -> str:
    """The file's text; refuse unknown kinds, huge files, binaries and bad encodings."""
    if path.suffix.lower() not in BANK_SUFFIXES:
        raise BankFormatError(
            path,
            None,
            f"a markdown file ({', '.join(MARKDOWN_SUFFIXES)}) or a CSV, TSV, JSON or YAML bank "
            f"({', '.join(TABLE_SUFFIXES + RECORD_SUFFIXES)})",
            path.suffix or "none",
        )
    check_size(path)
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise BankFormatError(path, None, "a text (markdown) file", "binary data")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankFormatError(path, line, "UTF-8 text; re-save the file as UTF-8") from exc
    if not text.strip():
        raise BankFormatError(path, None, "questions", "an empty file")
    return text


read_markdown = read_text  # the name earlier callers know


def detect_format(path: Path, text: str) -> BankFormat:
    """Which reader a file goes to, from its suffix and, for markdown, its headings."""
    from ingest.tabular import looks_tabular

    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES or (suffix == ".txt" and looks_tabular(text)):
        return BankFormat.table
    if suffix == ".json":
        return BankFormat.json
    if suffix in (".yaml", ".yml"):
        return BankFormat.yaml
    return markdown_layout(text)


def markdown_layout(text: str) -> BankFormat:
    """`## Q1:` anywhere means a Q&A document. Numbered headings that name categories, with
    no other kind of question in the file, mean a question list. Anything else is read by its
    structure."""
    in_code = False
    numbered = asked = 0
    other = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        if in_code:
            continue
        if QA_HEADING.match(line):
            return BankFormat.qa
        heading = HEADING.match(line)
        if heading:
            title = heading.group(2) or ""
            clean = clean_question(title)
            question_like = reads_as_question(clean) or bool(SOURCE_LINK.search(title))
            if CATEGORY_HEADING.match(line):
                numbered += 1
                asked += question_like
            elif question_like:
                other = True
        elif not other and (
            Q_LINE.match(line) or DETAILS_OPEN.search(line) or _bold_question(line)
        ):
            other = True
    if numbered and 2 * asked < numbered and not other:
        return BankFormat.question_list
    return BankFormat.structure


def _bold_question(line: str) -> bool:
    found = bold_line(line)
    return found is not None and reads_as_question(clean_question(found[0] + found[1]))
