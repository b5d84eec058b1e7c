"""Text helpers for grading: sentences, words, stems, question-word demotion."""

from __future__ import annotations

from interviewer.grading import text
from interviewer.hygiene import MAX_SENTENCE_WORDS, split_sentences


def test_sentences_split_on_ends_but_not_abbreviations_or_decimals():
    prose = "Overfitting memorises noise, e.g. random errors. Accuracy was 0.5 on test! Why? Dr. Ng says so."
    assert split_sentences(prose) == [
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
    prose = (
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
    assert split_sentences(prose) == [
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
    assert text.tokenize("Don't overfit; it isn't hard, can't be.") == [
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
    assert text.negation_count(text.tokenize("It is not connected and never was")) == 2


def test_stem_joins_word_families():
    assert (
        len({text.stem(w) for w in ("evaporated", "evaporation", "evaporates", "evaporate")}) == 1
    )
    assert text.stem("regularisation") == text.stem("regularization") == text.stem("regularized")
    assert text.stem("running") == "run" and text.stem("batteries") == "battery"
    assert text.stem("bias") == text.stem("biases") == "bias"
    assert text.stem("data") == "data"


def test_content_words_drop_stop_words_and_negations():
    words = text.content_words("The model is not overfitting the training data.")
    assert words == [text.stem("model"), text.stem("overfitting"), text.stem("training"), "data"]
    assert not text.is_content("the") and not text.is_content("not") and text.is_content("model")
    assert "not" not in text.STOP_WORDS  # negation must survive tokenising for contradiction cues


def test_question_words_are_demoted():
    demoted = text.question_words("What is overfitting in machine learning?")
    answer = text.content_words("Overfitting means memorising noise")
    assert text.word_weights(answer, demoted) == [0.3, 1.0, 1.0, 1.0]
    assert text.word_weights(answer, demoted, demotion=0.0)[0] == 0.0


def test_numbers_are_normalised():
    assert text.numbers("Voltage 1.50 V, then 3,000 rows and 7 folds") == {"1.5", "3000", "7"}
    assert text.numbers("no digits here") == set()


def test_antonym_clashes_need_one_side_each():
    ref = {text.stem(w) for w in text.tokenize("the voltage increases")}
    assert (
        text.antonym_clashes({text.stem(w) for w in text.tokenize("voltage decreases")}, ref) == 1
    )
    assert (
        text.antonym_clashes({text.stem(w) for w in text.tokenize("voltage increases")}, ref) == 0
    )
    # Both sides in the answer: no clash claimed (it may be comparing them).
    both = {text.stem(w) for w in text.tokenize("it increases then decreases")}
    assert text.antonym_clashes(both, ref) == 0


def test_sentences_typed_in_lower_case_still_split():
    # Typed fast, without capitals: unsplit, this reached the entailment model as one fragment.
    assert split_sentences(
        "it overfits. then add dropout w.r.t. the loss. e.g. the val set! ok"
    ) == [
        "it overfits.",
        "then add dropout w.r.t. the loss.",
        "e.g. the val set!",
        "ok",
    ]
    assert split_sentences("Use 0.5 as the cut. sklearn.linear_model is fine.") == [
        "Use 0.5 as the cut.",
        "sklearn.linear_model is fine.",
    ]


def test_list_items_carry_their_lead_in():
    from interviewer.hygiene import attach_lead_ins

    answer = (
        "Q-learning:\n- value-based, off-policy\n- learns Q(s,a)\n\n"
        "Policy gradient:\n\n1. learns the policy directly\n2. on-policy\nThat is all."
    )
    assert attach_lead_ins(answer) == (
        "- Q-learning: value-based, off-policy\n- Q-learning: learns Q(s,a)\n\n"
        "1. Policy gradient: learns the policy directly\n2. Policy gradient: on-policy\n"
        "That is all."
    )
    assert split_sentences(attach_lead_ins(answer))[:2] == [
        "Q-learning: value-based, off-policy",
        "Q-learning: learns Q(s,a)",
    ]


def test_lines_that_are_not_lead_ins_are_left_alone():
    from interviewer.hygiene import attach_lead_ins

    for answer in [
        "Bagging reduces variance.\n- it averages",  # no colon
        "There are many things one could say about this question, as follows:\n- a",  # long
        "Pros:\nfast and simple",  # no list follows
        "Pros:",
        "",
    ]:
        assert attach_lead_ins(answer) == answer
    # A nested lead-in keeps its own list; the outer one, with no plain item, stays.
    assert attach_lead_ins("Bagging:\n- Parallel:\n  - bootstrap samples") == (
        "Bagging:\n  - Parallel: bootstrap samples"
    )
