"""Ingest and search benchmark on a generated bank.

Measures, on this machine:
- parse: reading one 10,000-question file in each accepted layout, before any embedding
  (target <= 2 s each); wall time and this process's CPU time, since the machine is shared;
- encode: the model's own encode time for exactly the texts ingest embeds (model pre-loaded);
- ingest: parsing, embedding and writing a fresh bank of N questions (target <= 1.5x encode),
  for the Q&A layout and for a community layout (bold questions under topics);
- re-ingest: the same files again, unchanged (target >= 10x faster than ingest);
- search: p50/p95 of `ChromaBank.search(text, k=5)`, query embedding included (target p95 <= 20 ms).

Usage: python -m benchmarks.bench_ingest [--sizes 10000] [--search-sizes 100000] [--queries 200]
       [--parse-size 10000] [--only parse]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TOPICS = [
    "gradient boosting",
    "random forests",
    "logistic regression",
    "k-means",
    "PCA",
    "dropout",
    "batch normalisation",
    "transformers",
    "attention",
    "LSTMs",
    "word embeddings",
    "SHAP values",
    "cross-validation",
    "ROC curves",
    "precision and recall",
    "feature scaling",
    "target encoding",
    "data drift",
    "A/B tests",
    "matrix factorisation",
    "ARIMA",
    "seasonality",
    "DBSCAN",
    "t-SNE",
    "the Adam optimiser",
    "learning-rate schedules",
    "weight decay",
    "early stopping",
    "autoencoders",
    "convolutions",
    "beam search",
    "contrastive learning",
    "calibration",
    "class imbalance",
]
ANGLES = [
    "How would you explain {t} to a new colleague",
    "What are the failure modes of {t} in production",
    "When would you avoid {t}, and what would you use instead",
    "How do you debug a model that relies on {t}",
    "What hyperparameters matter most for {t}",
    "How does {t} behave on a dataset with {n} features",
    "Compare {t} with {u} for a team of {n} engineers",
    "What would you monitor after shipping {t} to {n} users",
]


def generate_bank(folder: Path, size: int, per_file: int = 500, seed: int = 7) -> list[str]:
    """Write `size` generated Q&A questions into markdown files; return the question texts."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    for index in range(size):
        t, u = rng.sample(TOPICS, 2)
        text = rng.choice(ANGLES).format(t=t, u=u, n=rng.randint(2, 99_999)) + f" (case {index})?"
        texts.append(text)
    for start in range(0, size, per_file):
        parts = ["---\ncategory: Generated\n---\n"]
        for offset, text in enumerate(texts[start : start + per_file], start=1):
            parts.append(
                f"## Q{offset}: {text}\n\n**Answer**:\n\nA short generated answer about the topic. "
                "It states a claim and a caveat.\n\n**Key points**:\n- States the main claim.\n"
                "- Gives a caveat.\n- Names a trade-off.\n"
            )
        (folder / f"gen_{start // per_file:04d}.md").write_text("\n---\n\n".join(parts))
    return texts


ANSWERS = [
    "{t} matters because it changes what the model can learn; the usual caveat is data size "
    "(case {i}).",
    "Start from a baseline, then tune {t}. It trades bias for variance, and the validation curve "
    "shows where to stop (case {i}).",
    "With {t} the main risk is leakage between train and test. Split first, then fit (case {i}).",
]
MARKS = ("👶", "⭐️", "🚀")


def _questions(size: int, seed: int = 11) -> list[tuple[str, str, int]]:
    """(question, answer, level index) triples, all different."""
    rng = random.Random(seed)
    out = []
    for i in range(size):
        t, u = rng.sample(TOPICS, 2)
        q = rng.choice(ANGLES).format(t=t, u=u, n=rng.randint(2, 99_999)) + f" (case {i})?"
        out.append((q, rng.choice(ANSWERS).format(t=t, i=i), i % 3))
    return out


