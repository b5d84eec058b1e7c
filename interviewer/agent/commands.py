"""Recognise the candidate's commands (hint, skip, repeat, I don't know, end, help).

Slash commands (`/skip`) always count. Plain words count only when the WHOLE input is one of a
few fixed phrases ("skip", "I don't know", "can I get a hint?"): an answer that merely contains
"skip" or starts with "I don't know, but..." is an answer, and the grader judges it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    hint = "hint"
    skip = "skip"
    repeat = "repeat"
    idk = "idk"
    end = "end"
    help = "help"
    retry = "retry"


@dataclass(frozen=True)
class ParsedInput:
    """Either a command or an answer (possibly empty)."""

    command: Command | None
    answer: str

    @property
    def is_command(self) -> bool:
        return self.command is not None

    @property
    def is_empty(self) -> bool:
        return self.command is None and not self.answer.strip()


SLASH: dict[str, Command] = {
    "hint": Command.hint,
    "h": Command.hint,
    "skip": Command.skip,
    "next": Command.skip,
    "pass": Command.skip,
    "repeat": Command.repeat,
    "again": Command.repeat,
    "r": Command.repeat,
    "idk": Command.idk,
    "dontknow": Command.idk,
    "end": Command.end,
    "quit": Command.end,
    "exit": Command.end,
    "stop": Command.end,
    "q": Command.end,
    "help": Command.help,
    "?": Command.help,
    "retry": Command.retry,
    "tryagain": Command.retry,
}

# Whole-input phrases, compared after normalising (lower case, no punctuation, "please" and
# similar politeness dropped). Keep these short and unambiguous.
PHRASES: dict[Command, tuple[str, ...]] = {
    Command.hint: (
        "hint",
        "a hint",
        "give me a hint",
        "can i have a hint",
        "can i get a hint",
        "could i have a hint",
        "could i get a hint",
        "may i have a hint",
        "i need a hint",
        "any hints",
        "hint please",
    ),
    Command.skip: (
        "skip",
        "skip it",
        "skip this",
        "skip this one",
        "skip this question",
        "skip the question",
        "next",
        "next question",
        "pass",
        "i pass",
        "i ll pass",
        "let s skip",
        "lets skip",
        "move on",
    ),
    Command.repeat: (
        "repeat",
        "repeat that",
        "repeat it",
        "repeat the question",
        "repeat question",
        "can you repeat",
        "can you repeat that",
        "can you repeat the question",
        "could you repeat the question",
        "could you repeat that",
        "say that again",
        "say it again",
        "again",
        "what was the question",
        "pardon",
    ),
    Command.idk: (
        "idk",
        "i don t know",
        "i dont know",
        "i do not know",
        "don t know",
        "dont know",
        "no idea",
        "i have no idea",
        "i m not sure",
        "im not sure",
        "not sure",
        "no clue",
        "i have no clue",
        "dunno",
        "i don t know the answer",
        "i dont know the answer",
        "i do not know the answer",
    ),
    Command.end: (
        "end",
        "quit",
        "exit",
        "stop",
        "end interview",
        "end the interview",
        "end session",
        "end the session",
        "stop the interview",
        "finish",
        "i m done",
        "im done",
        "i want to stop",
        "let s stop",
        "lets stop",
        "that s enough",
        "thats enough",
    ),
    Command.help: ("help", "commands", "what can i type"),
    Command.retry: (
        "retry",
        "try again",
        "let me try again",
        "can i try again",
        "could i try again",
        "i want to try again",
        "try that again",
        "one more try",
    ),
}

_FILLERS = ("please", "sorry", "ok", "okay", "um", "uh", "hmm", "sir", "thanks", "thank you")
_PHRASE_TO_COMMAND = {phrase: cmd for cmd, phrases in PHRASES.items() for phrase in phrases}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[^a-z0-9?]+", " ", text).replace("?", " ")
    words = text.split()
    # Drop politeness at either end only, so "please skip" and "skip please" match but the
    # middle of a sentence is left alone.
    changed = True
    while changed and words:
        changed = False
        for filler in _FILLERS:
            parts = filler.split()
            if words[: len(parts)] == parts and len(words) > len(parts):
                words = words[len(parts) :]
                changed = True
            if words[-len(parts) :] == parts and len(words) > len(parts):
                words = words[: -len(parts)]
                changed = True
    return " ".join(words)


def parse_input(text: str) -> ParsedInput:
    """Classify one line typed by the candidate."""
    stripped = text.strip()
    if stripped.startswith("/"):
        word = stripped[1:].split(maxsplit=1)[0].lower() if len(stripped) > 1 else ""
        command = SLASH.get(word)
        if command is not None:
            return ParsedInput(command, "")
        # An unknown slash word is not silently graded as an answer: help explains the commands.
        return ParsedInput(Command.help, "")
    # Long inputs are answers: no command phrase is longer than a few words.
    if len(stripped) <= 60:
        command = _PHRASE_TO_COMMAND.get(_normalise(stripped))
        if command is not None:
            return ParsedInput(command, "")
    return ParsedInput(None, text)


HELP_TEXT = (
    "Type your answer on one line. Commands (plain words or with a slash): "
    "/hint a nudge towards something you missed (costs part of the score) · "
    "/skip move to the next question (scores 0) · /repeat show the question again · "
    '/idk "I don\'t know" (scores 0) · /retry in practice mode, a fresh attempt at the question '
    "just graded (stored as a retry) · /end finish now and see the report · /help this list."
)
