"""Quantized contractions and Q/DQ (rules/costs/linear.yaml, quantization.yaml; DESIGN §5).

QuantizeLinear / DequantizeLinear are data movement (0 FLOPs) so a QDQ model counts the same
as its float twin; integer and QLinear contractions count like their float versions.
"""

from __future__ import annotations

import numpy as np
from cost_support import analyze_model, cost_of, header

from modelint.testing import node_cost

U8 = np.uint8
I8 = np.int8


def test_quantize_and_dequantize_are_free() -> None:
    scale = np.array(0.1, np.float32)
    zero = np.array(0, U8)
    for call, op, out in [
        ("QuantizeLinear (x, s, z)", "QuantizeLinear", "uint8"),
        ("DequantizeLinear (q, s, z)", "DequantizeLinear", "float"),
    ]:
        signature = "float[4, 8] x" if op == "QuantizeLinear" else "uint8[4, 8] q"
        cost = cost_of(
            f"g ({signature}) => ({out}[4, 8] y) {{ y = {call} }}", op, {"s": scale, "z": zero}
        )
        assert cost.costed, cost.reason
        assert (cost.macs, cost.flops, cost.transcendentals) == (0, 0, 0)


def test_qdq_conv_counts_the_same_macs_as_the_float_conv() -> None:
    # int8 weights dequantized in front of a float Conv: the weight is a parameter of the Conv
    # (reached through DequantizeLinear), at 1 byte per element; the one-element scale is a
    # literal, not a parameter.
    analysis = analyze_model(
        header(17)
        + """
        g (float[1, 3, 32, 32] x) => (float[1, 16, 32, 32] y) {
            wf = DequantizeLinear (wq, ws)
            y = Conv <pads = [1, 1, 1, 1]> (x, wf)
        }""",
        {"wq": np.zeros((16, 3, 3, 3), I8), "ws": np.array(0.02, np.float32)},
    )
    conv = node_cost(analysis, "Conv")
    assert conv.macs == 16 * 32 * 32 * 27  # 442,368, as for the float Conv
    assert conv.params == 16 * 3 * 3 * 3
    assert conv.weight_bytes == 432 * 1
    assert node_cost(analysis, "DequantizeLinear").flops == 0
    assert analysis.totals.flops == 2 * 442_368


def test_per_channel_scales_and_zero_points_are_no_parameters() -> None:
    """They say how a weight is stored, as its dtype does: the QDQ MatMul has the 2,048
    parameters of its float twin, not 2,176 with its 64 scales and 64 zero points."""
    analysis = analyze_model(
        header(17)
        + """
        g (float[1, 32] x) => (float[1, 64] y) {
            wf = DequantizeLinear <axis = 1> (wq, ws, wz)
            y = MatMul (x, wf)
        }""",
        {
            "wq": np.zeros((32, 64), I8),
            "ws": np.full((64,), 0.02, np.float32),
            "wz": np.zeros((64,), I8),
        },
    )
    matmul = node_cost(analysis, "MatMul")
    assert (matmul.params, matmul.weight_bytes) == (32 * 64, 32 * 64)
    assert analysis.totals.params == 2_048 and analysis.totals.unused_params == 0


def test_qlinear_conv_per_channel_scales_are_no_parameters() -> None:
    weights = {
        "xs": np.array(0.1, np.float32),
        "xz": np.array(0, U8),
        "w": np.zeros((4, 3, 3, 3), I8),
        "ws": np.full((4,), 0.1, np.float32),
        "wz": np.zeros((4,), I8),
        "ys": np.array(0.1, np.float32),
        "yz": np.array(0, U8),
        "b": np.zeros((4,), np.int32),
    }
    cost = cost_of(
        """
        g (uint8[1, 3, 8, 8] x) => (uint8[1, 4, 8, 8] y) {
            y = QLinearConv <pads = [1, 1, 1, 1]> (x, xs, xz, w, ws, wz, ys, yz, b)
        }""",
        "QLinearConv",
        weights,
    )
    assert cost.params == 4 * 27 + 4  # int8 weights and the int32 bias
    assert cost.weight_bytes == 4 * 27 * 1 + 4 * 4


def test_dynamic_quantize_linear() -> None:
    cost = cost_of(
        """
        g (float[4, 8] x) => (uint8[4, 8] y, float s, uint8 z) {
            y, s, z = DynamicQuantizeLinear (x)
        }""",
        "DynamicQuantizeLinear",
    )
    assert cost.flops == 5 * 32  # min/max (2) + scale, round, saturate (3) per element
    assert (cost.macs, cost.transcendentals) == (0, 0)


def test_matmul_integer() -> None:
    cost = cost_of(
        """
        g (uint8[16, 64] a) => (int32[16, 32] y) {
            y = MatMulInteger (a, b, az, bz)
        }""",
        "MatMulInteger",
        {"b": np.zeros((64, 32), I8), "az": np.array(0, U8), "bz": np.array(0, I8)},
    )
    assert cost.macs == 16 * 32 * 64  # 32,768
    assert cost.flops == 2 * 32_768
    assert cost.transcendentals == 0
    assert cost.params == 64 * 32
    assert cost.weight_bytes == 64 * 32  # int8 weights, 1 byte each


def test_qlinear_matmul() -> None:
    cost = cost_of(
        """
        g (uint8[16, 64] a) => (uint8[16, 32] y) {
            y = QLinearMatMul (a, as, az, b, bs, bz, ys, yz)
        }""",
        "QLinearMatMul",
        {
            "as": np.array(0.1, np.float32),
            "az": np.array(0, U8),
            "b": np.zeros((64, 32), U8),
            "bs": np.array(0.1, np.float32),
            "bz": np.array(0, U8),
            "ys": np.array(0.1, np.float32),
            "yz": np.array(0, U8),
        },
    )
    assert cost.macs == 16 * 32 * 64
    assert cost.flops == 2 * cost.macs
    assert cost.transcendentals == 0


def test_conv_integer() -> None:
    cost = cost_of(
        """
        g (uint8[1, 3, 8, 8] x) => (int32[1, 4, 6, 6] y) {
            y = ConvInteger (x, w)
        }""",
        "ConvInteger",
        {"w": np.zeros((4, 3, 3, 3), U8)},
    )
    assert cost.macs == 4 * 6 * 6 * 27  # 3,888
    assert cost.flops == 2 * 3_888
    assert cost.transcendentals == 0


def test_qlinear_conv_with_int32_bias() -> None:
    cost = cost_of(
        """
        g (uint8[1, 3, 8, 8] x) => (uint8[1, 4, 8, 8] y) {
            y = QLinearConv <pads = [1, 1, 1, 1]> (x, xs, xz, w, ws, wz, ys, yz, b)
        }""",
        "QLinearConv",
        {
            "xs": np.array(0.1, np.float32),
            "xz": np.array(0, U8),
            "w": np.zeros((4, 3, 3, 3), U8),
            "ws": np.array(0.1, np.float32),
            "wz": np.array(0, U8),
            "ys": np.array(0.1, np.float32),
            "yz": np.array(0, U8),
            "b": np.zeros((4,), np.int32),
        },
    )
    assert cost.macs == 4 * 8 * 8 * 27  # 6,912
    assert cost.flops == 2 * 6_912 + 4 * 8 * 8  # + bias add per output element
    assert cost.transcendentals == 0
