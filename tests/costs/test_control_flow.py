"""Control flow (rules/costs/control_flow.yaml, modelint/analysis/control_flow.py, DESIGN §3).

Loop / Scan: each body node carries its per-iteration cost x the trip count, and the control
flow node itself 0, so the rows sum to the model total. If: the costliest branch counts once,
the other x 0. A trip count that is not known makes the Loop and its whole body uncosted, with
the reason.
"""

from __future__ import annotations

import numpy as np
from cost_support import analyze_model, header

from modelint.analysis import ModelAnalysis
from modelint.testing import node_cost

HEADER = header(17)

# A body that multiplies the carried [1, 64] state by a [64, 64] weight: 4,096 MACs per trip.
LOOP = """
g ({inputs}float[1, 64] s0) => (float[1, 64] s) {{
    {prelude}
    s = Loop ({m}, cond, s0) <body = body (int64 i, bool c, float[1, 64] st)
                                        => (bool c_out, float[1, 64] st_out) {{
        c_out = Identity (c)
        st_out = MatMul (st, w)
    }}>
}}"""
BODY_MACS = 64 * 64


def loop(
    m: str = "m",
    *,
    inputs: str = "",
    prelude: str = "",
    trips: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> ModelAnalysis:
    """The LOOP model; ``trips`` becomes initializer ``m`` (the max trip count) when given."""
    initializers: dict[str, tuple[int, ...] | np.ndarray] = {
        "cond": np.array(True),
        "w": (64, 64),
        **(extra or {}),
    }
    if trips is not None:
        initializers["m"] = trips
    text = HEADER + LOOP.format(inputs=inputs, prelude=prelude, m=m)
    return analyze_model(text, initializers)


def test_loop_with_constant_trip_count_scales_its_body() -> None:
    analysis = loop(trips=np.array(10, np.int64))
    matmul = node_cost(analysis, "MatMul")
    assert matmul.costed
    assert matmul.key == "Loop:s/body/MatMul:st_out"
    assert matmul.macs == 10 * 64 * 64  # 4,096 MACs per trip x 10 trips = 40,960
    assert matmul.flops == 2 * 40_960
    assert matmul.multiplier == 10
    assert "x10 iterations of Loop:s" in matmul.assumptions
    assert matmul.params == 64 * 64  # weights are not repeated per iteration
    assert node_cost(analysis, "Identity").flops == 0
    own = node_cost(analysis, "Loop")
    assert (own.macs, own.flops, own.transcendentals) == (0, 0, 0)
    assert own.reason is None
    assert own.assumptions == (
        "body runs M=10 times (an earlier exit through the loop condition is not modelled)",
    )
    assert analysis.totals.macs == 40_960
    assert analysis.totals.flops == 81_920
    assert analysis.totals.params == 64 * 64


def test_costed_control_flow_node_is_marked_costed() -> None:
    analysis = loop(trips=np.array(10, np.int64))
    assert node_cost(analysis, "Loop").costed
    assert analysis.coverage.complete


def test_loop_trip_count_from_a_constant_node() -> None:
    analysis = loop(prelude="m = Constant <value = int64 {7}> ()")
    assert node_cost(analysis, "MatMul").macs == 7 * BODY_MACS


def test_loop_trip_count_folded_from_a_shape() -> None:
    # tf2onnx's Keras RNN pattern: M = Shape(xs)[0] (the sequence length, 12)
    analysis = loop(
        inputs="float[12, 1, 64] xs, ",
        prelude="shp = Shape (xs)\n    m = Gather <axis = 0> (shp, zero)",
        extra={"zero": np.array(0, np.int64)},
    )
    assert node_cost(analysis, "MatMul").macs == 12 * BODY_MACS


def test_loop_with_runtime_trip_count_is_uncosted_with_its_body() -> None:
    analysis = loop(inputs="int64 m, ")
    reason = "Loop trip count M ('m') is not a constant; trip count unknown"
    own = node_cost(analysis, "Loop")
    assert not own.costed
    assert own.reason == reason
    assert (own.macs, own.flops) == (None, None)
    for op in ("MatMul", "Identity"):
        body = node_cost(analysis, op)
        assert not body.costed
        assert body.macs is None and body.flops is None
        assert body.reason == f"inside Loop:s: {reason}"
    assert analysis.totals.macs == 0
    assert analysis.coverage.costed_nodes == 0


def test_while_loop_with_int64_max_trip_count_is_uncosted() -> None:
    analysis = loop(trips=np.array(2**63 - 1, np.int64))
    own = node_cost(analysis, "Loop")
    assert not own.costed
    assert own.reason == (
        f"Loop M is {2**63 - 1}: it runs until its condition fails; trip count unknown"
    )
    assert node_cost(analysis, "MatMul").flops is None


def test_loop_without_max_trip_count_is_uncosted() -> None:
    analysis = loop(m='""')
    assert node_cost(analysis, "Loop").reason == (
        "Loop has no max trip count M; trip count unknown"
    )
    assert not node_cost(analysis, "MatMul").costed


def test_nested_loops_multiply_trip_counts() -> None:
    text = (
        HEADER
        + """
    g (float[1, 64] s0) => (float[1, 64] s) {
        s = Loop (three, cond, s0) <body = outer (int64 i, bool c, float[1, 64] st)
                                                 => (bool c1, float[1, 64] st1) {
            c1 = Identity (c)
            st1 = Loop (four, cond, st) <body = inner (int64 j, bool d, float[1, 64] u)
                                                      => (bool d1, float[1, 64] u1) {
                d1 = Identity (d)
                u1 = MatMul (u, w)
            }>
        }>
    }"""
    )
    analysis = analyze_model(
        text,
        {
            "three": np.array(3, np.int64),
            "four": np.array(4, np.int64),
            "cond": np.array(True),
            "w": (64, 64),
        },
    )
    matmul = node_cost(analysis, "MatMul")
    assert matmul.macs == 3 * 4 * BODY_MACS  # 49,152
    assert matmul.multiplier == 12
    inner = node_cost(analysis, "Loop", 1)
    assert inner.key == "Loop:s/body/Loop:st1"
    assert (inner.macs, inner.flops) == (0, 0)
    assert analysis.totals.macs == 12 * BODY_MACS


SCAN = """
g (float[1, 64] s0, float[{shape}] xs) => (float[1, 64] s, float[{out}] ys) {{
    s, ys = Scan <num_scan_inputs = 1{axes},
                  body = body (float[1, 64] st, float[1, 64] xt)
                              => (float[1, 64] st_out, float[1, 64] yt) {{
        h = MatMul (xt, w)
        st_out = Add (st, h)
        yt = Tanh (st_out)
    }}> (s0, xs)
}}"""


def test_scan_runs_its_body_once_per_slice() -> None:
    text = HEADER + SCAN.format(shape="10, 1, 64", out="10, 1, 64", axes="")
    analysis = analyze_model(text, {"w": (64, 64)})
    assert node_cost(analysis, "MatMul").macs == 10 * 64 * 64  # 40,960
    assert node_cost(analysis, "Add").flops == 10 * 64
    tanh = node_cost(analysis, "Tanh")
    assert (tanh.flops, tanh.transcendentals) == (10 * 64, 10 * 64)
    own = node_cost(analysis, "Scan")
    assert (own.macs, own.flops) == (0, 0)
    assert own.assumptions == ("body runs 10 times",)
    assert analysis.totals.flops == 2 * 40_960 + 640 + 640


def test_scan_along_a_given_axis() -> None:
    # scan_input_axes = [1]: xs [1, 6, 64] is scanned along axis 1 -> 6 trips
    text = HEADER + SCAN.format(shape="1, 6, 64", out="6, 1, 64", axes=", scan_input_axes = [1]")
    analysis = analyze_model(text, {"w": (64, 64)})
    assert node_cost(analysis, "MatMul").macs == 6 * 64 * 64


def test_a_scanned_sequence_of_open_length_is_not_taken_for_a_batch() -> None:
    """A Scan (opset 9 on) has no batch dim: bound to 1 as a batch, the open first dim of
    the sequence it scans cost one step as the whole, at 100 % coverage."""
    text = HEADER + SCAN.format(shape="T, 1, 64", out="T, 1, 64", axes="")
    analysis = analyze_model(text, {"w": (64, 64)})
    assert analysis.bindings == () and analysis.unbound == ("xs[0] 'T'",)
    assert not node_cost(analysis, "MatMul").costed
    bound = analyze_model(text, {"w": (64, 64)}, input_shapes={"xs": (10, 1, 64)})
    assert node_cost(bound, "MatMul").macs == 10 * 64 * 64


IF = """
g (bool c, float[1, 64] x) => (float[1, 64] y) {{
    y = If (c) <
        then_branch = then_g () => (float[1, 64] t) {{ {then} }},
        else_branch = else_g () => (float[1, 64] e) {{ {other} }}
    >
}}"""


def test_if_counts_the_costliest_branch_once() -> None:
    text = HEADER + IF.format(then="t = MatMul (x, w)", other="e = Relu (x)")
    analysis = analyze_model(text, {"w": (64, 64)})
    then = node_cost(analysis, "MatMul")
    assert then.macs == 64 * 64 and then.flops == 2 * 64 * 64
    assert then.multiplier == 1
    other = node_cost(analysis, "Relu")
    assert other.costed
    assert (other.macs, other.flops) == (0, 0)  # 64 FLOPs x 0
    assert other.multiplier == 0
    assert "If branch not counted (policy: costliest branch)" in other.assumptions
    own = node_cost(analysis, "If")
    assert (own.macs, own.flops) == (0, 0)
    assert own.assumptions == ("costliest branch counted: then_branch",)
    assert analysis.totals.flops == 2 * 64 * 64


def test_if_picks_the_else_branch_when_it_costs_more() -> None:
    text = HEADER + IF.format(then="t = Relu (x)", other="e = Sigmoid (x)")
    analysis = analyze_model(text)
    assert node_cost(analysis, "Sigmoid").flops == 3 * 64
    assert node_cost(analysis, "Relu").flops == 0
    assert node_cost(analysis, "If").assumptions == ("costliest branch counted: else_branch",)
    assert analysis.totals.flops == 3 * 64


def test_if_with_an_uncosted_branch_is_uncosted() -> None:
    text = HEADER + IF.format(then="t = MatMul (x, w)", other="e = com.example.Mystery (x)")
    analysis = analyze_model(text, {"w": (64, 64)})
    own = node_cost(analysis, "If")
    assert not own.costed
    assert own.reason == (
        "branch If:y/else_branch has uncosted nodes; the costliest branch cannot be chosen"
    )
    matmul = node_cost(analysis, "MatMul")
    assert matmul.flops is None and matmul.reason == f"inside If:y: {own.reason}"
    # the node that is the cause keeps its own reason (it named only the If before)
    assert node_cost(analysis, "Mystery").reason == "no cost rule for com.example::Mystery"
