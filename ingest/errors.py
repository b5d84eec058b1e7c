"""Errors raised while reading a question bank. Each names the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path


class BankFormatError(ValueError):
    """A bank file is not in a format we can read, with the place and what was expected."""

    def __init__(self, path: Path | str, line: int | None, expected: str, found: str | None = None):
        self.path = str(path)
        self.line = line
        self.expected = expected
        self.found = found
        where = f"{self.path}:{line}" if line else self.path
        message = f"{where}: expected {expected}"
        if found is not None:
            shown = found if len(found) <= 60 else found[:57] + "..."
            message += f", found {shown!r}"
        super().__init__(message)