def layout_files(size: int) -> dict[str, tuple[str, str]]:
    """{layout: (file name, text)}: one `size`-question file per accepted layout."""
    qs = _questions(size)
    topics = 20
    per_topic = max(1, size // topics)

    def topic(i: int) -> str:
        return f"Topic {i // per_topic}"

    def md(entry: str, *, topics: bool = True) -> str:
        """One markdown file: each question written by the `entry` template (fields i, n =
        i + 1, q, a, mark), under a topic heading every `per_topic` questions."""
        parts = ["# Generated bank\n"]
        for i, (q, a, level) in enumerate(qs):
            if i % per_topic == 0 and topics:
                parts.append(f"\n## {topic(i)}\n")
            parts.append(entry.format(i=i, n=i + 1, q=q, a=a, mark=MARKS[level]))
        return "".join(parts)

    toc = "".join(f"* [Q{i + 1}: {q}](#q{i + 1})\n" for i, (q, _, _) in enumerate(qs))
    sections = "".join(
        f"\n### Q{i + 1}: {q} ###\n\n{a}\n\n![figure](https://example.com/{i}.png)\n"
        for i, (q, a, _) in enumerate(qs)
    )
    qa = "---\ncategory: Generated\n---\n" + "".join(
        f"\n## Q{i + 1}: {q}\n\n**Answer**:\n\n{a}\n\n**Key points**:\n- {a}\n\n---\n"
        for i, (q, a, _) in enumerate(qs)
    )
    question_list = "".join(
        (f"\n### {i // per_topic + 1}. **{topic(i)}:**\n\n" if i % per_topic == 0 else "")
        + f"- {q}\n"
        for i, (q, _, _) in enumerate(qs)
    )

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    csv_rows = "".join(
        f"{cell(q)},{cell(a)},{topic(i)},{('easy', 'medium', 'hard')[lv]}\n"
        for i, (q, a, lv) in enumerate(qs)
    )
    tsv_rows = "".join(f"{q}\t{a}\t{topic(i)}\n" for i, (q, a, _) in enumerate(qs))
    anki_rows = "".join(f"{q}\t{a}<br>Second line.\tgenerated\n" for q, a, _ in qs)
    records = [
        {"question": q, "answer": a, "category": topic(i), "difficulty": lv + 1}
        for i, (q, a, lv) in enumerate(qs)
    ]
    yaml_text = "".join(
        f"- question: {json.dumps(q)}\n  answer: {json.dumps(a)}\n  category: {topic(i)}\n"
        f"  difficulty: {('easy', 'medium', 'hard')[lv]}\n"
        for i, (q, a, lv) in enumerate(qs)
    )
    return {
        "Q&A document": ("qa.md", qa),
        "question list": ("list.md", question_list),
        "bold questions under topics": ("bold.md", md("\n**{q} {mark}**\n\n{a}\n\n<br/>\n")),
        "numbered headings with [[src]]": (
            "src.md",
            md("\n#### {n}) {q} [[src](https://example.com/{i})]\n\n{a}\n"),
        ),
        "numbered headings, no topics": (
            "flat.md",
            md("\n### {n}. {q} [[src]](https://example.com/{i})\n\n{a}\n", topics=False),
        ),
        "linked contents, then sections": ("toc.md", "# Generated\n\n" + toc + sections),
        "<details> blocks": (
            "details.md",
            md("\n<details>\n<summary>{q}</summary>\n\n{a}\n\n</details>\n"),
        ),
        "Q:/A: pairs": ("pairs.md", md("\nQ: {q}\nA: {a}\n")),
        "lists of questions": ("lists.md", md("- {q}\n")),
        "CSV": ("bank.csv", "question,answer,category,difficulty\n" + csv_rows),
        "TSV": ("bank.tsv", "Front\tBack\tDeck\n" + tsv_rows),
        "Anki notes": ("anki.txt", anki_rows),
        "JSON": ("bank.json", json.dumps({"questions": records}, indent=1)),
        "YAML": ("bank.yaml", yaml_text),
    }


def parse_layouts(size: int, repeats: int = 3) -> list[dict]:
    """Wall and CPU seconds to read a `size`-question file in each layout (no embedding).

    Each file is read `repeats` times and the median run is reported, with the slowest:
    on a shared 2-core machine one run can be a third slower than the next.
    """
    from ingest.parse import read_bank

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for layout, (name, text) in layout_files(size).items():
            path = Path(tmp) / name
            path.write_text(text)
            runs = []
            for _ in range(repeats):
                wall, cpu = time.perf_counter(), time.process_time()
                parsed = read_bank(path)
                runs.append((time.perf_counter() - wall, time.process_time() - cpu))
                assert len(parsed.questions) == size, (layout, len(parsed.questions))
                del parsed
            runs.sort()
            wall, cpu = runs[len(runs) // 2]
            rows.append(
                {
                    "layout": layout,
                    "questions": size,
                    "mb": path.stat().st_size / 1e6,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "slowest_s": runs[-1][0],
                    "runs": repeats,
                }
            )
    return rows


def time_searches(bank, queries: int) -> list[float]:
    """Milliseconds per `bank.search(text, k=5)` over a fixed, seeded set of query texts."""
    rng = random.Random(1)
    timings = []
    for _ in range(queries):
        query = f"{rng.choice(TOPICS)} {rng.choice(['pitfalls', 'tuning', 'monitoring'])}"
        start = time.perf_counter()
        hits = bank.search(query, k=5)
        timings.append((time.perf_counter() - start) * 1000)
        assert len(hits) == 5
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


INGEST_LAYOUTS = {
    "qa": "Q&A files of 500 questions",
    "bold": "one community file (bold questions under topics)",
}


def run(size: int, queries: int, layout: str = "qa") -> dict[str, Any]:
    from ingest.parse import read_bank
    from ingest.pipeline import ingest
    from interviewer.bank import ChromaBank
    from interviewer.embedding import encode, warm_up
    from interviewer.settings import get_settings

    warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if layout == "qa":
            texts = generate_bank(root / "bank", size)
        else:
            name, text = layout_files(size)["bold questions under topics"]
            (root / "bank").mkdir()
            (root / "bank" / name).write_text(text)
            texts = [q.text for q in read_bank(root / "bank" / name).questions]

        start = time.perf_counter()
        for i in range(0, len(texts), 256):  # the same batching as the pipeline
            encode(texts[i : i + 256])
        encode_s = time.perf_counter() - start

        bank = ChromaBank(get_settings(data_dir=root / "data"))
        start = time.perf_counter()
        report = ingest(bank, [root / "bank"])
        ingest_s = time.perf_counter() - start
        assert sum(f.questions for f in report.files) == size

        start = time.perf_counter()
        again = ingest(bank, [root / "bank"])
        reingest_s = time.perf_counter() - start
        assert all(f.status == "unchanged" for f in again.files)

        timings = time_searches(bank, queries)
    return {
        "questions": size,
        "layout": INGEST_LAYOUTS[layout],
        "encode_s": encode_s,
        "ingest_s": ingest_s,
        "ingest_over_encode": ingest_s / encode_s,
        "reingest_s": reingest_s,
        "reingest_speedup": ingest_s / reingest_s,
        "search_p50_ms": statistics.median(timings),
        "search_p95_ms": percentile(timings, 0.95),
    }


def search_at_scale(size: int, queries: int, real: int = 10_000) -> dict[str, float]:
    """Search latency on a `size`-question index, built without embedding `size` texts.

    Encoding 100,000 texts takes many minutes on 2 cores, and search cost depends on the index
    size, not on how its vectors were made. So `real` generated questions are embedded for
    real and the rest of the index is filled with noisy copies of those vectors (unit norm,
    cosine ~0.9 to their source). Queries are real texts embedded at query time, as in the app.
    """
    import numpy as np

    from interviewer.bank import ChromaBank, question_metadata
    from interviewer.embedding import encode, warm_up
    from interviewer.models import Question, ReferenceAnswer
    from interviewer.settings import get_settings

    warm_up()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        texts = generate_bank(Path(tmp) / "bank", real)
        base = encode(texts)
        bank = ChromaBank(get_settings(data_dir=Path(tmp) / "data"))
        ref = ReferenceAnswer(text="generated", key_points=["a claim", "a caveat", "a trade-off"])
        for start in range(0, size, 5000):
            n = min(5000, size - start)
            idx = np.arange(start, start + n) % real
            noise = rng.normal(scale=0.02, size=(n, base.shape[1])).astype(np.float32)
            vectors = base[idx] + noise if start >= real else base[idx]
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            questions = [
                Question.create(
                    f"{texts[i]} #{start + j}",
                    "synthetic.md",
                    category="Generated",
                    line=1,
                    reference=ref,
                )
                for j, i in enumerate(idx)
            ]
            metas = [
                question_metadata(q, content_hash="-", file_sha="-", path="-") for q in questions
            ]
            bank.upsert_questions(questions, vectors, metas)
        assert bank.count() == size
        timings = time_searches(bank, queries)
    return {
        "questions": size,
        "search_p50_ms": statistics.median(timings),
        "search_p95_ms": percentile(timings, 0.95),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated sizes to ingest")
    parser.add_argument(
        "--search-sizes",
        default="100000",
        help="comma-separated index sizes for search only (see search_at_scale)",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--parse-size", type=int, default=10_000, help="questions per parse file")
    parser.add_argument(
        "--layouts", default="qa,bold", help=f"ingest layouts: {', '.join(INGEST_LAYOUTS)}"
    )
    parser.add_argument(
        "--only", default="parse,search,ingest", help="which parts: parse, search, ingest"
    )
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench_ingest · cores={os.cpu_count()} · load average {load:.1f}")
    if "parse" in parts:
        print(
            f"  parse, one {args.parse_size:,}-question file per layout, median of 3 runs "
            "(target <= 2 s):"
        )
        for r in parse_layouts(args.parse_size):
            flag = "ok" if r["wall_s"] <= 2 else "OVER"
            print(
                f"    {r['layout']:<32} {r['mb']:4.1f} MB  {r['wall_s']:5.2f} s wall "
                f"({r['cpu_s']:.2f} s CPU, slowest {r['slowest_s']:.2f} s)  {flag}"
            )
    if "search" in parts:
        for size in (int(s) for s in args.search_sizes.split(",") if s):
            r = search_at_scale(size, args.queries)
            print(
                f"  {r['questions']:>7,} questions (10,000 embedded, the rest noisy copies): "
                f"search p50 {r['search_p50_ms']:.1f} ms, p95 {r['search_p95_ms']:.1f} ms "
                "(target <= 20 ms)"
            )
    if "ingest" in parts:
        for layout in args.layouts.split(","):
            for size in (int(s) for s in args.sizes.split(",") if s):
                r = run(size, args.queries, layout)
                print(
                    f"  {r['questions']:>7,} questions, {r['layout']}: encode {r['encode_s']:.1f} s"
                    f" · ingest {r['ingest_s']:.1f} s ({r['ingest_over_encode']:.2f}x encode, "
                    f"target <= 1.5x) · re-ingest {r['reingest_s']:.2f} s "
                    f"({r['reingest_speedup']:.0f}x faster, target >= 10x) · search p50 "
                    f"{r['search_p50_ms']:.1f} ms, p95 {r['search_p95_ms']:.1f} ms "
                    "(target <= 20 ms)"
                )


if __name__ == "__main__":
    main()
