"""Sentence and token embeddings for the offline grader, from one forward pass of MiniLM.

The grader needs, for every sentence of an answer, a sentence vector (to match key points)
and its token vectors (for BERTScore-like soft alignment). `interviewer.embeddings.encode`
returns sentence vectors only, so this module runs the same bundled model itself:

- all sentences of a text go through the model in one batch;
- by default the model runs under ONNX Runtime with int8 dense layers (`onnx_model`): about
  twice as fast as torch on 2 cores, with cosine >= 0.98 to sentence-transformers' vectors
  (checked in tests; the calibration is fitted on these features). Search queries use the
  float32 graph, which matches sentence-transformers exactly;
- without onnxruntime, or with precision "bf16"/"fp32", the BERT layers run in torch on packed
  tokens (no padding in the dense layers), in bfloat16 on CPUs that support it natively;
- any other model folder falls back to sentence-transformers' own forward pass.

torch is imported inside functions only, so importing the grading package stays light.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from interviewer.hygiene import split_sentences
from interviewer.lazy import Lazy

from . import onnx as onnx_model
from .model import DEFAULT_MODEL, DIMENSIONS, load_model, resolve_model_path
from .plain_text import plain_text

log = logging.getLogger(__name__)

# Bert's basic tokenizer splits "don't" into "don ' t"; these halves carry no content.
_CONTRACTION_STUBS = frozenset(
    {
        "don",
        "doesn",
        "didn",
        "isn",
        "aren",
        "wasn",
        "weren",
        "won",
        "couldn",
        "shouldn",
        "wouldn",
        "hasn",
        "haven",
        "hadn",
        "ain",
    }
)
_MAX_TOKENS = 256  # the model's max_seq_length; split_sentences keeps sentences below it
_BATCH = 96


def prefer_passive_openmp() -> None:
    """Make OpenMP threads sleep instead of spin while they wait, if torch is not loaded yet.

    On a busy 2-core machine spinning threads fight for the cores: measured here, a 300-word
    answer took 2 s with the default policy and 0.27 s with PASSIVE under the same load.
    libgomp reads the variable once, when torch is imported, so it must be set before that.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass(frozen=True)
class EncodedText:
    """One text as the grader sees it."""

    sentences: list[str]
    # (n_sentences, 384), L2-normalised: one vector per sentence.
    sentence_vectors: np.ndarray
    # (n_tokens, 384), L2-normalised, [CLS]/[SEP] removed: every word-piece of every sentence.
    token_vectors: np.ndarray
    # The lower-cased whole word each token belongs to (so "##ting" maps to "overfitting").
    token_words: list[str]
    # (n_tokens,) index of the sentence each token comes from.
    token_sentence: np.ndarray
    # (384,) L2-normalised mean of all token states: the whole text's vector.
    vector: np.ndarray
    # (n_tokens,) how rare each token's word is, in [0.2, 1] (see `word_rarity`).
    token_rarity: np.ndarray | None = None

    @property
    def empty(self) -> bool:
        return not self.sentences


def empty_encoding() -> EncodedText:
    zeros = np.zeros((0, DIMENSIONS), dtype=np.float32)
    return EncodedText([], zeros, zeros, [], np.zeros(0, dtype=np.int64), np.zeros(DIMENSIONS))


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


