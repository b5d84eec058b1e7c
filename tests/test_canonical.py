"""The fragment the entailment model reads: `canonical.entailment_text` (pure), and the model
behaviour it exists for."""

from __future__ import annotations

import pytest

from interviewer.grading.canonical import entailment_text


@pytest.mark.parametrize(
    ("fragment", "read"),
    [
        # A note without a full stop gets one; a finished sentence is left alone.
        ("keep training and serving code separate", "keep training and serving code separate."),
        ("It overfits.", "It overfits."),
        ('He said "it overfits."', 'He said "it overfits."'),
        ("Q-learning:", "Q-learning."),
        # Hesitations go; set-off fillers go; the same words inside a claim stay.
        (
            "So, um, validation happens after, uh, deployment",
            "So, validation happens after, deployment.",
        ),
        ("It is, you know, slower", "It is, slower."),
        ("you know the labels in advance", "you know the labels in advance."),
        ("models like BERT are pretrained", "models like BERT are pretrained."),
        ("I mean the validation loss", "I mean the validation loss."),
        # Arrows and spaced symbols are read as words.
        ("deeper trees -> lower bias", "deeper trees, so lower bias."),
        ("more data \u2192 less variance", "more data, so less variance."),
        ("bias = error from wrong assumptions", "bias is error from wrong assumptions."),
        ("precision + recall", "precision and recall."),
        # Phone shorthand, and negations typed without the apostrophe.
        ("train w/ dropout w/o early stopping", "train with dropout without early stopping."),
        ("it isnt needed bc u have labels", "it isn't needed because you have labels."),
        ("you cant and shouldnt", "you can't and shouldn't."),
        ("ppl use the avg", "people use the average."),
    ],
)
def test_entailment_text(fragment: str, read: str) -> None:
    assert entailment_text(fragment) == read


@pytest.mark.parametrize(
    "fragment",
    [
        "An ER diagram shows the entities.",  # "er" is only a hesitation in lower case alone
        "Multiply by U and then by V.",  # a matrix called U is not "you"
        "The umbrella term is regularisation.",  # hesitations are whole words only
        "x=y+1 is the update.",  # unspaced symbols are code, not shorthand
    ],
)
def test_ordinary_text_is_left_alone(fragment: str) -> None:
    assert entailment_text(fragment) == fragment


def test_empty_text_stays_empty() -> None:
    assert entailment_text("") == ""
    assert entailment_text("  ") == ""


@pytest.mark.slow
def test_a_wrong_claim_reads_as_a_contradiction_in_any_style() -> None:
    """The same wrong claim as a sentence, as a note without a full stop, as speech and typed
    fast in lower case: before canonical reading the last three were read as entailing it."""
    from interviewer.grading.entailment import LABELS, shared_model

    point = "Automate data ingestion with validation checks on schema and distributions."
    styles = [
        "Data validation should happen after deployment, not before, since the model will "
        "tell you when the data is bad.",
        "Data validation after deployment, not before: the model will tell you when the data "
        "is bad",
        "So, um, data validation should happen after, uh, deployment, not before, since, you "
        "know, the model will tell you when the data is bad.",
        "data validation should happen after deployment not before bc the model will tell u "
        "when the data is bad",
    ]
    p = shared_model().probabilities([(point, s) for s in styles])
    entail, contradict = LABELS.index("entail"), LABELS.index("contradict")
    for row, style in zip(p, styles, strict=True):
        assert row[contradict] > 0.5 > row[entail], style
