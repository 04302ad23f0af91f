"""How often each body of a control-flow node runs (DESIGN §3).

Loop: the max trip count M when it is a constant or folds to one (Keras LSTM/GRU after
tf2onnx carry M = sequence length); Scan: the scanned axis' length; If: the costliest branch
counts once, the other not at all. Anything else is *uncosted* with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelint.graph import ModelGraph, OpNode

if TYPE_CHECKING:  # pragma: no cover - typing only, avoids a cycle with costs.py
    from modelint.analysis.cost_rules import CostRule
    from modelint.analysis.node_cost import NodeCost

__all__ = ["ControlFlowOutcome", "resolve_control_flow"]

# A Loop whose M is INT64_MAX (or any absurd count) is a while-loop: M says nothing.
_MAX_PLAUSIBLE_TRIPS = 2**31


@dataclass(frozen=True)
class ControlFlowOutcome:
    """Repetition factor per body path, or ``reason`` when it cannot be known."""

    factors: Mapping[str, int] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    reason: str | None = None


Bodies = Mapping[str, Mapping[str, "NodeCost"]]


def _loop(node: OpNode, graph: ModelGraph, bodies: Bodies) -> ControlFlowOutcome:
    (body,) = node.subgraphs
    trip_input = node.inputs[0] if node.inputs else ""
    if not trip_input:
        return ControlFlowOutcome(reason="Loop has no max trip count M; trip count unknown")
    value = graph.constants.value(trip_input)
    if value is None or value.size != 1:
        return ControlFlowOutcome(
            reason=f"Loop trip count M ('{trip_input}') is not a constant; trip count unknown"
        )
    trips = int(value.reshape(-1)[0])
    if trips < 0 or trips >= _MAX_PLAUSIBLE_TRIPS:
        return ControlFlowOutcome(
            reason=f"Loop M is {trips}: it runs until its condition fails; trip count unknown"
        )
    note = f"x{trips} iterations of {node.key}"
    assumption = (
        f"body runs M={trips} times (an earlier exit through the loop condition is not modelled)"
    )
    return ControlFlowOutcome({body: trips}, {body: note}, (assumption,))


def _scan(node: OpNode, graph: ModelGraph, bodies: Bodies) -> ControlFlowOutcome:
    (body,) = node.subgraphs
    count = int(node.attributes.get("num_scan_inputs", 0))
    scanned = [name for name in node.inputs[len(node.inputs) - count :] if name] if count else []
    if not scanned:
        return ControlFlowOutcome(reason="Scan has no scan inputs; trip count unknown")
    axes = list(node.attributes.get("scan_input_axes", [])) or [0]
    info = graph.tensors.get(scanned[0])
    shape = info.shape if info is not None else None
    axis = int(axes[0])
    if shape is None or not -len(shape) <= axis < len(shape) or shape[axis] is None:
        return ControlFlowOutcome(reason=f"length of scan input '{scanned[0]}' unknown")
    trips = int(shape[axis])  # type: ignore[arg-type]  # checked not None above
    note = f"x{trips} iterations of {node.key}"
    return ControlFlowOutcome({body: trips}, {body: note}, (f"body runs {trips} times",))


def _total(costs: Mapping[str, NodeCost]) -> tuple[int, int] | None:
    flops = macs = 0
    for cost in costs.values():
        if cost.flops is None or cost.macs is None:
            return None
        flops += cost.flops
        macs += cost.macs
    return flops, macs


def _if(node: OpNode, graph: ModelGraph, bodies: Bodies) -> ControlFlowOutcome:
    totals: dict[str, tuple[int, int]] = {}
    for path, costs in sorted(bodies.items()):
        total = _total(costs)
        if total is None:
            return ControlFlowOutcome(
                reason=f"branch {path} has uncosted nodes; the costliest branch cannot be chosen"
            )
        totals[path] = total
    chosen = max(totals, key=lambda path: totals[path])
    factors = {path: int(path == chosen) for path in bodies}
    notes = {
        path: "If branch not counted (policy: costliest branch)"
        for path in bodies
        if path != chosen
    }
    branch = chosen.rsplit("/", 1)[-1]
    return ControlFlowOutcome(factors, notes, (f"costliest branch counted: {branch}",))


_HANDLERS: Mapping[str, Callable[[OpNode, ModelGraph, Bodies], ControlFlowOutcome]] = {
    "loop": _loop,
    "scan": _scan,
    "if": _if,
}


def resolve_control_flow(
    node: OpNode, graph: ModelGraph, bodies: Bodies, rule: CostRule | None
) -> ControlFlowOutcome:
    if rule is None or rule.control_flow is None:
        return ControlFlowOutcome(
            reason=f"no control-flow cost rule for {node.qualified_op} (it has subgraphs)"
        )
    return _HANDLERS[rule.control_flow](node, graph, bodies)
