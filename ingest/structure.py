"""The structural reader: find questions and answers in a markdown bank by its shape.

Community banks differ in markup but share a shape: topics as headings, and under them
questions, each followed by its answer up to the next question or topic. A question can be:

- a heading at any level, with or without a `Q1:`, `1)` or `1.` prefix (deeper headings under
  it belong to its answer);
- a bold line (`**What is regression? 👶**`);
- a `<details><summary>question</summary> answer </details>` block;
- a `Q:` line, its answer opened by `A:`;
- an item in a list of questions (nested content under it is its answer).

How a heading is read:
- a `Q<n>` prefix, a `[[src]]` link or a difficulty mark make it a question;
- otherwise it is a question when it reads like one (`...?`, `What ...`, `Explain ...`) and
  nothing under it is a question; else it names the topic of what it holds;
- numbered headings follow their siblings: among `### 1. ...`, `### 2. ...`, if most read as
  questions the rest are questions too;
- a sole top-level heading above everything is the document's title, not a topic, and what it
  holds before the first section (a warning table, a legend, bullets about the repo) is an
  introduction;
- `Table of contents` holds links, not topics; `## Hard` sets the level of what follows.

Not questions, and reported as skipped blocks with their line: a table of contents (its entries
that are questions found in a section are the same question; listed questions with no section
are stored without an answer), a difficulty legend (whose marks are learned), introductions,
HTML blocks, images and code outside answers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.blocks import (
    LIST_ITEM,
    Q_LINE,
    Block,
    Section,
    blocks,
    bold_line,
    dedent,
    list_items,
    sections,
)
from ingest.cleaning import (
    SOURCE_LINK,
    clean_question,
    loose_key,
    reads_as_question,
    strip_markup,
)
from ingest.difficulty import (
    DEFAULT_MARKS,
    find_level,
    level_heading,
    may_be_legend,
    parse_legend,
)
from ingest.entries import Defaults, Entry, build_questions
from ingest.errors import BankFormatError
from ingest.markdown import Line, scan_lines, split_front_matter
from ingest.qa_parser import file_defaults
from ingest.result import ParsedBank, Skipped, excerpt
from interviewer.models import Difficulty

EXPECTED = (
    "a question bank: questions as headings (`## What is X?`, `### Q1: ...`, `#### 1) ...`), "
    "bold lines (`**What is X?**`), `<details><summary>` blocks, `Q:`/`A:` pairs or a list of "
    "questions under topic headings, each followed by its answer; or a Q&A document "
    "(`## Q1: <question>` then `**Answer**:`); or numbered headings like `### 1. Category` "
    "with `- question` bullets (question list)"
)
# Headings that structure an answer rather than name a topic.
ANSWER_HEADING = re.compile(
    r"^(?:an? )?(?:examples?|code|implementation|answer|solution|explanation|intuition|notes?|"
    r"formulas?|summary|pros(?: and cons)?|cons|advantages|disadvantages|limitations|"
    r"references|further reading|sources?|details|illustration|proof|derivation|"
    r"(?:python|pytorch|sql|code) (?:example|snippet|implementation))\s*:?$",
    re.I,
)
TOC_TITLES = {"table of contents", "contents", "toc", "index", "content", "table of content"}
STRONG_PREFIX = re.compile(r"^\s*Q(?:uestion)?\s*#?\s*\d+\s*[:.)\-–]", re.I)
NUMBERED = re.compile(r"^\s*(?:Q(?:uestion)?\s*#?\s*)?\d{1,4}\s*[.):\-–]", re.I)
ANCHOR_TAG = re.compile(r"<a\s+[^>]*(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
TOC_LINK = re.compile(r"\[([^\]]+)\]\(#([^)\s]*)\)")
SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary\s*>", re.I | re.S)
SUMMARY_LABEL = re.compile(
    r"^(?:click\s+(?:here\s+)?(?:to|for)\s+)?(?:show|see|view|reveal|toggle|expand|read)?\s*"
    r"(?:the\s+)?(?:answer|solution|explanation|hint|details|more|code|example|output|result)s?"
    r"\b.{0,20}$",
    re.I,
)
TAG_ONLY_LINE = re.compile(
    r"^\s*(?:</?details[^>]*>|<summary[^>]*>[^<]*</summary\s*>|</?summary[^>]*>|</?p>)+\s*$", re.I
)


@dataclass
class _Heading:
    clean: str
    strong: bool
    reads: bool
    numbered: bool
    level_mark: Difficulty | None


@dataclass
class _TocEntry:
    line: int
    text: str
    anchor: str
    topic: str | None


@dataclass
class _Reader:
    lines: list[Line]
    file_category: str | None = None  # from front matter: before the title's topic
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    kinds_used: dict[str, int] = field(default_factory=dict)
    marks: dict[str, Difficulty] = field(default_factory=lambda: dict(DEFAULT_MARKS))
    legend_lines: set[int] = field(default_factory=set)
    toc: list[_TocEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._toc_blocks: list[tuple[Block, int]] = []
        self._raw: list[tuple[Entry, int, str]] = []  # (entry, line index, raw question text)
        self._starters: dict[tuple[int, str], bool] = {}
        self._open: tuple[Entry, int] | None = None  # the answer a sub-heading may continue

    def read(self) -> None:
        self._learn_legends()
        self.sections = sections(self.lines)
        self._blocks = {id(s): blocks(self.lines, s.body_start, s.body_end) for s in self.sections}
        self.require_marks = self._bold_questions_carry_marks()
        self.heads = {id(s): self._heading(s) for s in self.sections if s.index is not None}
        self.title = self._title()
        self.kind = self._classify()
        self._walk()
        self._resolve_toc()
        self.entries.sort(key=lambda e: e.line)

    # ---- what the file looks like ---------------------------------------------------------

    def _learn_legends(self) -> None:
        for i, line in enumerate(self.lines):
            if line.in_code or not may_be_legend(line.text):
                continue
            legend = parse_legend(line.text)
            if legend:
                self.marks.update(legend)
                self.legend_lines.add(i)

    def _bold_questions_carry_marks(self) -> bool:
        """When nearly every bold question has a level mark, an unmarked bold line is a label."""
        marked = total = 0
        for s in self.sections:
            for b in self._blocks[id(s)]:
                if b.kind != "bold":
                    continue
                inner, tail = bold_line(self.lines[b.start].text)  # type: ignore[misc]
                has_mark = find_level(inner + tail, self.marks) is not None
                if has_mark or reads_as_question(clean_question(inner + tail)):
                    total += 1
                    marked += has_mark
        return total >= 4 and marked >= 0.8 * total

    def _heading(self, s: Section) -> _Heading:
        plain = strip_markup(s.title)
        clean = clean_question(s.title)
        level_mark = find_level(s.title, self.marks)
        strong = bool(STRONG_PREFIX.match(plain) or SOURCE_LINK.search(s.title) or level_mark)
        return _Heading(
            clean, strong, reads_as_question(clean), bool(NUMBERED.match(plain)), level_mark
        )

    def _title(self) -> Section | None:
        headed = [s for s in self.sections if s.index is not None]
        if not headed:
            return None
        top = min(s.level for s in headed)
        first = headed[0]
        at_top = [s for s in headed if s.level == top]
        if first.level == top and len(at_top) == 1 and first.children:
            head = self.heads[id(first)]
            if not head.strong:
                return first
        return None

    def _is_preamble(self, s: Section) -> bool:
        """Before the first section, or under the title: an introduction, not a question list."""
        has_sections = len(self.sections) > 1
        return (s.index is None and has_sections) or s is self.title

    def _has_inner(self, s: Section) -> bool:
        body = self._blocks[id(s)]
        if any(self._starter(b) for b in body):
            return True
        if self._is_preamble(s):
            return False
        return any(b.kind == "list" and self._question_list(b) for b in body)

    def _subtree_has_questions(self, s: Section) -> bool:
        for child in s.children:
            head = self.heads[id(child)]
            if head.strong or head.reads or self._has_inner(child):
                return True
            if self._subtree_has_questions(child):
                return True
        return False

    def _classify(self) -> dict[int, str]:
        kind: dict[int, str] = {}
        inner = {id(s): self._has_inner(s) for s in self.sections}
        below = {id(s): self._subtree_has_questions(s) for s in self.sections}
        for s in self.sections:
            if s.index is None:
                kind[id(s)] = "root"
                continue
            head = self.heads[id(s)]
            if s is self.title:
                kind[id(s)] = "title"
            elif head.clean.lower().strip(" :") in TOC_TITLES:
                kind[id(s)] = "toc"
            elif level_heading(head.clean):
                kind[id(s)] = "level"
            elif ANSWER_HEADING.match(head.clean) and not head.strong:
                kind[id(s)] = "part"  # `#### Example` inside an answer: names no topic
            elif head.strong or (head.reads and not inner[id(s)] and not below[id(s)]):
                kind[id(s)] = "question"
            else:
                kind[id(s)] = "topic"
        # Siblings agree: numbered headings follow the majority of their numbered siblings, and
        # a heading that merely opens like a question sits among topics as a topic.
        for parent in self.sections:
            by_level: dict[int, list[Section]] = {}
            for child in parent.children:
                by_level.setdefault(child.level, []).append(child)
            for group in by_level.values():
                numbered = [c for c in group if self.heads[id(c)].numbered]
                questions = [c for c in numbered if kind[id(c)] == "question"]
                if numbered and 2 * len(questions) >= len(numbered):
                    for c in numbered:
                        if kind[id(c)] == "topic" and not inner[id(c)] and not below[id(c)]:
                            kind[id(c)] = "question"
                topics = [
                    c for c in group if kind[id(c)] == "topic" and (inner[id(c)] or below[id(c)])
                ]
                asked = [c for c in group if kind[id(c)] == "question"]
                if topics and len(topics) >= len(asked):
                    for c in asked:
                        head = self.heads[id(c)]
                        if not head.strong and not head.clean.endswith("?"):
                            kind[id(c)] = "topic"
        return kind

    # ---- reading ----------------------------------------------------------------------------

    def _context(self, s: Section) -> tuple[str | None, Difficulty | None]:
        """The topic (nearest enclosing topic heading) and level heading above a section."""
        category = level = None
        node: Section | None = s
        while node is not None:
            k = self.kind.get(id(node))
            name = self.heads[id(node)].clean if k == "topic" else ""
            if category is None and name and _title_topic(name):
                category = name  # "## Questions" names no topic: look further out
            if k == "level" and level is None:
                level = level_heading(self.heads[id(node)].clean)
            node = node.parent
        if category is None and self.file_category is None and self.title is not None:
            category = _title_topic(self.heads[id(self.title)].clean)
        return category, level

    def _walk(self) -> None:
        consumed_until = -1
        for pos, s in enumerate(self.sections):
            if s.index is not None and s.index < consumed_until:
                continue
            k = self.kind[id(s)]
            if self._continues_answer(s):
                continue
            if k == "part":
                self._body(s, continuing=self._open[0] if self._open else None)
                continue
            self._open = None
            if k == "question":
                consumed_until = self._question_heading(pos, s)
            elif k == "toc":
                for b in self._blocks[id(s)]:
                    if b.kind == "list":
                        self._read_toc(b, s)
                    else:
                        self._skip(b, "text in the table of contents")
            else:
                self._body(s)
                if k in ("topic", "level") and not self._blocks[id(s)] and not s.children:
                    self._skip_line(s.index, "a heading with nothing under it")  # type: ignore[arg-type]

    def _continues_answer(self, s: Section) -> bool:
        """A heading deeper than the topic of the bold (or `Q:`) question just read, with no
        question of its own anywhere under it, is a sub-heading of that answer: append it."""
        if self._open is None or s.index is None:
            return False
        entry, level = self._open
        if s.level <= level or self.kind[id(s)] not in ("topic", "part"):
            return False
        if self._has_inner(s) or self._subtree_has_questions(s):
            return False
        extra = self._answer(s.index, s.body_end)
        entry.answer = "\n\n".join(p for p in (entry.answer, extra) if p)
        return True

    def _question_heading(self, pos: int, s: Section) -> int:
        end = len(self.lines)
        for index in range(pos + 1, len(self.sections)):  # no slice: that copies per question
            later = self.sections[index]
            if later.level <= s.level or (
                self.kind[id(later)] == "question" and self.heads[id(later)].strong
            ):
                end = later.index  # type: ignore[assignment]
                break
        head = self.heads[id(s)]
        category, level = self._context(s)
        entry = Entry(
            head.clean,
            self.lines[s.index].number,  # type: ignore[index]
            category,
            head.level_mark or level,
            self._answer(s.body_start, end),
            self._line_number(s.body_start),
        )
        self._add(entry, "headings", s.index, s.title)  # type: ignore[arg-type]
        return end

    def _body(self, s: Section, continuing: Entry | None = None) -> None:
        """The questions in a section's own body (not its sub-sections).

        `continuing`: the answer a `#### Example`-like heading carries on; what comes before
        its first question is appended to that answer.
        """
        body = self._blocks[id(s)]
        starts = [i for i, b in enumerate(body) if self._starter(b)]
        first = starts[0] if starts else len(body)
        preamble = self._is_preamble(s)
        category, level = self._context(s)
        if continuing is not None:
            end = body[first].start if starts else s.body_end
            extra = self._answer(s.index, end)  # type: ignore[arg-type]
            continuing.answer = "\n\n".join(p for p in (continuing.answer, extra) if p)
            first_block = first
        else:
            first_block = 0
        pre = body[first_block:first]
        listed: Entry | None = None  # the last list question, which a `<details>` may answer
        skip = False
        for j, b in enumerate(pre):
            if skip:
                skip = False
                continue
            nxt = pre[j + 1] if j + 1 < len(pre) else None
            if b.kind == "details" and self._answer_box(b) and listed and not listed.answer:
                listed.answer, listed.answer_line = self._details_answer(b)[1:]
                listed = None
                continue
            if b.kind == "para" and nxt is not None and self._answer_box(nxt):
                text = " ".join(self.lines[i].text.strip() for i in range(b.start, b.end))
                if reads_as_question(clean_question(text)):
                    # A plain question line whose answer is folded away under it.
                    _, answer, answer_line = self._details_answer(nxt)
                    entry = Entry(
                        clean_question(text),
                        self.lines[b.start].number,
                        category,
                        find_level(text, self.marks) or level,
                        answer,
                        answer_line,
                    )
                    self._add(entry, "questions with <details> answers", b.start, text)
                    skip = True
                    continue
            listed = self._outside(b, s, preamble)
        for n, i in enumerate(starts):
            end = body[starts[n + 1]].start if n + 1 < len(starts) else s.body_end
            self._starter_entry(body, i, end, category, level)
        if starts:
            # The last answer runs to the next heading; a deeper heading with no questions
            # under it (`#### Example`) may continue it (see _continues_answer).
            self._open = (self.entries[-1], s.level)

    def _starter(self, b: Block) -> bool:
        """Whether a block opens a question (asked for each block more than once: cached)."""
        key = (b.start, b.kind)
        if key not in self._starters:
            self._starters[key] = self._opens_question(b)
        return self._starters[key]

    def _opens_question(self, b: Block) -> bool:
        if b.kind == "q":
            return True
        if b.kind == "details":
            summary = self._summary(b)
            return bool(summary) and not SUMMARY_LABEL.match(summary)
        if b.kind != "bold":
            return False
        inner, tail = bold_line(self.lines[b.start].text)  # type: ignore[misc]
        text = inner + tail
        clean = clean_question(text)
        if not clean or clean.endswith(":"):
            return False
        if find_level(text, self.marks) or STRONG_PREFIX.match(strip_markup(inner)):
            return True
        return not self.require_marks and reads_as_question(clean)

    def _details_answer(self, b: Block) -> tuple[str, str, int | None]:
        """(summary, the content under it, the line the content starts on) of a details block."""
        joined = "\n".join(self.lines[j].text for j in range(b.start, b.end))
        match = SUMMARY.search(joined)
        if match is None:
            inside, summary, first = joined, "", b.start
        else:
            inside, summary = joined[match.end() :], match.group(1)
            first = b.start + joined[: match.end()].count("\n")
        inside = re.sub(r"^\s*<details[^>]*>|</details\s*>\s*$", "", inside.strip(), flags=re.I)
        return summary, self._clean_answer(dedent(inside.split("\n"))), self._line_number(first)

    def _answer_box(self, b: Block) -> bool:
        """A `<details>` whose summary is a label (`Answer`, `Show solution`), not a question."""
        return b.kind == "details" and not self._starter(b)

    def _summary(self, b: Block) -> str:
        match = SUMMARY.search("\n".join(self.lines[i].text for i in range(b.start, b.end)))
        return clean_question(match.group(1)) if match else ""

    def _starter_entry(
        self, body: list[Block], i: int, end: int, category: str | None, level: Difficulty | None
    ) -> None:
        b = body[i]
        raw = self.lines[b.start].text
        if b.kind == "bold":
            inner, tail = bold_line(raw)  # type: ignore[misc]
            text, answer_start, kind = inner + tail, b.end, "bold lines"
        elif b.kind == "q":
            text, answer_start, kind = Q_LINE.match(raw).group("text"), b.end, "Q:/A: pairs"  # type: ignore[union-attr]
            nxt = body[i + 1] if i + 1 < len(body) else None
            after = body[i + 2] if i + 2 < len(body) else None
            if nxt and nxt.kind == "para" and nxt.start == b.end and after and after.kind == "a":
                # The question wraps onto the next lines, then `A:` opens the answer.
                text += " " + " ".join(
                    self.lines[j].text.strip() for j in range(nxt.start, nxt.end)
                )
                answer_start = nxt.end
        else:  # details
            text, answer, answer_line = self._details_answer(b)
            kind = "<details> blocks"
            rest = self._answer(b.end, end)
            entry = Entry(
                clean_question(text),
                self.lines[b.start].number,
                category,
                find_level(text, self.marks) or level,
                "\n\n".join(p for p in (answer, rest) if p),
                answer_line,
            )
            self._add(entry, kind, b.start, text)
            return
        entry = Entry(
            clean_question(text),
            self.lines[b.start].number,
            category,
            find_level(text, self.marks) or level,
            self._answer(answer_start, end),
            self._line_number(answer_start),
        )
        self._add(entry, kind, b.start, text)

    def _outside(self, b: Block, s: Section, preamble: bool) -> Entry | None:
        """A block before any question in its section: a list of questions, or skipped.

        Returns the last question a list gave (a `<details>` right under it may answer it).
        """
        first = self.lines[b.start].text
        if b.kind == "list":
            if self._toc_like(b):
                self._read_toc(b, s)
            elif not preamble and self._question_list(b):
                return self._list_questions(b, s)
            elif any(i in self.legend_lines for i in range(b.start, b.end)):
                self._skip(b, "introduction with the difficulty legend")
            else:
                self._skip(b, "introduction" if preamble else "a list that is not questions")
        elif b.start in self.legend_lines:
            self._skip(b, "difficulty legend")
        elif b.kind == "para":
            clean = clean_question(first)
            if not preamble and reads_as_question(clean) and len(clean.split()) <= 60:
                self._skip(
                    b,
                    "reads like a question but is not marked as one; make it a heading, a bold "
                    "line, a list item or a `Q:` line",
                    ambiguous=True,
                )
            else:
                self._skip(
                    b,
                    "introduction" if preamble or s.index is None else "text outside any question",
                )
        elif b.kind == "a":
            self._skip(b, "an answer (`A:`) with no question before it", ambiguous=True)
        elif b.kind == "bold":
            inner, tail = bold_line(first)  # type: ignore[misc]
            maybe = reads_as_question(clean_question(inner + tail))
            reason = (
                "a bold line without the difficulty mark the other questions carry"
                if maybe
                else "a bold line that is not a question"
            )
            self._skip(b, reason, ambiguous=maybe)
        else:
            reason = {
                "html": "an HTML block (such as a warning table)",
                "image": "an image outside any answer",
                "code": "a code block outside any answer",
                "details": "a collapsible block outside any question",
            }.get(b.kind, "not a question")
            self._skip(b, reason)
        return None

    def _question_list(self, b: Block) -> bool:
        items = list_items(self.lines, b)
        asked = [it for it in items if self._item_asks(it[1])]
        return bool(asked) and 2 * len(asked) >= len(items)

    def _item_asks(self, text: str) -> bool:
        return reads_as_question(clean_question(text)) or find_level(text, self.marks) is not None

    def _list_questions(self, b: Block, s: Section) -> Entry | None:
        category, level = self._context(s)
        last = None
        for index, text, nested in list_items(self.lines, b):
            if not self._item_asks(text):
                self._skip_line(index, "a list item that is not a question", ambiguous=True)
                continue
            answer = self._clean_answer(dedent([self.lines[j].text for j in nested]))
            entry = Entry(
                clean_question(text),
                self.lines[index].number,
                category,
                find_level(text, self.marks) or level,
                answer,
                self.lines[nested[0]].number if nested else None,
            )
            self._add(entry, "lists", index, text)
            last = entry
        return last

    # ---- tables of contents -----------------------------------------------------------------

    def _toc_like(self, b: Block) -> bool:
        items = [
            m.group(2)
            for i in range(b.start, b.end)
            if not self.lines[i].in_code and (m := LIST_ITEM.match(self.lines[i].text))
        ]
        linked = [t for t in items if TOC_LINK.search(t)]
        return bool(items) and 2 * len(linked) > len(items)

    def _read_toc(self, b: Block, s: Section) -> None:
        topics: list[tuple[int, str]] = []  # (indent, text) of enclosing non-question entries
        listed = 0
        outer = self._context(s)[0]  # the same for every entry: read it once
        for i in range(b.start, b.end):
            match = None if self.lines[i].in_code else LIST_ITEM.match(self.lines[i].text)
            if not match:
                continue
            indent, text = len(match.group(1)), match.group(2)
            link = TOC_LINK.search(text)
            label = clean_question(link.group(1) if link else text)
            while topics and topics[-1][0] >= indent:
                topics.pop()
            if STRONG_PREFIX.match(
                strip_markup(link.group(1) if link else text)
            ) or reads_as_question(label):
                listed += 1
                topic = topics[-1][1] if topics else outer
                self.toc.append(
                    _TocEntry(self.lines[i].number, label, link.group(2) if link else "", topic)
                )
            else:
                topics.append((indent, label))
        self._toc_blocks.append((b, listed))

    def _resolve_toc(self) -> None:
        if not self.toc and not self._toc_blocks:
            return
        known = {loose_key(e.text) for e in self.entries}
        ordered = sorted(known)
        anchors: dict[str, Entry] | None = None  # built only if text alone leaves some unmatched
        missing = 0
        for item in self.toc:
            key = loose_key(item.text)
            if key in known:
                continue
            if len(key) >= 24 and _prefix_match(key, known, ordered):
                continue  # the contents shortened (or the heading extended) the question
            if item.anchor:
                anchors = self._anchors() if anchors is None else anchors
                if item.anchor.lower() in anchors:
                    continue
            missing += 1
            self.entries.append(Entry(item.text, item.line, item.topic))
            self.kinds_used["contents entries"] = self.kinds_used.get("contents entries", 0) + 1
        for b, listed in self._toc_blocks:
            n = len(list_items(self.lines, b))
            reason = f"table of contents ({n} entries"
            if listed:
                reason += f", {listed} of them questions"
            reason += ")"
            self._skip(b, reason)
        if missing:
            first = min(t.line for t in self.toc)
            what = (
                "question listed in the table of contents has"
                if missing == 1
                else ("questions listed in the table of contents have")
            )
            self.skipped.append(
                Skipped(first, f"{missing} {what} no section: stored without an answer")
            )

    # ---- helpers ------------------------------------------------------------------------------

    def _add(self, entry: Entry, kind: str, index: int, raw: str) -> None:
        self.entries.append(entry)
        self.kinds_used[kind] = self.kinds_used.get(kind, 0) + 1
        self._raw.append((entry, index, raw))

    def _anchors(self) -> dict[str, Entry]:
        """Every anchor a contents link may point at: heading slugs and `<a name>` tags."""
        anchors: dict[str, Entry] = {}
        for entry, index, raw in self._raw:
            keys = {_slug(raw), _slug(entry.text)}
            for i in (index, index - 1):
                if 0 <= i < len(self.lines):
                    keys.update(a.lower() for a in ANCHOR_TAG.findall(self.lines[i].text))
            for key in keys:
                if key:
                    anchors.setdefault(key, entry)
        return anchors

    def _answer(self, start: int, end: int) -> str:
        return self._clean_answer([self.lines[i].text for i in range(start, end)])

    @staticmethod
    def _clean_answer(texts: list[str]) -> str:
        from ingest.answers import trim_answer

        kept = [
            t
            for t in texts
            if not t.lstrip().startswith("<") or not (TAG_ONLY_LINE.match(t) or _only_anchor(t))
        ]
        return trim_answer(kept)

    def _line_number(self, index: int) -> int | None:
        """The first non-blank line from `index` on: where an answer starts."""
        while index < len(self.lines) and not self.lines[index].text.strip():
            index += 1
        return self.lines[index].number if index < len(self.lines) else None

    def _skip(self, b: Block, reason: str, ambiguous: bool = False) -> None:
        text = " ".join(self.lines[i].text.strip() for i in range(b.start, min(b.end, b.start + 3)))
        self.skipped.append(Skipped(self.lines[b.start].number, reason, excerpt(text), ambiguous))

    def _skip_line(self, index: int, reason: str, ambiguous: bool = False) -> None:
        line = self.lines[index]
        self.skipped.append(Skipped(line.number, reason, excerpt(line.text), ambiguous))

    def layout(self) -> str:
        used = sorted(self.kinds_used.items(), key=lambda kv: -kv[1])
        return "markdown (questions as " + ", ".join(k for k, _ in used) + ")"


_GENERIC_TITLE = re.compile(
    r"\b(?:top|the|most|common|popular|frequently|asked|interview|interviews|questions?|"
    r"answers?|and|with|q\s*&\s*a|qa|faq|list|of|flash\s*cards?|cards|notes|cheat\s*sheet|"
    r"practi[cs]e|to|for|\d+\+?)\b",
    re.I,
)


def _title_topic(title: str) -> str | None:
    """The topic a document title names, when its questions sit under no topic heading:
    `# 50 Computer Vision Interview Questions` -> `Computer Vision`; None if nothing is left."""
    topic = " ".join(_GENERIC_TITLE.sub(" ", title).split()).strip(" -:&,")
    return topic[:1].upper() + topic[1:] if topic else None


def _prefix_match(key: str, known: set[str], ordered: list[str], least: int = 24) -> bool:
    """Whether `key` starts a known key, or a known key of `least`+ characters starts `key`."""
    at = bisect.bisect_left(ordered, key)
    if at < len(ordered) and ordered[at].startswith(key):
        return True
    return any(key[:n] in known for n in range(least, len(key)))


def _only_anchor(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:<a\s[^>]*>\s*</a>\s*)+", text, re.I))


def _slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    plain = strip_markup(re.sub(r"\s#+\s*$", "", text.strip().lstrip("#"))).lower()
    return re.sub(r"[^\w\- ]", "", plain).strip().replace(" ", "-")


def parse_structure(path: Path, text: str, source: str) -> ParsedBank:
    """Read a markdown bank by its structure (see the module doc). Raises BankFormatError when
    nothing in it looks like a question."""
    meta, rest, consumed = split_front_matter(path, text)
    category, difficulty, tags = file_defaults(meta)
    defaults = Defaults(category, difficulty, tuple(tags))
    reader = _Reader(scan_lines(path, rest, offset=consumed), file_category=category)
    reader.read()
    skipped = reader.skipped
    questions = build_questions(reader.entries, source, defaults, skipped)
    if not questions:
        raise BankFormatError(path, 1, EXPECTED)
    skipped.sort(key=lambda s: s.line)
    return ParsedBank(path, reader.layout(), questions, skipped)
