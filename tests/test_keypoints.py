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


POINTERS = [
    "For specifics, refer to the above answer.",
    "You can learn about convolutions below.",
    "It can be generated using two methods:",
    "We can distinguish between two different ways of a cold start problem now.",
    "There are many available techniques to do decay the learning rate.",
    "Other pooling techniques include:",
    "Here are some specific examples of how CNNs can be used for text classification",
    "Depending on the classification problem, we can use the following evaluation metrics",
    "For example, cost function with L1 regularization will look like:",
]
CLAIMS = [
    "Backward Pass: Propagate backwards using chain rule:",
    "Scale and shift (learnable parameters):",
    "Values above the threshold are flagged as anomalies.",
    "Bagging reduces variance by averaging many trees trained on bootstrap samples.",
    "There are two ways a tree can overfit: too deep, or too few samples per leaf.",
    "Bias-variance trade-off is a relationship between the expected test error and the variance "
    "and the bias - both contribute to the level of the test error and ideally should be as "
    "small as possible:",
    "The normal distribution is a continuous probability distribution whose probability density "
    "function takes the following formula:",
]


def test_sentences_that_only_point_elsewhere_are_never_key_points():
    from ingest.keypoints import is_pointer

    assert [p for p in POINTERS if not is_pointer(p)] == []
    assert [c for c in CLAIMS if is_pointer(c)] == []


def test_a_community_answer_loses_its_pointer_sentence_not_its_claims():
    from ingest.answers import community_key_points

    answer = (
        "Neural nets used in computer vision are generally convolutional networks. You can "
        "learn about convolutions below. Convolutions extract and learn local features from "
        "images. Thus CNNs are a go-to method for vision problems."
    )
    points = community_key_points(answer)
    assert "You can learn about convolutions below." not in points
    assert points[-1] == "Thus CNNs are a go-to method for vision problems."


def test_an_answer_is_a_pointer_above_only_when_every_sentence_points_up():
    from ingest.answers import points_to_answer_above

    assert points_to_answer_above("For specifics, refer to the above answer.")
    assert points_to_answer_above("**See the previous answer.**")
    assert not points_to_answer_above("Grid search tries every combination. See the answer above.")
    assert not points_to_answer_above("You can learn about convolutions below.")
    assert not points_to_answer_above("Answer above the threshold.")
    assert not points_to_answer_above("")
