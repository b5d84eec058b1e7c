"""Local embeddings: the MiniLM model (`model`), the lean sentence/token encoder the grader and
search share (`encoder`), and its ONNX Runtime graphs (`onnx`).

Importing this package is light (numpy only); torch and sentence-transformers load on first
use. Dependencies point one way: onnx <- model <- encoder.
"""

from __future__ import annotations

from interviewer.embedding.encoder import (
    EncodedText,
    TextEncoder,
    embed_query,
    shared_encoder,
    start_warm_up,
    warm_up,
)

from .model import (
    DEFAULT_MODEL,
    DIMENSIONS,
    EmbeddingModelError,
    bundled_model_path,
    encode,
    load_model,
    make_chroma_embedding_function,
    resolve_model_path,
)

__all__ = [
    "DEFAULT_MODEL",
    "DIMENSIONS",
    "EmbeddingModelError",
    "EncodedText",
    "TextEncoder",
    "bundled_model_path",
    "embed_query",
    "encode",
    "load_model",
    "make_chroma_embedding_function",
    "resolve_model_path",
    "shared_encoder",
    "start_warm_up",
    "warm_up",
]
