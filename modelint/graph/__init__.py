"""The graph layer: an ONNX model as a typed networkx graph with inferred shapes."""

from __future__ import annotations

from modelint.graph.binding import ShapeBinding
from modelint.graph.build import PASS_THROUGH_OPS, GraphBuild, build_graph, start_build
from modelint.graph.model_graph import DEFAULT_DOMAIN, ModelGraph, OpNode
from modelint.graph.tensors import Shape, TensorInfo

__all__ = [
    "DEFAULT_DOMAIN",
    "PASS_THROUGH_OPS",
    "GraphBuild",
    "ModelGraph",
    "OpNode",
    "Shape",
    "ShapeBinding",
    "TensorInfo",
    "build_graph",
    "start_build",
]
