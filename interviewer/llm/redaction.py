"""Keeping API keys out of every message, log line and error the LLM path produces."""

from __future__ import annotations

import re

from pydantic import SecretStr

_KEY_PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9_\-*.]{6,}"),
    re.compile(r"(?i)(bearer\s+)[^\s'\",]+"),
    re.compile(r"(?i)(api[_-]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
)
REDACTED = "***"


def redact(text: str, *secrets: SecretStr | str | None) -> str:
    """Remove the given secrets, and anything shaped like an API key, from `text`.

    Secrets shorter than four characters are left alone: replacing every "x" would wreck the
    message and such a value protects nothing.
    """
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text
