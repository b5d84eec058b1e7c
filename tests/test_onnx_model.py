"""The ONNX Runtime graphs: batching logic, the on-disk cache, and the fallback to torch."""

from __future__ import annotations

import logging

import pytest

from interviewer.embedding import onnx as onnx_model


@pytest.mark.parametrize(
    "lengths",
    [[], [5], [9, 9, 9], [3, 30, 4, 29, 5, 28], list(range(1, 60)), [256, 7, 7, 7, 7, 7, 7]],
)
def test_length_batches_cover_every_item_once_and_bound_padding(lengths):
    batches = onnx_model.length_batches(lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        real = sum(lengths[i] for i in batch)
        padded = max(lengths[i] for i in batch) * len(batch)
        # A batch of one has no padding; a bigger one stays within the bound.
        assert len(batch) == 1 or padded <= onnx_model.MAX_PADDING * real


def test_length_batches_keep_equal_lengths_together():
    assert onnx_model.length_batches([12] * 20) == [list(range(20))]


class _EchoSession:
    """Stands in for an ONNX session: returns each row's ids as its 'states', and records
    the batches it ran (threads share it, as they share a real session)."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []

    def run(self, _outputs, feeds):
        import numpy as np

        ids = feeds["input_ids"]
        self.runs.append([int(x) for x in ids[:, 0]])
        return [ids[:, :, None].astype(np.float32)]


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("each", [False, True])
def test_every_sequence_runs_once_and_comes_back_in_input_order(workers, each):
    # Each sequence starts with its own index, so a run shows which sequences it held.
    ids = [[i] + [7] * n for i, n in enumerate([3, 30, 4, 29, 5, 28, 12, 12])]
    session = _EchoSession()
    run = onnx_model.run_each if each else onnx_model.run_padded
    out = run(session, ids, workers=workers)
    assert [o[:, 0].astype(int).tolist() for o in out] == ids
    ran = sorted(i for batch in session.runs for i in batch)
    assert ran == list(range(len(ids)))
    if each:
        assert all(len(batch) == 1 for batch in session.runs)
    if workers == 1:  # one thread: the costliest batch first
        firsts = [max(len(ids[i]) for i in b) * len(b) for b in session.runs]
        assert firsts == sorted(firsts, reverse=True)


def test_cache_folder_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("INTERVIEWER_MODEL_CACHE", str(tmp_path / "graphs"))
    assert onnx_model.cache_root() == tmp_path / "graphs"


@pytest.mark.slow
def test_graphs_are_built_once_and_reused(monkeypatch, tmp_path):
    from interviewer.embedding import bundled_model_path, load_model

    monkeypatch.setenv("INTERVIEWER_MODEL_CACHE", str(tmp_path))
    bert = load_model()[0].auto_model
    first = onnx_model.graph_paths(bert, bundled_model_path())
    stamps = {k: p.stat().st_mtime_ns for k, p in first.items()}
    again = onnx_model.graph_paths(bert, bundled_model_path())
    assert again == first
    assert {k: p.stat().st_mtime_ns for k, p in again.items()} == stamps
    # Written under a temporary name and renamed: nothing half-written is left behind.
    assert sorted(p.name for p in first["int8"].parent.iterdir()) == [
        "model.fp32.onnx",
        "model.int8.onnx",
    ]


@pytest.mark.slow
def test_unwritable_cache_falls_back_to_torch_and_says_so(monkeypatch, tmp_path, caplog):
    from interviewer.embedding.encoder import TextEncoder

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("INTERVIEWER_MODEL_CACHE", str(blocker / "graphs"))
    with caplog.at_level(logging.WARNING):
        encoder = TextEncoder()
        assert encoder.describe().startswith("packed BERT")
    assert "ONNX Runtime unavailable" in caplog.text
    assert encoder.encode("Bagging averages models.").sentence_vectors.shape == (1, 384)


@pytest.mark.slow
def test_float32_graph_on_a_padded_batch_matches_sentence_transformers(monkeypatch):
    """One padded batch of very different lengths: padding must not leak into the vectors."""
    import numpy as np

    from interviewer.embedding import encode, load_model
    from interviewer.embedding.encoder import shared_encoder

    texts = ["ok", "what is dropout", " ".join(["bagging averages many high-variance trees"] * 9)]
    encoder = shared_encoder()
    state = encoder._load()
    monkeypatch.setattr(onnx_model, "MAX_PADDING", 1000.0)  # force a single batch
    assert len(onnx_model.length_batches([len(t) for t in texts])) == 1
    ids = load_model().tokenizer(texts, truncation=True, max_length=256)["input_ids"]
    hidden = onnx_model.run_padded(encoder._float32_session(state), ids)
    ours = np.stack([h.mean(axis=0) / np.linalg.norm(h.mean(axis=0)) for h in hidden])
    assert min(float(a @ b) for a, b in zip(ours, encode(texts), strict=True)) > 0.9999


def _int8_session_and_ids():
    """The grader's int8 session and the token ids of sentences of very different lengths."""
    from interviewer.embedding import load_model
    from interviewer.embedding.encoder import shared_encoder

    texts = [
        "Bagging averages models.",
        "Boosting fits each learner to the errors of the ones before it.",
        "ok",
        " ".join(["dropout zeroes activations at random during training"] * 6),
        "Weight decay shrinks weights.",
    ]
    ids = load_model().tokenizer(texts, truncation=True, max_length=256)["input_ids"]
    return shared_encoder()._load()["onnx"], ids


@pytest.mark.slow
def test_parallel_runs_give_the_same_states_as_one_thread():
    import numpy as np

    session, ids = _int8_session_and_ids()
    one = onnx_model.run_padded(session, ids, workers=1)
    two = onnx_model.run_padded(session, ids, workers=2)
    assert [a.shape for a in one] == [b.shape for b in two] == [(len(x), 384) for x in ids]
    for a, b in zip(one, two, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.slow
def test_int8_states_of_a_sentence_never_depend_on_its_batchmates_or_the_cores():
    """Grading runs every sentence alone (`run_each`): int8 activations are scaled per run, so
    in a shared batch a sentence's states, and the grade, moved with its batchmates."""
    import numpy as np

    session, ids = _int8_session_and_ids()
    one = onnx_model.run_each(session, ids, workers=1)
    two = onnx_model.run_each(session, ids, workers=2)
    alone = [onnx_model.run_each(session, [x], workers=2)[0] for x in ids]
    reordered = onnx_model.run_each(session, ids[::-1], workers=2)[::-1]
    assert [a.shape for a in one] == [(len(x), 384) for x in ids]
    for a, b, c, d in zip(one, two, alone, reordered, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c) and np.array_equal(a, d)


@pytest.mark.slow
def test_entailment_of_a_pair_is_the_same_alone_or_beside_others():
    import numpy as np

    from interviewer.grading.entailment import shared_model

    model = shared_model()
    point = "Bagging reduces variance by averaging models trained on bootstrap samples."
    pairs = [
        (point, "Bagging trains trees on resampled data and averages them, so variance drops."),
        (point, "Bagging increases variance."),
        (
            point,
            "Gradient boosting fits each new tree to the residuals of the ensemble so far, "
            "one after another, with a small learning rate.",
        ),
    ]
    together = model.probabilities(pairs)
    alone = np.concatenate([model.probabilities([p]) for p in pairs])
    assert np.array_equal(together, alone)
