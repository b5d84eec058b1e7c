"""The SQLite session store: every turn is committed before the interviewer replies.

One file (`settings.sessions_db`), WAL mode so readers never block the writer, a busy timeout so
concurrent sessions wait for each other instead of failing, and `synchronous=FULL` so a
committed turn survives a crash of the process (kill -9) and of the machine.

Each write is one transaction (BEGIN IMMEDIATE ... COMMIT) holding the turn row, the session's
new state snapshot and the scores of any question it closed, so the snapshot and the turns can
never disagree. A version number on the session row catches two processes driving the same
session at once.

An answer is written as a *pending answer* (one row per session) before it is graded, and the
row is deleted in the same transaction that stores the graded turn: a process killed while
grading leaves the answer in `pending_answers`, and resuming grades it first.

Schema changes only ever add tables or columns with `IF NOT EXISTS`, so a database written by
an older version opens unchanged (its rows are kept; the new tables start empty).

Errors are translated into `StoreError`s whose message names the fix.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

# The schema, as numbered migrations applied in order on open (`PRAGMA user_version` holds
# how many have run). Never edit a released migration: append a new one. Version 1 is the
# create-only schema of the first releases (they set user_version 1); a file at version 1
# gets only the later migrations, so it upgrades in place with nothing lost.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "sessions, turns and per-question scores",
        """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    candidate TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL,
    grader TEXT NOT NULL,
    config_json TEXT NOT NULL,
    state_json TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_time ON sessions (created_at DESC);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    question_index INTEGER NOT NULL,
    question_id TEXT,
    question_text TEXT,
    prompt TEXT,
    answer TEXT,
    grade_json TEXT,
    grader TEXT,
    score REAL,
    asked_at REAL,
    answered_at REAL,
    saved_at REAL NOT NULL,
    reply_json TEXT,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE IF NOT EXISTS question_scores (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    candidate TEXT NOT NULL,
    question_id TEXT NOT NULL,
    category TEXT NOT NULL,
    score REAL NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (session_id, question_id)
);
CREATE INDEX IF NOT EXISTS scores_by_candidate ON question_scores (candidate, at);
""",
    ),
    (
        "answers stored before grading (pending_answers)",
        """
CREATE TABLE IF NOT EXISTS pending_answers (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    question_index INTEGER NOT NULL,
    question_id TEXT,
    prompt TEXT,
    answer TEXT NOT NULL,
    asked_at REAL,
    answered_at REAL NOT NULL,
    saved_at REAL NOT NULL
);
""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations `conn`'s database has not had, in one transaction; returns how many
    ran. A database from a newer release is refused rather than guessed at."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The session database is at schema version {version}, newer than this program "
            f"knows ({SCHEMA_VERSION}). Fix: upgrade the interviewer (`git pull && make setup`), "
            "or set INTERVIEWER_DATA_DIR to another folder."
        )
    if version == SCHEMA_VERSION:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for _, script in MIGRATIONS[version:]:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION - version


class StoreError(RuntimeError):
    """The session database could not be used; the message says how to fix it."""


class StoreLockedError(StoreError):
    pass


class StoreReadOnlyError(StoreError):
    pass


class SessionNotFoundError(StoreError):
    pass


class ConcurrentSessionError(StoreError):
    """Another process advanced the same session since we loaded it."""


@dataclass(frozen=True)
class TurnRow:
    """One candidate input that changed the session (answer, follow-up answer, skip, ...)."""

    kind: str
    question_index: int
    question_id: str | None = None
    question_text: str | None = None
    prompt: str | None = None
    answer: str | None = None
    grade_json: str | None = None
    grader: str | None = None
    score: float | None = None
    asked_at: float | None = None
    answered_at: float | None = None
    reply_json: str | None = None
    # Filled in when read back.
    seq: int = 0
    saved_at: float = 0.0

    def grade(self) -> dict[str, Any] | None:
        return json.loads(self.grade_json) if self.grade_json else None


@dataclass(frozen=True)
class PendingAnswer:
    """An answer saved before grading; `version` is the session version it was given at."""

    kind: str  # "answer" or "follow_up_answer"
    question_index: int
    answer: str
    answered_at: float
    version: int
    question_id: str | None = None
    prompt: str | None = None
    asked_at: float | None = None
    saved_at: float = 0.0

    @classmethod
    def of(cls, turn: TurnRow, *, version: int) -> PendingAnswer:
        """The answer of `turn` (a turn row not graded yet), as saved before grading: the
        turn's own fields, at session `version`."""
        own: dict[str, Any] = {"answer": turn.answer or "", "version": version, "saved_at": 0.0}
        shared = {f.name: getattr(turn, f.name) for f in fields(cls) if f.name not in own}
        return cls(**shared, **own)


