"""Text helpers for grading: sentences, words, stems, question-word demotion."""

from __future__ import annotations

from interviewer.grading.text import (
    STOP_WORDS,
    antonym_clashes,
    content_words,
    is_content,
    negation_count,
    numbers,
    question_words,
    stem,
    tokenize,
    word_weights,
)
from interviewer.hygiene import MAX_SENTENCE_WORDS, split_sentences


def test_sentences_split_on_ends_but_not_abbreviations_or_decimals():
    text = "Overfitting memorises noise, e.g. random errors. Accuracy was 0.5 on test! Why? Dr. Ng says so."
    assert split_sentences(text) == [
        "Overfitting memorises noise, e.g. random errors.",
        "Accuracy was 0.5 on test!",
        "Why?",
        "Dr. Ng says so.",
    ]


def test_inline_code_is_kept_whole_and_unquoted():
    assert split_sentences("Call `model.fit(X, y)` first. Then `model.predict(X)`.") == [
        "Call model.fit(X, y) first.",
        "Then model.predict(X).",
    ]


def test_markdown_bullets_headings_and_code_fences_are_units():
    text = (
        "## Bagging\n"
        "Trains models in parallel.\n"
        "- **Bootstrap** samples rows\n"
        "  with replacement\n"
        "- Averages predictions. Cuts variance\n"
        "```python\n"
        "model = RandomForestClassifier()\n"
        "model.fit(X, y)\n"
        "```\n"
        "1. Boosting is sequential"
    )
    assert split_sentences(text) == [
        "Bagging",
        "Trains models in parallel.",
        "Bootstrap samples rows with replacement",
        "Averages predictions.",
        "Cuts variance",
        "model = RandomForestClassifier() model.fit(X, y)",
        "Boosting is sequential",
    ]


def test_unclosed_fence_and_empty_text():
    assert split_sentences("```\nprint(1)") == ["print(1)"]
    assert split_sentences("") == []
    assert split_sentences("   \n\n  ") == []


def test_long_sentences_are_cut_for_the_encoder():
    long = " ".join(f"w{i}" for i in range(MAX_SENTENCE_WORDS * 2 + 5))
    pieces = split_sentences(long)
    assert len(pieces) == 3
    assert all(len(p.split()) <= MAX_SENTENCE_WORDS for p in pieces)
    assert " ".join(pieces) == long


def test_tokenize_makes_negation_visible():
    assert tokenize("Don't overfit; it isn't hard, can't be.") == [
        "do",
        "not",
        "overfit",
        "it",
        "is",
        "not",
        "hard",
        "can",
        "not",
        "be",
    ]
    assert negation_count(tokenize("It is not connected and never was")) == 2


def test_stem_joins_word_families():
    assert len({stem(w) for w in ("evaporated", "evaporation", "evaporates", "evaporate")}) == 1
    assert stem("regularisation") == stem("regularization") == stem("regularized")
    assert stem("running") == "run" and stem("batteries") == "battery"
    assert stem("bias") == stem("biases") == "bias"
    assert stem("data") == "data"


def test_content_words_drop_stop_words_and_negations():
    words = content_words("The model is not overfitting the training data.")
    assert words == [stem("model"), stem("overfitting"), stem("training"), "data"]
    assert not is_content("the") and not is_content("not") and is_content("model")
    assert "not" not in STOP_WORDS  # negation must survive tokenising for contradiction cues


def test_question_words_are_demoted():
    demoted = question_words("What is overfitting in machine learning?")
    answer = content_words("Overfitting means memorising noise")
    assert word_weights(answer, demoted) == [0.3, 1.0, 1.0, 1.0]
    assert word_weights(answer, demoted, demotion=0.0)[0] == 0.0


def test_numbers_are_normalised():
    assert numbers("Voltage 1.50 V, then 3,000 rows and 7 folds") == {"1.5", "3000", "7"}
    assert numbers("no digits here") == set()


def test_antonym_clashes_need_one_side_each():
    ref = {stem(w) for w in tokenize("the voltage increases")}
    assert antonym_clashes({stem(w) for w in tokenize("voltage decreases")}, ref) == 1
    assert antonym_clashes({stem(w) for w in tokenize("voltage increases")}, ref) == 0
    # Both sides in the answer: no clash claimed (it may be comparing them).
    both = {stem(w) for w in tokenize("it increases then decreases")}
    assert antonym_clashes(both, ref) == 0
