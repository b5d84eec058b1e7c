"""Terminal commands for practice sessions: chat, sessions, resume, export, report.

`register(app)` mounts them on the main `interviewer` Typer app. Heavy libraries (Chroma, the
embedding model, LangChain) load only inside commands, and the embedding model loads in a
background thread AFTER the first question is on screen, so the candidate reads while it loads.

Answers can be piped, one per line: `printf 'answer one\\n/skip\\n' | interviewer chat -n 2`.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from interviewer.agent import (
    MAX_FOLLOW_UPS,
    MAX_QUESTIONS,
    DifficultySetting,
    GraderKind,
    Message,
    MessageKind,
    Mode,
    warm_up_parts,
)
from interviewer.display import rich_escape, strip_terminal_codes

if TYPE_CHECKING:
    from interviewer.agent import (
        Grader,
        InterviewEngine,
        InterviewSession,
        QuestionSource,
        TurnResult,
    )
    from interviewer.settings import Settings

SourceFactory = Callable[["Settings"], "QuestionSource"]
GraderFactory = Callable[[str, "Settings"], "Grader"]
WarmUp = Callable[["Settings"], None]


class ExportFormat(StrEnum):
    md = "md"
    json = "json"


STYLES = {
    MessageKind.opening: "bold",
    MessageKind.question: "bold cyan",
    MessageKind.follow_up: "yellow",
    MessageKind.acknowledgement: "",
    MessageKind.feedback: "green",
    MessageKind.model_answer: "blue",
    MessageKind.hint: "magenta",
    MessageKind.note: "dim",
    MessageKind.help: "dim",
    MessageKind.wrap_up: "bold",
    MessageKind.error: "bold red",
}
PREFIX = {MessageKind.follow_up: "Follow-up: "}


def default_source(settings: Settings) -> QuestionSource:
    from interviewer.agent import BankUnavailable, ChromaBank, bank_outage_message

    try:
        bank = ChromaBank(settings)
        count = bank.count()
    except BankUnavailable as exc:
        raise CliError(str(exc)) from exc
    except Exception as exc:  # a server that answers the handshake, then fails
        raise CliError(
            bank_outage_message(f"{type(exc).__name__}: {exc}", settings, "try again")
        ) from exc
    if count == 0:
        raise CliError(
            f"The question bank in {settings.chroma_dir} is empty. Fix: run "
            "`interviewer ingest bank/` first."
        )
    return bank


class CliError(RuntimeError):
    """A problem to print (it says the fix) before exiting with status 2."""


class Cli:
    """State shared by the commands: consoles, settings and the injected factories."""

    def __init__(self, source_factory: SourceFactory, grader_factory: GraderFactory) -> None:
        self.source_factory = source_factory
        self.grader_factory = grader_factory
        self.out = Console(highlight=False)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    # -- plumbing -----------------------------------------------------------------------------

    def settings(self, data_dir: Path | None) -> Settings:
        from interviewer.settings import get_settings

        return get_settings(data_dir=data_dir) if data_dir else get_settings()

    def store(self, settings: Settings):
        from interviewer.agent import SessionStore

        return SessionStore(settings.sessions_db)

    def fail(self, message: str, code: int = 2) -> typer.Exit:
        self.err.print(Text("error: ", style="bold red") + Text(strip_terminal_codes(message)))
        return typer.Exit(code)

    def grader_kind(self, requested: GraderKind | None, settings: Settings) -> str:
        if requested is None:
            return "llm" if settings.llm_enabled else "offline"
        if requested is GraderKind.llm and not settings.llm_enabled:
            raise CliError(
                "--grader llm needs an LLM. Fix: set INTERVIEWER_LLM_PROVIDER (openai or "
                "openai-compatible), INTERVIEWER_LLM_MODEL and, for OpenAI, "
                "INTERVIEWER_LLM_API_KEY; or use --grader offline."
            )
        return requested.value

    def engine(self, settings: Settings, store, kind: str) -> InterviewEngine:
        from interviewer.agent import build_interview

        return build_interview(
            settings,
            kind=kind,
            source=self.source_factory(settings),
            store=store,
            grader_factory=self.grader_factory,
        )

    # -- rendering ----------------------------------------------------------------------------

    def show(self, messages: list[Message]) -> None:
        """Print messages as plain text (never markup), terminal escape codes removed: bank
        text, LLM text and answers are untrusted."""
        for m in messages:
            style = STYLES.get(m.kind, "")
            text = strip_terminal_codes(m.text)
            if m.kind is MessageKind.question:
                header, _, body = text.partition("\n")
                self.out.print()
                self.out.print(Text(header, style="dim"))
                self.out.print(Text(body, style=style))
            elif m.kind is MessageKind.model_answer:
                # The bank's model answers are markdown (lists, code, formulas): render them.
                header, _, body = text.partition("\n")
                self.out.print(Text(header, style=style))
                self.out.print(Markdown(body))
            else:
                self.out.print(Text(PREFIX.get(m.kind, "") + text, style=style))

    def grader_banner(self, kind: str, settings: Settings) -> None:
        if kind == "llm":
            text = (
                f"Grader: LLM {settings.llm_model} (if it fails, answers are graded offline "
                "and labelled fallback)."
            )
        else:
            text = "Grader: offline grader (local embeddings, no LLM)."
        self.out.print(Text(text, style="dim"))

    # -- the loop -----------------------------------------------------------------------------

    def read_line(self, interactive: bool) -> str | None:
        if interactive:
            try:
                return self.out.input("[bold]You ›[/bold] ")
            except EOFError:
                return None
        line = sys.stdin.readline()
        if line == "":
            return None
        line = line.rstrip("\n").rstrip("\r")
        self.echo_answer(line)
        return line

    def save_with_retry(self, session: InterviewSession, interactive: bool) -> TurnResult | None:
        """After a StoreError: retry writing the kept turn until it works or the user gives up."""
        from interviewer.agent import ConcurrentSessionError, StoreError, StoreReadOnlyError

        attempts = 0
        while True:
            attempts += 1
            if interactive:
                lost = (
                    "the answer is kept, and graded again on resume"
                    if session.answer_kept
                    else "the unsaved answer is then lost"
                )
                try:
                    choice = self.out.input(
                        f"[dim]Press Enter to retry saving, or type q to quit ({lost}): [/dim]"
                    )
                except EOFError:
                    choice = "q"
                if choice.strip().lower() in ("q", "quit", "/end"):
                    return None
            else:
                if attempts > 3:
                    return None
                time.sleep(1.0)
            try:
                return session.retry_save()
            except ConcurrentSessionError as exc:  # no retry can succeed: stop asking
                self.err.print(Text(strip_terminal_codes(str(exc)), style="red"))
                return None
            except StoreReadOnlyError as exc:
                self.err.print(Text(strip_terminal_codes(str(exc)), style="red"))
                if not interactive:
                    return None
            except StoreError as exc:
                self.err.print(Text(strip_terminal_codes(str(exc)), style="red"))

    def echo_answer(self, text: str, note: str = "") -> None:
        text = strip_terminal_codes(text)
        shown = text if len(text) <= 200 else text[:200] + f"… ({len(text):,} characters)"
        self.out.print(Text("You › " + shown + note, style="bold"))

    def show_opening(self, session: InterviewSession) -> None:
        """The greeting; on resume, the saved answer graded first and what it led to."""
        assert session.opening is not None
        if session.recovered is None or session.recovered_answer is None:
            self.show(session.opening.messages)
            return
        self.show(session.welcome)
        self.show(session.recovered_prompt)
        self.echo_answer(session.recovered_answer, " (saved before the interruption)")
        self.show(session.recovered.messages)

    def bank_down(self, exc: Exception, settings: Settings, session_id: str | None) -> str:
        from interviewer.agent import bank_outage_message

        if session_id is None:
            return bank_outage_message(str(exc), settings, "run `interviewer chat` again")
        return bank_outage_message(
            str(exc),
            settings,
            f"run `interviewer resume {session_id}` (every answer is saved, the last one "
            "included; it is graded first)",
        )

    def run(
        self, session: InterviewSession, first: TurnResult, *, start_warm_up, settings: Settings
    ) -> int:
        """Drive a session until it ends or input runs out. Returns the exit status."""
        from interviewer.agent import (
            ConcurrentSessionError,
            GradingError,
            SourceUnavailable,
            StoreError,
        )

        interactive = sys.stdin.isatty()
        if first is session.opening:
            self.show_opening(session)
        else:
            self.show(first.messages)
        self.out.print(Text(f"(session {session.id})", style="dim"))
        start_warm_up()
        result = first
        while not result.done:
            try:
                line = self.read_line(interactive)
            except KeyboardInterrupt:
                line = None
                self.out.print()
            if line is None:
                self.out.print(
                    Text(
                        f"Stopped. Everything answered is saved; continue with "
                        f"`interviewer resume {session.id}`.",
                        style="dim",
                    )
                )
                return 0
            try:
                result = session.submit(line)
            except GradingError as exc:
                self.err.print(Text(strip_terminal_codes(str(exc)), style="red"))
                if not interactive:
                    return 1
                continue
            except SourceUnavailable as exc:
                message = self.bank_down(exc, settings, session.id)
                self.err.print(Text(strip_terminal_codes(message), style="red"))
                return 1
            except ConcurrentSessionError as exc:
                # Another window moved the session on: this copy is stale, so retrying
                # cannot succeed. Say so once and stop.
                self.err.print(Text(strip_terminal_codes(str(exc)), style="bold red"))
                self.err.print(Text("This last answer was not recorded.", style="red"))
                return 1
            except StoreError as exc:
                self.err.print(Text(strip_terminal_codes(str(exc)), style="bold red"))
                saved = self.save_with_retry(session, interactive)
                if saved is None:
                    what = (
                        "The grade of the last answer was NOT saved, but the answer itself is: "
                        "resuming grades it again."
                        if session.answer_kept
                        else "The last answer was NOT saved."
                    )
                    self.err.print(
                        Text(
                            f"{what} Earlier answers are safe; after fixing the database, run "
                            f"`interviewer resume {session.id}`.",
                            style="red",
                        )
                    )
                    return 1
                result = saved
            self.show(result.messages)
        self.final_report(session)
        return 0

    def run_session(self, session: InterviewSession, settings: Settings, warm) -> int:
        """Run the chat loop from the session's opening; returns the exit code."""
        assert session.opening is not None
        starter = _warm_up_starter(session, settings, warm)
        code = self.run(session, session.opening, start_warm_up=starter, settings=settings)
        _join_background()
        return code

    def final_report(self, session: InterviewSession) -> None:
        from interviewer.agent import render_markdown

        report = session.report()
        if report.answered == 0:
            return
        practice = session.state.config.mode is Mode.practice
        self.out.print()
        self.out.print(Markdown(render_markdown(report, questions=not practice)))
        self.out.print(
            Text(
                f"Full report: `interviewer report {session.id}` · transcript: "
                f"`interviewer export {session.id} --format md`",
                style="dim",
            )
        )