@dataclass(frozen=True)
class ScoreRow:
    """A question's final score, kept for spaced repetition and trends."""

    question_id: str
    category: str
    score: float
    at: float


@dataclass(frozen=True)
class SessionHeader:
    """What every session row says about itself: whose it is, when it started and last
    changed, its status and the grader it started with."""

    id: str
    candidate: str
    created_at: float
    updated_at: float
    status: str
    grader: str


@dataclass(frozen=True)
class StoredSession(SessionHeader):
    config_json: str
    state_json: str
    version: int
    turns: list[TurnRow] = field(default_factory=list)


@dataclass(frozen=True)
class GraderCounts:
    """Who actually graded a session's answers (first answers and follow-ups)."""

    llm: int = 0  # graded by the LLM
    fallback: int = 0  # the LLM failed and the offline grader stepped in
    offline: int = 0  # graded offline by choice

    @property
    def total(self) -> int:
        return self.llm + self.fallback + self.offline


def count_graders(state: dict[str, Any]) -> GraderCounts:
    """Count the graded answers of a stored session state by who graded them.

    "I don't know" needs no grader (grader "rule") and is not counted.
    """
    llm = fallback = offline = 0
    for record in state.get("records", []):
        grades = [record.get("grade"), *(f.get("grade") for f in record.get("follow_ups", []))]
        for grade in grades:
            if not grade or grade.get("grader") == "rule":
                continue
            if grade.get("fallback"):
                fallback += 1
            elif grade.get("grader") == "offline":
                offline += 1
            else:
                llm += 1
    return GraderCounts(llm, fallback, offline)


def grader_label(configured: str, counts: GraderCounts) -> str:
    """A session's grader as it really was, e.g. "gemma-3-270m (0 of 3 answers; 3 fell back
    to offline)": never the configured model alone when it graded nothing."""
    n = counts.total
    answers = f"{n} answer{'s' if n != 1 else ''}"
    if configured == "offline":
        if counts.llm == 0 and counts.fallback == 0:
            return "offline"
        parts = [f"{counts.offline} of {answers}", f"{counts.llm} by an LLM"]
        if counts.fallback:
            parts.append(f"{counts.fallback} LLM fallbacks to offline")
        return f"offline ({'; '.join(parts)})"
    if n == 0:
        return f"{configured} (no answer graded yet)"
    parts = [f"{counts.llm} of {answers}"]
    if counts.fallback:
        parts.append(f"{counts.fallback} fell back to offline")
    if counts.offline:
        parts.append(f"{counts.offline} graded offline")
    return f"{configured} ({'; '.join(parts)})"


@dataclass(frozen=True)
class SessionSummary(SessionHeader):
    questions_total: int
    questions_done: int
    score: float | None
    categories: list[str]
    graded: GraderCounts = field(default_factory=GraderCounts)

    @property
    def graded_by(self) -> str:
        """What actually graded the answers (see `grader_label`)."""
        return grader_label(self.grader, self.graded)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "candidate": self.candidate,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "status": self.status,
            "grader": self.graded_by,
            "configured_grader": self.grader,
            "answers_graded": {
                "llm": self.graded.llm,
                "fallback": self.graded.fallback,
                "offline": self.graded.offline,
            },
            "questions_total": self.questions_total,
            "questions_done": self.questions_done,
            "score": self.score,
            "categories": self.categories,
        }


def _translate(exc: sqlite3.Error, path: Path, timeout: float) -> StoreError:
    msg = str(exc).lower()
    if "locked" in msg or "busy" in msg:
        return StoreLockedError(
            f"The session database {path} is locked by another program (waited {timeout:g} s). "
            "Fix: finish or close the other `interviewer` process using it, then retry; or set "
            "INTERVIEWER_DATA_DIR to another folder."
        )
    if "readonly" in msg or "read-only" in msg or "read only" in msg:
        return StoreReadOnlyError(
            f"The session database {path} is read-only, so answers cannot be saved. "
            f"Fix: make it and its folder writable (e.g. `chmod u+w {path} {path.parent}`), or "
            "set INTERVIEWER_DATA_DIR to a writable folder."
        )
    if "unable to open" in msg:
        return StoreError(
            f"Cannot open the session database {path}. Fix: check that {path.parent} exists and "
            "is writable, or set INTERVIEWER_DATA_DIR to a writable folder."
        )
    if "disk i/o error" in msg or "ioerr" in msg:
        # Usually the write-ahead log (-wal/-shm) is locked or cannot be mapped, not a failing
        # disk. Deleting -wal would throw away committed answers, so the fix never says that.
        return StoreError(
            f"The session database {path} hit a disk I/O error: its write-ahead log "
            f"({path.name}-wal, {path.name}-shm) is locked by another program or cannot be "
            "mapped (a network or synced folder), or the disk is full. Fix: close every other "
            "`interviewer` process and any SQLite viewer using it, check free disk space, or "
            "set INTERVIEWER_DATA_DIR to a folder on a local disk; do not delete the -wal "
            "file, it holds saved answers."
        )
    if "not a database" in msg or "malformed" in msg:
        return StoreError(
            f"The session database {path} is damaged ({exc}). Fix: move it aside "
            f"(`mv {path} {path}.bad`); a new one is created on the next run."
        )
    return StoreError(f"Session database error in {path}: {exc}")


