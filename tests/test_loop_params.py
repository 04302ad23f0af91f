"""A Loop's carried values: a weight tf2onnx passes through the body unchanged is a
parameter; an initial state the body updates (Keras' zero ``h``) is not."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import modelint

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
