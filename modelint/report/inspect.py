"""``modelint inspect``: a per-node table, or per op type / name scope / source layer."""

from __future__ import annotations

from modelint.analysis import Group, ModelAnalysis, NodeCost
from modelint.report.json_report import model_dict, render_json, run_dict_for_inspect
from modelint.report.numbers import percent, si
from modelint.report.style import Style
from modelint.report.table import render_table
from modelint.report.text import model_summary

__all__ = ["GROUPINGS", "render_inspect_json", "render_inspect_text"]

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
                percent(cost.flops or 0, total),
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
            si(g.macs),
            si(g.flops),
            si(g.params) if g.params else "",
            percent(g.flops, total),
        ]
        for g in chosen
    ]


def render_inspect_text(analysis: ModelAnalysis, style: Style, *, by: str, top: int | None) -> str:
    lines = [*model_summary(analysis, style), ""]
    if by == "node":
        headers = [
            "node",
            "op",
            "layer/scope",
            "output",
            "MACs",
            "FLOPs",
            "params",
            "FLOPs %",
            "notes",
        ]
        numeric = [False, False, False, False, True, True, True, True, False]
        lines += render_table(headers, _node_rows(analysis, top), numeric)
    else:
        groups: tuple[Group, ...] = getattr(analysis, GROUPINGS[by])
        headers = [by, "nodes", "uncosted", "MACs", "FLOPs", "params", "FLOPs %"]
        numeric = [False, True, True, True, True, True, True]
        lines += render_table(headers, _group_rows(groups, analysis.totals.flops, top), numeric)
    return "\n".join(lines) + "\n"


def render_inspect_json(analysis: ModelAnalysis, *, by: str, top: int | None) -> str:
    return render_json(
        run_dict_for_inspect(
            model_dict(analysis, nodes=True, groups=tuple(GROUPINGS.values())), by=by, top=top
        )
    )