class SessionStore:
    """Thread-safe: each thread gets its own connection; processes coordinate through SQLite."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    # -- connections -------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the folder {self.path.parent} for the session database ({exc}). "
                "Fix: create it yourself or set INTERVIEWER_DATA_DIR to a writable folder."
            ) from exc
        try:
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                # A read-only file cannot switch journal mode; reading still works.
                if "readonly" not in str(exc).lower() and "locked" not in str(exc).lower():
                    raise
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise _translate(exc, self.path, self.timeout) from exc
        try:
            self._ensure_schema(conn)
        except StoreError:
            conn.close()
            raise
        self._local.conn = conn
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                migrate(conn)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path, self.timeout) from exc
            self._schema_ready = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _translate(exc, self.path, self.timeout) from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _translate(exc, self.path, self.timeout) from exc
            raise

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _translate(exc, self.path, self.timeout) from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writes ------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Fail early, before a session starts, if answers could not be saved."""
        with self._write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS _write_check (x INTEGER)")
            conn.execute("DROP TABLE _write_check")

    def create_session(
        self,
        *,
        session_id: str,
        candidate: str,
        grader: str,
        config_json: str,
        state_json: str,
        status: str,
        now: float | None = None,
    ) -> int:
        now = time.time() if now is None else now
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions (id, candidate, created_at, updated_at, status, grader,"
                " config_json, state_json, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (session_id, candidate, now, now, status, grader, config_json, state_json),
            )
        return 1

    def commit_turn(
        self,
        session_id: str,
        *,
        expected_version: int,
        state_json: str,
        status: str,
        turn: TurnRow | None,
        scores: list[ScoreRow] = (),  # type: ignore[assignment]
        now: float | None = None,
    ) -> int:
        """Write one turn, the new state and closed questions' scores atomically.

        Returns the session's new version. Raises ConcurrentSessionError if the session changed
        since `expected_version` was read.
        """
        now = time.time() if now is None else now
        with self._write() as conn:
            row = _at_version(conn, session_id, expected_version)
            # The pending answer (if any) is what this turn completes.
            conn.execute("DELETE FROM pending_answers WHERE session_id = ?", (session_id,))
            if turn is not None:
                seq = conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?",
                    (session_id,),
                ).fetchone()[0]
                conn.execute(
                    "INSERT INTO turns (session_id, seq, kind, question_index, question_id,"
                    " question_text, prompt, answer, grade_json, grader, score, asked_at,"
                    " answered_at, saved_at, reply_json)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        seq,
                        turn.kind,
                        turn.question_index,
                        turn.question_id,
                        turn.question_text,
                        turn.prompt,
                        turn.answer,
                        turn.grade_json,
                        turn.grader,
                        turn.score,
                        turn.asked_at,
                        turn.answered_at,
                        now,
                        turn.reply_json,
                    ),
                )
            for s in scores:
                conn.execute(
                    "INSERT OR REPLACE INTO question_scores"
                    " (session_id, candidate, question_id, category, score, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, row["candidate"], s.question_id, s.category, s.score, s.at),
                )
            conn.execute(
                "UPDATE sessions SET state_json = ?, status = ?, updated_at = ?,"
                " version = version + 1 WHERE id = ?",
                (state_json, status, now, session_id),
            )
        return expected_version + 1

    def save_pending(
        self, session_id: str, pending: PendingAnswer, *, now: float | None = None
    ) -> None:
        """Keep an answer before it is graded (replacing an earlier pending one).

        Raises ConcurrentSessionError if the session moved past `pending.version`.
        """
        now = time.time() if now is None else now
        with self._write() as conn:
            _at_version(conn, session_id, pending.version)
            conn.execute(
                "INSERT OR REPLACE INTO pending_answers (session_id, version, kind,"
                " question_index, question_id, prompt, answer, asked_at, answered_at, saved_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    pending.version,
                    pending.kind,
                    pending.question_index,
                    pending.question_id,
                    pending.prompt,
                    pending.answer,
                    pending.asked_at,
                    pending.answered_at,
                    now,
                ),
            )

    # -- reads -------------------------------------------------------------------------------

    def pending(self, session_id: str) -> PendingAnswer | None:
        """The answer saved for `session_id` but not graded yet, if any."""
        rows = self._read("SELECT * FROM pending_answers WHERE session_id = ?", (session_id,))
        if not rows:
            return None
        return _from_row(PendingAnswer, rows[0])

    def get(self, session_id: str, *, with_turns: bool = True) -> StoredSession:
        rows = self._read("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            # Accept a unique prefix, so `resume 3f2a` works like git's short hashes.
            rows = self._read(
                "SELECT * FROM sessions WHERE id LIKE ? ORDER BY created_at DESC",
                (session_id.replace("%", "").replace("_", "\\_") + "%",),
            )
            if len(rows) != 1:
                raise SessionNotFoundError(_not_found(session_id))
        r = rows[0]
        return _from_row(StoredSession, r, turns=self.turns(r["id"]) if with_turns else [])

    def turns(self, session_id: str) -> list[TurnRow]:
        rows = self._read("SELECT * FROM turns WHERE session_id = ? ORDER BY seq", (session_id,))
        return [_from_row(TurnRow, r) for r in rows]

    def list_sessions(
        self, *, limit: int = 50, candidate: str | None = None
    ) -> list[SessionSummary]:
        """Newest first."""
        sql = "SELECT * FROM sessions"
        params: tuple[Any, ...] = ()
        if candidate:
            sql += " WHERE candidate = ?"
            params = (candidate,)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        rows = self._read(sql, (*params, limit))
        out = []
        for r in rows:
            state = json.loads(r["state_json"])
            records = state.get("records", [])
            scored = [x["score"] for x in records if x.get("score") is not None]
            cats: list[str] = []
            for x in records:
                if x["category"] not in cats:
                    cats.append(x["category"])
            out.append(
                _from_row(
                    SessionSummary,
                    r,
                    questions_total=state.get("total", 0),
                    questions_done=sum(1 for x in records if x.get("outcome")),
                    score=round(sum(scored) / len(scored), 1) if scored else None,
                    categories=cats,
                    graded=count_graders(state),
                )
            )
        return out

    def history(self, candidate: str, *, exclude_session: str | None = None) -> list[ScoreRow]:
        """Every question this candidate finished, oldest first (for spaced repetition)."""
        rows = self._read(
            "SELECT question_id, category, score, at FROM question_scores"
            " WHERE candidate = ? AND session_id != ? ORDER BY at",
            (candidate, exclude_session or ""),
        )
        return [ScoreRow(r["question_id"], r["category"], r["score"], r["at"]) for r in rows]

    def category_scores_by_session(
        self, candidate: str, *, before: float | None = None
    ) -> list[tuple[str, float, str, float, int]]:
        """(session id, time, category, mean score, n) for earlier sessions, oldest first."""
        rows = self._read(
            "SELECT q.session_id AS sid, s.created_at AS t, q.category AS cat,"
            " AVG(q.score) AS mean, COUNT(*) AS n"
            " FROM question_scores q JOIN sessions s ON s.id = q.session_id"
            " WHERE q.candidate = ? AND s.created_at < ?"
            " GROUP BY q.session_id, q.category ORDER BY s.created_at",
            (candidate, before if before is not None else float("inf")),
        )
        return [(r["sid"], r["t"], r["cat"], r["mean"], r["n"]) for r in rows]


class _Dataclass(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Any]]


