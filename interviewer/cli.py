"""The `interviewer` command. Heavy libraries load inside commands, so `--help` stays instant."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from interviewer.display import rich_escape as esc
from interviewer.display import strip_terminal_codes
from interviewer.settings import BUNDLED_BANK_DIR, REPO_ROOT, get_settings

app = typer.Typer(
    help=(
        "A strict, fair AI mock interviewer for ML and data-science interviews.\n\n"
        "Runs fully offline by default (local embeddings, local Chroma, SQLite, offline grader).\n"
        "Start with `interviewer ingest bank/`, then `interviewer chat` or `interviewer ui`."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
bank_app = typer.Typer(
    help="Look inside the question bank: stats, list, show, search.", no_args_is_help=True
)
app.add_typer(bank_app, name="bank")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors stay greppable, unwrapped

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Where the store lives (env INTERVIEWER_DATA_DIR).", show_default=False
    ),
]


def _settings(data_dir: Path | None):
    return get_settings(data_dir=data_dir) if data_dir else get_settings()


def _open_bank(data_dir: Path | None):
    from interviewer.bank import BankUnavailable, ChromaBank

    try:
        return ChromaBank(_settings(data_dir))
    except BankUnavailable as exc:
        err.print(f"[red]{esc(str(exc))}[/red]")
        raise typer.Exit(2) from exc


# One line per paragraph: Typer's rich mode keeps single line breaks as they are.
INGEST_HELP = "\n\n".join(
    [
        "Read question banks and store them, embedded, in Chroma.",
        "Markdown is read by its structure: questions as headings (## What is X?, ### Q1: ..., "
        "#### 1) ...), bold lines, <details><summary> blocks, Q:/A: pairs or lists, under topic "
        "headings that become categories. Difficulty comes from marks (easy/medium/hard, "
        "\\[Easy], 👶 ⭐️ 🚀) or front matter. CSV/TSV (a header row, or --columns), Anki "
        "plain-text exports and JSON/YAML lists of objects work too. A table of contents, a "
        "legend or an introduction is skipped; 'Answer here' or a bare link is no answer.",
        "Check first with --dry-run: counts per category, difficulties, three samples and every "
        "skipped block with its line and why. Nothing is written.",
        "Re-running on unchanged files does nothing; edited questions are updated in place. "
        "Files are told apart by path: two notes.md in different folders are both kept. A "
        "question without an answer gets the closest answered question or answer section as a "
        "retrieved reference when one is similar enough, else one written by the configured "
        "LLM, else none (then it is never graded offline).",
        "Examples:  interviewer ingest bank/  ·  interviewer ingest theory.md --dry-run  ·  "
        "interviewer ingest cards.csv --columns question=Front,answer=Back,category=Deck",
    ]
)


@app.command(help=INGEST_HELP)
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Bank files or folders (markdown, CSV, TSV, Anki .txt, JSON, YAML). "
            "Default: the bundled bank/.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show what would be stored (counts per category, levels, samples, every "
            "skipped block with its line) and write nothing.",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Store nothing when any file fails or has ambiguous blocks (lines that might "
            "be questions but are not marked as one).",
        ),
    ] = False,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Which CSV/TSV columns or JSON/YAML keys hold what, by name or 1-based "
            "position: question=Front,answer=Back,category=Deck (also difficulty, tags).",
            show_default=False,
        ),
    ] = None,
    prune: Annotated[
        bool, typer.Option(help="Also drop questions whose source file no longer exists.")
    ] = False,
    data_dir: DataDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print errors.")] = False,
) -> None:
    """Read question banks and store them, embedded, in Chroma. `--help` shows INGEST_HELP."""
    from ingest.fields import parse_columns

    try:
        column_map = parse_columns(columns)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--columns") from exc
    targets = paths or [BUNDLED_BANK_DIR]
    if dry_run:
        raise typer.Exit(_dry_run(targets, column_map, strict=strict, quiet=quiet))

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ingest.errors import BankFormatError
    from ingest.pipeline import ingest as run_ingest

    bank = _open_bank(data_dir)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}  # rich's TaskID per stage

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(esc(stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            report = run_ingest(
                bank,
                targets,
                prune=prune,
                strict=strict,
                columns=column_map,
                writer=_reference_writer(),
                progress=progress,
            )
        except (BankFormatError, FileNotFoundError) as exc:
            err.print(f"[red]error:[/red] {esc(str(exc))}")
            raise typer.Exit(2) from exc
    for failed in report.failed:
        err.print(
            f"[red]error:[/red] {esc(failed.error or 'failed')}\n  Nothing from this file "
            "was stored."
        )
    if report.strict_refused:
        err.print("[red]--strict:[/red] nothing from this run was stored.")
    elif not quiet:
        _print_ingest_summary(bank, report)
    if report.failed:
        raise typer.Exit(1)


def _dry_run(targets, columns, *, strict: bool, quiet: bool) -> int:
    """`ingest --dry-run`: read every file, show what would be stored, write nothing."""
    from ingest.errors import BankFormatError
    from ingest.parse import read_bank
    from ingest.pipeline import find_bank_files
    from ingest.preview import failed, summarise
    from ingest.terminal import print_preview, print_totals

    try:
        files = find_bank_files(targets)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {esc(str(exc))}")
        return 2
    previews = []
    for path in files:
        try:
            previews.append(summarise(read_bank(path, columns=columns), str(path)))
        except BankFormatError as exc:
            previews.append(failed(str(path), str(exc)))
    for preview in previews:
        if not quiet or preview.error:
            print_preview(err if preview.error else console, preview)
    print_totals(console, previews)
    bad = any(p.error for p in previews) or (strict and any(p.ambiguous for p in previews))
    if strict and any(p.ambiguous for p in previews):
        err.print("[red]--strict:[/red] ambiguous blocks (marked above); this would store nothing.")
    return 1 if bad else 0


def _reference_writer():
    """An LLM that writes references for unanswered questions, when one is configured."""
    settings = get_settings()
    if not settings.llm_enabled:
        return None
    try:
        from ingest.generate import make_reference_writer
    except ImportError:
        return None
    return make_reference_writer(settings)


def _print_ingest_summary(bank, report) -> None:
    from ingest.terminal import skipped_table

    files = Table(title="Ingest", show_lines=False)
    for column in ("file", "status", "layout", "questions", "embedded", "removed", "skipped"):
        files.add_column(column, justify="left" if column in ("file", "layout") else "right")
    for f in report.files:
        colour = {"failed": "red", "unchanged": "dim"}.get(f.status, "green")
        files.add_row(
            esc(f.name),
            f"[{colour}]{f.status}[/{colour}]",
            esc(f.layout) or "-",
            str(f.questions),
            str(f.embedded),
            str(f.deleted),
            str(len(f.skipped)),
        )
    console.print(files)
    for f in report.files:
        ambiguous = [s for s in f.skipped if s.ambiguous]
        if ambiguous:
            console.print(
                skipped_table(ambiguous, f"{f.name}: {len(ambiguous)} ambiguous blocks skipped")
            )
    if any(f.skipped for f in report.files):
        console.print(
            "[dim]Every skipped block, with its line and why: `interviewer ingest PATH --dry-run`."
            "[/dim]"
        )
    stats = bank.stats()
    summary = Table(title="Bank")
    summary.add_column("category")
    summary.add_column("questions", justify="right")
    for name, n in stats.categories.items():
        summary.add_row(esc(name), str(n))
    console.print(summary)
    without = stats.questions - stats.with_reference
    console.print(
        f"{len(report.files)} files · {stats.questions} questions · "
        f"{stats.with_reference} with a reference or rubric · {without} without · "
        f"{len(stats.categories)} categories · references retrieved this run: "
        f"{report.references_retrieved}, generated: {report.references_generated}"
        + (f" · pruned {report.pruned}" if report.pruned else "")
    )
    if without:
        console.print(
            f"[yellow]{without} questions have no reference answer and will not be asked "
            "offline.[/yellow] Fix: add a Q&A file that answers them, or configure an LLM "
            "(INTERVIEWER_LLM_PROVIDER) to generate references."
        )


@bank_app.command("stats")
def bank_stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    data_dir: DataDir = None,
) -> None:
    """How many questions, how many can be graded, and how they spread over categories.

    `--json` prints {"questions": N, "with_reference": N, "categories": {name: N}, ...}.
    A behavioural question's rubric counts as its reference.
    """
    stats = _open_bank(data_dir).stats()
    if as_json:
        print(json.dumps(stats.as_json(), indent=2))
        return
    table = Table(title=f"{stats.questions} questions, {stats.with_reference} with a reference")
    table.add_column("category")
    table.add_column("questions", justify="right")
    for name, n in stats.categories.items():
        table.add_row(esc(name), str(n))
    console.print(table)
    console.print("reference origin: " + ", ".join(f"{k} {v}" for k, v in stats.by_origin.items()))


@bank_app.command("list")
def bank_list(
    category: Annotated[
        list[str] | None, typer.Option("--category", "-c", help="Repeatable.", show_default=False)
    ] = None,
    difficulty: Annotated[
        str | None, typer.Option(help="easy, medium or hard.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """List questions, optionally filtered by category and difficulty."""
    level = _difficulty(difficulty) if difficulty else None
    questions = _open_bank(data_dir).list(categories=category, difficulty=level)
    if as_json:
        print(json.dumps([q.model_dump(mode="json", exclude={"reference"}) for q in questions]))
        return
    table = Table(title=f"{len(questions)} questions")
    for column in ("id", "category", "level", "ref", "question"):
        table.add_column(column, overflow="fold")
    for q in questions:
        table.add_row(esc(q.id), esc(q.category), q.difficulty.value, _ref_label(q), esc(q.text))
    console.print(table)


def _difficulty(value: str):
    from interviewer.models import Difficulty

    try:
        return Difficulty(value.lower())
    except ValueError as exc:
        err.print(
            f"[red]error:[/red] difficulty must be easy, medium or hard, not {esc(repr(value))}"
        )
        raise typer.Exit(2) from exc


def _ref_label(q) -> str:
    if q.kind.value == "behavioural":
        return "rubric"
    return q.reference.origin.value


@bank_app.command("show")
def bank_show(
    question_id: Annotated[str, typer.Argument(help="A question id, as `bank list` prints.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """Show one question with its reference answer, key points and authored follow-ups."""
    from rich.markdown import Markdown

    q = _open_bank(data_dir).get(question_id)
    if q is None:
        err.print(
            f"[red]error:[/red] no question {esc(repr(question_id))}. Fix: `interviewer bank list`."
        )
        raise typer.Exit(1)
    if as_json:
        print(q.model_dump_json(indent=2))
        return
    # Bank text is untrusted (uploaded files): escaped, so "[/i]" prints instead of crashing.
    console.print(f"[bold]{esc(q.text)}[/bold]")
    console.print(
        esc(
            f"{q.category} · {q.difficulty.value} · {q.kind.value} · "
            f"{q.source}:{q.line} · tags: {', '.join(q.tags) or '-'}"
        )
    )
    if q.kind.value == "behavioural":
        console.print("\n[bold]Rubric[/bold]")
        for c in q.criteria:
            console.print(f"  • {esc(c)}")
        return
    ref = q.reference
    origin = ref.origin.value
    if ref.origin.value == "retrieved":
        origin += f" from {ref.retrieved_from} (similarity {ref.similarity:.2f})"
    console.print(f"\n[bold]Reference[/bold] ({esc(origin)})")
    if ref.usable:
        console.print(Markdown(strip_terminal_codes(ref.text)))
        console.print("\n[bold]Key points[/bold]")
        for index, point in enumerate(ref.key_points):
            console.print(f"  • {esc(point)}")
            for probe in ref.probes_for(index):
                console.print(f"      ↳ follow-up: {esc(probe)}", style="dim")
    else:
        console.print("  none: this question is not graded offline.")


@bank_app.command("search")
def bank_search(
    text: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many results.")] = 5,
    category: Annotated[list[str] | None, typer.Option("--category", "-c")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """Semantic search over question texts (local MiniLM embeddings)."""
    hits = _open_bank(data_dir).search(text, k=k, categories=category)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": h.question.id,
                        "similarity": round(h.similarity, 4),
                        "category": h.question.category,
                        "text": h.question.text,
                    }
                    for h in hits
                ]
            )
        )
        return
    table = Table(title=esc(f"Closest to {text!r}"))
    for column in ("sim", "id", "category", "question"):
        table.add_column(column, overflow="fold")
    for h in hits:
        table.add_row(
            f"{h.similarity:.2f}",
            esc(h.question.id),
            esc(h.question.category),
            esc(h.question.text),
        )
    console.print(table)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Open the Streamlit interview UI in your browser."""
    import subprocess

    app_path = REPO_ROOT / "ui" / "app.py"
    if not app_path.exists():
        err.print("[red]error:[/red] the web UI is not installed; use `interviewer chat`.")
        raise typer.Exit(2)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.showEmailPrompt",
        "false",
        # With fast reruns a widget change starts a second script thread while the first is
        # still stopping, and both touch one session state: Streamlit then fails at random
        # with "dictionary changed size during iteration". Our runs are short; let them end.
        "--runner.fastReruns",
        "false",
    ]
    raise typer.Exit(subprocess.call(cmd))


def _register_optional() -> None:
    """Mount sub-commands that live with their features."""
    try:
        from ui.terminal import register
    except ImportError:
        pass
    else:
        register(app)
    try:
        from eval.cli import app as eval_app
    except ImportError:
        pass
    else:
        app.add_typer(eval_app, name="eval", help="Measure the grader against human grades.")


_register_optional()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
