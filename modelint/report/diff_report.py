"""``modelint diff`` as text, Markdown (a pull-request comment) or JSON.

Counts are exact (``+221,184``) so a reviewer can check them by hand; sizes and times use
units. Tables list changed rows only, largest FLOP change first, at most ``top`` each (JSON:
all of them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from modelint._version import __version__
from modelint.analysis import CONVENTION
from modelint.diff import Delta, DiffResult, ModelDiff, NodeDelta, RowDelta
from modelint.findings import Finding
from modelint.report.json_report import finding_dict
from modelint.report.markdown import cell, details, markdown_table
from modelint.report.numbers import plural
from modelint.report.printable import printable
from modelint.report.table import render_table
from modelint.units import format_quantity

__all__ = ["render_diff_json", "render_diff_markdown", "render_diff_text"]

DIFF_SCHEMA = 1


@dataclass(frozen=True, slots=True)
class _Total:
    label: str
    key: str
    unit: str | None  # format_quantity dimension; None: an exact count


_TOTALS = (
    _Total("MACs", "macs", None),
    _Total("FLOPs", "flops", None),
    _Total("transcendentals", "transcendentals", None),
    _Total("uncosted nodes", "uncosted_nodes", None),
    _Total("params", "params", None),
    _Total("weights", "weight_bytes", "B"),
    _Total("memory", "memory_bytes", "B"),
    _Total("latency", "latency_s", "s"),
)


def _value(value: float | None, unit: str | None) -> str:
    if value is None:
        return "?"
    return format_quantity(value, unit) if unit else f"{value:,}"


def signed(value: float | None, unit: str | None = None) -> str:
    """``+1,234``, ``-2 KiB``, ``0``; ``?`` when either side is unknown."""
    if value is None:
        return "?"
    if value == 0 or (unit == "s" and abs(value) < 1e-12):  # float sums: no '+1e-21 s'
        return "0"
    return ("+" if value > 0 else "-") + _value(abs(value), unit)


def _relative(delta: Delta) -> str:
    share = delta.relative
    return "" if share is None or not delta.change else f"{share * 100:+.1f} %"


_SUMS = ("macs", "flops", "transcendentals")  # over costed nodes: lower bounds with uncosted


def _total_rows(diff: ModelDiff) -> list[list[str]]:
    """A row per total; MACs, FLOPs and transcendentals of a side with uncosted nodes read
    '≥ x' (the 'uncosted nodes' row, shown then, says how many)."""
    uncosted = diff.totals.get("uncosted_nodes", Delta(0, 0))
    rows = []
    for total in _TOTALS:
        delta = diff.totals.get(total.key)
        if delta is None or (delta is uncosted and not (delta.old or delta.new)):
            continue
        sides = [_value(delta.old, total.unit), _value(delta.new, total.unit)]
        if total.key in _SUMS:
            counts = (uncosted.old, uncosted.new)
            sides = [f"≥ {text}" if n else text for text, n in zip(sides, counts, strict=True)]
        rows.append([total.label, *sides, signed(delta.change, total.unit), _relative(delta)])
    return rows


def _matching_line(diff: ModelDiff) -> str:
    match = diff.matching
    return (
        f"{len(match.pairs())} matched ({len(match.by_name)} by name, "
        f"{len(match.by_structure)} by structure), {len(match.added)} added, "
        f"{len(match.removed)} removed"
    )


def _changed(rows: Sequence[RowDelta]) -> list[RowDelta]:
    return [row for row in rows if row.status != "same"]


def _row_cells(row: RowDelta) -> list[str]:
    cells = [
        row.status,
        signed(row.macs.change),
        signed(row.flops.change),
        signed(row.params.change),
        signed(row.nodes.change),
    ]
    return cells if row.latency is None else [*cells, signed(row.latency.change, "s")]


def _row_headers(title: str, rows: Sequence[RowDelta]) -> list[str]:
    timed = ["Δlatency"] if rows and rows[0].latency is not None else []
    return [title, "status", "ΔMACs", "ΔFLOPs", "Δparams", "Δnodes", *timed]


def _node_cells(node: NodeDelta) -> list[str]:
    key = node.new_key or node.old_key or ""
    if node.matched_by == "structure":
        key = f"{node.old_key} -> {node.new_key}"
    return [
        key,
        node.op_change,
        node.layer,
        node.status,
        signed(node.macs.change),
        signed(node.flops.change),
        signed(node.params.change),
    ]


def _finding_text(finding: Finding) -> str:
    where = finding.location
    node = f" [{where.layer or where.node}]" if where.node else ""
    text = f"{finding.severity.label} {finding.rule_id} {finding.rule_name}{node} {finding.message}"
    return printable(text)  # names from the model: one line, no escape sequences


_NODE_HEADERS = ["node", "op", "layer", "status", "ΔMACs", "ΔFLOPs", "Δparams"]


def _text_model(diff: ModelDiff, top: int) -> list[str]:
    profile = f"  [profile {diff.profile}]" if diff.profile else ""
    lines = [printable(f"{diff.old_path} -> {diff.new_path}{profile}")]
    lines += render_table(
        ["metric", "old", "new", "change", "%"],
        _total_rows(diff),
        [False, True, True, True, True],
        indent="  ",
    )
    lines.append(f"  nodes: {_matching_line(diff)}")
    for title, rows in (("op type", diff.by_op), ("layer", diff.by_layer)):
        changed = _changed(rows)
        if changed:
            lines.append(f"  by {title} ({len(changed)} changed; {_shown(changed, top)})")
            table = [[row.name, *_row_cells(row)] for row in changed[:top]]
            headers = _row_headers(title, changed)
            numeric = [False, False, *[True] * (len(headers) - 2)]
            lines += render_table(headers, table, numeric, indent="    ")
    if diff.nodes:
        lines.append(f"  nodes ({len(diff.nodes)} changed; {_shown(diff.nodes, top)})")
        table = [_node_cells(node) for node in diff.nodes[:top]]
        lines += render_table(_NODE_HEADERS, table, [False] * 4 + [True] * 3, indent="    ")
    changes = diff.findings
    lines.append(
        f"  findings: {len(changes.new)} new, {len(changes.gone)} gone, {changes.kept} unchanged"
    )
    lines += [f"    + {_finding_text(f)}" for f in changes.new]
    lines += [f"    - {_finding_text(f)}" for f in changes.gone]
    return [*lines, ""]


def _shown(rows: Sequence[Any], top: int) -> str:
    return "all shown" if len(rows) <= top else f"top {top} shown"


def _unpaired_lines(result: DiffResult, *, failures: bool = True) -> list[str]:
    lines = [f"only in OLD: {path}" for path in result.only_old]
    lines += [f"only in NEW: {path}" for path in result.only_new]
    if failures:
        lines += [f"could not read: {printable(failure.message)}" for failure in result.failures]
    return lines


def render_diff_text(result: DiffResult, top: int = 10) -> str:
    """The terminal report; unreadable models are on stderr already (one line each), so
    the summary only counts them."""
    lines = [line for diff in result.models for line in _text_model(diff, top)]
    lines += _unpaired_lines(result, failures=False)
    unreadable = f", {len(result.failures)} could not be read" if result.failures else ""
    lines.append(f"{plural(len(result.models), 'model pair')} compared{unreadable}")
    return "\n".join(lines) + "\n"


def _markdown_model(diff: ModelDiff, top: int) -> list[str]:
    profile = f" on `{diff.profile}`" if diff.profile else ""
    lines = [f"### `{cell(diff.old_path)}` → `{cell(diff.new_path)}`{profile}", ""]
    lines += markdown_table(["metric", "old", "new", "change", "%"], _total_rows(diff), "lrrrr")
    lines += ["", f"Nodes: {_matching_line(diff)}.", ""]
    changes = diff.findings
    lines.append(
        f"**Findings:** {len(changes.new)} new, {len(changes.gone)} gone, {changes.kept} unchanged"
    )
    lines.append("")
    rows = [["new", *_finding_cells(f)] for f in changes.new]
    rows += [["gone", *_finding_cells(f)] for f in changes.gone]
    if rows:
        headers = ["", "severity", "rule", "layer", "node", "message"]
        lines += [*markdown_table(headers, rows, "llllll"), ""]
    for title, groups in (("op type", diff.by_op), ("layer", diff.by_layer)):
        changed = _changed(groups)
        if changed:
            table = [[cell(row.name), *_row_cells(row)] for row in changed[:top]]
            headers = _row_headers(title, changed)
            body = markdown_table(headers, table, "ll" + "r" * (len(headers) - 2))
            lines += details(f"By {title}: {len(changed)} changed ({_shown(changed, top)})", body)
    if diff.nodes:
        table = [[cell(text) for text in _node_cells(node)] for node in diff.nodes[:top]]
        body = markdown_table(_NODE_HEADERS, table, "llllrrr")
        lines += details(f"Nodes: {len(diff.nodes)} changed ({_shown(diff.nodes, top)})", body)
    return lines


def _finding_cells(finding: Finding) -> list[str]:
    where = finding.location
    return [
        finding.severity.label,
        f"{finding.rule_id} `{finding.rule_name}`",
        cell(where.shown_layer),
        cell(where.node or ""),
        cell(finding.message),
    ]


def render_diff_markdown(result: DiffResult, top: int = 10) -> str:
    lines = [f"## modelint diff: {plural(len(result.models), 'model')}", ""]
    for diff in result.models:
        lines += _markdown_model(diff, top)
    unpaired = _unpaired_lines(result)
    if unpaired:
        lines += [*(f"- {cell(line)}" for line in unpaired), ""]
    lines.append(f"<sub>modelint · counting convention {CONVENTION}</sub>")
    return "\n".join(lines) + "\n"


def _delta_dict(delta: Delta) -> dict[str, Any]:
    return {"old": delta.old, "new": delta.new, "change": delta.change}


def _row_dict(row: RowDelta) -> dict[str, Any]:
    found = {
        "name": row.name,
        "status": row.status,
        "macs": _delta_dict(row.macs),
        "flops": _delta_dict(row.flops),
        "params": _delta_dict(row.params),
        "nodes": _delta_dict(row.nodes),
    }
    if row.latency is not None:
        found["latency_s"] = _delta_dict(row.latency)
    return found


def _node_dict(node: NodeDelta) -> dict[str, Any]:
    return {
        "old_key": node.old_key,
        "new_key": node.new_key,
        "op_type": node.op_type,
        "old_op_type": node.old_op_type,
        "layer": node.layer,
        "status": node.status,
        "matched_by": node.matched_by,
        "macs": _delta_dict(node.macs),
        "flops": _delta_dict(node.flops),
        "params": _delta_dict(node.params),
    }


def _model_dict(diff: ModelDiff) -> dict[str, Any]:
    match = diff.matching
    return {
        "old": diff.old_path,
        "new": diff.new_path,
        "profile": diff.profile,
        "totals": {key: _delta_dict(delta) for key, delta in diff.totals.items()},
        "matching": {
            "by_name": len(match.by_name),
            "by_structure": [list(pair) for pair in match.by_structure],
            "added": list(match.added),
            "removed": list(match.removed),
        },
        "by_op": [_row_dict(row) for row in _changed(diff.by_op)],
        "by_layer": [_row_dict(row) for row in _changed(diff.by_layer)],
        "nodes": [_node_dict(node) for node in diff.nodes],
        "findings": {
            "new": [finding_dict(f) for f in diff.findings.new],
            "gone": [finding_dict(f) for f in diff.findings.gone],
            "unchanged": diff.findings.kept,
        },
    }


def render_diff_json(result: DiffResult) -> str:
    data = {
        "modelint": __version__,
        "schema": DIFF_SCHEMA,
        "convention": CONVENTION,
        "models": [_model_dict(diff) for diff in result.models],
        "only_old": list(result.only_old),
        "only_new": list(result.only_new),
        "errors": [{"path": f.path, "message": f.message} for f in result.failures],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