_Row = TypeVar("_Row", bound=_Dataclass)  # a dataclass read from one table row


def _from_row(cls: type[_Row], row: sqlite3.Row, **computed: Any) -> _Row:
    """A `cls` dataclass from the row's columns of the same names (the others are not read),
    plus the `computed` fields the table does not hold."""
    read = {f.name: row[f.name] for f in fields(cls) if f.name not in computed}
    return cls(**read, **computed)


def _moved_on(session_id: str) -> str:
    return (
        f"Session {session_id} was changed by another process (another window or terminal), so "
        "this copy is out of date and retrying cannot help. Fix: close the other window, then "
        f"run `interviewer resume {session_id}`."
    )


def _at_version(conn: sqlite3.Connection, session_id: str, version: int) -> sqlite3.Row:
    """The session's row, if it is still at `version` (raises otherwise, naming the fix)."""
    row = conn.execute(
        "SELECT version, candidate FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    if row is None:
        raise SessionNotFoundError(_not_found(session_id))
    if row["version"] != version:
        raise ConcurrentSessionError(_moved_on(session_id))
    return row


def _not_found(session_id: str) -> str:
    return (
        f"No session with id {session_id!r}. Fix: run `interviewer sessions` to list the ids "
        "(check INTERVIEWER_DATA_DIR points at the same folder)."
    )
