"""Generated references: an LLM writes one for a question nothing in the bank could answer.

Used only when an LLM is configured, and always stored with origin `generated`, so a candidate
can tell a team-authored answer from a model-written one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError

from interviewer.models import Question, ReferenceAnswer, ReferenceOrigin
from interviewer.settings import Settings

if TYPE_CHECKING:
    from interviewer.llm import ChatModel

log = logging.getLogger(__name__)

# An answer of a few sentences and up to six key points is ~300 tokens; the cap stops a local
# model that never ends its reply from running to the context limit.
REFERENCE_TOKENS = 1024


class GeneratedReference(BaseModel):
    answer: str = Field(min_length=40)
    key_points: list[str] = Field(min_length=3, max_length=6)


def parse_generated(text: str) -> ReferenceAnswer:
    """Validate an LLM reply into a generated ReferenceAnswer; raises ValueError when invalid."""
    from interviewer.grading.llm import extract_json

    try:
        reply = GeneratedReference.model_validate(json.loads(extract_json(text)))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"invalid generated reference: {exc}") from exc
    return ReferenceAnswer(
        text=reply.answer.strip(),
        key_points=[p.strip() for p in reply.key_points],
        origin=ReferenceOrigin.generated,
    )


def reference_writer(model: ChatModel) -> Callable[[Question], ReferenceAnswer | None]:
    """A writer over any chat-model port; a failed call or bad reply yields None."""
    from interviewer.llm import LLMError
    from interviewer.prompts import load_prompt

    template = load_prompt("generate_reference")

    def write(question: Question) -> ReferenceAnswer | None:
        messages = template.render(
            {"category": question.category}, untrusted={"question": question.text}
        )
        try:
            reply = model.complete(messages, max_tokens=REFERENCE_TOKENS)
            return parse_generated(reply.text)
        except (LLMError, ValueError) as exc:  # one bad question must not stop an ingest
            log.warning("no generated reference for %s: %s", question.id, type(exc).__name__)
            return None

    return write


def make_reference_writer(settings: Settings) -> Callable[[Question], ReferenceAnswer | None]:
    from interviewer.llm import make_chat_port

    return reference_writer(make_chat_port(settings, temperature=0))
