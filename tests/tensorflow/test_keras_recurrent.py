"""Keras LSTM and GRU become ONNX Loops in tf2onnx: costed body x trip count, in full."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("tensorflow", reason="Keras models need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="Keras models need tf2onnx (tensorflow extra)")

import modelint

pytestmark = pytest.mark.tensorflow

SEQ, FEATURES, HIDDEN = 20, 16, 32  # I = 16, H = 32


def _recurrent(kind: str) -> Any:
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((SEQ, FEATURES), name="sequence"),
            getattr(keras.layers, kind)(HIDDEN, name=kind.lower()),
            keras.layers.Dense(5, name="head"),
        ]
    )


def _layer(analysis: Any, name: str) -> Any:
    return next(group for group in analysis.by_layer if group.name == name)


def test_lstm_is_fully_costed_with_the_recurrent_macs() -> None:
    analysis = modelint.analyze(_recurrent("LSTM"))
    assert analysis.coverage.complete, analysis.coverage.uncosted
    lstm = _layer(analysis, "lstm")
    assert lstm.macs == SEQ * 4 * HIDDEN * (FEATURES + HIDDEN)  # 122,880
    # Per step (batch 1): the Gemm's C add 4H + bias add 4H + 2 tanh (H each) + 3 sigmoid
    # (3 FLOPs, H each) + 3 Mul H + 1 Add H = 23H, and the loop counter's Add, two Less and
    # And = 4; the Loop's own condition outside the body adds Less + And.
    assert lstm.flops == 2 * lstm.macs + SEQ * (23 * HIDDEN + 4) + 2
    assert lstm.transcendentals == SEQ * 5 * HIDDEN  # 3 sigmoid + 2 tanh per unit-step
    assert analysis.totals.macs == lstm.macs + HIDDEN * 5


def test_gru_is_fully_costed_with_the_recurrent_macs() -> None:
    analysis = modelint.analyze(_recurrent("GRU"))
    assert analysis.coverage.complete, analysis.coverage.uncosted
    gru = _layer(analysis, "gru")
    assert gru.macs == SEQ * 3 * HIDDEN * (FEATURES + HIDDEN)  # 92,160
    # Per step (Keras' reset_after GRU as tf2onnx emits it): the two Gemms' C adds 3H + 3H,
    # 2 sigmoid (z, r: 3 FLOPs over H each) = 6H, and 4 Add + Sub + 3 Mul + tanh over H = 9H:
    # 21H; plus the loop counter's Add, two Less and And = 4; the Loop's own Less + And = 2.
    assert gru.flops == 2 * gru.macs + SEQ * (21 * HIDDEN + 4) + 2
    assert gru.transcendentals == SEQ * 3 * HIDDEN  # 2 sigmoid + 1 tanh per unit-step
    assert analysis.totals.macs == gru.macs + HIDDEN * 5
