"""The code-review report: Markdown for a pull-request comment or a CI job summary.

Per model: what it costs (params, MACs, FLOPs, memory, and latency on its hardware profile)
against its budgets, the findings, and — collapsed, so the comment stays short — the layers
that cost most, the ops modelint could not cost and the suppressed findings. GitHub renders
``<details>``; a blank line after ``<summary>`` lets the Markdown inside render too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from modelint.analysis import CONVENTION, ModelAnalysis
from modelint.analysis.model import ROOT_SCOPE, layer_name
from modelint.analysis.summary import group_costs
from modelint.findings import Finding, Severity
from modelint.graph import OpNode
from modelint.report.numbers import at_least, group_figure, percent, plural, si, uncosted_note
from modelint.report.printable import printable
from modelint.report.text import checked_counts
from modelint.rules import LoadFailure, ModelResult, RunResult
from modelint.rules.target_views import Hardware
from modelint.rules.timing import expected_time_by
from modelint.units import format_quantity

__all__ = ["cell", "details", "markdown_table", "render_markdown"]

TOP_ROWS = 5


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, line breaks, HTML tags or control
    characters (shown as escapes)."""
    return printable(
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """``align``: one letter per column, ``l`` or ``r``."""
    rule = ["---:" if side == "r" else "---" for side in align]
    return [
        f"| {' | '.join(headers)} |",
        f"|{'|'.join(rule)}|",
        *(f"| {' | '.join(row)} |" for row in rows),
    ]


def details(summary: str, body: Sequence[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _counts(findings: Sequence[Finding]) -> str:
    parts = [  # as the text summary counts them: '3 errors, 1 warning, 2 info'
        plural(n, level.label, level.label if level.label == "info" else None)
        for level in reversed(Severity)
        if (n := sum(1 for f in findings if f.severity == level))
    ]
    return ", ".join(parts) or "none"


def _use(value: float | None, budget: float | None, lower_bound: bool = False) -> str:
    if budget is None or value is None:
        return ""
    share = ("≥ " if lower_bound else "") + percent(value, budget)
    return f"**{share}**" if value > budget else share


def _memory(analysis: ModelAnalysis, hardware: Hardware) -> tuple[str, float | None]:
    memory = hardware.memory(analysis)
    if memory.total_bytes is None:
        weights = format_quantity(memory.weight_bytes, "B")
        return f"{weights} weights + ? activations", None
    return format_quantity(memory.total_bytes, "B"), memory.total_bytes


def _latency(hardware: Hardware) -> tuple[str, float | None]:
    target = hardware.target
    if target is None:
        return "", None
    latency = target.latency
    if latency.expected_s is None:
        return f"? ({latency.unknown[0]})", None
    optimistic = format_quantity(latency.optimistic_s, "s")
    return f"{format_quantity(latency.expected_s, 's')} (≥ {optimistic})", latency.expected_s


@dataclass(frozen=True, slots=True)
class _CostRow:
    name: str
    text: str
    value: float | None = None  # compared with the budget
    budget: float | None = None
    unit: str = "count"  # format_quantity dimension of the budget
    lower_bound: bool = False  # a sum over costed nodes only: the real value may be larger


def _cost_rows(result: ModelResult) -> list[_CostRow]:
    analysis, hardware = result.analysis, result.hardware
    totals, budgets = analysis.totals, hardware.budgets
    memory_text, memory = _memory(analysis, hardware)
    coverage = analysis.coverage
    note = f" ({uncosted_note(coverage)})" if not coverage.complete else ""
    flops = at_least(format_quantity(totals.flops, "ops"), coverage) + note
    rows = [_CostRow("params", si(totals.params), totals.params, budgets.params)]
    source = analysis.source_params
    if source is not None:  # the framework's own count: conversion folds some parameters away
        split = f"trainable {si(source.trainable)}, non-trainable {si(source.non_trainable)}"
        rows.append(_CostRow(f"params ({source.framework})", f"{si(source.total)} ({split})"))
    rows += [
        _CostRow("MACs", at_least(si(totals.macs), coverage) + note),
        _CostRow("FLOPs", flops, totals.flops, budgets.flops, "ops", not coverage.complete),
        _CostRow("memory", memory_text, memory, budgets.memory, "B"),
    ]
    latency_text, latency = _latency(hardware)
    if hardware.target is not None or budgets.latency is not None:
        text = latency_text or "? (needs a profile)"
        rows.append(_CostRow("latency", text, latency, budgets.latency, "s"))
    return rows


def _cost_table(result: ModelResult) -> list[str]:
    rows = _cost_rows(result)
    if all(row.budget is None for row in rows):
        return markdown_table(["metric", "value"], [[row.name, row.text] for row in rows], "lr")
    table = [
        [
            row.name,
            row.text,
            "" if row.budget is None else format_quantity(row.budget, row.unit),
            _use(row.value, row.budget, row.lower_bound),
        ]
        for row in rows
    ]
    return markdown_table(["metric", "value", "budget", "use"], table, "lrrr")


def _target_line(hardware: Hardware) -> list[str]:
    target = hardware.target
    if target is None:
        return []
    profile = target.profile
    mode = f" @{profile.mode}" if profile.mode else ""
    precision = target.precision or "unknown precision"
    origin = target.precision_origin
    line = f"Target `{profile.id}{mode}` ({profile.name}), {precision} (from {origin})."
    unsupported = target.placement.unsupported()
    if unsupported:
        line += f" {plural(len(unsupported), 'node')} not supported on the target."
    return [line, ""]


def _finding_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [
        [
            f.severity.label,
            f"{f.rule_id} `{f.rule_name}`" if f.rule_name else f.rule_id,
            cell(f.location.shown_layer),
            cell(f.location.node or ""),
            cell(f.message),
        ]
        for f in findings
    ]


def _findings(result: ModelResult) -> list[str]:
    active = result.active()
    lines = [f"**Findings:** {_counts(active)}", ""]
    if active:
        headers = ["severity", "rule", "layer", "node", "message"]
        lines += [*markdown_table(headers, _finding_rows(active), "lllll"), ""]
    suppressed = [f for f in result.findings if f.suppression is not None]
    if suppressed:
        rows = [
            [*row[1:4], cell(f.suppression or "")]
            for row, f in zip(_finding_rows(suppressed), suppressed, strict=True)
        ]
        table = markdown_table(["rule", "layer", "node", "reason"], rows, "llll")
        lines += details(f"Suppressed findings ({len(suppressed)})", table)
    return lines


def _node_key(node: OpNode) -> str:
    return node.key


def _contributors(analysis: ModelAnalysis) -> tuple[str, Callable[[OpNode], str]]:
    """Rows by layer; by node when the model has neither layers nor name scopes (one
    '(root)' row would say nothing)."""
    if any(group.name != ROOT_SCOPE for group in analysis.by_layer):
        return "layers", layer_name
    return "nodes", _node_key


def _top_contributors(result: ModelResult) -> list[str]:
    analysis = result.analysis
    what, key = _contributors(analysis)
    groups = group_costs(analysis.graph.nodes.values(), analysis.costs, key)
    groups = tuple(group for group in groups if group.flops or group.params)
    if not groups:
        return []
    times = expected_time_by(result, key) or {}
    headers = [what[:-1], "MACs", "FLOPs", "share", "params"] + (["time"] if times else [])
    rows = []
    for group in groups[:TOP_ROWS]:
        row = [
            cell(group.name),
            group_figure(group.macs, group),
            group_figure(group.flops, group),
            percent(group.flops, analysis.totals.flops),
            si(group.params),
        ]
        if times:
            if group.name not in times:  # fused into another row's kernel
                row.append("-")
            else:
                row.append(format_quantity(times[group.name], "s"))  # '?': not known
        rows.append(row)
    shown = f"{min(TOP_ROWS, len(groups))} of {len(groups)}"
    table = markdown_table(headers, rows, "lrrrr" + ("r" if times else ""))
    return details(f"Top {what} by FLOPs ({shown})", table)


def _uncosted(analysis: ModelAnalysis) -> list[str]:
    coverage = analysis.coverage
    if coverage.complete:
        return []
    rows = [
        [cell(item.op), str(item.nodes), cell("; ".join(item.reasons))]
        for item in coverage.uncosted
    ]
    share = coverage.flops_share
    estimate = (
        "unknown share of FLOPs" if share is None else f"~{share * 100:.1f} % of FLOPs costed"
    )
    missing = coverage.nodes - coverage.costed_nodes
    summary = f"Uncosted ops: {missing} of {coverage.nodes} nodes ({estimate})"
    return details(summary, markdown_table(["op", "nodes", "reason"], rows, "lrl"))


def _undecided(result: ModelResult) -> list[str]:
    return [
        f"- {rule_id} could not decide{where}: {cell(reason)}"
        for rule_id, where, reason in result.undecided_rules()
    ]


def _model_section(result: ModelResult) -> list[str]:
    undecided = _undecided(result)
    return [
        f"### `{cell(result.analysis.path)}`",
        "",
        *_target_line(result.hardware),
        *_cost_table(result),
        "",
        *_findings(result),
        *([*undecided, ""] if undecided else []),
        *_top_contributors(result),
        *_uncosted(result.analysis),
    ]


def _overview(run: RunResult) -> list[str]:
    rows = []
    for result in run.models:
        analysis = result.analysis
        latency, _ = _latency(result.hardware)
        rows.append(
            [
                f"`{cell(analysis.path)}`",
                si(analysis.totals.params),
                at_least(si(analysis.totals.macs), analysis.coverage),
                at_least(format_quantity(analysis.totals.flops, "ops"), analysis.coverage),
                _memory(analysis, result.hardware)[0],
                latency or "-",
                _counts(result.active()),
            ]
        )
    headers = ["model", "params", "MACs", "FLOPs", "memory", "latency", "findings"]
    return markdown_table(headers, rows, "lrrrrrl")


def _cause(failure: LoadFailure) -> str:
    """The message less the path it starts with: the bullet names the file already."""
    return failure.message.removeprefix(f"{failure.path}: ")


def render_markdown(run: RunResult) -> str:
    """The whole report. Paths are shown as the run named them."""
    active = run.active()
    suppressed = len(run.findings()) - len(active)
    lines = [f"## modelint: {checked_counts(run)}; findings: {_counts(active)}", ""]
    if suppressed:
        lines += [f"{plural(suppressed, 'finding')} suppressed by the config.", ""]
    for failure in run.failures:
        what = "config error" if failure.kind == "config" else "could not read"
        lines.append(f"- **{what}** `{cell(failure.path)}`: {cell(_cause(failure))}")
    if run.failures:
        lines.append("")
    if len(run.models) > 1:
        lines += [*_overview(run), ""]
    for result in run.models:
        lines += _model_section(result)
    config = [f for f in run.config_findings if f.suppression is None]
    if config:
        lines += [
            "### Config",
            "",
            *markdown_table(
                ["severity", "rule", "where", "message"],
                [
                    [f.severity.label, f.rule_id, cell(f.location.node or ""), cell(f.message)]
                    for f in config
                ],
                "llll",
            ),
            "",
        ]
    lines.append(f"<sub>modelint · counting convention {CONVENTION}</sub>")
    return "\n".join(lines) + "\n"
