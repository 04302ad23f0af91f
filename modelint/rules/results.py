"""What one ``modelint check`` run produced, for the report layer."""

from __future__ import annotations

from dataclasses import dataclass

from modelint.analysis import ModelAnalysis
from modelint.config import Config
from modelint.findings import Finding, Severity

__all__ = ["LoadFailure", "ModelResult", "RunResult"]


@dataclass(frozen=True, eq=False)
class ModelResult:
    analysis: ModelAnalysis
    findings: tuple[Finding, ...]
    config: Config


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A model that could not be analysed: one line naming the file and the cause."""

    path: str
    message: str


@dataclass(frozen=True, eq=False)
class RunResult:
    models: tuple[ModelResult, ...]
    failures: tuple[LoadFailure, ...]

    def findings(self) -> list[Finding]:
        return sorted(f for model in self.models for f in model.findings)

    def failing(self) -> bool:
        """True when a finding reaches its model's ``fail-on`` level."""
        return any(
            finding.severity >= model.config.fail_on
            for model in self.models
            for finding in model.findings
        )

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings() if finding.severity == severity)
