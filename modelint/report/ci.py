"""Formats for CI annotations: GitHub Actions workflow commands and GitLab Code Quality.

Both attach a finding to its model file (repository-relative), without a line: models are
binary. Suppressed findings are left out: neither format has a way to show them as
dismissed (SARIF does). Load failures are annotated too, so a broken model is never silent.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from modelint.findings import Finding, Severity
from modelint.report.locations import artifact_location
from modelint.report.printable import printable
from modelint.rules import RunResult

__all__ = ["gitlab_issues", "render_github", "render_gitlab"]

_GITHUB_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# GitLab's scale is info < minor < major < critical < blocker; blocker is kept for a model
# that could not be read at all (nothing about it was checked).
_GITLAB_SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def _where(finding: Finding) -> str:
    where = finding.location
    if where.node is None:
        return ""
    layer = where.layer if where.layer and where.layer != where.node else None
    return f" [{where.node}{f' in {layer}' if layer else ''}]"


def _escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF would end or corrupt the command; other
    control characters (a node name's ESC) are shown as escapes, never sent raw."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_line(command: str, path: str, title: str, message: str) -> str:
    return (
        f"::{command} file={_escape_property(path)},title={_escape_property(title)}"
        f"::{_escape_data(message)}"
    )


def render_github(run: RunResult, root: Path) -> str:
    """``::error file=models/a.onnx,title=modelint MLH001 (flop-budget)::...`` per finding:
    GitHub Actions turns these lines into annotations on the pull request."""
    lines = []
    for finding in run.active():
        path = artifact_location(finding.location.path, root).path
        title = f"modelint {finding.rule_id} ({finding.rule_name or finding.rule_id})"
        message = f"{path}: {finding.rule_id}{_where(finding)} {finding.message}"
        lines.append(_github_line(_GITHUB_COMMANDS[finding.severity], path, title, message))
    for failure in run.failures:
        path = artifact_location(failure.path, root).path
        lines.append(_github_line("error", path, f"modelint: {failure.what}", failure.message))
    return "".join(f"{line}\n" for line in lines)


def _unique(fingerprint: str, seen: dict[str, int]) -> str:
    """GitLab needs distinct fingerprints; a rule that reports twice on one node gets its
    repeat salted with the ordinal (stable: findings come in report order)."""
    count = seen.get(fingerprint, 0)
    seen[fingerprint] = count + 1
    if count == 0:
        return fingerprint
    return hashlib.sha256(f"{fingerprint}|{count}".encode()).hexdigest()


def _gitlab_issue(
    check: str, description: str, fingerprint: str, severity: str, path: str
) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": check,
        "description": description,
        "categories": ["Bug Risk"],
        "severity": severity,
        "fingerprint": fingerprint,
        # Code Quality requires a line; a model has none, so every issue sits on line 1.
        "location": {"path": path, "lines": {"begin": 1}},
    }


def gitlab_issues(run: RunResult, root: Path) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    issues = [
        _gitlab_issue(
            f"modelint/{finding.rule_id}",
            f"{finding.rule_id} {finding.rule_name}{_where(finding)}: {finding.message}",
            _unique(finding.fingerprint, seen),
            _GITLAB_SEVERITIES[finding.severity],
            artifact_location(finding.location.path, root).path,
        )
        for finding in run.active()
    ]
    for failure in run.failures:
        path = artifact_location(failure.path, root).path
        if failure.kind == "config":  # one issue per problem of the file
            text = f"config|{path}|{failure.message}"
            digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        else:
            digest = hashlib.sha256(f"load|{path}".encode("utf-8", "surrogateescape")).hexdigest()
        check = "modelint/config" if failure.kind == "config" else "modelint/load"
        issues.append(_gitlab_issue(check, failure.message, digest, "blocker", path))
    return issues


def render_gitlab(run: RunResult, root: Path) -> str:
    """A GitLab Code Quality report (``artifacts: reports: codequality``)."""
    return json.dumps(gitlab_issues(run, root), indent=2, ensure_ascii=False) + "\n"
