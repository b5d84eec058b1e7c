"""Draw ingest previews and reports in the terminal (Rich). Everything from a bank file is
escaped: a question or a file name is shown as text, never read as Rich markup, and terminal
control codes in it are dropped."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from ingest.preview import BankPreview
from ingest.result import Skipped
from interviewer.display import rich_escape as escape


def skipped_table(skipped: Sequence[Skipped], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("line", justify="right")
    table.add_column("why it was skipped", overflow="fold")
    table.add_column("text", overflow="fold", style="dim")
    for s in skipped:
        reason = escape(s.reason)
        if s.ambiguous:
            reason = f"[yellow]{reason} (ambiguous)[/yellow]"
        table.add_row(str(s.line), reason, escape(s.excerpt))
    return table


def print_preview(console: Console, preview: BankPreview) -> None:
    """One file's dry run: counts per category, levels, three samples, every skipped block."""
    name = escape(preview.name)
    if preview.error:
        console.print(f"\n[bold]{name}[/bold]: [red]cannot be read[/red]")
        console.print(f"  {escape(preview.error)}")
        return
    console.print(
        f"\n[bold]{name}[/bold] · {escape(preview.layout)} · {preview.questions} questions, "
        f"{preview.with_reference} with a reference, {preview.without} without"
    )
    table = Table(show_edge=False, pad_edge=False)
    for column in ("category", "questions", "with reference", "without"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for c in preview.categories:
        table.add_row(escape(c.name), str(c.questions), str(c.with_reference), str(c.without))
    console.print(table)
    console.print(
        "difficulty: " + " · ".join(f"{level} {n}" for level, n in preview.difficulties.items())
    )
    samples = Table(title="samples", title_justify="left", show_lines=True)
    for column in ("line", "question", "answer starts"):
        samples.add_column(column, overflow="fold", justify="right" if column == "line" else "left")
    for s in preview.samples:
        samples.add_row(
            str(s.line),
            f"{escape(s.text)}\n[dim]{escape(s.category)} · {s.difficulty}[/dim]",
            escape(s.answer_start),
        )
    console.print(samples)
    if preview.skipped:
        console.print(skipped_table(preview.skipped, f"skipped blocks ({len(preview.skipped)})"))
    else:
        console.print("skipped blocks: none")


def print_totals(console: Console, previews: Sequence[BankPreview]) -> None:
    read = [p for p in previews if not p.error]
    questions = sum(p.questions for p in read)
    with_ref = sum(p.with_reference for p in read)
    categories = {c.name for p in read for c in p.categories}
    failed = len(previews) - len(read)
    console.print(
        f"\n{len(previews)} files · {questions} questions · {with_ref} with a reference · "
        f"{questions - with_ref} without · {len(categories)} categories"
        + (f" · [red]{failed} cannot be read[/red]" if failed else "")
        + "\nDry run: nothing was written. Run the same command without --dry-run to store it."
    )
