"""The rules a run used, as CI formats describe them (SARIF ``tool.driver.rules``, JUnit test
cases, GitLab descriptions): id, name, summary, description, default level and a help link."""

from __future__ import annotations

from dataclasses import dataclass

from modelint.findings import Finding, Severity
from modelint.resources import builtin_rule_file
from modelint.rules import RunResult
from modelint.rules.spec import LintRule
from modelint.rules.suppressions import EXPIRED_RULE, UNUSED_RULE

__all__ = ["INFORMATION_URI", "RuleInfo", "rule_catalog", "rule_info"]

INFORMATION_URI = "https://github.com/modelint/modelint"
_RULES_DOC = f"{INFORMATION_URI}/blob/main/docs/rules.md"
_SUPPRESSIONS_DOC = f"{INFORMATION_URI}/blob/main/README.md#configuration"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    name: str
    summary: str
    description: str
    severity: Severity  # the rule's default level
    help_uri: str | None
    tags: tuple[str, ...] = ()


# Findings about the config itself come from the suppression ledger, not from rule files.
_META_RULES = (
    RuleInfo(
        EXPIRED_RULE[0],
        EXPIRED_RULE[1],
        "A config suppression is past its expiry date.",
        "The suppression no longer suppresses anything: fix the findings it covered, or "
        "renew it with a new `expires` date and a reason.",
        Severity.WARNING,
        _SUPPRESSIONS_DOC,
        ("config",),
    ),
    RuleInfo(
        UNUSED_RULE[0],
        UNUSED_RULE[1],
        "A config suppression matched no finding.",
        "Nothing in the run needed this suppression any more; remove it so it cannot hide a "
        "future finding by accident.",
        Severity.INFO,
        _SUPPRESSIONS_DOC,
        ("config",),
    ),
)


def _is_builtin(rule: LintRule) -> bool:
    return builtin_rule_file(rule.origin) is not None


def _help_uri(rule: LintRule) -> str | None:
    """The rule's own ``docs.url``; for a built-in rule its section of docs/rules.md (the
    anchor GitHub derives from the heading ``## ID `name```); else none."""
    if rule.docs.url:
        return rule.docs.url
    if _is_builtin(rule):
        return f"{_RULES_DOC}#{rule.id.lower()}-{rule.name}"
    return None


def rule_info(rule: LintRule) -> RuleInfo:
    return RuleInfo(
        id=rule.id,
        name=rule.name,
        summary=rule.summary.strip(),
        description=rule.description.strip(),
        severity=rule.severity,
        help_uri=_help_uri(rule),
        tags=rule.tags,
    )


def _from_finding(finding: Finding) -> RuleInfo:
    """A rule known only from its finding (a rule set the run did not record)."""
    name = finding.rule_name or finding.rule_id
    return RuleInfo(finding.rule_id, name, name, "", finding.severity, None)


def rule_catalog(run: RunResult) -> tuple[RuleInfo, ...]:
    """Every rule that ran on a model of ``run``, plus any rule a finding names, by id."""
    found: dict[str, RuleInfo] = {}
    for model in run.models:
        for rule in model.rules:
            found.setdefault(rule.id, rule_info(rule))
    meta = {info.id: info for info in _META_RULES}
    for finding in run.findings():
        if finding.rule_id not in found:
            found[finding.rule_id] = meta.get(finding.rule_id) or _from_finding(finding)
    return tuple(found[key] for key in sorted(found))
