"""Generated references: an LLM writes one for a question nothing in the bank could answer.

Used only when an LLM is configured, and always stored with origin `generated`, so a candidate
can tell a team-authored answer from a model-written one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from pydantic import BaseModel, Field, ValidationError

from interviewer.models import Question, ReferenceAnswer, ReferenceOrigin
from interviewer.settings import Settings

log = logging.getLogger(__name__)


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


def reference_writer(chat_model) -> Callable[[Question], ReferenceAnswer | None]:
    """A writer over any LangChain chat model; a failed call or bad reply yields None."""
    from interviewer.grading.llm import to_langchain
    from interviewer.prompts import load_prompt

    template = load_prompt("generate_reference")

    def write(question: Question) -> ReferenceAnswer | None:
        messages = template.render(
            {"category": question.category}, untrusted={"question": question.text}
        )
        try:
            reply = chat_model.invoke(to_langchain(messages))
            return parse_generated(str(reply.content))
        except Exception as exc:  # one bad question must not stop an ingest
            log.warning("no generated reference for %s: %s", question.id, type(exc).__name__)
            return None

    return write


def make_reference_writer(settings: Settings) -> Callable[[Question], ReferenceAnswer | None]:
    from interviewer.llm import make_chat_model

    return reference_writer(make_chat_model(settings, temperature=0))
