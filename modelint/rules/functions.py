"""Functions lint-rule expressions may call: the cost formulas' helpers plus graph queries.

Graph queries take the ``node`` view (it carries the analysis), so a rule reads
``has_weight(node)`` or ``consumer_count(node) > 1`` without touching networkx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from modelint.analysis import ModelAnalysis
from modelint.analysis.helpers import COST_FUNCTIONS
from modelint.graph import OpNode, TensorInfo
from modelint.rules.node_sets import register_node_sets
from modelint.rules.views import NodeView

__all__ = ["RULE_FUNCTIONS", "WEIGHT_OPS", "has_weight", "register"]

# Ops that carry learned weights (DESIGN §6): they count as a layer when a weight input is
# constant-derived; a MatMul between two activations (QK^T) is not a layer.
WEIGHT_OPS = frozenset(
    {
        "Conv",
        "ConvTranspose",
        "ConvInteger",
        "QLinearConv",
        "Gemm",
        "MatMul",
        "MatMulInteger",
        "QLinearMatMul",
        "Einsum",
        "FusedConv",
        "FusedMatMul",
        "MatMulNBits",
    }
)
RECURRENT_OPS = frozenset({"LSTM", "GRU", "RNN"})
_WEIGHT_INPUTS = {"QLinearConv": (0, 3), "QLinearMatMul": (0, 3)}  # x and w, not scales


def has_weight(view: NodeView) -> bool:
    """A weight layer: one of its first two data inputs is constant-derived (initializer,
    Constant, or those through Cast/Transpose/Reshape/DequantizeLinear...); LSTM/GRU/RNN
    always."""
    return _has_weight(view.node, view.analysis.graph.tensors)


def _has_weight(node: OpNode, tensors: Mapping[str, TensorInfo]) -> bool:
    op_type, inputs = node.op_type, node.inputs
    if op_type in RECURRENT_OPS:
        return True
    if op_type not in WEIGHT_OPS:
        return False
    positions: Iterable[int] = _WEIGHT_INPUTS.get(op_type, (0, 1))
    if op_type == "Einsum":
        positions = range(len(inputs))
    for position in positions:
        info = tensors.get(inputs[position]) if position < len(inputs) else None
        if info is not None and info.is_weight:
            return True
    return False


def _weight_layers(analysis: ModelAnalysis) -> frozenset[str]:
    """Keys of the nodes ``has_weight`` holds for (the ``@weight-layers`` macro's condition)."""
    ops, tensors = WEIGHT_OPS | RECURRENT_OPS, analysis.graph.tensors
    return frozenset(
        node.key
        for node in analysis.graph.nodes.values()
        if node.op_type in ops and _has_weight(node, tensors)
    )


def _neighbours(nodes: tuple[OpNode, ...]) -> tuple[str, ...]:
    return tuple(sorted({node.op_type for node in nodes}))


def consumer_count(view: NodeView) -> int:
    """How many nodes read this node's outputs."""
    graph = view.analysis.graph
    return len({c.key for name in view.node.outputs for c in graph.consumers_of(name)})


def consumer_ops(view: NodeView) -> tuple[str, ...]:
    graph = view.analysis.graph
    return _neighbours(tuple(c for name in view.node.outputs for c in graph.consumers_of(name)))


def producer_ops(view: NodeView) -> tuple[str, ...]:
    graph = view.analysis.graph
    found = [graph.producer_of(name) for name in view.node.inputs if name]
    return _neighbours(tuple(node for node in found if node is not None))


def is_output(view: NodeView) -> bool:
    """The node writes a graph output."""
    graph = view.analysis.graph
    return any(
        (info := graph.tensor(name)) is not None and info.is_graph_output
        for name in view.node.outputs
    )


def is_constant(view: NodeView) -> bool:
    """Every output is foldable from constants (the node computes nothing at run time)."""
    graph = view.analysis.graph
    return all(graph.is_constant(name) for name in view.node.outputs if name)


def node_costed(view: NodeView) -> bool:
    return view.analysis.costs[view.node.key].costed


def _costed_nodes(analysis: ModelAnalysis) -> frozenset[str]:
    return frozenset(key for key, cost in analysis.costs.items() if cost.costed)


def node_reason(view: NodeView) -> str:
    """Why the node is not costed ('' when it is)."""
    return view.analysis.costs[view.node.key].reason or ""


RULE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    **COST_FUNCTIONS,
    "consumer_count": consumer_count,
    "consumer_ops": consumer_ops,
    "has_weight": has_weight,
    "is_constant": is_constant,
    "is_output": is_output,
    "node_costed": node_costed,
    "node_reason": node_reason,
    "producer_ops": producer_ops,
}


register_node_sets({"has_weight": _weight_layers, "node_costed": _costed_nodes})


def register(functions: Mapping[str, Callable[..., Any]]) -> None:
    """Add helper functions (built-in rule modules do this at import)."""
    clash = sorted(set(functions) & set(RULE_FUNCTIONS))
    if clash:
        raise ValueError(f"rule functions already registered: {', '.join(clash)}")
    RULE_FUNCTIONS.update(functions)
