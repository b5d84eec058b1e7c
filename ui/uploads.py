"""Bank files uploaded in the browser. No Streamlit here: the page draws the result.

`preview_uploads` reads each upload in a temporary folder and says what it would store,
writing nothing. `ingest_uploads` does the same checks, copies only the files that read into
`<data dir>/uploads/` and ingests them, so a bad upload stores nothing (neither questions nor
the file). Errors name the uploaded file and the line, as `interviewer ingest` does; a file
name the file system cannot hold (a NUL byte, over 255 bytes) is an error, not a traceback.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.detect import BANK_SUFFIXES, MAX_FILE_BYTES
from ingest.errors import BankFormatError
from ingest.preview import BankPreview, failed, summarise

Progress = Callable[[str, int, int], None]
MAX_NAME_BYTES = 255  # what ext4, APFS and NTFS allow for one path component


@dataclass
class UploadResult:
    accepted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per rejected file
    report: object | None = None  # ingest.pipeline.IngestReport for the accepted files


def safe_name(name: str) -> str:
    """The file name alone: an upload never chooses where it is written."""
    return Path(name.replace("\\", "/")).name.strip()


def _shown(name: str, limit: int = 60) -> str:
    """A name fit to print: control characters made visible, long names shortened."""
    visible = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    return visible if len(visible) <= limit else visible[: limit - 1] + "…"


def check_name(name: str) -> str | None:
    """Why an uploaded file name cannot be kept, or None."""
    if not name or name.startswith("."):
        return f"{_shown(name) or '(no name)'}: expected a file name such as my-questions.md"
    if "\x00" in name or not name.isprintable():
        return (
            f"{_shown(name)}: expected a file name without NUL bytes or control characters. "
            "Fix: rename the file and upload it again."
        )
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        return (
            f"{_shown(name)}: expected a file name of at most {MAX_NAME_BYTES} bytes, found "
            f"{size}. Fix: rename the file to something shorter and upload it again."
        )
    if Path(name).suffix.lower() not in BANK_SUFFIXES:
        return (
            f"{_shown(name)}: expected a bank file ({', '.join(BANK_SUFFIXES)}). "
            "Fix: save the questions as markdown, CSV, JSON or YAML and upload that."
        )
    return None


def _checked(
    files: Sequence[tuple[str, bytes]], staging: Path, columns: dict[str, str] | None
) -> tuple[list[tuple[str, Path, BankPreview]], list[tuple[str, str]]]:
    """Write each upload that may be kept into `staging` and read it.

    Returns ([(name, path, preview)], [(name, error)]).
    """
    from ingest.parse import read_bank

    good: list[tuple[str, Path, BankPreview]] = []
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw_name, data in files:
        name = safe_name(raw_name)
        problem = check_name(name)
        if problem is None and name in seen:
            problem = f"{name}: uploaded twice. Fix: upload each file once."
        if problem is None and len(data) > MAX_FILE_BYTES:
            problem = (
                f"{name}: the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}. "
                "Fix: split it into smaller files."
            )
        if problem is not None:
            errors.append((_shown(name), problem))
            continue
        seen.add(name)
        path = staging / name
        try:
            path.write_bytes(data)
        except OSError as exc:  # a name this file system still refuses
            errors.append(
                (
                    _shown(name),
                    f"{_shown(name)}: could not be saved ({exc.strerror or exc}). "
                    "Fix: rename the file and upload it again.",
                )
            )
            continue
        try:
            parsed = read_bank(path, columns=columns)
        except BankFormatError as exc:
            errors.append((name, _relabel(str(exc), staging, name)))
            continue
        good.append((name, path, summarise(parsed, name)))
    return good, errors


def preview_uploads(
    files: Sequence[tuple[str, bytes]], columns: dict[str, str] | None = None
) -> list[BankPreview]:
    """What each upload would store (see ingest.preview); writes nothing that stays."""
    with tempfile.TemporaryDirectory(prefix="interviewer-preview-") as tmp:
        good, errors = _checked(files, Path(tmp), columns)
    return [p for _, _, p in good] + [failed(name, error) for name, error in errors]


def ingest_uploads(
    bank,
    files: Sequence[tuple[str, bytes]],
    uploads_dir: Path,
    *,
    progress: Progress | None = None,
    strict: bool = False,
    columns: dict[str, str] | None = None,
) -> UploadResult:
    """Validate, keep and ingest uploaded files; returns what happened to each."""
    from ingest.pipeline import ingest

    result = UploadResult()
    with tempfile.TemporaryDirectory(prefix="interviewer-upload-") as tmp:
        good, problems = _checked(files, Path(tmp), columns)
        result.errors = [error for _, error in problems]
        if strict:
            for name, _, preview in good:
                if preview.ambiguous:
                    lines = ", ".join(str(s.line) for s in preview.ambiguous[:5])
                    result.errors.append(
                        f"{name}: expected every block to be a question or plainly not one "
                        f"(strict), found {len(preview.ambiguous)} ambiguous (lines {lines})."
                    )
            if result.errors:
                return result  # strict: one bad file and nothing is stored
        if not good:
            return result
        uploads_dir.mkdir(parents=True, exist_ok=True)
        targets = []
        for name, path, _ in good:
            target = uploads_dir / name
            shutil.copyfile(path, target)
            targets.append(target)
    report = ingest(bank, targets, progress=progress, columns=columns)
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
