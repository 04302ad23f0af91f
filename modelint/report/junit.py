"""JUnit XML: one test suite per model, one test case per rule that ran on it.

A case fails when the rule has an unsuppressed finding at or above the model's ``fail-on``
level; findings below it (and suppressed ones) are listed in the case's ``system-out``, so the
case passes but the finding is still visible. A rule that needs a hardware profile or a budget
the model is not checked against, or that could not decide on it, is ``skipped``. A model that
could not be read is a suite with one ``error`` case.
No timings: the same run gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from modelint.findings import Finding, Severity
from modelint.report.catalog import RuleInfo, rule_info
from modelint.report.locations import artifact_location
from modelint.report.printable import xml_safe
from modelint.rules import ModelResult, RunResult
from modelint.rules.target_views import unmet
from modelint.templates import plural

__all__ = ["render_junit"]


def _line(finding: Finding) -> str:
    where = finding.location
    node = f" [{where.node}]" if where.node else ""
    state = f" (suppressed: {finding.suppression})" if finding.suppression else ""
    return f"{finding.severity.label} {finding.rule_id}{node} {finding.message}{state}"


def _case(
    suite: ET.Element,
    path: str,
    info: RuleInfo,
    findings: list[Finding],
    fail_on: Severity | None,
) -> str:
    """Adds the case; returns its outcome: passed or failed."""
    case = _new_case(suite, path, info)
    failing = [
        f
        for f in findings
        if f.suppression is None and fail_on is not None and f.severity >= fail_on
    ]
    if failing:
        failure = ET.SubElement(
            case,
            "failure",
            type=info.id,
            message=f"{plural(len(failing), 'finding')}: {failing[0].message}",
        )
        failure.text = "\n".join(_line(f) for f in failing)
    others = [f for f in findings if f not in failing]
    if others:
        ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in others)
    return "failed" if failing else "passed"


def _new_case(suite: ET.Element, path: str, info: RuleInfo) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=path, name=f"{info.id} {info.name}", file=path
    )


def _skip_reason(model: ModelResult, rule_id: str, requires: tuple[str, ...]) -> str | None:
    """Why a rule without findings did not really pass: it needs a profile or a budget the
    model is not checked against, or it could not decide (an unknown shape or estimate)."""
    missing = unmet(requires, model.hardware)
    if missing is not None:
        return missing
    for undecided, where, reason in model.undecided_rules():
        if undecided == rule_id:
            return f"undecided{where}: {reason}"
    return None


def _new_counts() -> dict[str, int]:
    return {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}


def _set_counts(element: ET.Element, counts: dict[str, int]) -> dict[str, int]:
    for key, value in counts.items():
        element.set(key, str(value))
    return counts


def _model_suite(parent: ET.Element, model: ModelResult, root: Path) -> dict[str, int]:
    path = artifact_location(model.analysis.path, root).path
    infos = {rule.id: rule_info(rule) for rule in model.rules}
    for finding in model.findings:  # a rule known only from its finding still gets its case
        infos.setdefault(
            finding.rule_id,
            RuleInfo(finding.rule_id, finding.rule_name, "", "", finding.severity, None),
        )
    requires = {rule.id: rule.requires for rule in model.rules}
    suite = ET.SubElement(parent, "testsuite", name=path)
    counts = _new_counts()
    for rule_id in sorted(infos):
        counts["tests"] += 1
        findings = [f for f in model.findings if f.rule_id == rule_id]
        reason = _skip_reason(model, rule_id, requires.get(rule_id, ()))
        if not findings and reason is not None:
            ET.SubElement(_new_case(suite, path, infos[rule_id]), "skipped", message=reason)
            counts["skipped"] += 1
        elif _case(suite, path, infos[rule_id], findings, model.config.fail_on) == "failed":
            counts["failures"] += 1
    return _set_counts(suite, counts)


def _error_suite(parent: ET.Element, path: str, failures: list[tuple[str, str]]) -> dict[str, int]:
    """A model not read (a 'load' case), or a broken config file (a 'config' case per
    problem): one suite per file, as report viewers merge suites of one name."""
    suite = ET.SubElement(parent, "testsuite", name=path)
    for message, kind in failures:
        name = "config" if kind == "config" else "load"
        case = ET.SubElement(suite, "testcase", classname=path, name=name, file=path)
        ET.SubElement(case, "error", type=name, message=message)
    count = len(failures)
    return _set_counts(suite, {**_new_counts(), "tests": count, "errors": count})


def _config_suite(parent: ET.Element, run: RunResult, root: Path) -> dict[str, int]:
    """The config's own findings (stale suppressions), under the config file's path."""
    path = artifact_location(run.config_findings[0].location.path, root).path
    suite = ET.SubElement(parent, "testsuite", name=path)
    counts = _new_counts()
    for rule_id in sorted({f.rule_id for f in run.config_findings}):
        findings = [f for f in run.config_findings if f.rule_id == rule_id]
        info = RuleInfo(rule_id, findings[0].rule_name, "", "", findings[0].severity, None)
        counts["tests"] += 1
        if _case(suite, path, info, findings, run.fail_on) == "failed":
            counts["failures"] += 1
    return _set_counts(suite, counts)


def render_junit(run: RunResult, root: Path) -> str:
    suites = ET.Element("testsuites", name="modelint")
    totals = _new_counts()
    parts = [_model_suite(suites, model, root) for model in run.models]
    by_file: dict[str, list[tuple[str, str]]] = {}
    for failure in run.failures:
        path = artifact_location(failure.path, root).path
        by_file.setdefault(path, []).append((failure.message, failure.kind))
    parts += [_error_suite(suites, path, failures) for path, failures in by_file.items()]
    if run.config_findings:
        parts.append(_config_suite(suites, run, root))
    for counts in parts:
        for key, value in counts.items():
            totals[key] += value
    _set_counts(suites, totals)
    ET.indent(suites)
    body = xml_safe(ET.tostring(suites, encoding="unicode"))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
