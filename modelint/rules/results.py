"""What one ``modelint check`` run produced, for the report layer."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelint.analysis import ModelAnalysis
from modelint.config import Config
from modelint.findings import Finding, Severity
from modelint.rules.engine import Undecided
from modelint.rules.spec import LintRule
from modelint.rules.target_views import Hardware
from modelint.templates import plural

__all__ = ["LoadFailure", "ModelResult", "RunResult"]


@dataclass(frozen=True, eq=False)
class ModelResult:
    analysis: ModelAnalysis
    findings: tuple[Finding, ...]  # suppressed ones included, marked
    config: Config
    undecided: tuple[Undecided, ...] = ()
    hardware: Hardware = field(default_factory=Hardware)  # the bound profile's estimates
    rules: tuple[LintRule, ...] = ()  # the rules enabled on this model (CI reports list them)

    def active(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.suppression is None]

    def undecided_rules(self) -> list[tuple[str, str, str]]:
        """(rule id, where, first reason) per rule that could not decide, by id; ``where`` is
        ' on 3 nodes' for node and path rules, '' for a rule about the whole model."""
        found: dict[str, list[Undecided]] = {}
        for item in self.undecided:
            found.setdefault(item.rule_id, []).append(item)
        return [
            (rule_id, f" on {plural(len(items), 'node')}" if items[0].node else "", items[0].reason)
            for rule_id, items in sorted(found.items())
        ]


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A model that could not be analysed: one line naming the file and the cause.
    ``kind`` 'config': a broken config file (``path``), whose models were not analysed."""

    path: str
    message: str
    kind: str = "model"  # model | config

    @property
    def what(self) -> str:
        """How reports name it: 'model not read' or 'config error'."""
        return "config error" if self.kind == "config" else "model not read"


@dataclass(frozen=True, eq=False)
class RunResult:
    models: tuple[ModelResult, ...]
    failures: tuple[LoadFailure, ...]
    config_findings: tuple[Finding, ...] = ()  # about the config itself (stale suppressions)
    fail_on: Severity | None = Severity.ERROR  # for config findings; models use their own
    excluded: int = 0  # model paths found, or given, that the exclude globs leave out

    def unread(self) -> int:
        """Models that could not be read (broken configs are counted apart)."""
        return sum(1 for failure in self.failures if failure.kind == "model")

    def config_errors(self) -> int:
        return sum(1 for failure in self.failures if failure.kind == "config")

    def findings(self) -> list[Finding]:
        """Every finding of the run, suppressed ones included, in report order."""
        return sorted(
            [*(f for model in self.models for f in model.findings), *self.config_findings]
        )

    def active(self) -> list[Finding]:
        return [finding for finding in self.findings() if finding.suppression is None]

    def failing(self) -> bool:
        """True when an unsuppressed finding reaches its ``fail-on`` level."""
        per_model = any(
            model.config.fail_on is not None and finding.severity >= model.config.fail_on
            for model in self.models
            for finding in model.active()
        )
        return per_model or any(
            self.fail_on is not None and finding.severity >= self.fail_on
            for finding in self.config_findings
        )

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.active() if finding.severity == severity)
