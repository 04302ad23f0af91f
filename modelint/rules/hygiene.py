"""Graph queries the hygiene rules (MLG*) need: dead nodes, training-only behaviour, foldable
BatchNormalization, dtypes introduced mid-graph, unused initializers. Registered as rule
functions on import.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from modelint.analysis import ModelAnalysis
from modelint.graph import DEFAULT_DOMAIN, ModelGraph, OpNode
from modelint.rules.functions import has_weight, register
from modelint.rules.node_sets import register_node_sets
from modelint.rules.views import NodeView

__all__ = ["live_nodes", "training_mode"]

TRAINING_DOMAIN = "ai.onnx.preview.training"
_FOLD_TARGETS = frozenset({"Conv", "ConvTranspose", "Gemm", "MatMul"})
_LIVE: weakref.WeakKeyDictionary[ModelGraph, frozenset[str]] = weakref.WeakKeyDictionary()


def live_nodes(graph: ModelGraph) -> frozenset[str]:
    """Main-graph nodes from which a graph output is reachable (memoized per graph)."""
    cached = _LIVE.get(graph)
    if cached is not None:
        return cached
    pending = [key for name in graph.outputs if (key := graph.producers.get(name))]
    live: set[str] = set()
    predecessors = graph.adjacency(downstream=False)
    while pending:
        key = pending.pop()
        if key in live:
            continue
        live.add(key)
        pending.extend(predecessors.get(key, ()))
    _LIVE[graph] = result = frozenset(live)
    return result


def is_dead(view: NodeView) -> bool:
    """A main-graph node none of whose results reaches a graph output."""
    node = view.node
    return not node.graph_path and node.key not in live_nodes(view.analysis.graph)


def _dead_nodes(analysis: ModelAnalysis) -> frozenset[str]:
    """Keys of the nodes ``is_dead`` holds for."""
    graph = analysis.graph
    live = live_nodes(graph)
    return frozenset(
        key for key, node in graph.nodes.items() if not node.graph_path and key not in live
    )


def _constant_flag(graph: ModelGraph, tensor: str) -> bool | None:
    """A boolean input's value when it is constant (None: not constant or not known)."""
    if not graph.is_constant(tensor):
        return None
    value = graph.constants.value(tensor)
    return None if value is None or value.size != 1 else bool(value.reshape(-1)[0])


def _dropout_mode(graph: ModelGraph, node: OpNode) -> str:
    if node.opset < 7 and node.attributes.get("is_test", 0) == 0:
        return "is_test is 0: it drops activations at inference"
    mode = node.inputs[2] if len(node.inputs) > 2 else ""
    if not mode:
        return ""
    flag = _constant_flag(graph, mode)
    if flag is None:
        return f"training_mode comes from tensor '{mode}', not a constant false"
    return "training_mode is true: it drops activations at inference" if flag else ""


def _batchnorm_mode(node: OpNode) -> str:
    if node.attributes.get("training_mode", 0) == 1:
        return "training_mode is 1: it normalizes with batch statistics at inference"
    if node.opset < 7 and node.attributes.get("is_test", 0) == 0:
        return "is_test is 0: it normalizes with batch statistics at inference"
    if len([name for name in node.outputs if name]) > 1:
        return "it outputs running statistics, which only training updates"
    return ""


def training_mode(view: NodeView) -> str:
    """Why the node behaves as in training ('' when it does not)."""
    node = view.node
    if node.domain == TRAINING_DOMAIN:
        return f"{node.op_type} is an {TRAINING_DOMAIN} (training) operator"
    if node.domain != DEFAULT_DOMAIN:
        return ""
    if node.op_type == "Dropout":
        return _dropout_mode(view.analysis.graph, node)
    if node.op_type == "BatchNormalization":
        return _batchnorm_mode(node)
    return ""


def foldable_into(view: NodeView) -> str:
    """The op a BatchNormalization could be folded into: its input comes straight from a weight
    layer that feeds nothing else, and its statistics are constant ('' otherwise)."""
    graph, node = view.analysis.graph, view.node
    if node.op_type != "BatchNormalization" or not node.inputs:
        return ""
    if not all(graph.is_constant(name) for name in node.inputs[1:5] if name):
        return ""
    producer = graph.producer_of(node.inputs[0])
    if producer is None or producer.op_type not in _FOLD_TARGETS:
        return ""
    if len(graph.consumers.get(node.inputs[0], ())) != 1:
        return ""
    return producer.op_type if has_weight(NodeView(producer, view.analysis)) else ""


def introduces_dtype(view: NodeView, dtype: str) -> bool:
    """An output has ``dtype`` and no input produced by another node has it: where the dtype
    enters the computation (a Cast, or a node reading a graph input or initializer of it)."""
    graph, node = view.analysis.graph, view.node
    outputs = [graph.tensor(name) for name in node.outputs if name]
    if not any(info is not None and info.dtype == dtype for info in outputs):
        return False
    for name in node.inputs:
        info = graph.tensor(name) if name else None
        if info is not None and info.dtype == dtype and graph.producers.get(name):
            return False
    return True


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "foldable_into": foldable_into,
    "introduces_dtype": introduces_dtype,
    "is_dead": is_dead,
    "training_mode": training_mode,
}
register(FUNCTIONS)
register_node_sets({"is_dead": _dead_nodes})
