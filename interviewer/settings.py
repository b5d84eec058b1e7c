"""Settings from environment variables (prefix `INTERVIEWER_`) and an optional `.env` file.

The API key is a SecretStr: it prints as '**********' and is never written anywhere by us.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PROMPTS_DIR = REPO_ROOT / "prompts"
BUNDLED_BANK_DIR = REPO_ROOT / "bank"


class LLMProvider(StrEnum):
    none = "none"
    openai = "openai"
    # Any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio) through base_url.
    openai_compatible = "openai-compatible"


# Seconds per LLM call unless INTERVIEWER_LLM_TIMEOUT says otherwise. A local server on a
# laptop CPU needs far longer than OpenAI: prompt processing alone can take 5-10 s, then a
# few hundred tokens at 5-15 a second (the grader caps the reply, see grading/llm.py).
OPENAI_TIMEOUT = 30.0
LOCAL_TIMEOUT = 120.0


class ChromaMode(StrEnum):
    embedded = "embedded"
    server = "server"


class Settings(BaseSettings):
    """All knobs in one place. Read with `get_settings()`; override in tests with kwargs."""

    model_config = SettingsConfigDict(
        env_prefix="INTERVIEWER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=REPO_ROOT / ".data", description="Where Chroma and the session database live."
    )
    chroma_host: str | None = Field(default=None, description="Chroma server host (server mode).")
    chroma_port: int | None = Field(default=None, description="Chroma server port (server mode).")
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2", description="'all-MiniLM-L6-v2' or a local model folder."
    )
    # Cosine similarity an answer section must reach to serve as a retrieved reference.
    retrieval_threshold: float = Field(default=0.6, ge=0, le=1)

    llm_provider: LLMProvider = LLMProvider.none
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(
        default=OPENAI_TIMEOUT,
        gt=0,
        description=f"Seconds per LLM call; default {OPENAI_TIMEOUT:g} for OpenAI, "
        f"{LOCAL_TIMEOUT:g} for an OpenAI-compatible (local) server.",
    )
    llm_max_retries: int = Field(default=2, ge=0, le=6)

    @model_validator(mode="after")
    def _local_servers_get_longer(self) -> Settings:
        if (
            "llm_timeout" not in self.model_fields_set
            and self.llm_provider is LLMProvider.openai_compatible
        ):
            self.llm_timeout = LOCAL_TIMEOUT
        return self

    @property
    def chroma_mode(self) -> ChromaMode:
        if self.chroma_host and self.chroma_port:
            return ChromaMode.server
        return ChromaMode.embedded

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def sessions_db(self) -> Path:
        return self.data_dir / "sessions.sqlite3"

    @property
    def llm_enabled(self) -> bool:
        return self.llm_provider is not LLMProvider.none


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
