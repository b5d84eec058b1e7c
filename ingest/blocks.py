"""Cut markdown into the blocks the structural reader reasons about. Pure; no decisions here.

Headings split the file into sections; inside a section's body the lines are grouped into
blocks: paragraphs, lists, fenced code, HTML blocks, `<details>`, single bold lines, `Q:` and
`A:` lines and image lines. Blank lines and separators (`<br/>`, `---`) only separate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.cleaning import clean_question
from ingest.markdown import Line

HEADING = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*$")
LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
SEPARATOR = re.compile(
    r"^\s*(?:<br\s*/?>\s*)+$|^\s*(?:-{3,}|\*{3,}|_{3,})\s*$|^\s*<hr\s*/?>\s*$", re.I
)
IMAGE_LINE = re.compile(r"^\s*(?:(?:!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>)\s*)+$", re.I)
# A whole line in bold, perhaps numbered or bulleted, perhaps followed by marks or links.
BOLD_LINE = re.compile(
    r"^\s*(?:(?:[-*+]|\d{1,4}[.)])\s+)?(?:\d{1,4}[.)]\s*)?(\*\*|__)(?P<inner>(?:(?!\1).)+?)\1(?P<tail>.*)$"
)
Q_LINE = re.compile(
    r"^\s*[*_]*(?:Q|Ques|Question)\s*#?\s*\d*\s*[*_]*\s*[:.)]\s*[*_]*\s*(?P<text>\S.*)$", re.I
)
A_LINE = re.compile(r"^\s*[*_]*(?:A|Ans|Answer)\s*\d*\s*[*_]*\s*:", re.I)
HTML_OPEN = re.compile(r"^\s*<(table|div|p|center|blockquote|dl|ul|ol|pre|!--)\b", re.I)
DETAILS_OPEN = re.compile(r"<details\b", re.I)
DETAILS_CLOSE = re.compile(r"</details\s*>", re.I)


@dataclass
class Block:
    kind: str  # para, list, code, html, details, bold, q, a, image
    start: int  # index into the file's lines
    end: int  # exclusive


@dataclass
class Section:
    """A heading and the lines up to the next heading (of any level)."""

    index: int | None  # heading line index; None for the part before the first heading
    level: int  # 0 for that part
    title: str
    body_start: int
    body_end: int
    children: list[Section] = field(default_factory=list)
    parent: Section | None = None


def heading_of(line: Line) -> tuple[int, str] | None:
    if line.in_code:
        return None
    match = HEADING.match(line.text)
    if not match:
        return None
    return len(match.group(1)), (match.group(2) or "").strip()


def sections(lines: list[Line]) -> list[Section]:
    """All sections in order, each linked to its enclosing one (a shallower heading before it)."""
    out: list[Section] = []
    root = Section(None, 0, "", 0, len(lines))
    stack = [root]
    out.append(root)
    for i, line in enumerate(lines):
        found = heading_of(line)
        if not found:
            continue
        level, title = found
        out[-1].body_end = i
        while stack[-1].level >= level:
            stack.pop()
        section = Section(i, level, title, i + 1, len(lines), parent=stack[-1])
        stack[-1].children.append(section)
        stack.append(section)
        out.append(section)
    return out


@lru_cache(maxsize=65536)
def bold_line(text: str) -> tuple[str, str] | None:
    """(inner, tail) when the line is one bold span, or None.

    Only marks, level tags, source links and punctuation may follow the bold span:
    `**What is X? 👶**` and `**What is X?** [Easy]` are bold lines, `**Bias** is ...` is not.
    """
    match = BOLD_LINE.match(text)
    if not match:
        return None
    tail = match.group("tail")
    if tail.strip() and re.search(r"\w", clean_question(tail)):
        return None
    return match.group("inner"), tail


def _closes(line: str, tag: str) -> bool:
    if tag == "!--":
        return "-->" in line
    return bool(re.search(rf"</{tag}\s*>", line, re.I))


def blocks(lines: list[Line], start: int, end: int) -> list[Block]:
    """Group lines[start:end] into blocks (see the module doc)."""
    out: list[Block] = []
    i = start
    while i < end:
        line = lines[i]
        text = line.text
        if line.in_code:
            j = i
            while j < end and lines[j].in_code:
                j += 1
            out.append(Block("code", i, j))
            i = j
            continue
        if not text.strip() or SEPARATOR.match(text):
            i += 1
            continue
        if DETAILS_OPEN.search(text):
            depth, j = 0, i
            while j < end:
                depth += len(DETAILS_OPEN.findall(lines[j].text))
                depth -= len(DETAILS_CLOSE.findall(lines[j].text))
                j += 1
                if depth <= 0:
                    break
            out.append(Block("details", i, j))
            i = j
            continue
        html = HTML_OPEN.match(text)
        if html:
            tag = html.group(1).lower()
            j = i
            while j < end and not _closes(lines[j].text, tag):
                j += 1
            j = min(j + 1, end)
            out.append(Block("html", i, j))
            i = j
            continue
        if IMAGE_LINE.match(text):
            out.append(Block("image", i, i + 1))
            i += 1
            continue
        if bold_line(text):
            out.append(Block("bold", i, i + 1))
            i += 1
            continue
        if Q_LINE.match(text):
            out.append(Block("q", i, i + 1))
            i += 1
            continue
        if A_LINE.match(text):
            out.append(Block("a", i, i + 1))
            i += 1
            continue
        if LIST_ITEM.match(text):
            j = _list_end(lines, i, end)
            out.append(Block("list", i, j))
            i = j
            continue
        j = i + 1
        while j < end and _continues_paragraph(lines[j]):
            j += 1
        out.append(Block("para", i, j))
        i = j
    return out


def _continues_paragraph(line: Line) -> bool:
    text = line.text
    return bool(
        text.strip()
        and not line.in_code
        and not SEPARATOR.match(text)
        and not LIST_ITEM.match(text)
        and not bold_line(text)
        and not Q_LINE.match(text)
        and not A_LINE.match(text)
        and not DETAILS_OPEN.search(text)
        and not HTML_OPEN.match(text)
        and not IMAGE_LINE.match(text)
    )


def _list_end(lines: list[Line], start: int, end: int) -> int:
    """A list runs over items, indented lines and lazy continuations; blank lines inside it
    are allowed when the list goes on after them."""
    j = start + 1
    last = start + 1
    while j < end:
        line = lines[j]
        if line.in_code:
            # A fenced block indented under an item belongs to it.
            if line.text.startswith((" ", "\t")):
                j += 1
                last = j
                continue
            break
        text = line.text
        if not text.strip():
            j += 1
            continue
        if LIST_ITEM.match(text) or text.startswith(("  ", "\t")):
            j += 1
            last = j
            continue
        if last == j and not SEPARATOR.match(text) and _continues_paragraph(line):
            j += 1  # a lazy continuation right under the previous line
            last = j
            continue
        break
    return last


def list_items(lines: list[Line], block: Block) -> list[tuple[int, str, list[int]]]:
    """Top-level items of a list block: (line index, item text, indices of its nested lines).

    Lines right under an item (no blank between, not an item themselves) continue its text;
    anything after a blank line or a nested item is the item's nested content.
    """
    indents = [
        len(m.group(1))
        for i in range(block.start, block.end)
        if not lines[i].in_code and (m := LIST_ITEM.match(lines[i].text))
    ]
    base = min(indents) if indents else 0
    items: list[tuple[int, str, list[int]]] = []
    wrapping = False
    for i in range(block.start, block.end):
        line = lines[i]
        match = None if line.in_code else LIST_ITEM.match(line.text)
        if match and len(match.group(1)) <= base + 1:
            items.append((i, match.group(2), []))
            wrapping = True
        elif not items:
            continue
        elif wrapping and not match and line.text.strip() and not line.in_code:
            index, text, nested = items[-1]
            items[-1] = (index, f"{text} {line.text.strip()}", nested)
        else:
            wrapping = False
            items[-1][2].append(i)
    return items


def dedent(texts: list[str]) -> list[str]:
    widths = [len(t) - len(t.lstrip()) for t in texts if t.strip()]
    cut = min(widths) if widths else 0
    return [t[cut:] for t in texts]
