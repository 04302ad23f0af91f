"""``modelint inspect``: a per-node table, or per op type / name scope / source layer."""

from __future__ import annotations

from dataclasses import asdict

from modelint.analysis import Group, ModelAnalysis, NodeCost
from modelint.analysis.model import layer_name, scope_at
from modelint.graph import OpNode
from modelint.report.json_report import model_dict, render_json, run_dict_for_inspect
from modelint.report.numbers import group_figure, percent, si
from modelint.report.style import Style
from modelint.report.table import render_table
from modelint.report.target_report import target_lines
from modelint.report.text import model_summary
from modelint.rules.target_views import Hardware
from modelint.units import format_quantity

__all__ = ["GROUPINGS", "render_inspect_failure_json", "render_inspect_json", "render_inspect_text"]

GROUPINGS = {"op": "by_op", "scope": "by_scope", "layer": "by_layer"}


def _shape(analysis: ModelAnalysis, cost: NodeCost) -> str:
    node = analysis.graph.node(cost.key)
    info = analysis.graph.tensor(node.outputs[0]) if node.outputs else None
    if info is None or info.shape is None:
        return "?"
    return "x".join("?" if dim is None else str(dim) for dim in info.shape) or "scalar"


def _node_rows(analysis: ModelAnalysis, top: int | None) -> list[list[str]]:
    costs = list(analysis.costs.values())
    if top is not None:
        costs = sorted(costs, key=lambda c: (-(c.flops or 0), c.key))[:top]
    total = analysis.totals.flops
    rows = []
    for cost in costs:
        node = analysis.graph.node(cost.key)
        costed = cost.costed
        rows.append(
            [
                node.key,
                node.qualified_op,
                node.layer or node.scope or "",
                _shape(analysis, cost),
                si(cost.macs) if costed else "-",
                si(cost.flops) if costed else "uncosted",
                si(cost.params) if cost.params else "",
                percent(cost.flops or 0, total) if costed else "-",
                "; ".join(cost.assumptions) if costed else (cost.reason or ""),
            ]
        )
    return rows


def _group_rows(groups: tuple[Group, ...], total: int, top: int | None) -> list[list[str]]:
    chosen = groups[:top] if top is not None else groups
    return [
        [
            g.name,
            str(g.nodes),
            str(g.uncosted) if g.uncosted else "",
            group_figure(g.macs, g),
            group_figure(g.flops, g),
            si(g.params) if g.params else "",
            percent(g.flops, total),
        ]
        for g in chosen
    ]


def _time_cells(analysis: ModelAnalysis, hardware: Hardware, key: str) -> list[str]:
    """'time' and 'bound' of a node: its kernel's, on the kernel's first node."""
    target = hardware.target
    kernel = target.latency.by_node.get(key) if target is not None else None
    if kernel is None:
        return ["-", ""]
    if kernel.kernel.key != key:
        return ["fused", ""]
    if kernel.expected_s is None:
        return ["?", kernel.reason or ""]
    return [format_quantity(kernel.expected_s, "s"), kernel.bound or ""]


def _groups(analysis: ModelAnalysis, by: str, depth: int | None) -> tuple[Group, ...]:
    if by == "scope":
        return analysis.by_scope_at(depth)
    groups: tuple[Group, ...] = getattr(analysis, GROUPINGS[by])
    return groups


def _group_time(
    analysis: ModelAnalysis, hardware: Hardware, by: str, depth: int | None
) -> dict[str, float | None]:
    target = hardware.target
    if target is None:
        return {}

    def name_of(node: OpNode) -> str:
        if by == "op":
            return node.qualified_op
        if by == "scope":
            return scope_at(node.scope, depth)
        return layer_name(node)

    times: dict[str, float | None] = {}
    for kernel in target.latency.kernels:
        name, seconds = name_of(analysis.graph.node(kernel.kernel.key)), kernel.expected_s
        known = times.get(name, 0.0)
        times[name] = None if known is None or seconds is None else known + seconds  # '?'
    return times


def _node_table(analysis: ModelAnalysis, top: int | None, hardware: Hardware) -> list[str]:
    headers = ["node", "op", "layer/scope", "output", "MACs", "FLOPs", "params", "FLOPs %"]
    numeric = [False, False, False, False, True, True, True, True]
    rows = _node_rows(analysis, top)
    if hardware.target is not None:
        headers += ["time", "bound"]
        numeric += [True, False]
        rows = [[*row[:-1], *_time_cells(analysis, hardware, row[0]), row[-1]] for row in rows]
    return render_table([*headers, "notes"], rows, [*numeric, False])


def _group_table(
    analysis: ModelAnalysis, by: str, top: int | None, hardware: Hardware, depth: int | None
) -> list[str]:
    groups = _groups(analysis, by, depth)
    title = by if depth is None else f"{by} (depth {depth})"
    headers = [title, "nodes", "uncosted", "MACs", "FLOPs", "params", "FLOPs %"]
    numeric = [False, True, True, True, True, True, True]
    rows = _group_rows(groups, analysis.totals.flops, top)
    times = _group_time(analysis, hardware, by, depth)
    if hardware.target is not None:
        headers.append("time")
        numeric.append(True)
        rows = [[*row, format_quantity(times.get(row[0], 0.0), "s")] for row in rows]
    return render_table(headers, rows, numeric)


def render_inspect_text(
    analysis: ModelAnalysis,
    style: Style,
    *,
    by: str,
    top: int | None,
    hardware: Hardware | None = None,
    depth: int | None = None,
) -> str:
    """``depth``: with ``by`` 'scope', nested scopes rolled up to that depth."""
    hardware = hardware or Hardware()
    lines = [*model_summary(analysis, style), *target_lines(analysis, hardware), ""]
    if by == "node":
        lines += _node_table(analysis, top, hardware)
    else:
        lines += _group_table(analysis, by, top, hardware, depth)
    return "\n".join(lines) + "\n"


def render_inspect_json(
    analysis: ModelAnalysis,
    *,
    by: str,
    top: int | None,
    hardware: Hardware | None = None,
    depth: int | None = None,
) -> str:
    model = model_dict(analysis, nodes=True, groups=tuple(GROUPINGS.values()), hardware=hardware)
    if depth is not None:
        model["by_scope"] = [asdict(group) for group in analysis.by_scope_at(depth)]
    return render_json(run_dict_for_inspect(model, by=by, top=top, depth=depth))


def render_inspect_failure_json(
    path: str, message: str, kind: str, *, by: str, depth: int | None = None
) -> str:
    """The inspect JSON of a model that could not be read (``kind`` ``model``) or whose
    config is broken (``config``): no model, the error as check reports it."""
    error = {"path": path, "message": message, "kind": kind}
    return render_json(run_dict_for_inspect(None, by=by, top=None, depth=depth, error=error))
