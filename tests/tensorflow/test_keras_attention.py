"""Keras attention layers come out 100 % costed: tf2onnx lowers MultiHeadAttention's einsums
to Reshapes whose targets are computed from shapes through ReduceProd and Max, which ONNX's
data propagation does not evaluate (modelint folds them round after round)."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

import modelint

pytestmark = pytest.mark.tensorflow

TOKENS, WIDTH, HEADS, KEY = 10, 32, 4, 8


def test_multi_head_attention_is_fully_costed() -> None:
    import keras

    tokens = keras.Input((TOKENS, WIDTH), name="tok")
    attended = keras.layers.MultiHeadAttention(num_heads=HEADS, key_dim=KEY, name="mha")(
        tokens, tokens
    )
    analysis = modelint.analyze(keras.Model(tokens, attended))
    projections = 4 * TOKENS * WIDTH * (HEADS * KEY)  # Q, K, V and the output: 40,960
    attention = 2 * HEADS * TOKENS * TOKENS * KEY  # scores and their weighted sum: 6,400
    assert analysis.coverage.complete, analysis.coverage.uncosted
    assert analysis.totals.macs == projections + attention
