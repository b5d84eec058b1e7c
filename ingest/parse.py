"""One entry point for reading any bank file into questions."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.detect import BankFormat, detect_format, read_text
from ingest.list_parser import parse_list
from ingest.qa_parser import parse_qa
from ingest.result import ParsedBank
from interviewer.models import Question

LAYOUT_NAMES = {BankFormat.qa: "Q&A document", BankFormat.question_list: "question list"}


def read_bank(
    path: Path | str, *, source: str | None = None, columns: dict[str, str] | None = None
) -> ParsedBank:
    """Parse any bank file: its questions and the blocks it skipped. Raises BankFormatError
    naming the file and line when nothing in it can be read as questions.

    `source` is the label questions carry (and their ids derive from); the file name by
    default. `columns` maps our fields to a CSV's columns or a record's keys.
    """
    path = Path(path)
    text = read_text(path)
    with _collector_paused():
        return _read(path, text, source or path.name, columns)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bank is parsed.

    Parsing allocates hundreds of thousands of small objects that all stay alive, so every
    collection the allocations trigger walks them and frees nothing; on a 10,000-question
    file that was up to a third of the parse. Reference counting still frees everything
    else, and the collector runs again (as before) once the parse is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(path: Path, text: str, source: str, columns: dict[str, str] | None) -> ParsedBank:
    layout = detect_format(path, text)
    if layout is BankFormat.qa:
        return ParsedBank(path, LAYOUT_NAMES[layout], parse_qa(path, text, source))
    if layout is BankFormat.question_list:
        return ParsedBank(path, LAYOUT_NAMES[layout], parse_list(path, text, source))
    if layout is BankFormat.table:
        from ingest.tabular import parse_table

        return parse_table(path, text, source, columns=columns)
    if layout in (BankFormat.json, BankFormat.yaml):
        from ingest.records import parse_records

        return parse_records(path, text, source, kind=layout.value, columns=columns)
    from ingest.structure import parse_structure

    return parse_structure(path, text, source)


def parse_file(path: Path | str) -> list[Question]:
    """The questions of a bank file (see `read_bank`)."""
    return read_bank(path).questions
