"""LSTM, GRU and RNN cost formulas (rules/costs/recurrent.yaml, DESIGN §5).

"steps" = directions · seq · batch · hidden (unit-steps). LSTM: MACs steps·4·(I+H); FLOPs
2·MACs + steps·(16 with B / 8 without, +6 with peepholes, + 3 sigmoids·3 + 2 tanh·1);
5 transcendentals per unit-step. GRU: MACs steps·3·(I+H); FLOPs 2·MACs + steps·(13 / 7 +
2 sigmoids·3 + 1 tanh); 3 transcendentals. RNN: MACs steps·(I+H); FLOPs 2·MACs +
steps·(3 / 1 + 1 tanh); 1 transcendental.
"""

from __future__ import annotations

import pytest
from cost_support import cost_of

# LSTM, seq 100, batch 1, I = H = 64
LSTM_STEPS = 1 * 100 * 1 * 64  # 6,400 unit-steps
LSTM_MACS = LSTM_STEPS * 4 * (64 + 64)  # 3,276,800
LSTM_ACTIVATIONS = 3 * 3 + 2 * 1  # 3 sigmoids at 3 FLOPs, 2 tanh at 1 FLOP


def lstm(
    inputs: str,
    initializers: dict[str, tuple[int, ...]],
    *,
    attributes: str = "",
    x: str = "float[100, 1, 64]",
    y: str = "float[100, 1, 1, 64]",
) -> tuple[int | None, ...]:
    """(macs, flops, transcendentals, params) of one LSTM node, hidden_size 64."""
    attrs = ", ".join(filter(None, ["hidden_size = 64", attributes]))
    cost = cost_of(
        f"g ({x} x) => ({y} y) {{ y = LSTM <{attrs}> ({inputs}) }}", "LSTM", initializers
    )
    assert cost.costed, cost.reason
    return cost.macs, cost.flops, cost.transcendentals, cost.params


def test_lstm_gate_gemms_with_bias() -> None:
    macs, flops, transcendentals, params = lstm(
        "x, w, r, b", {"w": (1, 256, 64), "r": (1, 256, 64), "b": (1, 512)}
    )
    assert macs == 1 * 100 * 1 * 4 * 64 * (64 + 64) == 3_276_800
    # 16 elementwise per unit-step with bias (8 bias adds, 4 gate sums, 3 for c, 1 for h)
    assert flops == 2 * 3_276_800 + 6_400 * (16 + LSTM_ACTIVATIONS)  # 6,726,400
    assert flops == 6_726_400
    assert transcendentals == 6_400 * 5  # 3 sigmoid + 2 tanh per unit-step = 32,000
    assert params == 256 * 64 + 256 * 64 + 512


def test_lstm_without_bias() -> None:
    macs, flops, transcendentals, _ = lstm("x, w, r", {"w": (1, 256, 64), "r": (1, 256, 64)})
    assert macs == LSTM_MACS
    assert flops == 2 * LSTM_MACS + 6_400 * (8 + LSTM_ACTIVATIONS)  # 6,675,200
    assert transcendentals == 32_000


def test_lstm_with_peepholes() -> None:
    # P is input 7: X, W, R, B, sequence_lens, initial_h, initial_c, P. Peepholes add 3 muls
    # and 3 adds per unit-step.
    macs, flops, _, params = lstm(
        'x, w, r, b, "", "", "", p',
        {"w": (1, 256, 64), "r": (1, 256, 64), "b": (1, 512), "p": (1, 192)},
    )
    assert macs == LSTM_MACS
    assert flops == 2 * LSTM_MACS + 6_400 * (16 + 6 + LSTM_ACTIVATIONS)  # 6,764,800
    assert params == 2 * 256 * 64 + 512 + 192


def test_lstm_initial_state_is_no_parameter() -> None:
    # initial_h and initial_c (inputs 5 and 6) are a state: Keras models converted by
    # tf2onnx feed zeros there. Only W, R, B and P are parameters.
    _, _, _, params = lstm(
        'x, w, r, b, "", h0, c0',
        {"w": (1, 256, 64), "r": (1, 256, 64), "b": (1, 512), "h0": (1, 1, 64), "c0": (1, 1, 64)},
    )
    assert params == 2 * 256 * 64 + 512


def test_lstm_bidirectional_doubles_everything() -> None:
    macs, flops, transcendentals, _ = lstm(
        "x, w, r, b",
        {"w": (2, 256, 64), "r": (2, 256, 64), "b": (2, 512)},
        attributes='direction = "bidirectional"',
        y="float[100, 2, 1, 64]",
    )
    assert macs == 2 * 3_276_800
    assert flops == 2 * 6_726_400
    assert transcendentals == 2 * 32_000


def test_lstm_batch_first_layout() -> None:
    # layout = 1: X is [batch, seq, input]; batch 4, seq 100, I = 64 (same hidden 64).
    macs, flops, _, _ = lstm(
        "x, w, r, b",
        {"w": (1, 256, 64), "r": (1, 256, 64), "b": (1, 512)},
        attributes="layout = 1",
        x="float[4, 100, 64]",
        y="float[4, 100, 1, 64]",
    )
    assert macs == 4 * 3_276_800
    assert flops == 4 * 6_726_400


