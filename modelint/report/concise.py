"""The concise report: one line per finding, one per rule that could not decide, and a count.
pre-commit shows a hook's output only when it fails, so every line there says something
about the gate: a rule left undecided (a FLOP budget over uncosted nodes) neither passed nor
failed, and the line says why."""

from __future__ import annotations

from modelint.report.printable import printable
from modelint.report.style import Style
from modelint.report.text import checked_counts, finding_counts, finding_line
from modelint.rules import RunResult

__all__ = ["render_check_concise"]


def render_check_concise(run: RunResult, style: Style) -> str:
    lines = [finding_line(finding, style) for finding in run.active()]
    lines += [
        printable(f"{model.analysis.path}: undecided {rule_id}{where}: {reason}")
        for model in run.models
        for rule_id, where, reason in model.undecided_rules()
    ]
    suppressed = len(run.findings()) - len(run.active())
    tail = f", {suppressed} suppressed" if suppressed else ""
    lines.append(f"{checked_counts(run)}: {finding_counts(run)}{tail}")
    return "\n".join(lines) + "\n"
