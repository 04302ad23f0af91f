"""Data movement, shape and type ops cost 0 FLOPs but are costed (rules/costs/
data_movement.yaml, DESIGN §5); their activation bytes are still reported per node.
"""

from __future__ import annotations

import numpy as np
import pytest
from cost_support import analyze_model, cost_of, header

from modelint.analysis import NodeCost
from modelint.testing import node_cost

I64 = np.int64


def moved(
    signature: str,
    call: str,
    op: str,
    initializers: dict[str, np.ndarray] | None = None,
    *,
    opset: int | None = None,
) -> NodeCost:
    cost = cost_of(f"g {signature} {{ y = {call} }}", op, initializers, opset=opset)
    assert cost.costed, cost.reason
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 0, 0)
    return cost


def test_transpose_moves_bytes_without_arithmetic() -> None:
    cost = moved(
        "(float[2, 3, 4] x) => (float[4, 3, 2] y)",
        "Transpose <perm = [2, 1, 0]> (x)",
        "Transpose",
    )
    assert cost.act_in_bytes == 4 * 2 * 3 * 4  # float32
    assert cost.act_out_bytes == 4 * 24


def test_cast_bytes_follow_the_dtypes() -> None:
    cost = moved("(float[8, 8] x) => (float16[8, 8] y)", "Cast <to = 10> (x)", "Cast")
    assert cost.act_in_bytes == 4 * 64
    assert cost.act_out_bytes == 2 * 64


def test_reshape_does_not_count_its_constant_shape_as_activation_bytes() -> None:
    cost = moved(
        "(float[2, 12] x) => (float[2, 3, 4] y)",
        "Reshape (x, shape)",
        "Reshape",
        {"shape": np.array([2, 3, 4], I64)},
    )
    assert cost.act_in_bytes == 4 * 24  # the shape tensor is a constant, not an activation
    assert cost.params == 0  # int64 constants are shapes and indices, not parameters


@pytest.mark.parametrize(
    ("signature", "call", "initializers"),
    [
        ("(float[4, 6] x) => (float[2, 6] y)", "Gather (x, idx)", {"idx": np.array([0, 2], I64)}),
        (
            "(float[4, 6] x) => (float[4, 3] y)",
            "Slice (x, st, en, ax)",
            {"st": np.array([0], I64), "en": np.array([3], I64), "ax": np.array([1], I64)},
        ),
        ("(float[4, 6] x, float[4, 2] z) => (float[4, 8] y)", "Concat <axis = 1> (x, z)", {}),
        (
            "(float[4, 6] x) => (float[6, 8] y)",
            "Pad (x, pads)",
            {"pads": np.array([1, 1, 1, 1], I64)},
        ),
        (
            "(float[1, 6] x) => (float[4, 6] y)",
            "Expand (x, shape)",
            {"shape": np.array([4, 6], I64)},
        ),
        ("(float[4, 6] x) => (float[8, 6] y)", "Tile (x, reps)", {"reps": np.array([2, 1], I64)}),
        ("(float[4, 1, 6] x) => (float[4, 6] y)", "Squeeze (x, ax)", {"ax": np.array([1], I64)}),
        ("(float[4, 6] x) => (float[4, 1, 6] y)", "Unsqueeze (x, ax)", {"ax": np.array([1], I64)}),
        ("(float[4, 2, 3] x) => (float[4, 6] y)", "Flatten (x)", {}),
        ("(float[4, 6] x) => (int64[2] y)", "Shape (x)", {}),
        ("(float[4, 6] x) => (float[4, 6] y)", "Identity (x)", {}),
        ("(float[1, 8, 2, 2] x) => (float[1, 2, 4, 4] y)", "DepthToSpace <blocksize = 2> (x)", {}),
        ("(float[1, 2, 4, 4] x) => (float[1, 8, 2, 2] y)", "SpaceToDepth <blocksize = 2> (x)", {}),
        ("(float[4, 6] x) => (float[4, 6] y)", "Dropout (x)", {}),
        ("(float[4, 6] x) => (float[4, 6] y)", "Trilu (x)", {}),
        (
            "(float[4, 6] x) => (float[4, 2] y)",
            "GatherElements <axis = 1> (x, idx)",
            {"idx": np.zeros((4, 2), I64)},
        ),
        (
            "(float[4, 6] x) => (float[2, 6] y)",
            "GatherND (x, idx)",
            {"idx": np.array([[0], [2]], I64)},
        ),
        (
            "(float[4, 6] x, float[2, 6] u) => (float[4, 6] y)",
            "ScatterND (x, idx, u)",
            {"idx": np.array([[0], [2]], I64)},
        ),
        (
            "(float[4, 6] x, float[4, 2] u) => (float[4, 6] y)",
            "ScatterElements <axis = 1> (x, idx, u)",
            {"idx": np.zeros((4, 2), I64)},
        ),
        (
            "(float[4, 6] x) => (float[2, 6] y)",
            "Compress <axis = 0> (x, keep)",
            {"keep": np.array([True, False, True, False])},
        ),
        (
            "(float[5, 2, 3] x) => (float[5, 2, 3] y)",
            "ReverseSequence <batch_axis = 1, time_axis = 0> (x, lens)",
            {"lens": np.array([5, 3], I64)},
        ),
        (
            "(int64[4] x) => (float[4, 10] y)",
            "OneHot (x, depth, values)",
            {"depth": np.array(10, I64), "values": np.array([0.0, 1.0], np.float32)},
        ),
        ("(float[4, 6] x) => (float[4, 6] y)", "EyeLike (x)", {}),
        ("(float[4, 6] x, float16[1] t) => (float16[4, 6] y)", "CastLike (x, t)", {}),
        ("(float[4, 6] x) => (int64 y)", "Size (x)", {}),
        ("() => (float[4, 6] y)", "ConstantOfShape (shape)", {"shape": np.array([4, 6], I64)}),
        (
            "(float[4, 6] x) => (float[2, 4] y)",
            "CenterCropPad (x, shape)",
            {"shape": np.array([2, 4], I64)},
        ),
    ],
)
def test_data_movement_is_zero_flops(
    signature: str, call: str, initializers: dict[str, np.ndarray]
) -> None:
    op = call.split(" ", 1)[0]
    cost = moved(signature, call, op, initializers)
    assert cost.act_out_bytes is not None and cost.act_out_bytes > 0


