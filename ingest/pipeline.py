"""Ingest bank files into Chroma: parse, embed what changed, write, then find references.

- Idempotent: a file whose bytes are unchanged is skipped outright; inside a changed file
  only questions whose content hash changed are re-embedded, and questions that left the file
  are deleted. A file that fails to parse writes nothing.
- A file is its path (see ingest.identity): two `notes.md` in different folders are both
  kept, and re-ingesting one touches only its own questions.
- Every file is read before anything is written. With `strict`, a file that fails or has
  ambiguous blocks means nothing from the whole run is stored.
- A file over the size limit is refused from `stat`, before it is read or hashed.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.detect import BANK_SUFFIXES, check_size
from ingest.errors import BankFormatError
from ingest.identity import assign_labels
from ingest.keypoints import extract_key_points
from ingest.parse import read_bank
from ingest.result import ParsedBank, Skipped
from interviewer.bank import ChromaBank, Passage, question_metadata
from interviewer.models import Question, QuestionKind, ReferenceAnswer, ReferenceOrigin

# Called with (stage, done, total) so a CLI or UI can draw progress.
Progress = Callable[[str, int, int], None]
# Writes a reference for a question that has none (an LLM), or returns None.
ReferenceWriter = Callable[[Question], ReferenceAnswer | None]

MIN_SECTION_WORDS = 25


@dataclass
class FileResult:
    path: Path
    # "added", "updated", "unchanged", "moved", "failed", or "held" (fine, but not stored
    # because --strict refused another file of the run)
    status: str
    questions: int = 0
    embedded: int = 0
    deleted: int = 0
    error: str | None = None
    label: str = ""  # the source name its questions carry
    layout: str = ""
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.label or self.path.name


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    embedded: int = 0
    references_retrieved: int = 0
    references_generated: int = 0
    pruned: int = 0
    strict_refused: bool = False  # --strict found a problem, so nothing was stored

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def find_bank_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders (recursively) into bank files, resolved, in a stable order.

    In folders, READMEs and hidden files are left out; a file named explicitly is always read.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in BANK_SUFFIXES
                and not p.name.lower().startswith("readme")
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder. Fix: check the path.")
    return list(dict.fromkeys(p.resolve() for p in found))


def file_sha(path: Path) -> str:
    """The file's sha256, read in chunks (the size limit is checked before this)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def content_hash(question: Question) -> str:
    return hashlib.sha256(question.model_dump_json().encode()).hexdigest()


def answer_sections(question: Question) -> list[Passage]:
    """Sub-headed sections of a long answer, each a candidate reference for another question."""
    if question.reference.origin is not ReferenceOrigin.authored:
        return []
    parts = re.split(r"(?m)^###\s+", question.reference.text)
    if len(parts) < 3:  # fewer than two sub-sections: the whole answer is matched via the question
        return []
    passages = []
    for index, part in enumerate(parts[1:], start=1):
        prose = re.sub(r"```.*?```", " ", part, flags=re.S)
        if len(prose.split()) >= MIN_SECTION_WORDS:
            passages.append(
                Passage(f"{question.id}#s{index}", question.id, question.source, part.strip())
            )
    return passages


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _embed(bank: ChromaBank, texts: Sequence[str], stage: str, progress: Progress | None):
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    parts = []
    done = 0
    for chunk in _chunks(texts, 256):
        parts.append(bank.embed(chunk))
        done += len(chunk)
        if progress:
            progress(stage, done, len(texts))
    return np.concatenate(parts)


@dataclass
class _Plan:
    """One file, read and compared with the store, not yet written."""

    result: FileResult
    sha: str = ""
    stored_path: str = ""  # where its questions are stored now (the old path if it moved)
    stored: dict[str, str] = field(default_factory=dict)
    parsed: ParsedBank | None = None


