"""Read a bank file safely and tell which of the two formats it is in."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from ingest.errors import BankFormatError

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
MAX_FILE_BYTES = 5_000_000

QA_HEADING = re.compile(r"^##\s+Q\d+\s*[:.]")
CATEGORY_HEADING = re.compile(r"^#{1,6}\s*\**\s*\d+\.\s*(.+?)\s*$")


class BankFormat(StrEnum):
    qa = "qa"  # `## Qn: ...` headings with `**Answer**:` sections
    question_list = "list"  # numbered category headings with bulleted questions


def read_markdown(path: Path) -> str:
    """The file's text; refuse binaries, non-markdown names, huge files and bad encodings."""
    if path.suffix.lower() not in MARKDOWN_SUFFIXES:
        raise BankFormatError(
            path, None, f"a markdown file ({', '.join(MARKDOWN_SUFFIXES)})", path.suffix or "none"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BankFormatError(path, None, f"a bank file under {MAX_FILE_BYTES // 1_000_000} MB")
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


def detect_format(path: Path, text: str) -> BankFormat:
    in_code = False
    saw_category = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        if in_code:
            continue
        if QA_HEADING.match(line):
            return BankFormat.qa
        if CATEGORY_HEADING.match(line):
            saw_category = True
    if saw_category:
        return BankFormat.question_list
    raise BankFormatError(
        path,
        1,
        "a question bank: `## Q1: <question>` headings each followed by `**Answer**:` "
        "(Q&A document), or numbered headings like `### 1. Category` with `- question` bullets "
        "(question list)",
    )
