"""Nodes tf2onnx inserts with names of its own (``LSTM__32``, ``Squeeze__36``) take the layer
of the labelled nodes around them when both sides agree (modelint/load/tensorflow/layers.py,
``fill_from_neighbours``)."""

from __future__ import annotations

import onnx
from onnx import helper

from modelint.load.tensorflow.layers import fill_from_neighbours


def _chain(*names: str) -> onnx.GraphProto:
    """n0 -> n1 -> ... as Relu nodes; node i reads t{i-1} and writes t{i}."""
    nodes = [
        helper.make_node("Relu", [f"t{i - 1}" if i else "x"], [f"t{i}"], name=name)
        for i, name in enumerate(names)
    ]
    return helper.make_graph(nodes, "g", [], [])


def test_an_inserted_node_inside_a_layer_takes_its_label() -> None:
    graph = _chain("a1", "LSTM__32", "Squeeze__36", "a2", "Transpose__58", "b1", "Identity__9")
    labels = {"a1": "rnn/lstm", "a2": "rnn/lstm", "b1": "rnn/out"}
    filled = fill_from_neighbours(graph, labels)
    assert filled["LSTM__32"] == filled["Squeeze__36"] == "rnn/lstm"  # lstm on both sides
    assert "Transpose__58" not in filled  # between two layers: no guess
    assert "Identity__9" not in filled  # nothing downstream: no guess
    assert {key: filled[key] for key in labels} == labels


def test_labels_further_than_three_hops_are_not_used() -> None:
    graph = _chain("a1", "u1", "u2", "u3", "u4", "a2")
    filled = fill_from_neighbours(graph, {"a1": "layer", "a2": "layer"})
    # u2: a1 2 hops up, a2 3 hops down; u3: 3 up, 2 down
    assert filled.get("u2") == filled.get("u3") == "layer"
    # u1: a2 is 4 hops down; u4: a1 is 4 hops up
    assert "u1" not in filled and "u4" not in filled