def _plan_file(
    bank: ChromaBank,
    path: Path,
    label: str,
    moved_from: str | None,
    columns: dict[str, str] | None,
) -> _Plan:
    result = FileResult(path, "failed", label=label)
    plan = _Plan(result, stored_path=moved_from or str(path))
    try:
        check_size(path)  # before hashing: a 1 GB file must not be read at all
        plan.sha = file_sha(path)
        stored_sha, plan.stored = bank.file_state(plan.stored_path)
        if stored_sha == plan.sha and plan.stored:
            result.status = "moved" if moved_from else "unchanged"
            result.questions = len(plan.stored)
            return plan
        plan.parsed = read_bank(path, source=label, columns=columns)
    except BankFormatError as exc:
        result.error = str(exc)
        return plan
    result.status = "updated" if plan.stored else "added"
    result.layout = plan.parsed.layout
    result.skipped = plan.parsed.skipped
    result.questions = len(plan.parsed.questions)
    return plan


def _strict_problem(result: FileResult) -> str | None:
    ambiguous = [s for s in result.skipped if s.ambiguous]
    if not ambiguous:
        return None
    where = "; ".join(f"line {s.line}: {s.reason}" for s in ambiguous[:5])
    more = f" (and {len(ambiguous) - 5} more)" if len(ambiguous) > 5 else ""
    return (
        f"{result.path}: expected every block to be a question or plainly not one (--strict), "
        f"found {len(ambiguous)} ambiguous: {where}{more}. Fix: mark those lines as questions "
        "or remove them, or ingest without --strict to store the rest"
    )


def _write_file(
    bank: ChromaBank, plan: _Plan, progress: Progress | None, report: IngestReport
) -> list[Question]:
    """Write one parsed file's questions; returns those that were (re)written."""
    result, parsed = plan.result, plan.parsed
    path = str(result.path)
    if parsed is None:  # unchanged, or moved without edits
        if result.status == "moved":
            bank.set_file_state(plan.stored_path, plan.sha, new_path=path)
        return []
    questions = parsed.questions
    hashes = {q.id: content_hash(q) for q in questions}
    changed = [q for q in questions if plan.stored.get(q.id) != hashes[q.id]]
    gone = [i for i in plan.stored if i not in hashes]
    name = result.name
    vectors = _embed(bank, [q.text for q in changed], f"embedding {name}", progress)
    passages = [p for q in changed for p in answer_sections(q)]
    passage_vectors = _embed(bank, [p.text for p in passages], f"sections {name}", progress)
    metas = [
        question_metadata(q, content_hash=hashes[q.id], file_sha=plan.sha, path=path)
        for q in changed
    ]
    bank.upsert_questions(changed, vectors, metas)
    bank.replace_passages([q.id for q in changed], passages, passage_vectors)
    bank.delete_questions(gone)
    if len(changed) < len(questions) or plan.stored_path != path:
        # Unchanged questions: record the new file sha (and path), no re-embedding.
        bank.set_file_state(plan.stored_path, plan.sha, new_path=path)
    result.embedded, result.deleted = len(changed), len(gone)
    report.embedded += len(changed) + len(passages)
    return changed


def retrieved_reference(
    answered: dict[str, Question],
    best: tuple[str, float] | None,
    passage: tuple[Passage, float] | None,
    threshold: float,
) -> ReferenceAnswer | None:
    """The better of the closest answered question and the closest answer section."""
    candidates: list[tuple[float, ReferenceAnswer]] = []
    if best and best[1] >= threshold:
        source = answered.get(best[0])
        if source is not None and source.reference.usable:
            candidates.append(
                (
                    best[1],
                    source.reference.model_copy(
                        update={
                            "origin": ReferenceOrigin.retrieved,
                            "retrieved_from": source.id,
                            "similarity": round(best[1], 4),
                        }
                    ),
                )
            )
    if passage and passage[1] >= threshold:
        points = extract_key_points(passage[0].text)
        if points:
            candidates.append(
                (
                    passage[1],
                    ReferenceAnswer(
                        text=passage[0].text,
                        key_points=points,
                        origin=ReferenceOrigin.retrieved,
                        retrieved_from=passage[0].id,
                        similarity=round(passage[1], 4),
                    ),
                )
            )
    if not candidates:
        return None
    return max(candidates, key=lambda c: c[0])[1]


