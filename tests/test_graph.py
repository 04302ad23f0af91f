"""The graph layer: keys, edges per tensor use, weights, parameters, subgraphs."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from modelint.graph import build_graph
from modelint.testing import model_from_text


def _chain() -> onnx.ModelProto:
    text = """
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 16] x) => (float[1, 8] y, float[1, 8] z) {
        wt = Transpose <perm = [1, 0]> (w)
        a = MatMul (x, wt)
        b = Relu (a)
        y = Add (b, b)
        z = MatMul (x, wt)
    }
    """
    return model_from_text(text, {"w": (8, 16)})


def test_unnamed_nodes_are_keyed_by_op_and_first_output() -> None:
    graph = build_graph(_chain())
    assert list(graph.nodes) == ["Transpose:wt", "MatMul:a", "Relu:b", "Add:y", "MatMul:z"]


def test_one_edge_per_tensor_use_between_ops() -> None:
    graph = build_graph(_chain())
    edges = sorted((u, v, k) for u, v, k in graph.digraph.edges(keys=True))
    assert edges == [
        ("MatMul:a", "Relu:b", "a"),
        ("Relu:b", "Add:y", "b"),  # used twice by Add: one edge per distinct tensor
        ("Transpose:wt", "MatMul:a", "wt"),
        ("Transpose:wt", "MatMul:z", "wt"),
    ]
    assert graph.digraph.edges["MatMul:a", "Relu:b", "a"]["tensor"].shape == (1, 8)


def test_weights_derive_through_pass_through_ops_and_are_counted_once() -> None:
    graph = build_graph(_chain())
    assert graph.is_weight("w") and graph.is_weight("wt")
    assert not graph.is_weight("a")
    # w (8x16 = 128 params) is used by two MatMuls through one Transpose: counted once,
    # owned by the first real consumer.
    assert dict(graph.initializer_params) == {"w": "MatMul:a"}


def test_duplicate_node_names_fall_back_to_output_keys() -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="same"),
        helper.make_node("Relu", ["a"], ["b"], name="same"),
        helper.make_node("Relu", ["b"], ["c"], name="unique"),
    ]
    graph_proto = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2])],
    )
    graph = build_graph(helper.make_model(graph_proto))
    assert list(graph.nodes) == ["Relu:a", "Relu:b", "unique"]


def _loop_model() -> onnx.ModelProto:
    body = helper.make_graph(
        [
            helper.make_node("MatMul", ["h", "w"], ["h_next"], name="cell"),
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep"),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("h", TensorProto.FLOAT, [1, 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("h_next", TensorProto.FLOAT, [1, 4]),
        ],
    )
    nodes = [
        helper.make_node("Relu", ["x"], ["h0"], name="pre"),
        helper.make_node("Loop", ["trips", "", "h0"], ["h_final"], name="loop", body=body),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("h_final", TensorProto.FLOAT, [1, 4])],
        [
            numpy_helper.from_array(np.array(5, np.int64), "trips"),
            numpy_helper.from_array(np.zeros((4, 4), np.float32), "w"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_subgraph_nodes_have_path_qualified_keys_and_outer_uses_hit_the_owner() -> None:
    graph = build_graph(_loop_model())
    assert list(graph.nodes) == ["pre", "loop", "loop/body/cell", "loop/body/keep"]
    cell = graph.node("loop/body/cell")
    assert (cell.graph_path, cell.parent) == ("loop/body", "loop")
    assert graph.node("loop").subgraphs == ("loop/body",)
    # The body reads the outer weight 'w': its parameters belong to the body MatMul.
    assert graph.initializer_params["w"] == "loop/body/cell"
    assert ("pre", "loop") in graph.digraph.edges()
    assert graph.constants.value("trips") == 5


def test_configuration_inputs_are_not_parameters() -> None:
    text = """
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 3, 8, 8] x) => (float[1, 3, 16, 16] y) {
        r = Resize <mode = "nearest"> (x, roi, scales)
        y = Conv <pads = [1, 1, 1, 1]> (r, w)
    }
    """
    model = model_from_text(text, {"w": (3, 3, 3, 3)})
    model.graph.initializer.extend(
        [
            numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
            numpy_helper.from_array(np.zeros(8, np.float32), "roi"),
        ]
    )
    graph = build_graph(model)
    # Resize's roi and scales are float tensors but configure the op: only w (81) counts.
    assert dict(graph.initializer_params) == {"w": "Conv:y"}


def test_the_models_node_order_is_kept_when_it_is_topological() -> None:
    graph = build_graph(_chain())
    assert graph.topological_order() == list(graph.nodes)


def test_nodes_out_of_order_are_sorted_producers_first() -> None:
    """ONNX requires topological order, but not every exporter keeps it; a body's use of an
    outer tensor counts as its owner's (Loop 'l' reads 'b', produced after it in the file)."""
    body = helper.make_graph(
        [
            helper.make_node("Add", ["v", "b"], ["v_out"]),
            helper.make_node("Identity", ["c"], ["c_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("c", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v", TensorProto.FLOAT, [1, 4]),
        ],
        [
            helper.make_tensor_value_info("c_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", TensorProto.FLOAT, [1, 4]),
        ],
    )
    nodes = [
        helper.make_node("Loop", ["n", "", "a"], ["y"], name="l", body=body),
        helper.make_node("Relu", ["x"], ["a"], name="first"),
        helper.make_node("Neg", ["x"], ["b"], name="second"),
    ]
    graph_proto = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(np.array(3, dtype=np.int64), "n")],
    )
    graph = build_graph(helper.make_model(graph_proto))
    order = graph.topological_order()
    assert order.index("first") < order.index("l") and order.index("second") < order.index("l")
    assert sorted(order) == sorted(graph.nodes)
