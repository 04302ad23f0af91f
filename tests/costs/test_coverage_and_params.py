"""What is not costed, and why (never 0); how parameters are attributed and totalled
(modelint/analysis/costs.py, DESIGN §3-§5).
"""

from __future__ import annotations

import numpy as np
from cost_support import analyze_model, header

from modelint.testing import analyze_text, node_cost

HEADER = header(17)


def test_op_without_a_cost_rule_is_uncosted_not_zero() -> None:
    analysis = analyze_model(
        HEADER.replace("]>", ', "com.example" : 1]>')
        + """
        g (float[1, 8] x) => (float[1, 8] y) <float[1, 8] t> {
            t = com.example.Mystery (x)
            y = Relu (t)
        }"""
    )
    cost = node_cost(analysis, "Mystery")
    assert not cost.costed
    assert (cost.macs, cost.flops, cost.transcendentals) == (None, None, None)
    assert cost.reason == "no cost rule for com.example::Mystery"
    assert node_cost(analysis, "Relu").flops == 8
    assert analysis.totals.flops == 8
    assert analysis.coverage.costed_nodes == 1
    assert not analysis.coverage.complete
    (uncosted,) = analysis.coverage.uncosted
    assert uncosted.op == "com.example::Mystery"
    assert uncosted.reasons == ("no cost rule for com.example::Mystery",)


def test_unknown_op_in_the_default_domain_is_uncosted() -> None:
    analysis = analyze_model(HEADER + "g (float[1, 8] x) => (float[1, 8] y) { y = NoSuchOp (x) }")
    cost = node_cost(analysis, "NoSuchOp")
    assert not cost.costed
    assert cost.flops is None
    assert cost.reason == "no cost rule for NoSuchOp"


SEQUENCE_MODEL = """
g (float[N, S, 64] x) => (float[N, S, 32] y) {
    y = MatMul (x, w)
}"""


def test_unknown_non_batch_dim_makes_the_node_uncosted_naming_the_tensor() -> None:
    analysis = analyze_model(HEADER + SEQUENCE_MODEL, {"w": (64, 32)})
    cost = node_cost(analysis, "MatMul")
    assert not cost.costed
    assert cost.macs is None and cost.flops is None
    assert cost.reason == "shape of output 0 (Y) 'y' unknown (1x?x32)"  # which dim is missing
    assert cost.params == 64 * 32  # parameters are known even when the cost is not
    assert analysis.coverage.flops_share is None
    # the batch dim N bound to 1 by default; S stays unbound
    assert [b.describe() for b in analysis.bindings] == ["x[0] 'N'=1 (batch-default)"]
    assert analysis.unbound == ("x[1] 'S'",)


def test_unknown_input_shape_is_named_when_the_formula_reads_the_input() -> None:
    # BatchNormalization costs 2 * vol(X): X's spatial dims H, W are symbolic and unbound.
    analysis = analyze_model(
        HEADER
        + """
        g (float[1, 8, H, W] x) => (float[1, 8, H, W] y) {
            y = BatchNormalization (x, s, b, m, v)
        }""",
        {"s": (8,), "b": (8,), "m": (8,), "v": (8,)},
    )
    cost = node_cost(analysis, "BatchNormalization")
    assert not cost.costed
    assert cost.flops is None
    assert cost.reason == "shape of input 0 (X) 'x' unknown (1x8x?x?)"


def test_binding_the_symbolic_dim_makes_it_costed() -> None:
    analysis = analyze_model(
        HEADER + SEQUENCE_MODEL, {"w": (64, 32)}, input_shapes={"x": (2, 10, 64)}
    )
    cost = node_cost(analysis, "MatMul")
    assert cost.costed
    assert cost.macs == 2 * 10 * 32 * 64  # 40,960


def test_public_api_gives_the_same_figures() -> None:
    analysis = analyze_text(
        HEADER + SEQUENCE_MODEL, {"w": (64, 32)}, input_shapes={"x": (2, 10, 64)}
    )
    assert node_cost(analysis, "MatMul").macs == 40_960
    assert analysis.convention == "modelint-cc/1"


def test_shared_initializer_is_counted_once() -> None:
    # two MatMuls read the same [64, 64] weight: the first owns it, the total counts it once
    analysis = analyze_model(
        HEADER
        + """
        g (float[1, 64] x) => (float[1, 64] y) {
            h = MatMul (x, w)
            y = MatMul (h, w)
        }""",
        {"w": (64, 64)},
    )
    first, second = node_cost(analysis, "MatMul", 0), node_cost(analysis, "MatMul", 1)
    assert (first.params, second.params) == (64 * 64, 0)
    assert first.weight_bytes == 4 * 4096
    assert (first.macs, second.macs) == (4096, 4096)  # both still cost their MACs
    assert analysis.totals.params == 4096
    assert analysis.totals.weight_bytes == 4 * 4096
    assert analysis.totals.macs == 2 * 4096


def test_params_through_a_transpose_belong_to_the_consumer() -> None:
    analysis = analyze_model(
        HEADER
        + """
        g (float[1, 64] x) => (float[1, 32] y) {
            wt = Transpose (w)
            y = MatMul (x, wt)
        }""",
        {"w": (32, 64)},
    )
    matmul = node_cost(analysis, "MatMul")
    assert matmul.params == 32 * 64
    assert matmul.weight_bytes == 4 * 2048
    assert matmul.act_in_bytes == 4 * 64  # the transposed weight is not an activation
    assert node_cost(analysis, "Transpose").params == 0
    assert analysis.totals.params == 2048


def test_params_through_a_cast_keep_the_stored_dtype() -> None:
    analysis = analyze_model(
        HEADER
        + """
        g (float[1, 64] x) => (float[1, 32] y) {
            wf = Cast <to = 1> (w)
            y = MatMul (x, wf)
        }""",
        {"w": np.zeros((64, 32), np.float16)},
    )
    matmul = node_cost(analysis, "MatMul")
    assert matmul.params == 64 * 32
    assert matmul.weight_bytes == 2 * 2048  # float16 as stored
    assert node_cost(analysis, "Cast").params == 0


def test_params_through_transpose_then_cast() -> None:
    analysis = analyze_model(
        HEADER
        + """
        g (float[1, 64] x) => (float[1, 32] y) {
            wt = Transpose (w)
            wf = Cast <to = 1> (wt)
            y = Gemm (x, wf, b)
        }""",
        {"w": np.zeros((32, 64), np.float16), "b": (32,)},
    )
    gemm = node_cost(analysis, "Gemm")
    assert gemm.params == 32 * 64 + 32
    assert gemm.weight_bytes == 2 * 2048 + 4 * 32
    assert gemm.macs == 32 * 64
    assert gemm.flops == 2 * 2048 + 32


def test_unused_initializers_are_reported_apart() -> None:
    analysis = analyze_model(
        HEADER + "g (float[1, 64] x) => (float[1, 64] y) { y = Relu (x) }",
        {"orphan": (10, 10)},
    )
    assert analysis.totals.params == 0
    assert analysis.totals.unused_params == 100
