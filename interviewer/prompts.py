"""Prompt files from `prompts/`, rendered strictly into chat messages.

A prompt file is markdown with an optional leading `<!-- ... -->` comment that documents it,
then one or more parts, each opened by a marker line such as `<!-- role: system -->`.
Placeholders are `{{ name }}`. Rendering fails loudly on a missing or an unused value, so a
renamed variable cannot silently send an empty slot to the model.

Untrusted text (the candidate's answer) is passed separately: it is wrapped in
`<untrusted_NAME>` ... `</untrusted_NAME>` tags, and any such tag inside the text is broken
first, so the text cannot close its fence and pose as instructions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from interviewer.llm.port import ChatMessage, Role
from interviewer.settings import PROMPTS_DIR

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_ROLE_MARKER = re.compile(r"^<!--\s*role:\s*(system|user|assistant)\s*-->\s*$", re.MULTILINE)
_DOC_COMMENT = re.compile(r"\A\s*<!--(?!\s*role:)(.*?)-->\s*", re.DOTALL)
# Any fence tag, opening or closing, whatever the slot name, spacing or case.
_FENCE_TAG = re.compile(r"<(\s*/?\s*untrusted)", re.IGNORECASE)


class PromptError(ValueError):
    """A prompt file is malformed or was rendered with the wrong values."""


@dataclass(frozen=True)
class PromptTemplate:
    """A parsed prompt file: its documented header and its role-tagged parts."""

    name: str
    path: Path
    doc: str
    parts: tuple[tuple[Role, str], ...]

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(m.group(1) for _, text in self.parts for m in _PLACEHOLDER.finditer(text))

    def render(
        self,
        values: Mapping[str, str] | None = None,
        *,
        untrusted: Mapping[str, str] | None = None,
    ) -> list[ChatMessage]:
        """Fill every placeholder, fencing the untrusted values; any mismatch raises."""
        values = dict(values or {})
        untrusted = dict(untrusted or {})
        both = values.keys() & untrusted.keys()
        if both:
            raise PromptError(f"{self.path.name}: {sorted(both)} given as trusted and untrusted")
        given = values.keys() | untrusted.keys()
        missing = self.variables - given
        extra = given - self.variables
        if missing:
            raise PromptError(f"{self.path.name}: no value for {_names(missing)}")
        if extra:
            raise PromptError(f"{self.path.name}: the template has no slot for {_names(extra)}")
        for name, value in {**values, **untrusted}.items():
            if not isinstance(value, str):
                raise PromptError(
                    f"{self.path.name}: {{{{{name}}}}} must be a str, got {type(value).__name__}"
                )
        filled = {**values, **{name: fence(text, name) for name, text in untrusted.items()}}

        # One pass: text inside a value is never itself scanned for placeholders.
        def fill(match: re.Match[str]) -> str:
            return filled[match.group(1)]

        return [
            ChatMessage(role, _PLACEHOLDER.sub(fill, text).strip()) for role, text in self.parts
        ]


def _names(names: set[str] | frozenset[str]) -> str:
    return ", ".join("{{" + n + "}}" for n in sorted(names))


def neutralise_fences(text: str) -> str:
    """Break any `<untrusted...>` or `</untrusted...>` tag so it cannot open or close a fence."""
    return _FENCE_TAG.sub(r"&lt;\1", text)


def fence(text: str, name: str) -> str:
    """Wrap untrusted text in its slot's tags, after neutralising tags inside it."""
    tag = f"untrusted_{name}"
    return f"<{tag}>\n{neutralise_fences(text).strip()}\n</{tag}>"


def parse_prompt(text: str, *, name: str, path: Path) -> PromptTemplate:
    """Parse a prompt file's text; errors name the file and the line."""
    doc = ""
    header = _DOC_COMMENT.match(text)
    body_start = 0
    if header:
        doc = header.group(1).strip()
        body_start = header.end()
    markers = list(_ROLE_MARKER.finditer(text, body_start))
    if not markers:
        raise PromptError(
            f"{path}: no '<!-- role: system -->' or '<!-- role: user -->' marker line; "
            "every prompt file needs at least one"
        )
    preamble = text[body_start : markers[0].start()]
    if preamble.strip():
        line = text.count("\n", 0, body_start) + 1
        raise PromptError(f"{path}:{line}: text before the first role marker")
    parts: list[tuple[Role, str]] = []
    for i, marker in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
        parts.append((marker.group(1), text[marker.end() : end]))  # type: ignore[arg-type]
    # A brace pair that is not a valid placeholder is a typo that would reach the model.
    for match in re.finditer(r"\{\{.*?\}\}", text[body_start:], re.DOTALL):
        if not _PLACEHOLDER.fullmatch(match.group(0)):
            line = text.count("\n", 0, body_start + match.start()) + 1
            raise PromptError(
                f"{path}:{line}: '{match.group(0)}' is not a placeholder; "
                "use {{ lower_case_name }}"
            )
    return PromptTemplate(name=name, path=path, doc=doc, parts=tuple(parts))


@lru_cache(maxsize=32)
def load_prompt(name: str, prompts_dir: Path = PROMPTS_DIR) -> PromptTemplate:
    """Load `prompts/NAME.md`."""
    path = prompts_dir / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"no prompt file {path}")
    return parse_prompt(path.read_text(encoding="utf-8"), name=name, path=path)


def render_prompt(
    name: str,
    values: Mapping[str, str] | None = None,
    *,
    untrusted: Mapping[str, str] | None = None,
) -> list[ChatMessage]:
    """Load and render a prompt in one step."""
    return load_prompt(name).render(values, untrusted=untrusted)
