"""A converted model keeps each large initializer's dims and dtype, not its data
(``drop_weight_data``, modelint/load/weights.py): the costs, parameter counts
and weight sizes stay exactly what they were, and small tensors (which constant folding and
shape inference read) keep their values."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

import modelint
from modelint.load.weights import MIN_ELEMENTS, NOT_KEPT, drop_weight_data

ROWS = 64  # a 64 x 65 float weight: 4,160 elements, just above the threshold


def _model() -> onnx.ModelProto:
    """x[1,64] @ w[64,65] -> Reshape by a small int64 constant; a Loop body holds a large
    initializer too."""
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.normal(size=(ROWS, 65)).astype("float32"), "w")
    shape = numpy_helper.from_array(np.array([1, 5, 13], dtype="int64"), "shape")
    body_weight = numpy_helper.from_array(np.ones((MIN_ELEMENTS,), "float32"), "body_w")
    body = helper.make_graph(
        [helper.make_node("Add", ["body_x", "body_w"], ["body_y"])],
        "body",
        [helper.make_tensor_value_info("body_x", onnx.TensorProto.FLOAT, [MIN_ELEMENTS])],
        [helper.make_tensor_value_info("body_y", onnx.TensorProto.FLOAT, [MIN_ELEMENTS])],
        [body_weight],
    )
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["m"]),
            helper.make_node("Reshape", ["m", "shape"], ["y"]),
            helper.make_node("If", ["cond"], ["z"], then_branch=body, else_branch=body),
        ],
        "g",
        [
            helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, ROWS]),
            helper.make_tensor_value_info("cond", onnx.TensorProto.BOOL, []),
            helper.make_tensor_value_info("body_x", onnx.TensorProto.FLOAT, [MIN_ELEMENTS]),
        ],
        [
            helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None),
            helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, None),
        ],
        [weight, shape],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_large_initializers_lose_their_data_not_their_type() -> None:
    model = _model()
    assert drop_weight_data(model) == 3  # w, and body_w in each branch
    weight, shape = model.graph.initializer
    assert (list(weight.dims), weight.data_type) == ([ROWS, 65], onnx.TensorProto.FLOAT)
    assert weight.data_location == onnx.TensorProto.EXTERNAL and not weight.raw_data
    assert [(e.key, e.value) for e in weight.external_data] == [("location", NOT_KEPT)]
    branch = model.graph.node[2].attribute[0].g.initializer[0]
    assert branch.data_location == onnx.TensorProto.EXTERNAL and not branch.raw_data
    np.testing.assert_array_equal(numpy_helper.to_array(shape), [1, 5, 13])
    assert drop_weight_data(model) == 0  # already dropped


def test_costs_params_and_sizes_are_unchanged() -> None:
    full = modelint.analyze(_model())
    dropped_model = _model()
    drop_weight_data(dropped_model)
    dropped = modelint.analyze(dropped_model)
    assert dropped.totals == full.totals
    assert dropped.totals.macs == ROWS * 65  # MatMul [1,64]x[64,65]; shapes still known
    # the int64 shape is no parameter; both branches name one body_w, counted once
    assert dropped.totals.params == ROWS * 65 + MIN_ELEMENTS
    assert dropped.graph.tensor("y") is not None
    assert dropped.graph.tensor("y").shape == (1, 5, 13)  # from the kept int64 values
