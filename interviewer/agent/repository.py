"""Sessions as the interview sees them: the one place session state is read from and written to
the store.

`SessionStore` (interviewer/store.py) knows SQLite and stores the state as JSON; this
repository knows `SessionState`, so no other module parses or writes state JSON. The engine
saves through `create` / `save_turn` / `save_pending`; the report, the exports, the CLI and the
UI read through `load`, `turns` and `summaries`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interviewer.agent.state import SessionState
from interviewer.store import (
    GraderCounts,
    PendingAnswer,
    ScoreRow,
    SessionStore,
    SessionSummary,
    TurnRow,
    count_graders,
)


@dataclass
class LoadedSession:
    """A stored session with its state parsed."""

    id: str
    candidate: str
    created_at: float
    updated_at: float
    status: str
    grader: str  # the grader the session was started with (its name)
    state: SessionState
    version: int
    raw_state: dict[str, Any] = field(repr=False, default_factory=dict)
    turns: list[TurnRow] = field(default_factory=list)

    @property
    def graded_by(self) -> GraderCounts:
        """Who actually graded its answers (LLM, fallback, offline)."""
        return count_graders(self.raw_state)


def status_of(state: SessionState) -> str:
    return "finished" if state.done else "active"


class SessionRepository:
    """Typed access to stored sessions."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    # -- reading -------------------------------------------------------------------------------

    def load(self, session_id: str, *, with_turns: bool = False) -> LoadedSession:
        """The session (raises the store's SessionNotFoundError, which names the fix)."""
        import json

        stored = self.store.get(session_id, with_turns=with_turns)
        return LoadedSession(
            id=stored.id,
            candidate=stored.candidate,
            created_at=stored.created_at,
            updated_at=stored.updated_at,
            status=stored.status,
            grader=stored.grader,
            state=SessionState.model_validate_json(stored.state_json),
            version=stored.version,
            raw_state=json.loads(stored.state_json),
            turns=list(stored.turns),
        )

    def turns(self, session_id: str) -> list[TurnRow]:
        return self.store.turns(session_id)

    def summaries(self, *, limit: int = 50, candidate: str | None = None) -> list[SessionSummary]:
        return self.store.list_sessions(limit=limit, candidate=candidate)

    def pending(self, session_id: str) -> PendingAnswer | None:
        return self.store.pending(session_id)

    def history(self, candidate: str, *, exclude_session: str | None = None) -> list[ScoreRow]:
        return self.store.history(candidate, exclude_session=exclude_session)

    # -- writing -------------------------------------------------------------------------------

    def create(
        self, session_id: str, state: SessionState, *, grader: str, now: float | None = None
    ) -> int:
        """Store a new session; returns its version."""
        return self.store.create_session(
            session_id=session_id,
            candidate=state.config.candidate,
            grader=grader,
            config_json=state.config.model_dump_json(),
            state_json=state.model_dump_json(),
            status=status_of(state),
            now=now,
        )

    def save_pending(self, session_id: str, pending: PendingAnswer, *, now: float) -> None:
        """Keep an answer before anything slow happens to it."""
        self.store.save_pending(session_id, pending, now=now)

    def save_turn(
        self,
        session_id: str,
        *,
        expected_version: int,
        state: SessionState,
        turn: TurnRow | None,
        scores: list[ScoreRow],
        now: float,
    ) -> int:
        """Write one turn, the new state and closed questions' scores at once; returns the new
        version (raises ConcurrentSessionError if another process moved the session on)."""
        return self.store.commit_turn(
            session_id,
            expected_version=expected_version,
            state_json=state.model_dump_json(),
            status=status_of(state),
            turn=turn,
            scores=scores,
            now=now,
        )
