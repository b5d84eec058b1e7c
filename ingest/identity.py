"""Which stored file a bank file is, and the label its questions carry.

A file is identified by its resolved path. Its label (the `source` its questions show, and the
basis of their ids together with the question text) is its bare name when no other stored
file has that name, as it always was, so existing stores and their ids are unchanged. A second
file of the same name gets the shortest tail of its path that is still free
(`b/notes.md`), and keeps that label for as long as it is stored.

A stored file whose path no longer exists, and a new file of the same name, are the same file
moved (a renamed checkout or folder): the new path takes over its label and its questions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def path_tails(path: Path) -> list[str]:
    """`notes.md`, `b/notes.md`, `a/b/notes.md`, ... up to the whole path."""
    parts = [p for p in path.parts if p not in ("/", "\\")]
    tails = ["/".join(parts[-depth:]) for depth in range(1, len(parts) + 1)]
    return tails or [path.as_posix()]


def assign_labels(
    paths: Sequence[Path],
    stored: Mapping[str, str],
    exists: Callable[[str], bool],
) -> tuple[dict[Path, str], dict[Path, str]]:
    """({path: label}, {path: the stored path it moved from}) for the files of one ingest.

    `stored` maps each stored file's path to its label; `exists` tells whether a path is
    still on disk.
    """
    labels: dict[Path, str] = {}
    moves: dict[Path, str] = {}
    used = set(stored.values())
    in_run = {str(p) for p in paths}
    for path in paths:
        key = str(path)
        if key in stored:
            labels[path] = stored[key]
            continue
        moved_from = next(
            (
                old
                for old, label in stored.items()
                if Path(old).name == path.name
                and old not in in_run
                and old not in moves.values()
                and not exists(old)
            ),
            None,
        )
        if moved_from is not None:
            labels[path], moves[path] = stored[moved_from], moved_from
            continue
        label = next((t for t in path_tails(path) if t not in used), path.as_posix())
        labels[path] = label
        used.add(label)
    return labels, moves
