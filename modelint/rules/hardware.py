"""Rule functions for hardware rules: is a node supported on the bound target, why not, what
an Edge TPU-style split pushes to the fallback engine, and quantities in readable units.

Node rules read ``target`` (the model's TargetEstimate) and ``node``:
``unsupported_kind(target, node) in ('op', 'constraint')``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from modelint.rules.functions import register
from modelint.rules.views import NodeView
from modelint.templates import plural
from modelint.units import DIMENSIONS, format_quantity

if TYPE_CHECKING:  # the estimator is imported only by runs that bind a hardware profile
    from modelint.analysis.target import TargetEstimate

__all__ = ["listed", "qty", "runs_on", "split_note", "unsupported_kind", "unsupported_reason"]


def unsupported_kind(target: TargetEstimate | None, view: NodeView) -> str:
    """'' when the node runs on the target's default engine; else shape, op or constraint."""
    if target is None:
        return ""
    place = target.placement.nodes.get(view.node.key)
    return "" if place is None or place.supported else place.kind or "op"


def unsupported_reason(target: TargetEstimate | None, view: NodeView) -> str:
    if target is None:
        return ""
    place = target.placement.nodes.get(view.node.key)
    return "" if place is None else place.reason or ""


def runs_on(target: TargetEstimate | None, view: NodeView) -> str:
    """The engine the node runs on ('nowhere' when the target cannot run it)."""
    if target is None:
        return ""
    place = target.placement.nodes.get(view.node.key)
    return "nowhere" if place is None or place.engine is None else place.engine


def _op_summary(target: TargetEstimate, view: NodeView, keys: tuple[str, ...]) -> str:
    graph = view.analysis.graph
    counts = Counter(graph.nodes[key].op_type for key in keys)
    return ", ".join(f"{op} x{n}" for op, n in counts.most_common(4)) + (
        ", ..." if len(counts) > 4 else ""
    )


def split_note(target: TargetEstimate | None, view: NodeView) -> str:
    """Where an unsupported node runs instead: for the node where a single-split target
    partitions the model, also what it pushes to the fallback engine (count, op types,
    share of FLOPs)."""
    if target is None:
        return ""
    place = target.placement.nodes.get(view.node.key)
    if place is None or place.supported:
        return ""
    if place.engine is None:
        return f"; {target.profile.id} has no fallback engine, so the model cannot run there"
    if target.placement.split != view.node.key:
        return f"; it runs on {place.engine}"
    costs = view.analysis.costs
    pushed = target.placement.pushed
    flops = sum(costs[key].flops or 0 for key in (view.node.key, *pushed))
    total = view.analysis.totals.flops
    share = f", {100 * flops / total:.1f} % of the FLOPs" if total else ""
    engine = target.profile.operators.fallback or "no engine"
    if not pushed:
        return f"; it runs on {engine}"
    ops = plural(len(pushed), "supported op")
    return (
        f"; the compiler partitions here, so it and the {ops} after it "
        f"({_op_summary(target, view, pushed)}) run on {engine}{share}"
    )


def listed(items: tuple[object, ...] | list[object]) -> str:
    """('fp16', 'int8') -> 'fp16, int8'."""
    return ", ".join(str(item) for item in items) or "none"


def qty(value: float | None, dimension: str) -> str:
    """``qty(0.0123, 's')`` -> '12.3 ms'; dimensions as in modelint.units (s, B, ops...)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; choose one of {', '.join(DIMENSIONS)}")
    return format_quantity(value, dimension)


register(
    {
        "listed": listed,
        "qty": qty,
        "runs_on": runs_on,
        "split_note": split_note,
        "unsupported_kind": unsupported_kind,
        "unsupported_reason": unsupported_reason,
    }
)
