"""Shape inference for com.microsoft ops, so ORT-optimized graphs stay costable downstream."""

from __future__ import annotations

import pytest
from onnx import TensorProto, helper

import modelint
from modelint.testing import add_initializers

MS = "com.microsoft"


def _output_shape(
    node: helper.NodeProto, inputs: dict[str, list[int]], weights: dict[str, tuple[int, ...]]
) -> tuple[int | None, ...] | None:
    graph = helper.make_graph(
        [node],
        "g",
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)
            for name, dims in inputs.items()
        ],
        [helper.make_tensor_value_info(node.output[0], TensorProto.FLOAT, None)],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)]
    )
    add_initializers(model, weights)
    info = modelint.analyze(model).graph.tensor(node.output[0])
    assert info is not None
    return info.shape


@pytest.mark.parametrize(
    ("node", "inputs", "weights", "expected"),
    [
        (
            helper.make_node("FusedMatMul", ["a", "b"], ["y"], domain=MS, transB=1),
            {"a": [2, 8, 16]},
            {"b": (32, 16)},
            (2, 8, 32),
        ),
        (
            helper.make_node(
                "FusedConv", ["x", "w"], ["y"], domain=MS, pads=[1, 1, 1, 1], strides=[2, 2]
            ),
            {"x": [1, 3, 32, 32]},
            {"w": (8, 3, 3, 3)},
            (1, 8, 16, 16),
        ),
        (
            helper.make_node(
                "FusedConv", ["x", "w"], ["y"], domain=MS, auto_pad="SAME_UPPER", strides=[2, 2]
            ),
            {"x": [1, 3, 31, 31]},
            {"w": (8, 3, 3, 3)},
            (1, 8, 16, 16),
        ),
        (
            helper.make_node("MatMulNBits", ["a", "b"], ["y"], domain=MS, K=64, N=96),
            {"a": [1, 7, 64]},
            {"b": (96, 2, 32)},
            (1, 7, 96),
        ),
        (
            helper.make_node("Attention", ["x", "w"], ["y"], domain=MS, num_heads=4),
            {"x": [1, 16, 64]},
            {"w": (64, 192)},
            (1, 16, 64),
        ),
        (
            helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["y"], domain=MS, num_heads=4),
            {"q": [1, 16, 64], "k": [1, 20, 64], "v": [1, 20, 48]},
            {},
            (1, 16, 48),
        ),
        (
            helper.make_node(
                "GroupQueryAttention", ["qkv"], ["y"], domain=MS, num_heads=8, kv_num_heads=2
            ),
            {"qkv": [1, 5, 12 * 16]},
            {},
            (1, 5, 8 * 16),
        ),
        (
            helper.make_node("SkipLayerNormalization", ["x", "s", "g", "b"], ["y"], domain=MS),
            {"x": [1, 4, 32], "s": [1, 4, 32]},
            {"g": (32,), "b": (32,)},
            (1, 4, 32),
        ),
    ],
    ids=lambda value: value.op_type if hasattr(value, "op_type") else None,
)
def test_contrib_output_shapes(
    node: helper.NodeProto,
    inputs: dict[str, list[int]],
    weights: dict[str, tuple[int, ...]],
    expected: tuple[int, ...],
) -> None:
    assert _output_shape(node, inputs, weights) == expected


@pytest.mark.parametrize(("past", "total"), [(20, 21), (None, 1)])
def test_group_query_attention_is_costed_over_past_and_new_tokens(
    past: int | None, total: int
) -> None:
    """2 heads of K/V shared by 8 query heads, one new token after ``past``: the present
    K/V length T = past + 1, and MACs = 2·B·S·T·hidden = 2·2·1·T·128 (QKᵀ and PV)."""
    names = ["q", "k", "v", *(["past_k", "past_v"] if past else [])]
    node = helper.make_node(
        "GroupQueryAttention",
        names,
        ["y", "present_k", "present_v"],
        domain=MS,
        num_heads=8,
        kv_num_heads=2,
    )
    shapes = {"q": [2, 1, 128], "k": [2, 1, 32], "v": [2, 1, 32]}
    if past:
        shapes |= {"past_k": [2, 2, past, 16], "past_v": [2, 2, past, 16]}
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, d) for n, d in shapes.items()],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in node.output],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)]
    )
    analysis = modelint.analyze(model)
    assert analysis.graph.tensor("present_k").shape == (2, 2, total, 16)
    (cost,) = analysis.costs.values()
    assert cost.costed and cost.macs == 2 * 2 * 1 * total * 128
