"""The session store's numbered migrations, from an empty file and from a version-1 file."""

from __future__ import annotations

import sqlite3

import pytest

from interviewer.store import MIGRATIONS, SCHEMA_VERSION, SessionStore, StoreError, migrate
from tests.test_pending_answers import V1_SCHEMA


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrations_are_numbered_and_the_version_is_their_count():
    assert SCHEMA_VERSION == len(MIGRATIONS) == 2
    assert all(name and script.strip() for name, script in MIGRATIONS)


def test_an_empty_file_gets_every_migration_once(tmp_path):
    conn = sqlite3.connect(tmp_path / "new.sqlite3", isolation_level=None)
    assert migrate(conn) == SCHEMA_VERSION
    assert migrate(conn) == 0  # applied on every open: a no-op once up to date
    assert {"sessions", "turns", "question_scores", "pending_answers"} <= tables(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_version_1_file_gets_only_the_later_migrations_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        conn.execute(
            "INSERT INTO sessions VALUES ('s1', 'default', 1, 2, 'active', 'offline', '{}', '{}', 3)"
        )
    conn = sqlite3.connect(path, isolation_level=None)
    assert "pending_answers" not in tables(conn)
    assert migrate(conn) == 1
    assert "pending_answers" in tables(conn)
    assert conn.execute("SELECT id, version FROM sessions").fetchall() == [("s1", 3)]


def test_a_file_from_a_newer_release_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this program"):
        SessionStore(path).list_sessions()
