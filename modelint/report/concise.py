"""The concise report: one line per finding and a count, nothing else. pre-commit shows a
hook's output only when it fails, so every line there must be a finding."""

from __future__ import annotations

from modelint.report.style import Style
from modelint.report.text import checked_counts, finding_counts, finding_line
from modelint.rules import RunResult

__all__ = ["render_check_concise"]


def render_check_concise(run: RunResult, style: Style) -> str:
    lines = [finding_line(finding, style) for finding in run.active()]
    suppressed = len(run.findings()) - len(run.active())
    tail = f", {suppressed} suppressed" if suppressed else ""
    lines.append(f"{checked_counts(run)}: {finding_counts(run)}{tail}")
    return "\n".join(lines) + "\n"
