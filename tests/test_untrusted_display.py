"""Untrusted text (answers, bank text, LLM words) is shown literally: in Markdown exports and
reports it never becomes live HTML or Markdown, and in the terminal it cannot inject escape
codes or Rich markup."""

from __future__ import annotations

import re

import pytest
import typer
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from interviewer.display import md_code_block, md_escape, rich_escape, strip_terminal_codes
from interviewer.models import Question
from interviewer.source import InMemorySource
from interviewer.store import SessionStore
from tests.agent_fakes import KeywordGrader, make_question
from ui.terminal import register

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) "
    "![t](http://tracker.example/p.png) <http://evil.example> `code` **bold** | cell |"
)
ESCAPES = (
    "\x1b]0;pwned\x07\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\\r\x9b2J"
)
# A renderer that passes HTML through, as GitHub-style viewers and many editors do.
RENDER = MarkdownIt("commonmark", {"html": True}).render


def live_tags(html: str) -> list[str]:
    return re.findall(r"<(script|img|a|iframe|svg)\b", html)


# -- the pure helpers -----------------------------------------------------------------------------


def test_md_escape_leaves_no_live_html_or_markdown():
    html = RENDER(md_escape(HOSTILE))
    assert live_tags(html) == []
    assert "<code>" not in html and "<strong>" not in html and "<table>" not in html
    # ... and the reader still sees exactly what was typed.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click](javascript:alert(3))" in html


@pytest.mark.parametrize(
    "line", ["# heading", "- item", "+ item", "1. item", "3) item", "> quote", "===", "---"]
)
def test_line_start_markdown_is_escaped(line):
    html = RENDER("before\n\n" + md_escape(line))
    assert re.findall(r"<(h\d|ul|ol|li|blockquote|hr)\b", html) == [], html


def test_code_block_cannot_be_closed_from_inside():
    text = "```\n<script>x</script>\n```\n# not a heading"
    html = RENDER(md_code_block(text))
    assert html.count("<pre>") == 1 and live_tags(html) == [] and "<h1>" not in html


def test_terminal_codes_are_stripped_and_markup_escaped():
    assert strip_terminal_codes(ESCAPES) == "red link"
    assert strip_terminal_codes("tab\tand\nnewline") == "tab\tand\nnewline"
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(f"[bold]{rich_escape('a [/i] b [red]x[/red] ' + ESCAPES)}[/bold]")
    shown = console.export_text()
    assert "a [/i] b [red]x[/red]" in shown and "\x1b" not in shown


# -- exports and reports ----------------------------------------------------------------------


def hostile_question() -> Question:
    return make_question(
        "Explain <b>bagging</b> [/i] and boosting.",
        "Core <i>ML</i>",
        key_points=["Bagging averages <script>x</script> learners.", "Boosting is sequential."],
        answer="Bagging <img src=x onerror=alert(9)> averages; boosting ![p](http://t/p.png).",
        source="hostile.md",
    )


def cli_app(source) -> typer.Typer:
    app = typer.Typer()
    register(
        app,
        source_factory=lambda s: source,
        grader_factory=lambda kind, s: KeywordGrader(),
        warm_up=lambda s: None,
    )
    return app


@pytest.fixture
def hostile_session(data_dir):
    source = InMemorySource([hostile_question()])
    app = cli_app(source)
    result = CliRunner().invoke(
        app, ["chat", "-n", "1", "--follow-ups", "0"], input=HOSTILE + ESCAPES + "\n"
    )
    assert result.exit_code == 0, result.output
    sid = SessionStore(data_dir / "sessions.sqlite3").list_sessions()[0].id
    return app, sid, result.output


def test_chat_echo_strips_terminal_codes(hostile_session):
    _, _, output = hostile_session
    assert "\x1b" not in output and "\x9b" not in output and "\r" not in output


@pytest.mark.parametrize("command", [["export", "--format", "md"], ["report"]])
def test_markdown_export_and_report_escape_candidate_and_bank_text(hostile_session, command):
    app, sid, _ = hostile_session
    result = CliRunner().invoke(app, [command[0], sid, *command[1:]])
    assert result.exit_code == 0, result.output
    markdown = result.stdout
    assert "<script>alert(1)" not in markdown and "<b>bagging" not in markdown
    html = RENDER(markdown)
    assert live_tags(html) == [], [line for line in markdown.splitlines() if "<" in line]
    assert "<b>" not in html and "<i>" not in html
    assert "\x1b" not in markdown
    # The candidate's words are all still there, as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- the bank commands ------------------------------------------------------------------------


class FakeBank:
    def __init__(self, question: Question) -> None:
        self.question = question

    def get(self, question_id):
        return self.question

    def list(self, categories=None, difficulty=None):
        return [self.question]

    def search(self, text, k=5, categories=None):
        from interviewer.source import SearchHit

        return [SearchHit(self.question, 0.9)]


@pytest.mark.parametrize(
    "args", [["bank", "show", "q_x"], ["bank", "list"], ["bank", "search", "[/i] \x1b[2J"]]
)
def test_bank_commands_print_markup_and_escape_codes_literally(monkeypatch, args):
    from interviewer import cli

    question = hostile_question().model_copy(
        update={"text": "What does [/i] mean? \x1b[2J\x1b]0;title\x07 [bold]x[/bold]"}
    )
    monkeypatch.setattr(cli, "_open_bank", lambda data_dir: FakeBank(question))
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert "\x1b" not in result.output
    assert "[/i]" in result.output


def test_an_ingest_error_quoting_markup_prints(data_dir, tmp_path, monkeypatch):
    import ingest.pipeline
    from ingest.errors import BankFormatError
    from interviewer import cli

    def fails(bank, paths, **kwargs):
        raise BankFormatError(paths[0], 3, "a heading", "[/i] \x1b[2J text from the file")

    monkeypatch.setattr(ingest.pipeline, "ingest", fails)
    bank = tmp_path / "bank.md"
    bank.write_text("## Q1: x\n")
    result = CliRunner().invoke(cli.app, ["ingest", str(bank), "--data-dir", str(data_dir)])
    assert result.exit_code == 2 and "MarkupError" not in repr(result.exception)
    assert "[/i]" in result.output and "\x1b" not in result.output


@pytest.mark.slow
def test_ingesting_a_bank_whose_text_holds_markup_prints_its_summary(data_dir, tmp_path):
    from interviewer import cli

    bank = tmp_path / "markup.md"
    bank.write_text(
        '---\ncategory: "Tips [/i] and [bold]tricks"\n---\n\n'
        "## Q1: What does [/i] close?\n\n**Answer**:\n\nAn italic span opened by [i].\n"
    )
    result = CliRunner().invoke(cli.app, ["ingest", str(bank), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "Tips [/i] and [bold]tricks" in result.output.replace("\n", "")
    shown = CliRunner().invoke(cli.app, ["bank", "list", "--data-dir", str(data_dir)])
    assert shown.exit_code == 0 and "[/i]" in shown.output