def test_lstm_input_size_differs_from_hidden_size() -> None:
    # seq 100, batch 4, I = 32, H = 64: steps = 100 * 4 * 64 = 25,600
    macs, flops, _, _ = lstm(
        "x, w, r",
        {"w": (1, 256, 32), "r": (1, 256, 64)},
        x="float[100, 4, 32]",
        y="float[100, 1, 4, 64]",
    )
    assert macs == 25_600 * 4 * (32 + 64) == 9_830_400
    assert flops == 2 * 9_830_400 + 25_600 * (8 + LSTM_ACTIVATIONS)


def test_lstm_activation_attributes_are_noted() -> None:
    cost = cost_of(
        """
        g (float[100, 1, 64] x) => (float[100, 1, 1, 64] y) {
            y = LSTM <hidden_size = 64, activations = ["Sigmoid", "Tanh", "Tanh"]> (x, w, r)
        }""",
        "LSTM",
        {"w": (1, 256, 64), "r": (1, 256, 64)},
    )
    assert cost.macs == LSTM_MACS
    assert cost.assumptions == ("activations given as attributes; costed as sigmoid/tanh",)


@pytest.mark.parametrize(("op", "gates"), [("LSTM", 4), ("GRU", 3), ("RNN", 1)])
def test_sequence_lens_are_costed_at_full_length_and_say_so(op: str, gates: int) -> None:
    """Per-sequence lengths are values, not shapes: every sequence counts 10 steps."""
    cost = cost_of(
        f"""
        g (float[10, 2, 8] x, int32[2] lens) => (float[10, 1, 2, 4] y) {{
            y = {op} <hidden_size = 4> (x, w, r, , lens)
        }}""",
        op,
        {"w": (1, gates * 4, 8), "r": (1, gates * 4, 4)},
    )
    assert cost.macs == 10 * 2 * 4 * gates * (8 + 4)  # steps·gates·(I+H)
    assert cost.assumptions == (
        "sequence_lens given: every sequence costed at its full length (an upper bound)",
    )


# GRU, seq 50, batch 1, I = 32, H = 64: steps = 50 * 64 = 3,200
GRU_STEPS = 50 * 1 * 64
GRU_MACS = GRU_STEPS * 3 * (32 + 64)  # 921,600
GRU_ACTIVATIONS = 2 * 3 + 1  # 2 sigmoids at 3 FLOPs + 1 tanh


def gru(
    inputs: str,
    initializers: dict[str, tuple[int, ...]],
    attributes: str = "",
    y: str = "float[50, 1, 1, 64]",
) -> tuple[int | None, int | None, int | None]:
    attrs = ", ".join(filter(None, ["hidden_size = 64", attributes]))
    cost = cost_of(
        f"g (float[50, 1, 32] x) => ({y} y) {{ y = GRU <{attrs}> ({inputs}) }}",
        "GRU",
        initializers,
    )
    assert cost.costed, cost.reason
    return cost.macs, cost.flops, cost.transcendentals


def test_gru_with_bias() -> None:
    macs, flops, transcendentals = gru(
        "x, w, r, b", {"w": (1, 192, 32), "r": (1, 192, 64), "b": (1, 384)}
    )
    assert macs == 3_200 * 3 * 96 == 921_600
    # 13 elementwise per unit-step with bias (6 bias adds, 3 gate sums, 1 r*(...), 3 for h)
    assert flops == 2 * 921_600 + 3_200 * (13 + GRU_ACTIVATIONS)  # 1,907,200
    assert flops == 1_907_200
    assert transcendentals == 3_200 * 3


def test_gru_without_bias() -> None:
    macs, flops, _ = gru("x, w, r", {"w": (1, 192, 32), "r": (1, 192, 64)})
    assert macs == GRU_MACS
    assert flops == 2 * GRU_MACS + 3_200 * (7 + GRU_ACTIVATIONS)  # 1,888,000


def test_gru_bidirectional() -> None:
    macs, flops, transcendentals = gru(
        "x, w, r, b",
        {"w": (2, 192, 32), "r": (2, 192, 64), "b": (2, 384)},
        attributes='direction = "bidirectional"',
        y="float[50, 2, 1, 64]",
    )
    assert macs == 2 * GRU_MACS
    assert flops == 2 * 1_907_200
    assert transcendentals == 2 * 9_600


def rnn(inputs: str, initializers: dict[str, tuple[int, ...]]) -> tuple[int | None, ...]:
    # seq 10, batch 2, I = 16, H = 32: steps = 10 * 2 * 32 = 640
    cost = cost_of(
        f"g (float[10, 2, 16] x) => (float[10, 1, 2, 32] y) "
        f"{{ y = RNN <hidden_size = 32> ({inputs}) }}",
        "RNN",
        initializers,
    )
    return cost.macs, cost.flops, cost.transcendentals


def test_rnn_with_bias() -> None:
    macs, flops, transcendentals = rnn(
        "x, w, r, b", {"w": (1, 32, 16), "r": (1, 32, 32), "b": (1, 64)}
    )
    assert macs == 640 * (16 + 32) == 30_720
    assert flops == 2 * 30_720 + 640 * (3 + 1)  # 2 bias adds + 1 sum, 1 tanh: 64,000
    assert transcendentals == 640


def test_rnn_without_bias() -> None:
    macs, flops, _ = rnn("x, w, r", {"w": (1, 32, 16), "r": (1, 32, 32)})
    assert macs == 30_720
    assert flops == 2 * 30_720 + 640 * (1 + 1)  # 1 sum, 1 tanh: 62,720
