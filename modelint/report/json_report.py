"""The JSON report (schema: docs/json.md). Stable keys, no timestamps: byte-identical runs."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from modelint._version import __version__
from modelint.analysis import CONVENTION, Coverage, ModelAnalysis, NodeCost
from modelint.findings import Finding, Severity
from modelint.report.printable import valid_utf8
from modelint.report.target_report import node_latency, target_dict
from modelint.rules import ModelResult, RunResult
from modelint.rules.target_views import Hardware

__all__ = ["finding_dict", "model_dict", "node_dict", "render_json", "run_dict"]

SCHEMA_VERSION = 1


def node_dict(analysis: ModelAnalysis, cost: NodeCost) -> dict[str, Any]:
    node = analysis.graph.node(cost.key)
    outputs = []
    for name in node.outputs:
        info = analysis.graph.tensor(name)
        outputs.append(
            {
                "name": name,
                "shape": list(info.shape) if info is not None and info.shape is not None else None,
                "dtype": info.dtype if info is not None else None,
            }
        )
    return {
        "key": node.key,
        "name": node.name,
        "op_type": node.op_type,
        "domain": node.domain,
        "graph_path": node.graph_path,
        "scope": node.scope,
        "layer": node.layer,
        "costed": cost.costed,
        "reason": cost.reason,
        "macs": cost.macs,
        "flops": cost.flops,
        "transcendentals": cost.transcendentals,
        "params": cost.params,
        "weight_bytes": cost.weight_bytes,
        "act_in_bytes": cost.act_in_bytes,
        "act_out_bytes": cost.act_out_bytes,
        "multiplier": cost.multiplier,
        "assumptions": list(cost.assumptions),
        "outputs": outputs,
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    where = finding.location
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": where.path,
        "graph_path": where.graph_path,
        "node": where.node,
        "op_type": where.op_type,
        "layer": where.layer,
        "fingerprint": finding.fingerprint,
        "structural_fingerprint": finding.structural,
        "properties": dict(finding.properties),
        "suppression": finding.suppression,
    }


def _coverage_dict(coverage: Coverage) -> dict[str, Any]:
    data = asdict(coverage)
    data["uncosted"] = [
        asdict(item) | {"reasons": list(item.reasons)} for item in coverage.uncosted
    ]
    return data | {"node_share": coverage.node_share, "complete": coverage.complete}


def model_dict(
    analysis: ModelAnalysis,
    *,
    nodes: bool = False,
    groups: tuple[str, ...] = ("by_op",),
    hardware: Hardware | None = None,
) -> dict[str, Any]:
    graph, source = analysis.graph, analysis.source_params
    data: dict[str, Any] = {
        "path": analysis.path,
        "format": analysis.format,
        "ir_version": graph.ir_version,
        "producer": graph.producer_name,
        "opsets": dict(sorted(graph.opsets.items())),
        "totals": asdict(analysis.totals) | {"lower_bound": not analysis.coverage.complete},
        "source_params": None if source is None else asdict(source) | {"total": source.total},
        "coverage": _coverage_dict(analysis.coverage),
        "shapes": {
            "bindings": [asdict(binding) for binding in analysis.bindings],
            "unbound": list(analysis.unbound),
        },
        "notes": list(analysis.notes),
    }
    for name in groups:
        data[name] = [asdict(group) for group in getattr(analysis, name)]
    hardware = hardware or Hardware()
    target = target_dict(analysis, hardware)
    if target is not None:
        data["target"] = target
    if nodes:
        data["nodes"] = [node_dict(analysis, cost) for cost in analysis.costs.values()]
        if hardware.target is not None:
            by_node = hardware.target.latency.by_node
            for node in data["nodes"]:
                node["latency"] = node_latency(by_node.get(node["key"]), node["key"])
    return data


def _result_dict(result: ModelResult, *, nodes: bool) -> dict[str, Any]:
    data = model_dict(result.analysis, nodes=nodes, hardware=result.hardware)
    data["findings"] = [finding_dict(f) for f in sorted(result.findings)]
    data["undecided"] = [  # node null: the rule is about the whole model
        asdict(item) | {"node": item.node or None} for item in result.undecided
    ]
    return data


def run_dict(run: RunResult, *, nodes: bool = False) -> dict[str, Any]:
    return {
        "modelint": __version__,
        "schema": SCHEMA_VERSION,
        "convention": CONVENTION,
        "models": [_result_dict(result, nodes=nodes) for result in run.models],
        "config_findings": [finding_dict(f) for f in run.config_findings],
        "errors": [{"path": f.path, "message": f.message, "kind": f.kind} for f in run.failures],
        "summary": {
            "models": len(run.models),
            "errors": len(run.failures),
            "excluded": run.excluded,
            "findings": {level.label: run.count(level) for level in reversed(Severity)},
            "suppressed": len(run.findings()) - len(run.active()),
        },
    }


def render_json(data: dict[str, Any]) -> str:
    """Readable UTF-8 (``ensure_ascii`` off), but a lone surrogate (a file name's bytes that
    are not UTF-8) as its ``\\udcxx`` escape: written raw, it made the document invalid."""
    return valid_utf8(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def run_dict_for_inspect(
    model: dict[str, Any] | None,
    *,
    by: str,
    top: int | None,
    depth: int | None = None,
    error: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The inspect JSON: the same envelope as check, with one model (nodes included) or the
    error that kept it from being read. ``top`` cuts the rows of the view asked for.
    Inspect does not lint: ``findings`` is null (not known), not an empty list."""
    if model is not None:
        if top is not None:
            rows = _VIEW_ROWS[by]
            if by == "node":
                model[rows] = sorted(model[rows], key=lambda n: (-(n["flops"] or 0), n["key"]))
            model[rows] = model[rows][:top]
        model["findings"] = None
    return {
        "modelint": __version__,
        "schema": SCHEMA_VERSION,
        "convention": CONVENTION,
        "view": by,
        "depth": depth,
        "models": [model] if model is not None else [],
        "errors": [error] if error is not None else [],
        "summary": {
            "models": 1 if model is not None else 0,
            "errors": 1 if error is not None else 0,
            "findings": None,
        },
    }


# inspect's --by: the array of the model object that is its rows (group rows come sorted
# by FLOPs, descending)
_VIEW_ROWS = {"node": "nodes", "op": "by_op", "scope": "by_scope", "layer": "by_layer"}