def resolve_references(
    bank: ChromaBank,
    ids: Sequence[str],
    *,
    threshold: float,
    writer: ReferenceWriter | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Give unanswered technical questions a retrieved (or generated) reference, or mark none.

    Uses the stored question embeddings, so nothing is embedded again. Returns
    (retrieved, generated) counts.
    """
    questions = [
        q
        for q in bank.get_many(ids)
        if q.kind is QuestionKind.technical and q.reference.origin is not ReferenceOrigin.authored
    ]
    if not questions:
        return 0, 0
    vectors_by_id = bank.question_embeddings([q.id for q in questions])
    vectors = np.stack([vectors_by_id[q.id] for q in questions])
    nearest = bank.nearest_answered(vectors)
    passages = bank.nearest_passage(vectors)
    answered = {q.id: q for q in bank.get_many(sorted({n[0] for n in nearest if n}))}
    retrieved = generated = 0
    updated: list[Question] = []
    for index, question in enumerate(questions):
        reference = retrieved_reference(answered, nearest[index], passages[index], threshold)
        if reference is None and question.reference.origin is ReferenceOrigin.generated:
            reference = question.reference  # already written once; don't pay for it again
        if reference is None and writer is not None:
            reference = writer(question)
            if reference is not None:
                reference = reference.model_copy(update={"origin": ReferenceOrigin.generated})
        if reference is None:
            reference = ReferenceAnswer(origin=ReferenceOrigin.none)
        if reference.origin is ReferenceOrigin.retrieved:
            retrieved += 1
        elif reference.origin is ReferenceOrigin.generated:
            generated += 1
        if reference != question.reference:
            updated.append(question.model_copy(update={"reference": reference}))
        if progress:
            progress("finding references", index + 1, len(questions))
    bank.update_questions(updated)
    return retrieved, generated


def prune_missing(bank: ChromaBank) -> int:
    """Drop questions whose source file no longer exists; returns how many."""
    removed = 0
    for path in bank.stored_files():
        if not Path(path).exists():
            _, stored = bank.file_state(path)
            bank.delete_questions(stored)
            removed += len(stored)
    return removed


def ingest(
    bank: ChromaBank,
    paths: Iterable[Path | str],
    *,
    prune: bool = False,
    strict: bool = False,
    columns: dict[str, str] | None = None,
    writer: ReferenceWriter | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files or folders into the bank. See the module doc for the guarantees."""
    report = IngestReport()
    files = find_bank_files(paths)
    stored = {path: f.label for path, f in bank.stored_files().items()}
    labels, moves = assign_labels(files, stored, os.path.exists)
    plans = [_plan_file(bank, p, labels[p], moves.get(p), columns) for p in files]
    report.files = [plan.result for plan in plans]
    if strict:
        for plan in plans:
            problem = _strict_problem(plan.result)
            if problem:
                plan.result.status, plan.result.error = "failed", problem
        if report.failed:
            report.strict_refused = True
            for plan in plans:
                if plan.result.status != "failed":
                    plan.result.status = "held"
            return report
    answered_changed = False
    needing: list[str] = []
    for plan in plans:
        if plan.result.status == "failed":
            continue
        written = _write_file(bank, plan, progress, report)
        answered_changed |= any(q.reference.origin is ReferenceOrigin.authored for q in written)
        needing.extend(q.id for q in written if q.reference.origin is not ReferenceOrigin.authored)
    if prune:
        report.pruned = prune_missing(bank)
        answered_changed |= report.pruned > 0
    if answered_changed:
        # New or edited answers may serve questions ingested earlier, so look again for all.
        needing = bank.ids_needing_reference()
    retrieved, generated = resolve_references(
        bank,
        needing,
        threshold=bank.settings.retrieval_threshold,
        writer=writer,
        progress=progress,
    )
    report.references_retrieved, report.references_generated = retrieved, generated
    return report
