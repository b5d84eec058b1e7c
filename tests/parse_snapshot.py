"""Pin what the bundled bank and the seed documents parse to, question by question.

`tests/fixtures/parse_snapshot.json` was taken before the structural reader existed. For every
file it records the file's sha256 and, per question, the id, text, category, difficulty, line
and a digest of the whole parsed Question (reference text, key points, tags, rubric, ...).
`tests/test_parse_snapshot.py` compares today's parse against it.

When a bank file's content is edited on purpose, its sha changes and its test case skips with
a message; re-take the snapshot with:

    .venv/bin/python -m tests.parse_snapshot
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ingest import parse_file
from interviewer.models import Question
from interviewer.settings import BUNDLED_BANK_DIR

SNAPSHOT = Path(__file__).parent / "fixtures" / "parse_snapshot.json"


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def question_record(q: Question) -> dict:
    return {
        "id": q.id,
        "text": q.text,
        "category": q.category,
        "difficulty": q.difficulty.value,
        "line": q.line,
        "digest": hashlib.sha256(q.model_dump_json().encode()).hexdigest(),
    }


def file_record(path: Path) -> dict:
    return {"sha256": file_sha(path), "questions": [question_record(q) for q in parse_file(path)]}


def take(seeds_dir: Path | None = None) -> dict:
    snapshot = {"bank": {p.name: file_record(p) for p in sorted(BUNDLED_BANK_DIR.glob("*.md"))}}
    if seeds_dir is not None and seeds_dir.is_dir():
        snapshot["seeds"] = {p.name: file_record(p) for p in sorted(seeds_dir.glob("*.txt"))}
    return snapshot


def main() -> None:
    from tests.conftest import SEEDS

    SNAPSHOT.write_text(json.dumps(take(SEEDS), indent=1, ensure_ascii=False) + "\n")
    data = json.loads(SNAPSHOT.read_text())
    counts = {k: sum(len(f["questions"]) for f in v.values()) for k, v in data.items()}
    print(f"wrote {SNAPSHOT}: {counts}")


if __name__ == "__main__":
    main()
