"""The graph layer: an ONNX model as a typed networkx graph with inferred shapes."""

from __future__ import annotations

from modelint.graph.binding import ShapeBinding
from modelint.graph.build import PASS_THROUGH_OPS, build_graph
from modelint.graph.model_graph import DEFAULT_DOMAIN, ModelGraph, OpNode
from modelint.graph.tensors import Shape, TensorInfo

__all__ = [
    "DEFAULT_DOMAIN",
    "PASS_THROUGH_OPS",
    "ModelGraph",
    "OpNode",
    "Shape",
    "ShapeBinding",
    "TensorInfo",
    "build_graph",
]
