"""Read one string field out of a JSON reply while it is still arriving.

A streamed grade reply is incomplete JSON until its last chunk, so `json.loads` cannot see the
feedback the model has already written. `StringFieldStream` scans the text chunk by chunk, keeps
the decoded (unescaped) value of one string field so far, and never looks back: feeding a reply
in any split gives the same value as feeding it whole. Display only; the finished reply is
still parsed and validated as a whole.

    feedback = StringFieldStream("feedback")
    for chunk in chunks:
        partial = feedback.feed(chunk)   # the value so far when it grew, else None

`FieldHook` does the same for a chat model's `on_text(reply so far)` hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass
class _Frame:
    """An open object or array; an object remembers the key its next value belongs to."""

    is_object: bool
    key: str | None = None
    expect_key: bool = True


class StringFieldStream:
    """The partial value of the JSON string at `path` (object keys from the top), fed in chunks.

    Text before the first `{` (chatter, a ```json fence) is skipped, and so is everything after
    the top-level object closes. A field inside an array is never matched. If the field occurs
    twice, the first one is kept.
    """

    def __init__(self, *path: str) -> None:
        if not path:
            raise ValueError("StringFieldStream needs the field's key path, e.g. 'feedback'")
        self.path = list(path)
        self.value = ""  # the decoded text of the field so far
        self.started = False  # the field's opening quote has arrived
        self.complete = False  # its closing quote has arrived
        self._stack: list[_Frame] = []
        self._finished = False  # the top-level object closed
        # Inside a string: what it is, and any escape not yet complete.
        self._in_string = False
        self._role = ""  # "key", "target" or "skip"
        self._buffer: list[str] = []
        self._escape: str | None = None  # "\\" seen, or "\\u" plus hex digits so far
        self._high: int | None = None  # a high surrogate waiting for its low half

    def feed(self, chunk: str) -> str | None:
        """Take the next piece of the reply; returns the value so far if it grew, else None."""
        before = len(self.value)
        for char in chunk:
            if self._finished:
                break
            if self._in_string:
                self._string_char(char)
            else:
                self._structure_char(char)
        if self._role == "target" and self._in_string:
            self.value = "".join(self._buffer)
        return self.value if len(self.value) != before else None

    # -- outside strings -----------------------------------------------------------------------

    def _structure_char(self, char: str) -> None:
        frame = self._stack[-1] if self._stack else None
        if char == "{":
            if frame is not None and frame.is_object:
                frame.expect_key = False
            self._stack.append(_Frame(is_object=True))
        elif frame is None:
            return  # before the object starts: chatter or a fence
        elif char == "[":
            self._stack.append(_Frame(is_object=False))
        elif char in "}]":
            self._stack.pop()
            if not self._stack:
                self._finished = True
        elif char == ",":
            if frame.is_object:
                frame.expect_key, frame.key = True, None
        elif char == '"':
            self._open_string(frame)

    def _open_string(self, frame: _Frame) -> None:
        self._in_string, self._buffer = True, []
        if frame.is_object and frame.expect_key:
            self._role = "key"
        elif not self.started and self._at_path():
            self._role, self.started = "target", True
        else:
            self._role = "skip"

    def _at_path(self) -> bool:
        frames = self._stack
        return (
            len(frames) == len(self.path)
            and all(f.is_object for f in frames)
            and [f.key for f in frames] == self.path
        )

    # -- inside strings ------------------------------------------------------------------------

    def _string_char(self, char: str) -> None:
        if self._escape is not None:
            self._escape_char(char)
        elif char == "\\":
            self._escape = "\\"
        elif char == '"':
            self._close_string()
        else:
            self._emit(char)

    def _escape_char(self, char: str) -> None:
        assert self._escape is not None
        if self._escape == "\\":
            if char == "u":
                self._escape = "\\u"
                return
            self._escape = None
            # An escape JSON does not define is shown as written: this text is display only.
            self._emit(_ESCAPES.get(char, char))
            return
        if char not in _HEX:  # a broken \u escape: show what was written and move on
            written, self._escape = self._escape, None
            self._emit(written)
            self._string_char(char)
            return
        self._escape += char
        if len(self._escape) == 6:
            code, self._escape = int(self._escape[2:], 16), None
            self._emit_code(code)

    def _emit_code(self, code: int) -> None:
        if 0xD800 <= code <= 0xDBFF:
            self._flush_high()
            self._high = code  # wait for the low half before showing anything
        elif 0xDC00 <= code <= 0xDFFF and self._high is not None:
            pair = 0x10000 + ((self._high - 0xD800) << 10) + (code - 0xDC00)
            self._high = None
            self._buffer.append(chr(pair))
        else:
            self._emit(chr(code) if not 0xDC00 <= code <= 0xDFFF else "\ufffd")

    def _flush_high(self) -> None:
        if self._high is not None:  # a high surrogate with no low half: unprintable
            self._high = None
            self._buffer.append("\ufffd")

    def _emit(self, text: str) -> None:
        self._flush_high()
        self._buffer.append(text)

    def _close_string(self) -> None:
        self._flush_high()
        text = "".join(self._buffer)
        self._in_string, self._buffer = False, []
        frame = self._stack[-1]
        if self._role == "key":
            frame.key, frame.expect_key = text, False
        elif self._role == "target":
            self.value, self.complete = text, True


def partial_string_field(text: str, *path: str) -> str | None:
    """The value of the string at `path` in a possibly unfinished JSON reply; None if not begun."""
    stream = StringFieldStream(*path)
    stream.feed(text)
    return stream.value if stream.started else None


class FieldHook:
    """A chat model's `on_text(reply so far)` turned into `hook(field so far)` for one string
    field: the new part of the reply is fed to a `StringFieldStream`, and `hook` hears only
    when the field grew. A reply that starts again (a retried stream) starts the field again.
    """

    def __init__(self, hook: Callable[[str], None], *path: str) -> None:
        self.hook = hook
        self.path = path
        self._field = StringFieldStream(*path)
        self._seen = ""

    def __call__(self, text: str) -> None:
        if not text.startswith(self._seen):
            self._field, self._seen = StringFieldStream(*self.path), ""
        partial = self._field.feed(text[len(self._seen) :])
        self._seen = text
        if partial is not None:
            self.hook(partial)
