"""Where each node runs on a target: its default engine when the profile supports it, else the
fallback engine (or nowhere).

A node is unsupported for one of three kinds of reason, checked in this order:

* ``shape``: a tensor breaks the target's generic limits (static shapes, rank, dimension size,
  only the innermost N dims larger than 1);
* ``op``: the op (in the profile's namespace: ONNX, or the TFLite ops it converts to) is not in
  the allowlist;
* ``constraint``: a per-op constraint's ``require`` expression is false.

Under ``partition_policy: single_split`` (the Edge TPU compiler) the first unsupported node in
topological order and everything downstream of it run on the fallback engine.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from modelint.analysis.model import ModelAnalysis
from modelint.analysis.tflite_ops import tflite_ops
from modelint.analysis.views import AttrView, TensorView, op_signature
from modelint.expr import EvaluationError, UnknownValue
from modelint.graph import ModelGraph, OpNode
from modelint.graph.tensors import TensorInfo
from modelint.profiles import HardwareProfile, Operators

__all__ = ["NodePlacement", "Placement", "place"]


@dataclass(frozen=True, slots=True)
class NodePlacement:
    engine: str | None  # engine id; None: the node cannot run on the target at all
    supported: bool = True
    reason: str | None = None  # why it is not supported
    kind: str | None = None  # shape | op | constraint
    pushed_by: str | None = None  # the split node that moved this supported node off
    target_ops: tuple[str, ...] = ()  # the ops in the profile's namespace


@dataclass(frozen=True)
class Placement:
    nodes: Mapping[str, NodePlacement]
    split: str | None = None  # the first unsupported node (single_split policy)
    pushed: tuple[str, ...] = ()  # supported nodes the split moved to the fallback engine

    def unsupported(self) -> list[str]:
        return [key for key, place in self.nodes.items() if not place.supported]


def _tensors(graph: ModelGraph, node: OpNode) -> Iterator[TensorInfo]:
    for name in (*node.inputs, *node.outputs):
        info = graph.tensor(name)
        if info is not None and not info.is_constant:
            yield info


def _shape_problem(graph: ModelGraph, node: OpNode, ops: Operators) -> str | None:
    for info in _tensors(graph, node):
        if info.shape is None or None in info.shape:
            if ops.static_shapes:
                return f"the shape of '{info.name}' is not static (the target needs static shapes)"
            continue
        dims = tuple(dim or 0 for dim in info.shape)
        if ops.max_rank is not None and len(dims) > ops.max_rank:
            return f"'{info.name}' has rank {len(dims)} (at most {ops.max_rank})"
        if ops.max_dim is not None and max(dims, default=1) > ops.max_dim:
            return f"'{info.name}' has a dimension of {max(dims)} (at most {ops.max_dim})"
        inner = ops.innermost_dims
        if inner is not None and any(dim > 1 for dim in dims[: max(0, len(dims) - inner)]):
            return (
                f"'{info.name}' {list(dims)} has a dimension larger than 1 outside the "
                f"{inner} innermost"
            )
    return None


def _names(graph: ModelGraph, node: OpNode, ops: Operators) -> tuple[str, ...] | None:
    if ops.op_namespace == "tflite":
        return tflite_ops(graph, node)
    return (node.op_type,)


def _environment(graph: ModelGraph, node: OpNode) -> dict[str, Any]:
    def view(name: str, role: str) -> TensorView | None:
        info = graph.tensor(name)
        return None if info is None else TensorView(info, role, graph)

    inputs = tuple(view(n, f"input {i}") for i, n in enumerate(node.inputs))
    outputs = tuple(view(n, f"output {i}") for i, n in enumerate(node.outputs))
    signature = op_signature(node.op_type, node.domain)
    defaults = signature.attribute_defaults if signature else {}
    return {
        "attr": AttrView(node.attributes, defaults),
        "inputs": inputs,
        "outputs": outputs,
        "x": inputs[0] if inputs else None,
        "y": outputs[0] if outputs else None,
        "op": node.op_type,
    }


def _op_problem(
    graph: ModelGraph, node: OpNode, profile: HardwareProfile
) -> tuple[str, str, tuple[str, ...]] | None:
    """(kind, reason, target ops) when the op or one of its constraints is not supported."""
    ops = profile.operators
    names = _names(graph, node, ops)
    if names is None:
        return "op", f"{node.op_type} has no {ops.op_namespace.upper()} equivalent", ()
    if ops.policy == "broad":
        return None
    missing = [name for name in names if name not in ops.allowlist]
    if missing:
        if ops.op_namespace == "onnx":
            return "op", f"{node.op_type} is not in the supported-op list", names
        needs = ", ".join(missing)
        return "op", f"{node.op_type} becomes TFLite {needs}, not in the supported-op list", names
    env: dict[str, Any] | None = None
    for name in names:
        for constraint in ops.constraints.get(name, ()):
            if constraint.expression is None:
                continue
            env = env or _environment(graph, node)
            try:
                holds = bool(constraint.expression.evaluate(env))
            except (UnknownValue, EvaluationError):
                holds = True  # cannot tell (a missing attribute means its default): no finding
            if not holds:
                return "constraint", f"{name}: {constraint.text}", names
    return None


def _place_node(graph: ModelGraph, node: OpNode, profile: HardwareProfile) -> NodePlacement:
    default = profile.default_engine.id
    fallback = profile.operators.fallback
    if node.outputs and all(graph.is_constant(name) for name in node.outputs if name):
        return NodePlacement(default)  # folded when the model is compiled
    shape = _shape_problem(graph, node, profile.operators)
    if shape is not None:
        return NodePlacement(fallback, False, shape, "shape")
    problem = _op_problem(graph, node, profile)
    if problem is None:
        names = _names(graph, node, profile.operators) or ()
        return NodePlacement(default, target_ops=names)
    kind, reason, names = problem
    return NodePlacement(fallback, False, reason, kind, target_ops=names)


def _downstream(graph: ModelGraph, start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        key = stack.pop()
        for name in graph.nodes[key].outputs:
            for consumer in graph.consumers.get(name, ()) if name else ():
                owner = consumer
                while graph.nodes[owner].parent is not None and owner not in seen:
                    owner = graph.nodes[owner].parent or owner
                if owner not in seen:
                    seen.add(owner)
                    stack.append(owner)
    return seen


def _signature(graph: ModelGraph, node: OpNode) -> Hashable | None:
    """What placement reads of a node: op, attributes, tensor records without their names —
    but constant inputs by name, since constraints may read their values. Repeated blocks
    share one decision."""
    try:
        attributes = tuple(sorted((k, repr(v)) for k, v in node.attributes.items()))
    except TypeError:  # pragma: no cover - attribute keys are strings
        return None
    get = graph.tensors.get
    tensors = tuple(
        (name if info.is_constant else info[1:]) if (info := get(name)) is not None else name
        for name in (*node.inputs, "|", *node.outputs)
    )
    return (node.domain, node.op_type, attributes, tensors)


def place(analysis: ModelAnalysis, profile: HardwareProfile) -> Placement:
    """Every node's engine on ``profile``."""
    graph = analysis.graph
    memo: dict[Hashable, NodePlacement] = {}
    nodes: dict[str, NodePlacement] = {}
    for key, node in graph.nodes.items():
        signature = _signature(graph, node)
        decided = memo.get(signature) if signature is not None else None
        if decided is None:
            decided = _place_node(graph, node, profile)
            if signature is not None:
                memo[signature] = decided
        nodes[key] = decided
    if profile.operators.partition_policy != "single_split":
        return Placement(nodes)
    split = next((key for key, p in nodes.items() if not p.supported), None)
    if split is None:
        return Placement(nodes)
    pushed = []
    fallback = profile.operators.fallback
    for key in sorted(_downstream(graph, split), key=lambda k: graph.nodes[k].order):
        if nodes[key].supported:
            nodes[key] = NodePlacement(fallback, True, pushed_by=split)
            pushed.append(key)
    return Placement(nodes, split, tuple(pushed))
