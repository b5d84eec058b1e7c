"""The bundled bank and the seeds parse exactly as they did before the structural reader.

Other work keys on these question texts and ids, so any change in what they parse to is a
regression. A file whose content was edited on purpose skips with the command that re-takes
the snapshot (see tests/parse_snapshot.py).
"""

from __future__ import annotations

import json

import pytest

from interviewer.settings import BUNDLED_BANK_DIR
from tests.conftest import SEEDS, need_shared
from tests.parse_snapshot import SNAPSHOT, file_record, file_sha

DATA = json.loads(SNAPSHOT.read_text())
RETAKE = "re-take it with `.venv/bin/python -m tests.parse_snapshot`"


def _compare(path, expected: dict) -> None:
    if file_sha(path) != expected["sha256"]:
        pytest.skip(f"{path.name} was edited since the parse snapshot; {RETAKE}")
    got = file_record(path)["questions"]
    assert [q["text"] for q in got] == [q["text"] for q in expected["questions"]]
    assert got == expected["questions"]


def test_snapshot_covers_the_whole_bundled_bank():
    assert (
        sum(len(f["questions"]) for f in DATA["bank"].values()) == 158
    )  # 96 original entries + 62 added with their probes (issue 13)
    assert sorted(DATA["bank"]) == sorted(p.name for p in BUNDLED_BANK_DIR.glob("*.md"))


@pytest.mark.parametrize("name", sorted(DATA["bank"]))
def test_bundled_bank_file_parses_as_in_the_snapshot(name):
    path = BUNDLED_BANK_DIR / name
    if not path.exists():
        pytest.skip(f"bank/{name} is gone; {RETAKE}")
    _compare(path, DATA["bank"][name])


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(DATA["seeds"]))
def test_seed_parses_as_in_the_snapshot(name):
    _compare(need_shared(SEEDS / name), DATA["seeds"][name])
