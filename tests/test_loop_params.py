"""A Loop's carried values: a weight tf2onnx passes through the body unchanged is a
parameter; an initial state the body updates (Keras' zero ``h``) is not."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import modelint
from modelint.graph import build_graph
from modelint.graph.params import declared_sources
from modelint.graph.tensors import constant_entry, dtype_name
from modelint.testing import model_from_text

H = 16


def _loop_model() -> onnx.ModelProto:
    """h <- Tanh(h @ w) for 5 steps; w [16,16] rides along as a carried value (returned as
    it came in), h0 [1,16] of zeros is the state the body updates."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("MatMul", ["h_in", "w_in"], ["hw"]),
            helper.make_node("Tanh", ["hw"], ["h_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("h_in", TensorProto.FLOAT, [1, H]),
            helper.make_tensor_value_info("w_in", TensorProto.FLOAT, [H, H]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("h_out", TensorProto.FLOAT, [1, H]),
            helper.make_tensor_value_info("w_in", TensorProto.FLOAT, [H, H]),
        ],
    )
    initializers = [
        numpy_helper.from_array(np.array(5, dtype=np.int64), "trips"),
        numpy_helper.from_array(np.array(True), "cond"),
        numpy_helper.from_array(np.zeros((1, H), np.float32), "h0"),
        numpy_helper.from_array(np.ones((H, H), np.float32), "w"),
    ]
    graph = helper.make_graph(
        [helper.make_node("Loop", ["trips", "cond", "h0", "w"], ["h", "w_out"], body=body)],
        "g",
        [],
        [
            helper.make_tensor_value_info("h", TensorProto.FLOAT, [1, H]),
            helper.make_tensor_value_info("w_out", TensorProto.FLOAT, [H, H]),
        ],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_the_carried_weight_counts_the_carried_state_does_not() -> None:
    analysis = modelint.analyze(_loop_model())
    assert analysis.totals.params == H * H  # w; not h0 (state) nor trips/cond (literals)
    assert analysis.totals.macs == 5 * H * H  # 5 steps of [1,16] x [16,16]


def test_declared_parameter_types_are_the_inferred_ones() -> None:
    """Parameter owners are found from the types the model declares, before inference ends
    (graph.params.declared_sources): each form of Constant, and initializers, must declare
    exactly what inference then gives them."""
    model = model_from_text("""
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x) => (float[2, 3] y) <float[3, 3] w = {1, 0, 0, 0, 1, 0, 0, 0, 1}> {
        t = Constant <value = float[3] {1.0, 2.0, 3.0}> ()
        f = Constant <value_float = 2.0> ()
        fs = Constant <value_floats = [1.0, 2.0, 3.0]> ()
        i = Constant <value_int = 2> ()
        is = Constant <value_ints = [1, 2]> ()
        a = MatMul (x, w)
        b = Add (a, t)
        c = Mul (b, f)
        d = Add (c, fs)
        y = Identity (d)
    }
    """)
    graph = build_graph(model)
    initializers = {
        t.name: (tuple(t.dims), dtype_name(t.data_type)) for t in model.graph.initializer
    }
    sources = declared_sources(graph.nodes, initializers)
    assert set(sources) == {"w", "t", "f", "fs", "i", "is"}
    for name, source in sources.items():
        inferred = graph.tensors[name]
        assert (source.shape, source.dtype, source.numel) == (
            inferred.shape,
            inferred.dtype,
            inferred.numel,
        ), name


@pytest.mark.parametrize(
    "attributes",
    [{"value": 5}, {"value_floats": 7}, {"sparse_value": 1.5}, {"value_string": "a"}, {}],
    ids=["value-an-int", "value-floats-an-int", "sparse-value-a-float", "string", "empty"],
)
def test_a_constant_declaring_no_usable_type_declares_none(attributes: dict[str, object]) -> None:
    assert constant_entry(attributes) is None