def default_warm_up(settings: Settings) -> None:
    from interviewer.agent import warm_up_models as warm_up

    warm_up(settings.embedding_model)


def _warm_up_starter(
    session: InterviewSession, settings: Settings, warm_up: WarmUp
) -> Callable[[], None]:
    """Build the grader and load the embedding model in the background, once the question
    shows (torch takes seconds to import; the candidate is reading meanwhile)."""

    def start() -> None:
        def work() -> None:
            # Failures here are not reported: the first grade raises the real error.
            with contextlib.suppress(Exception):
                warm_up(settings)
                # The grader's own models (the LLM grader's support check among them), so
                # the first answer does not pay for loading them.
                warm_up_parts(session.engine.grader)
                session.prefetch()  # the grader prepares the first question meanwhile

        thread = threading.Thread(target=work, name="interviewer-warm-up", daemon=True)
        thread.start()

    return start


# Warm-up threads still running at exit are joined first: a daemon thread killed inside a
# torch call makes the C++ runtime print "terminate called without an active exception".
def _join_background(timeout: float = 60.0) -> None:
    """Wait for our background work (warm-up, prefetch) so torch is idle at interpreter exit."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.startswith(
            ("interviewer-", "prefetch", "prepare")
        ):
            thread.join(timeout)


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the sessions database lives (env INTERVIEWER_DATA_DIR).",
        show_default=False,
    ),
]

# The session-shape options of `chat`, named here so its signature reads as a list of choices.
Questions = Annotated[
    int, typer.Option("--questions", "-n", min=1, max=MAX_QUESTIONS, help="How many questions.")
]
ModeOption = Annotated[
    Mode, typer.Option(help="practice: feedback after each answer; interview: only at the end.")
]
FollowUps = Annotated[
    int,
    typer.Option(
        "--follow-ups",
        min=0,
        max=MAX_FOLLOW_UPS,
        help="Follow-up questions per question on missed key points (0-3).",
    ),
]
DifficultyOption = Annotated[
    DifficultySetting,
    typer.Option(help="easy, medium, hard, or adaptive (harder after strong answers)."),
]


def register(
    app: typer.Typer,
    *,
    source_factory: SourceFactory | None = None,
    grader_factory: GraderFactory | None = None,
    warm_up: WarmUp | None = None,
) -> None:
    """Add chat, sessions, resume, export and report to `app`.

    The factories default to the Chroma bank, `interviewer.grading.make_grader` and loading
    the embedding model; tests pass their own.
    """
    warm = warm_up or default_warm_up
    from interviewer.agent import default_grader

    cli = Cli(source_factory or default_source, grader_factory or default_grader)

    @app.command()
    def chat(
        questions: Questions = 5,
        mode: ModeOption = Mode.practice,
        follow_ups: FollowUps = 1,
        difficulty: DifficultyOption = DifficultySetting.adaptive,
        category: Annotated[
            list[str] | None,
            typer.Option(
                "--category",
                "-c",
                help="Only this category; repeat for several. Default: all.",
                show_default=False,
            ),
        ] = None,
        focus: Annotated[
            str | None,
            typer.Option(
                help='Steer towards questions closest to this text, e.g. "ML engineer at a '
                'fintech" (loads the embedding model first).',
                show_default=False,
            ),
        ] = None,
        grader: Annotated[
            GraderKind | None,
            typer.Option(
                help="offline, or llm (needs INTERVIEWER_LLM_*). Default: llm if configured.",
                show_default=False,
            ),
        ] = None,
        seed: Annotated[
            int | None, typer.Option(help="Make question choice reproducible.", hidden=True)
        ] = None,
        candidate: Annotated[
            str, typer.Option(help="Whose history drives spaced repetition.")
        ] = "default",
        redrill: Annotated[
            str | None,
            typer.Option(
                "--redrill",
                help="Re-drill session ID: ask again, one by one, the key points it left "
                "missed or wrong (each point's follow-up question, graded on that point).",
                show_default=False,
            ),
        ] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Practise: the interviewer asks, you answer, it grades and follows up.

        Commands while answering (plain words or with a slash): /hint, /skip, /repeat,
        /idk (I don't know), /retry, /end, /help. Every answer is saved before the reply appears;
        resume an interrupted session with `interviewer resume ID`.

        Examples:  interviewer chat -n 3 -c "Deep Learning Concepts"  ·
        interviewer chat --mode interview --difficulty hard  ·
        interviewer chat --redrill 1a2b3c4d5e6f  ·
        printf 'my answer\\n/skip\\n' | interviewer chat -n 2
        """
        from interviewer.agent import SessionConfig, SetupError, SourceUnavailable, StoreError

        try:
            settings = cli.settings(data_dir)
            kind = cli.grader_kind(grader, settings)
            store = cli.store(settings)
            store.check_writable()
            engine = cli.engine(settings, store, kind)
            if redrill:
                # Every open point of that session, one per question, in practice mode.
                questions = max(1, min(MAX_QUESTIONS, len(engine.redrill_questions(redrill))))
                mode, follow_ups, category = Mode.practice, 0, None
            config = SessionConfig(
                redrill_of=redrill,
                categories=category or [],
                difficulty=difficulty,
                questions=questions,
                mode=mode,
                follow_ups=follow_ups,
                focus=focus,
                grader=kind,
                candidate=candidate,
                seed=seed,
            )
            if focus:
                cli.out.print(Text("Finding questions close to your focus…", style="dim"))
            session = engine.start(config)
        except SourceUnavailable as exc:
            raise cli.fail(cli.bank_down(exc, settings, None)) from exc
        except (CliError, SetupError, StoreError) as exc:
            raise cli.fail(str(exc)) from exc
        cli.grader_banner(kind, settings)
        assert session.opening is not None
        raise typer.Exit(cli.run_session(session, settings, warm))

    @app.command()
    def resume(
        session_id: Annotated[str, typer.Argument(help="The id `interviewer sessions` shows.")],
        grader: Annotated[
            GraderKind | None,
            typer.Option(help="Override the grader the session started with.", show_default=False),
        ] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Continue an interrupted session exactly where it stopped.

        An answer that was saved but not graded when the session stopped is graded first.
        """
        from interviewer.agent import SessionRepository, SourceUnavailable, StoreError

        try:
            settings = cli.settings(data_dir)
            store = cli.store(settings)
            stored = SessionRepository(store).load(session_id)
            started_with = stored.state.config.grader
            if grader is None and started_with == "llm" and not settings.llm_enabled:
                cli.err.print(
                    Text(
                        "This session started with the LLM grader, but no LLM is configured "
                        "now: continuing with the offline grader.",
                        style="yellow",
                    )
                )
                kind = "offline"
            else:
                kind = cli.grader_kind(grader or GraderKind(started_with), settings)
            if stored.status != "finished":
                store.check_writable()
            try:
                engine = cli.engine(settings, store, kind)
            except CliError as exc:
                raise CliError(
                    f"{exc} Every answer is saved: run `interviewer resume {stored.id}` again "
                    "once the bank is back."
                ) from exc
            session = engine.resume(stored.id)
        except SourceUnavailable as exc:
            raise cli.fail(cli.bank_down(exc, settings, session_id)) from exc
        except (CliError, StoreError) as exc:
            raise cli.fail(str(exc)) from exc
        cli.grader_banner(kind, settings)
        assert session.opening is not None
        if session.state.done:
            cli.show_opening(session)
            if session.recovered is not None:  # the saved answer was the last one
                cli.final_report(session)
            _join_background()
            raise typer.Exit(0)
        raise typer.Exit(cli.run_session(session, settings, warm))

    @app.command()
    def sessions(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON instead of a table.")
        ] = False,
        limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
        data_dir: DataDir = None,
    ) -> None:
        """List practice sessions, newest first.

        `--json` prints a list of {"id", "created_at", "status", "questions_total",
        "questions_done", "score", "categories", "grader", ...}.
        """
        from interviewer.agent import StoreError

        try:
            settings = cli.settings(data_dir)
            if not settings.sessions_db.exists():
                rows = []
            else:
                rows = cli.store(settings).list_sessions(limit=limit)
        except StoreError as exc:
            raise cli.fail(str(exc)) from exc
        if as_json:
            print(json.dumps([r.as_dict() for r in rows], indent=2))
            return
        if not rows:
            cli.out.print("No sessions yet. Start one with `interviewer chat`.")
            return
        table = Table(title=f"{len(rows)} session{'s' if len(rows) != 1 else ''}, newest first")
        table.add_column("id", no_wrap=True, min_width=12)
        table.add_column("started", no_wrap=True)
        for column in ("status", "done", "score", "grader", "categories"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(
                r.id,
                datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M"),
                r.status,
                f"{r.questions_done}/{r.questions_total}",
                "–" if r.score is None else f"{r.score:.1f}",
                rich_escape(r.graded_by),
                rich_escape(", ".join(r.categories)),
            )
        cli.out.print(table)

    def _load(session_id: str, data_dir: Path | None, with_search: bool):
        from interviewer.agent import SessionRepository, build_report

        settings = cli.settings(data_dir)
        if not settings.sessions_db.exists():
            raise CliError(
                f"No session database at {settings.sessions_db}. Fix: check INTERVIEWER_DATA_DIR "
                "or --data-dir, or start a session with `interviewer chat`."
            )
        store = cli.store(settings)
        stored = SessionRepository(store).load(session_id, with_turns=True)
        state = stored.state
        source = None
        source_error = None
        if with_search:
            try:
                source = cli.source_factory(settings)
            except Exception as exc:  # the report still renders, without links to the bank
                source_error = f"the question bank could not be opened ({exc})"
        report = build_report(
            state,
            session_id=stored.id,
            source=source,
            store=store,
            created_at=stored.created_at,
            status=stored.status,
            source_error=source_error,
        )
        return stored, report

    def _write(text: str, output: Path | None) -> None:
        if output is None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            output.write_text(text, encoding="utf-8")
            cli.err.print(Text(f"Wrote {output}", style="dim"))

    @app.command()
    def export(
        session_id: Annotated[str, typer.Argument(help="The id `interviewer sessions` shows.")],
        fmt: Annotated[
            ExportFormat, typer.Option("--format", "-f", help="md (transcript) or json (all data).")
        ] = ExportFormat.md,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
        ] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Export a session: every question, answer, grade and reply, plus the report."""
        from interviewer.agent import StoreError, render_export_json, render_transcript_markdown

        try:
            stored, report = _load(session_id, data_dir, with_search=False)
        except (CliError, StoreError) as exc:
            raise cli.fail(str(exc)) from exc
        if fmt is ExportFormat.json:
            _write(render_export_json(stored, report), output)
        else:
            _write(render_transcript_markdown(stored, report), output)

    @app.command()
    def report(
        session_id: Annotated[str, typer.Argument(help="The id `interviewer sessions` shows.")],
        fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="md or json.")] = (
            ExportFormat.md
        ),
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
        ] = None,
        data_dir: DataDir = None,
    ) -> None:
        """Show a session's report: scores, strengths, weakest areas, trends.

        Scores per category and per question (covered and missed key points, feedback, model
        answer), strengths, the three weakest areas with bank questions to study, and the
        per-category trend against your earlier sessions.
        """
        from interviewer.agent import StoreError, render_json, render_markdown

        try:
            _stored, rep = _load(session_id, data_dir, with_search=True)
        except (CliError, StoreError) as exc:
            raise cli.fail(str(exc)) from exc
        _write(render_json(rep) if fmt is ExportFormat.json else render_markdown(rep), output)


def main() -> None:
    """Run these commands alone (`python -m ui.terminal chat ...`)."""
    app = typer.Typer(no_args_is_help=True)
    register(app)
    app()


if __name__ == "__main__":
    main()
