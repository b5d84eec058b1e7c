"""The deterministic key-point heuristic."""

from ingest.keypoints import extract_key_points

ANSWER = """**How It Works**: Dropout zeroes random activations during training.

```python
def dropout(x):
    return x * mask  # code is never a key point
```

**Why It Works**:
1. **Prevents co-adaptation**: Neurons cannot rely on specific other neurons.
2. **Ensemble effect**: Training many thinned networks and averaging them at test time.

| Aspect | Value |
|---|---|
| rate | 0.5 typical for hidden layers |

$$
y = mask \\odot x
$$

**During Inference**: Use all neurons and no dropout at all.
"""


def test_key_points_skip_code_tables_and_display_maths():
    points = extract_key_points(ANSWER)
    assert 3 <= len(points) <= 6
    joined = " ".join(points)
    assert "def dropout" not in joined and "mask" not in joined and "0.5 typical" not in joined


def test_key_points_are_deterministic_and_labelled():
    points = extract_key_points(ANSWER)
    assert points == extract_key_points(ANSWER)
    assert points[0] == "Dropout zeroes random activations during training."
    assert "Prevents co-adaptation: Neurons cannot rely on specific other neurons." in points


def test_key_points_are_capped_at_six_and_thirty_words():
    long = "\n\n".join(f"### Part {i}\n\n" + " ".join(["word"] * 50) + "." for i in range(10))
    points = extract_key_points(long)
    assert len(points) == 6
    assert all(len(p.split()) <= 32 for p in points)


PLAIN = [
    "Dropout zeroes random activations during training. It acts as a regulariser.",
    "One short line.",
    "First paragraph has one sentence that is long enough to count.\n\nSecond paragraph. It has two sentences here, both long enough to keep.",
    "A colon ends this first sentence of four words:\nand the paragraph goes on over a wrapped line. Then another sentence follows it here.",
    "Why does it work? Because the units cannot co-adapt, so each one must be useful alone.",
    " ".join(["word"] * 45) + ". And a tail sentence of several words.",
    "Same sentence here, said twice.\n\nSame sentence here, said twice.",
    "\n".join(f"Paragraph number {i} says something quite specific." for i in range(9)),
]


def test_the_plain_prose_shortcut_agrees_with_the_general_rules():
    from ingest.answers import unwrap
    from ingest.keypoints import plain_prose, prose_sentences

    for text in PLAIN:
        prose = unwrap(text)
        fast = plain_prose(prose)
        assert fast is not None, text
        assert fast == (extract_key_points(prose), prose_sentences(prose)), text
    assert plain_prose("- a list item answer") is None
    assert plain_prose("Uses `code` inline.") is None
