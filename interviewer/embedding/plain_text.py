"""Untrusted text as plain words for MiniLM's tokenizer. Pure.

Hugging Face tokenizers match their control tokens inside the input text, so an answer that
types "[SEP]" or "[CLS]" would reach the model as a real separator or classification token:
text steering the model's structure rather than being read. The uncased tokenizer matches
them only in upper case and lower-cases everything else, so writing them in lower case makes
it read them exactly as `split_special_tokens=True` would ("[", "sep", "]"), keeps every
character offset where it was, and leaves the rest of the text untouched. A candidate who
writes about "the [CLS] token" is still read as writing about it.
"""

from __future__ import annotations

import re

SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]")
_SPECIAL_RE = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS))


def plain_text(text: str) -> str:
    """`text` with MiniLM's control tokens written so the tokenizer reads them as words."""
    return _SPECIAL_RE.sub(lambda m: m.group(0).lower(), text)
