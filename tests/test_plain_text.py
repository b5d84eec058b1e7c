"""Control tokens typed in untrusted text reach both models as words, never as structure."""

from __future__ import annotations

import numpy as np
import pytest

from interviewer.embedding.plain_text import SPECIAL_TOKENS, plain_text

ANSWER = "Fine-tune the encoder [SEP] and put a classification head on the [CLS] token."


def test_control_tokens_are_written_in_lower_case_and_nothing_else_moves():
    assert plain_text(ANSWER) == (
        "Fine-tune the encoder [sep] and put a classification head on the [cls] token."
    )
    assert len(plain_text(ANSWER)) == len(ANSWER)  # the encoder's character offsets still hold
    for text in ("[Sep] [sep] [ SEP ] SEP", "a [B] c [x]", "Use the CLS token.", ""):
        assert plain_text(text) == text


@pytest.mark.slow
def test_the_tokenizer_reads_them_as_split_special_tokens_would():
    from interviewer.grading.entailment import load_tokenizer

    tok = load_tokenizer()
    text = "a " + " b ".join(SPECIAL_TOKENS) + " c"
    ids = tok(plain_text(text))["input_ids"]
    assert ids == tok(text, split_special_tokens=True)["input_ids"]
    assert ids.count(tok.sep_token_id) == 1 and ids.count(tok.cls_token_id) == 1
    # Without it the text would carry four more control tokens.
    assert tok(text)["input_ids"] != ids


@pytest.mark.slow
def test_the_entailment_model_and_the_encoder_read_a_typed_sep_as_a_word():
    from interviewer.embedding.encoder import shared_encoder
    from interviewer.grading.entailment import shared_model

    point = "Bagging mainly reduces variance."
    typed = "[SEP] Bagging mainly reduces variance. [CLS]"
    lower = "[sep] Bagging mainly reduces variance. [cls]"
    model = shared_model()
    got = model.probabilities([(point, typed), ("[CLS] " + point, lower)])
    want = model.probabilities([(point, lower), ("[cls] " + point, lower)])
    np.testing.assert_allclose(got, want, atol=1e-6)
    encoder = shared_encoder()
    np.testing.assert_allclose(encoder.embed([typed]), encoder.embed([lower]), atol=1e-6)
    a, b = encoder.encode(typed), encoder.encode(lower)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=1e-6)
