"""The text report of ``modelint check``: a summary block per model, then findings."""

from __future__ import annotations

from modelint.analysis import CONVENTION, ModelAnalysis
from modelint.findings import Finding, Severity
from modelint.report.numbers import at_least, bytes_text, count_text, percent, plural, uncosted_note
from modelint.report.printable import printable
from modelint.report.style import Style
from modelint.report.target_report import target_lines
from modelint.rules import ModelResult, RunResult

__all__ = ["checked_counts", "finding_counts", "finding_line", "model_summary", "render_check_text"]

_TOP_OPS = 5


def finding_line(finding: Finding, style: Style) -> str:
    where = finding.location
    node = printable(f" [{where.layer or where.node}]") if where.node else ""
    rule = f"{finding.rule_id} {finding.rule_name}".strip()
    return (  # names from the model are escaped, the style's own colour codes are not
        f"{printable(where.path)}: {style.severity(finding.severity)} "
        f"{style.paint(rule, 'bold')}{node} {printable(finding.message)}"
    )


def _opsets(analysis: ModelAnalysis) -> str:
    return ", ".join(
        f"{domain} {version}" for domain, version in sorted(analysis.graph.opsets.items())
    )


def _coverage_lines(analysis: ModelAnalysis) -> list[str]:
    coverage = analysis.coverage
    line = (
        f"  coverage  {coverage.costed_nodes}/{coverage.nodes} nodes costed "
        f"({percent(coverage.costed_nodes, coverage.nodes)})"
    )
    if coverage.complete:
        return [line]
    share = coverage.flops_share
    line += (
        "; costed share of FLOPs unknown"
        if share is None  # an upper bound: each uncosted node is taken at 1 FLOP per element
        else f"; costed FLOPs at most ~{share * 100:.1f} % of the total (estimate)"
    )
    lines = [line]
    for item in coverage.uncosted:
        lines.append(
            f"  uncosted  {item.op} x{item.nodes}: {item.reasons[0] if item.reasons else ''}"
        )
    return lines


def _params_line(analysis: ModelAnalysis) -> str:
    totals = analysis.totals
    line = (
        f"  params    {count_text(totals.params)}  weights {bytes_text(totals.weight_bytes)}"
        " (ONNX initializers)"
    )
    source = analysis.source_params
    if source is not None:
        line += (
            f"\n  {source.framework:<9} {source.total:,} params (trainable "
            f"{source.trainable:,}, non-trainable {source.non_trainable:,})"
        )
        line += _params_gap(source.total - totals.params)
    return line


def _params_gap(fewer: int) -> str:
    """Why the ONNX count differs from the framework's (docs/tensorflow.md, "Parameter
    counts")."""
    if fewer > 0:  # the usual case
        return (
            f"; ONNX has {fewer:,} fewer: conversion folds BatchNormalization into the weights,"
            " drops all-zero biases and shares identical constants, and one-element constants"
            " are literals, not parameters (docs/tensorflow.md)"
        )
    if fewer < 0:
        return (
            f"; ONNX has {-fewer:,} more: constants the conversion created (see inspect;"
            " docs/tensorflow.md)"
        )
    return ""


def model_summary(analysis: ModelAnalysis, style: Style) -> list[str]:
    totals = analysis.totals
    header = (
        f"{style.paint(printable(analysis.path), 'bold')}  "
        f"[{analysis.format}; opset {_opsets(analysis)}; {CONVENTION}]"
    )
    coverage = analysis.coverage
    note = f" ({uncosted_note(coverage)})" if not coverage.complete else ""
    lines = [
        header,
        _params_line(analysis),
        f"  MACs      {at_least(count_text(totals.macs), coverage)}{note}",
        f"  FLOPs     {at_least(count_text(totals.flops), coverage)}{note}"
        f"  transcendentals {at_least(count_text(totals.transcendentals), coverage)}",
        *_coverage_lines(analysis),
    ]
    if analysis.bindings:
        bound = ", ".join(binding.describe() for binding in analysis.bindings)
        lines.append(f"  shapes    bound {bound}")
    if analysis.unbound:
        lines.append(f"  shapes    unbound {', '.join(analysis.unbound)} (use --input-shape)")
    ops = [g for g in analysis.by_op if g.flops][:_TOP_OPS]
    if ops:
        top = "  ".join(f"{g.name} {percent(g.flops, totals.flops)}" for g in ops)
        lines.append(f"  top ops   {top}  (share of FLOPs)")
    lines.extend(f"  note      {note}" for note in analysis.notes)
    return lines


def _result_lines(result: ModelResult, style: Style) -> list[str]:
    lines = [
        *model_summary(result.analysis, style),
        *target_lines(result.analysis, result.hardware),
    ]
    lines.extend(finding_line(f, style) for f in result.active())
    suppressed = len(result.findings) - len(result.active())
    if suppressed:
        lines.append(f"  ({plural(suppressed, 'finding')} suppressed by the config)")
    for rule_id, where, reason in result.undecided_rules():
        lines.append(f"  undecided {rule_id}{where}: {reason}")
    return [*lines, ""]


def render_check_text(run: RunResult, style: Style) -> str:
    out: list[str] = []
    for result in run.models:
        out.extend(_result_lines(result, style))
    out.extend(finding_line(f, style) for f in run.config_findings if f.suppression is None)
    out.append(f"{checked_counts(run, always_unread=True)}; findings: {finding_counts(run)}")
    return "\n".join(out) + "\n"


def checked_counts(run: RunResult, *, always_unread: bool = False) -> str:
    """'2 models checked, 1 could not be read, 1 config error, 3 excluded': the parts that
    are not 0 (models unread always, with ``always_unread``)."""
    parts = [f"{plural(len(run.models), 'model')} checked"]
    if run.unread() or always_unread:
        parts.append(f"{run.unread()} could not be read")
    if run.config_errors():
        parts.append(plural(run.config_errors(), "config error"))
    if run.excluded:
        parts.append(f"{run.excluded} excluded")
    return ", ".join(parts)


def finding_counts(run: RunResult) -> str:
    """'0 errors, 1 warning, 2 info' (unsuppressed findings)."""
    return ", ".join(
        plural(run.count(level), level.label, "info" if level == Severity.INFO else None)
        for level in reversed(Severity)
    )
