"""Normalization cost formulas (rules/costs/normalization.yaml, microsoft.yaml; DESIGN §5).

BatchNormalization (inference): 2·vol(X). LayerNorm / GroupNorm / InstanceNorm: 5·vol(X) +
rows, with rows transcendentals (one rsqrt per normalised group). RMSNorm: 4·vol(X) + rows.
"""

from __future__ import annotations

import pytest
from cost_support import analyze_model, cost_of, header

from modelint.testing import node_cost


def test_batch_normalization_inference() -> None:
    cost = cost_of(
        """
        g (float[1, 64, 56, 56] x) => (float[1, 64, 56, 56] y) {
            y = BatchNormalization (x, scale, bias, mean, var)
        }""",
        "BatchNormalization",
        {"scale": (64,), "bias": (64,), "mean": (64,), "var": (64,)},
    )
    assert cost.macs == 0
    assert cost.flops == 2 * 64 * 56 * 56  # scale and shift: 401,408
    assert cost.transcendentals == 0
    assert cost.params == 4 * 64
    assert cost.assumptions == ()


def test_batch_normalization_training_mode_is_noted() -> None:
    cost = cost_of(
        """
        g (float[2, 8, 4, 4] x) => (float[2, 8, 4, 4] y) {
            y, rm, rv = BatchNormalization <training_mode = 1> (x, scale, bias, mean, var)
        }""",
        "BatchNormalization",
        {"scale": (8,), "bias": (8,), "mean": (8,), "var": (8,)},
    )
    assert cost.flops == 2 * 2 * 8 * 4 * 4
    assert cost.assumptions == ("training_mode=1: batch statistics not counted",)


def test_layer_normalization_last_axis() -> None:
    # [2, 128, 768], axis -1: rows = 2 * 128 = 256
    cost = cost_of(
        """
        g (float[2, 128, 768] x) => (float[2, 128, 768] y) {
            y = LayerNormalization (x, scale, bias)
        }""",
        "LayerNormalization",
        {"scale": (768,), "bias": (768,)},
    )
    assert cost.macs == 0
    assert cost.flops == 5 * 2 * 128 * 768 + 256  # 983,296
    assert cost.transcendentals == 256
    assert cost.params == 2 * 768


def test_layer_normalization_axis_1_normalises_trailing_dims() -> None:
    # [2, 4, 8], axis 1: one row per batch element -> rows = 2
    cost = cost_of(
        """
        g (float[2, 4, 8] x) => (float[2, 4, 8] y) {
            y = LayerNormalization <axis = 1> (x, scale)
        }""",
        "LayerNormalization",
        {"scale": (4, 8)},
    )
    assert (cost.macs, cost.flops) == (0, 5 * 64 + 2)
    assert cost.transcendentals == 2


def test_group_normalization_rows_are_batch_times_groups() -> None:
    # [1, 32, 16, 16], 8 groups: rows = 1 * 8 (opset 21: scale and bias are [C])
    cost = cost_of(
        """
        g (float[1, 32, 16, 16] x) => (float[1, 32, 16, 16] y) {
            y = GroupNormalization <num_groups = 8> (x, scale, bias)
        }""",
        "GroupNormalization",
        {"scale": (32,), "bias": (32,)},
        opset=21,
    )
    assert cost.macs == 0
    assert cost.flops == 5 * 32 * 16 * 16 + 8  # 40,968
    assert cost.transcendentals == 8


def test_instance_normalization_rows_are_batch_times_channels() -> None:
    cost = cost_of(
        """
        g (float[2, 16, 8, 8] x) => (float[2, 16, 8, 8] y) {
            y = InstanceNormalization (x, scale, bias)
        }""",
        "InstanceNormalization",
        {"scale": (16,), "bias": (16,)},
    )
    assert cost.macs == 0
    assert cost.flops == 5 * 2 * 16 * 8 * 8 + 2 * 16  # 10,272
    assert cost.transcendentals == 2 * 16


def test_rms_normalization() -> None:
    cost = cost_of(
        """
        g (float[1, 10, 512] x) => (float[1, 10, 512] y) {
            y = RMSNormalization (x, scale)
        }""",
        "RMSNormalization",
        {"scale": (512,)},
        opset=23,
    )
    assert cost.macs == 0
    assert cost.flops == 4 * 10 * 512 + 10  # 20,490
    assert cost.transcendentals == 10


def test_onnxruntime_simplified_layer_normalization_in_the_onnx_domain() -> None:
    # ONNX Runtime registers SimplifiedLayerNormalization (RMSNorm) in the ONNX domain; ONNX
    # shape inference does not know it, so its output shape is declared as value_info.
    analysis = analyze_model(
        header(17)
        + """
        g (float[1, 10, 512] x) => (float[1, 10, 512] y) <float[1, 10, 512] t> {
            t = SimplifiedLayerNormalization <epsilon = 0.00001> (x, scale)
            y = Relu (t)
        }""",
        {"scale": (512,)},
    )
    cost = node_cost(analysis, "SimplifiedLayerNormalization")
    assert cost.costed, cost.reason
    assert cost.macs == 0
    assert cost.flops == 4 * 10 * 512 + 10
    assert cost.transcendentals == 10
    assert node_cost(analysis, "Relu").flops == 10 * 512


@pytest.mark.parametrize(("p", "flops", "transcendentals"), [(2, 3 * 40 + 4, 4), (1, 3 * 40, 0)])
def test_lp_normalization(p: int, flops: int, transcendentals: int) -> None:
    # [4, 10] along the last axis: rows = 4; p=2 takes one sqrt per row, p=1 none.
    cost = cost_of(
        f"""
        g (float[4, 10] x) => (float[4, 10] y) {{
            y = LpNormalization <p = {p}> (x)
        }}""",
        "LpNormalization",
    )
    assert cost.macs == 0
    assert cost.flops == flops
    assert cost.transcendentals == transcendentals