class TextEncoder:
    """Encodes texts into `EncodedText`, loading the model on first use.

    `precision`: "auto" (int8 under ONNX Runtime when it is installed, else torch in bfloat16
    when the CPU supports it natively), "int8", "bf16" or "fp32" (both torch).
    """

    def __init__(
        self, model: str = DEFAULT_MODEL, *, precision: str = "auto", token_layer: int | None = None
    ) -> None:
        self.model_name = model
        self.precision = precision
        # Token vectors for soft alignment come from this layer (1-based; None: the last).
        self.token_layer = token_layer
        self._lock = threading.Lock()  # guards the float32 session, opened on first search
        self._state: Lazy[dict[str, Any]] = Lazy(self._build_state)

    # -- loading -----------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        return self._state.get()

    def _build_state(self) -> dict[str, Any]:
        prefer_passive_openmp()
        import torch

        st = load_model(self.model_name)
        transformer = st[0]
        bert: Any = getattr(transformer, "model", None) or getattr(transformer, "auto_model", None)
        pooling = getattr(st[1], "pooling_mode_mean_tokens", None) if len(st) > 1 else None
        lean = (
            type(bert).__name__ == "BertModel"
            and pooling is not False
            and getattr(bert.config, "position_embedding_type", "absolute") == "absolute"
        )
        vocab = st.tokenizer.get_vocab()
        state: dict[str, Any] = {
            "st": st,
            "tokenizer": st.tokenizer,
            "lean": lean,
            "vocab": vocab,
            # WordPiece vocabularies list whole words roughly by frequency after the symbols.
            "first_word_id": vocab.get("the", 0),
        }
        if lean and self._wants_onnx():
            try:
                paths = onnx_model.graph_paths(bert, resolve_model_path(self.model_name))
                state["onnx"] = onnx_model.open_session(paths["int8"])
                state["onnx_fp32_path"] = paths["fp32"]
                # As many parallel runs as torch would use threads (it honours the user's
                # OMP_NUM_THREADS / core limits), at most the cores available.
                state["workers"] = min(torch.get_num_threads(), onnx_model.worker_count())
                return state
            except Exception as exc:  # e.g. a read-only cache folder: torch still works
                log.warning("ONNX Runtime unavailable (%s); the grader runs in torch", exc)
        use_bf16 = self.precision == "bf16" or (
            self.precision in ("auto", "int8") and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        )
        if lean:
            dtype = torch.bfloat16 if use_bf16 else torch.float32
            sd = {k: v.detach().float() for k, v in bert.state_dict().items()}
            cfg = bert.config
            layers = []
            for i in range(cfg.num_hidden_layers):
                p = f"encoder.layer.{i}."
                a = p + "attention."

                def dense(name: str, pre: str = p) -> tuple[Any, Any]:
                    return (
                        sd[pre + name + ".weight"].to(dtype).contiguous(),
                        sd[pre + name + ".bias"].to(dtype),
                    )

                qkv_w = torch.cat([sd[f"{a}self.{n}.weight"] for n in ("query", "key", "value")])
                qkv_b = torch.cat([sd[f"{a}self.{n}.bias"] for n in ("query", "key", "value")])
                layers.append(
                    {
                        "qkv": (qkv_w.to(dtype).contiguous(), qkv_b.to(dtype)),
                        "attn_out": dense("attention.output.dense"),
                        "ln1": (sd[a + "output.LayerNorm.weight"], sd[a + "output.LayerNorm.bias"]),
                        "inter": dense("intermediate.dense"),
                        "out": dense("output.dense"),
                        "ln2": (sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"]),
                    }
                )
            state.update(
                dtype=dtype,
                layers=layers,
                heads=cfg.num_attention_heads,
                hidden=cfg.hidden_size,
                eps=cfg.layer_norm_eps,
                word=sd["embeddings.word_embeddings.weight"],
                position=sd["embeddings.position_embeddings.weight"],
                token_type=sd["embeddings.token_type_embeddings.weight"][0],
                emb_ln=(sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"]),
                act=getattr(cfg, "hidden_act", "gelu"),
            )
        return state

    def _wants_onnx(self) -> bool:
        # Token states of an inner layer are only available from the torch path.
        return (
            self.precision in ("auto", "int8")
            and self.token_layer is None
            and onnx_model.available()
        )

    def describe(self) -> str:
        """How the model runs, e.g. "onnxruntime int8" or "packed BERT, torch.bfloat16"."""
        state = self._load()
        if "onnx" in state:
            return "onnxruntime int8"
        if state["lean"]:
            return f"packed BERT, {state['dtype']}"
        return "sentence-transformers forward"

    def warm_up(self) -> None:
        """Load the model and run one tiny batch (first calls build kernels)."""
        self.encode_many(["warm up the grader", "a second sentence for the batch"])

    # -- encoding ----------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised vector per text, each text encoded whole (not split into
        sentences) and cut at 256 tokens, as sentence-transformers encodes it."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        state = self._load()
        enc = state["tokenizer"](
            [plain_text(t) for t in texts],
            add_special_tokens=True,
            truncation=True,
            max_length=_MAX_TOKENS,
        )
        hidden, _ = self._forward(state, enc, exact=True)
        return _normalise(np.stack([h.mean(axis=0) for h in hidden]))

    def encode(self, text: str) -> EncodedText:
        """Split `text` into sentences and encode them in one batch."""
        return self.encode_many([text])[0]

    def encode_many(
        self, texts: Sequence[str], *, presplit: Sequence[list[str]] | None = None
    ) -> list[EncodedText]:
        """Encode several texts; their sentences share batches."""
        per_text = (
            [list(s) for s in presplit]
            if presplit is not None
            else [split_sentences(t) for t in texts]
        )
        flat = [s for sentences in per_text for s in sentences]
        if not flat:
            return [empty_encoding() for _ in per_text]
        state = self._load()
        # Batch similar lengths together so padding in attention stays small.
        order = sorted(range(len(flat)), key=lambda i: len(flat[i]))
        results: list[tuple[np.ndarray, np.ndarray, list[str], np.ndarray]] = [None] * len(flat)  # type: ignore[list-item]
        for start in range(0, len(order), _BATCH):
            idx = order[start : start + _BATCH]
            for i, item in zip(idx, self._encode_batch(state, [flat[i] for i in idx]), strict=True):
                results[i] = item
        out: list[EncodedText] = []
        k = 0
        for sentences in per_text:
            n = len(sentences)
            if n == 0:
                out.append(empty_encoding())
                continue
            chunk = results[k : k + n]
            k += n
            sent_vecs = np.stack([c[0] for c in chunk])
            tok_vecs = np.concatenate([c[1] for c in chunk])
            words = [w for c in chunk for w in c[2]]
            tok_sent = np.concatenate(
                [np.full(len(c[2]), j, dtype=np.int64) for j, c in enumerate(chunk)]
            )
            state_sum = np.sum([c[3] for c in chunk], axis=0)
            out.append(
                EncodedText(
                    sentences=list(sentences),
                    sentence_vectors=sent_vecs,
                    token_vectors=_normalise(tok_vecs) if len(tok_vecs) else tok_vecs,
                    token_words=words,
                    token_sentence=tok_sent,
                    vector=_normalise(state_sum[None, :])[0],
                    token_rarity=np.array(
                        [self._rarity(state, w) for w in words], dtype=np.float32
                    ),
                )
            )
        return out

    def _forward(
        self, state: dict[str, Any], enc: Any, *, exact: bool
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per text: last-layer token states, and those of `token_layer` (the same unless set).
        `exact` asks for float32 under ONNX Runtime (search) instead of int8 (grading)."""
        ids: list[list[int]] = enc["input_ids"]
        if "onnx" in state:
            if exact:
                session = self._float32_session(state)
                hidden = onnx_model.run_padded(session, ids, workers=state["workers"])
            else:  # int8: one run per sentence, so no sentence depends on its batchmates
                hidden = onnx_model.run_each(state["onnx"], ids, workers=state["workers"])
            return hidden, hidden
        if state["lean"]:
            return self._lean_forward(state, ids)
        hidden = self._st_forward(state, enc)
        return hidden, hidden

    def _float32_session(self, state: dict[str, Any]) -> Any:
        """The exact (float32) graph, opened on first use: only search needs it."""
        with self._lock:
            if "onnx_fp32" not in state:
                state["onnx_fp32"] = onnx_model.open_session(state["onnx_fp32_path"])
            return state["onnx_fp32"]

    def _rarity(self, state: dict[str, Any], word: str) -> float:
        """See `word_rarity`; cached per word."""
        cache = state.setdefault("rarity", {})
        if word not in cache:
            cache[word] = word_rarity(state["vocab"].get(word), state["first_word_id"])
        return cache[word]

    def _encode_batch(
        self, state: dict[str, Any], sentences: list[str]
    ) -> list[tuple[np.ndarray, np.ndarray, list[str], np.ndarray]]:
        """Per sentence: (sentence vector, raw token states without specials, token words,
        sum of all token states including specials)."""
        tok = state["tokenizer"]
        enc = tok(
            [plain_text(s) for s in sentences],
            add_special_tokens=True,
            truncation=True,
            max_length=_MAX_TOKENS,
            return_offsets_mapping=True,
        )
        hidden, token_hidden = self._forward(state, enc, exact=False)
        items = []
        for j, sentence in enumerate(sentences):
            states = hidden[j]  # (len, dim) float32, includes [CLS] and [SEP]
            total = states.sum(axis=0)
            sent_vec = _normalise((total / len(states))[None, :])[0]
            words = _token_words(sentence, enc.word_ids(j), enc["offset_mapping"][j])
            keep = [t for t, w in enumerate(words) if w is not None]
            tokens = token_hidden[j][keep]
            items.append((sent_vec, tokens, [w for w in words if w is not None], total))
        return items

    def _lean_forward(
        self, state: dict[str, Any], ids: list[list[int]]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """BERT over packed tokens: dense layers see no padding; attention runs padded.

        Returns per sentence the last layer's token states and those of `token_layer`.
        """
        import torch
        import torch.nn.functional as F

        dtype, heads, hidden, eps = state["dtype"], state["heads"], state["hidden"], state["eps"]
        head_dim = hidden // heads
        lens = [len(x) for x in ids]
        batch, longest = len(lens), max(lens)
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        with torch.inference_mode():
            flat = torch.tensor([t for x in ids for t in x], dtype=torch.long)
            pos = torch.cat([torch.arange(n) for n in lens])
            x = state["word"][flat] + state["position"][pos] + state["token_type"]
            x = F.layer_norm(x, (hidden,), state["emb_ln"][0], state["emb_ln"][1], eps)
            # One sentence (or all of equal length): no padding, no mask.
            uniform = len(set(lens)) == 1
            pad_index = torch.zeros(batch, longest, dtype=torch.long)
            valid = torch.zeros(batch, longest, dtype=torch.bool)
            for j, (s, n) in enumerate(zip(starts, lens, strict=True)):
                pad_index[j, :n] = torch.arange(int(s), int(s) + n)
                valid[j, :n] = True
            mask = (
                None
                if uniform
                else torch.zeros(batch, 1, 1, longest, dtype=dtype).masked_fill(
                    ~valid[:, None, None, :], float("-inf")
                )
            )
            keep = valid.flatten()
            act = F.gelu if state["act"] == "gelu" else getattr(F, state["act"])
            token_states = None
            for depth, layer in enumerate(state["layers"], start=1):
                qkv = F.linear(x.to(dtype), *layer["qkv"])
                if not uniform:
                    qkv = qkv[pad_index]
                qkv = qkv.view(batch, longest, 3, heads, head_dim).permute(2, 0, 3, 1, 4)
                attn = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
                attn = attn.transpose(1, 2).reshape(batch * longest, hidden)
                if not uniform:
                    attn = attn[keep]
                out = F.linear(attn, *layer["attn_out"]).float()
                x = F.layer_norm(out + x, (hidden,), layer["ln1"][0], layer["ln1"][1], eps)
                inner = act(F.linear(x.to(dtype), *layer["inter"]))
                out = F.linear(inner, *layer["out"]).float()
                x = F.layer_norm(out + x, (hidden,), layer["ln2"][0], layer["ln2"][1], eps)
                if depth == self.token_layer:
                    token_states = x.numpy()
            states = x.numpy()
        if token_states is None:
            token_states = states
        spans = [(int(s), int(s) + n) for s, n in zip(starts, lens, strict=True)]
        return [states[a:b] for a, b in spans], [token_states[a:b] for a, b in spans]

    def _st_forward(self, state: dict[str, Any], enc: Any) -> list[np.ndarray]:
        """Any other sentence-transformers model: its own (padded) forward pass."""
        import torch

        padded = state["tokenizer"].pad(
            {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc},
            return_tensors="pt",
        )
        with torch.inference_mode():
            out = state["st"].forward(dict(padded))
        tokens = out["token_embeddings"].float().numpy()
        mask = padded["attention_mask"].numpy().astype(bool)
        return [tokens[j][mask[j]] for j in range(len(tokens))]


@lru_cache(maxsize=4)
def shared_encoder(model: str = DEFAULT_MODEL) -> TextEncoder:
    """One encoder per model and process, so search and grading share the loaded weights."""
    return TextEncoder(model)


def word_rarity(vocab_id: int | None, first_word_id: int) -> float:
    """A word's rarity in [0.2, 1] from its WordPiece id, a free stand-in for IDF.

    The vocabulary lists whole words by corpus frequency, so log(rank) grows with rarity;
    a word that is not one piece ("overfitting") is rare: 1.
    """
    if vocab_id is None or vocab_id < first_word_id:
        return 1.0
    rank = max(vocab_id - first_word_id, 2)
    return float(min(1.0, max(0.2, math.log(rank) / math.log(28_000))))


def _token_words(
    sentence: str, word_ids: list[int | None], offsets: list[tuple[int, int]]
) -> list[str | None]:
    """The lower-cased word each token belongs to; None for [CLS]/[SEP]."""
    spans: dict[int, tuple[int, int]] = {}
    for wid, (a, b) in zip(word_ids, offsets, strict=True):
        if wid is None:
            continue
        lo, hi = spans.get(wid, (a, b))
        spans[wid] = (min(lo, a), max(hi, b))
    words: list[str | None] = []
    for wid in word_ids:
        if wid is None:
            words.append(None)
            continue
        a, b = spans[wid]
        word = sentence[a:b].lower()
        words.append("" if word in _CONTRACTION_STUBS else word)
    return words


# -- search and start-up, on the same lean encoder ---------------------------------------------


def embed_query(text: str, *, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Embed one search query, shape (1, 384), for a nearest-neighbour lookup.

    sentence-transformers' generic forward pass spends ~20-30 ms on a 12-token query on 2 cores,
    mostly per-layer overhead, and search latency is mostly this embedding. The grader's encoder
    runs the same weights as a float32 ONNX graph (or, without onnxruntime, as packed torch
    layers): the same vector (cosine >= 0.9999, tested) in a few milliseconds.
    """
    return shared_encoder(model).embed([text])


def warm_up(model: str = DEFAULT_MODEL) -> None:
    """Load the model and run a tiny batch through the encoder that search and grading use,
    e.g. in a background thread at start-up."""
    encoder = shared_encoder(model)
    encoder.warm_up()
    encoder.embed(["warm up the search"])


def start_warm_up(model: str = DEFAULT_MODEL) -> threading.Thread:
    """Load the model in a daemon thread so the first question shows while it loads."""
    thread = threading.Thread(target=warm_up, args=(model,), name="embed-warm-up", daemon=True)
    thread.start()
    return thread
