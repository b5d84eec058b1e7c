"""One entry point for reading any bank file into questions."""

from __future__ import annotations

from pathlib import Path

from ingest.detect import BankFormat, detect_format, read_markdown
from ingest.list_parser import parse_list
from ingest.qa_parser import parse_qa
from interviewer.models import Question


def parse_file(path: Path | str) -> list[Question]:
    """Parse a Q&A document or a question list. Raises BankFormatError naming file and line."""
    path = Path(path)
    text = read_markdown(path)
    source = path.name
    if detect_format(path, text) is BankFormat.qa:
        return parse_qa(path, text, source)
    return parse_list(path, text, source)
