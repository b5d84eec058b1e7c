"""Ingest markdown files uploaded in the browser. No Streamlit here: the page draws the result.

Each upload is parsed in a temporary folder first; only files that parse are copied into
`<data dir>/uploads/` and ingested, so a bad upload stores nothing (neither questions nor the
file). Parser errors name the uploaded file and the line, as `interviewer ingest` does.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.detect import MARKDOWN_SUFFIXES, MAX_FILE_BYTES
from ingest.errors import BankFormatError

Progress = Callable[[str, int, int], None]


@dataclass
class UploadResult:
    accepted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per rejected file
    report: object | None = None  # ingest.pipeline.IngestReport for the accepted files


def safe_name(name: str) -> str:
    """The file name alone: an upload never chooses where it is written."""
    return Path(name.replace("\\", "/")).name.strip()


def _check_name(name: str, stored: dict[str, str], target: Path) -> str | None:
    if not name or name.startswith("."):
        return f"{name or '(no name)'}: expected a file name such as my-questions.md"
    if Path(name).suffix.lower() not in MARKDOWN_SUFFIXES:
        return (
            f"{name}: expected a markdown file ({', '.join(MARKDOWN_SUFFIXES)}). "
            "Fix: save the questions as markdown and upload that."
        )
    existing = stored.get(name)
    if existing is not None and Path(existing).resolve() != target.resolve():
        return (
            f"{name}: the bank already has a file of this name (from {existing}), and questions "
            "are keyed by file name. Fix: rename your file and upload it again."
        )
    return None


def ingest_uploads(
    bank,
    files: Sequence[tuple[str, bytes]],
    uploads_dir: Path,
    *,
    progress: Progress | None = None,
) -> UploadResult:
    """Validate, keep and ingest uploaded files; returns what happened to each."""
    from ingest.parse import parse_file
    from ingest.pipeline import ingest

    result = UploadResult()
    stored = bank.sources()
    keep: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="interviewer-upload-") as tmp:
        staging = Path(tmp)
        seen: set[str] = set()
        for raw_name, data in files:
            name = safe_name(raw_name)
            problem = _check_name(name, stored, uploads_dir / name)
            if problem is None and name in seen:
                problem = f"{name}: uploaded twice. Fix: upload each file once."
            if problem is None and len(data) > MAX_FILE_BYTES:
                problem = (
                    f"{name}: the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}. "
                    "Fix: split it into smaller files."
                )
            if problem is not None:
                result.errors.append(problem)
                continue
            seen.add(name)
            path = staging / name
            path.write_bytes(data)
            try:
                questions = parse_file(path)
            except BankFormatError as exc:
                result.errors.append(_relabel(str(exc), staging, name))
                continue
            if not questions:
                result.errors.append(
                    f"{name}: expected at least one question (a `## Q1: ...` heading or a "
                    "`- question` bullet under a category heading); found none."
                )
                continue
            keep.append((name, path))
        if not keep:
            return result
        uploads_dir.mkdir(parents=True, exist_ok=True)
        targets = []
        for name, path in keep:
            target = uploads_dir / name
            shutil.copyfile(path, target)
            targets.append(target)
    report = ingest(bank, targets, progress=progress)
    result.report = report
    for f in report.files:
        if f.status == "failed":
            result.errors.append(_relabel(f.error or "failed", uploads_dir, f.path.name))
            f.path.unlink(missing_ok=True)  # nothing from a failed file stays behind
        else:
            result.accepted.append(f.path.name)
    return result


def _relabel(message: str, folder: Path, name: str) -> str:
    """Show the uploaded file's name, not the temporary folder it was checked in."""
    return message.replace(str(folder / name), name).replace(str(folder) + "/", "")