def test_scatter_at_opset_10() -> None:
    # the deprecated Scatter (ScatterElements before opset 11)
    moved(
        "(float[4, 6] x, float[4, 2] u) => (float[4, 6] y)",
        "Scatter <axis = 1> (x, idx, u)",
        "Scatter",
        {"idx": np.zeros((4, 2), I64)},
        opset=10,
    )


SEQUENCE_OPS = [
    "SequenceConstruct", "SequenceAt", "SequenceLength", "SequenceEmpty", "SequenceInsert",
    "SplitToSequence", "ConcatFromSequence", "Optional", "OptionalHasElement",
    "OptionalGetElement",
]  # fmt: skip


def test_sequence_and_optional_ops_are_zero_flops() -> None:
    analysis = analyze_model(
        header(18)
        + """
        g (float[2, 3] x, float[2, 3] z) => (float[2, 3] y, int64 n, float[4, 3] c) {
            s = SequenceConstruct (x, z)
            y = SequenceAt (s, zero)
            n = SequenceLength (s)
            e = SequenceEmpty <dtype = 1> ()
            s2 = SequenceInsert (s, x)
            t = SplitToSequence <keepdims = 0> (x, one)
            c = ConcatFromSequence <axis = 0> (s)
            o = Optional (x)
            h = OptionalHasElement (o)
            g2 = OptionalGetElement (o)
        }""",
        {"zero": np.array(0, I64), "one": np.array(1, I64)},
    )
    for op in SEQUENCE_OPS:
        cost = node_cost(analysis, op)
        assert cost.costed, (op, cost.reason)
        assert (cost.macs, cost.flops, cost.transcendentals) == (0, 0, 0), op


def test_split_with_several_outputs() -> None:
    cost = cost_of(
        """
        g (float[4, 6] x) => (float[4, 2] a, float[4, 4] b) {
            a, b = Split <axis = 1> (x, sizes)
        }""",
        "Split",
        {"sizes": np.array([2, 4], I64)},
    )
    assert cost.costed
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 0, 0)
    assert cost.act_out_bytes == 4 * (8 + 16)


def test_constant_node_is_costed_at_zero() -> None:
    cost = cost_of(
        """
        g (float[2] x) => (float[2] y) {
            c = Constant <value = float[2] {1.0, 2.0}> ()
            y = Add (x, c)
        }""",
        "Constant",
    )
    assert cost.costed
    assert (cost.macs, cost.flops, cost.transcendentals) == (0, 0, 0)
