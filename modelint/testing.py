"""Helpers for rule and cost-formula authors (and modelint's own tests).

from modelint.testing import model_from_text, analyze_text
analysis = analyze_text('''
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 64, 16, 16] x) => (float[1, 32, 32, 32] y) {
        y = ConvTranspose <strides = [2, 2], pads = [1, 1, 1, 1]> (x, w)
    }
''', initializers={"w": (64, 32, 4, 4)})
assert analysis.totals.macs == 8_388_608
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
import onnx.parser
from onnx import numpy_helper

from modelint.analysis import ModelAnalysis, NodeCost
from modelint.api import analyze

__all__ = ["add_initializers", "analyze_text", "model_from_text", "node_cost"]


def add_initializers(
    model: onnx.ModelProto, initializers: Mapping[str, Sequence[int] | np.ndarray]
) -> None:
    """Add zero-filled float32 initializers by shape (or the given arrays)."""
    for name, value in initializers.items():
        array = value if isinstance(value, np.ndarray) else np.zeros(tuple(value), np.float32)
        model.graph.initializer.append(numpy_helper.from_array(array, name))


def model_from_text(
    text: str, initializers: Mapping[str, Sequence[int] | np.ndarray] | None = None
) -> onnx.ModelProto:
    """Parse the ONNX text format; ``initializers`` adds weights by name and shape."""
    model = onnx.parser.parse_model(text)
    add_initializers(model, initializers or {})
    return model


def analyze_text(
    text: str,
    initializers: Mapping[str, Sequence[int] | np.ndarray] | None = None,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    rule_paths: Sequence[str | Path] = (),
) -> ModelAnalysis:
    return analyze(
        model_from_text(text, initializers), input_shapes=input_shapes, rule_paths=rule_paths
    )


def node_cost(analysis: ModelAnalysis, op_type: str, index: int = 0) -> NodeCost:
    """The cost of the ``index``-th node of ``op_type`` (in graph order)."""
    keys = [node.key for node in analysis.graph.nodes.values() if node.op_type == op_type]
    if len(keys) <= index:
        raise LookupError(f"no {op_type} node #{index} in {analysis.path}")
    return analysis.costs[keys[index]]
