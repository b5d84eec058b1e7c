"""Untrusted text made safe to show. Pure functions, no I/O.

Candidate answers, LLM replies, uploaded banks and server error messages are untrusted:

- in Markdown we write (exports, reports), `md_escape` turns HTML into entities and escapes
  the characters Markdown acts on, so `<script>`, `<img onerror=...>`, links and images show
  as the literal text the candidate typed; `md_code_block` fences multi-line bank text;
- in a terminal, `strip_terminal_codes` removes escape sequences (colours, cursor moves,
  window-title or hyperlink OSC codes) and other control characters, and `rich_escape` also
  escapes Rich markup, so bank text holding `[/i]` prints instead of raising `MarkupError`.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), 8-bit CSI, and two-byte ESC sequences.
_TERMINAL_SEQUENCES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]"
)
# What is left of C0 and C1 controls, except tab and newline (carriage return can overwrite
# a line, so it goes too).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_MD_INLINE = re.compile(r"([\\`*_\[\]|~$])")
_MD_LINE_MARK = re.compile(r"^([ \t]*)([#+\-=])", re.MULTILINE)
_MD_LINE_NUMBER = re.compile(r"^([ \t]*\d+)([.)])", re.MULTILINE)


def strip_terminal_codes(text: str) -> str:
    """Remove terminal escape sequences and control characters; keep tabs and newlines."""
    return _CONTROL.sub("", _TERMINAL_SEQUENCES.sub("", text))


def rich_escape(text: str) -> str:
    """Text safe inside a Rich markup string (`console.print(f"[bold]{...}[/bold]")`)."""
    from rich.markup import escape

    return escape(strip_terminal_codes(text))


def md_escape(text: str) -> str:
    """Literal text in Markdown: no HTML, links, images, emphasis, code, headings or lists."""
    text = strip_terminal_codes(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_LINE_MARK.sub(r"\1\\\2", text)
    return _MD_LINE_NUMBER.sub(r"\1\\\2", text)


def md_cell(text: str) -> str:
    """`md_escape` for a table cell: one line."""
    return re.sub(r"\s*\n\s*", " ", md_escape(text))


def md_quote(text: str) -> str:
    """A blockquote of literal text, every line quoted."""
    return "> " + md_escape(text).replace("\n", "\n> ")


def md_code_block(text: str, info: str = "text") -> str:
    """A fenced block shown verbatim (Markdown and HTML inside stay inert), with a fence
    longer than any run of backticks in the text, so the text cannot close it."""
    text = strip_terminal_codes(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"
