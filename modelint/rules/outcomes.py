"""What a rule run is given (``RuleSettings``) and what it gives back (``RuleRun``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelint.findings import Finding, Severity
from modelint.rules.target_views import Hardware

__all__ = ["RuleRun", "RuleSettings", "Undecided"]


@dataclass(frozen=True)
class RuleSettings:
    """Which rules run on a model, at what severity, with which parameters."""

    enabled: frozenset[str]  # rule ids
    severity: Mapping[str, Severity] = field(default_factory=dict)
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    profile: str | None = None  # the bound profile's id (informative)
    # The target estimate and budgets; rules that require a profile run only with a target.
    hardware: Hardware = field(default_factory=Hardware)
    action: Severity | None = None  # a config target's action: the most a hardware rule says


@dataclass(frozen=True, order=True)
class Undecided:
    """A rule that could not decide on a node (and why)."""

    rule_id: str
    node: str
    reason: str


@dataclass(frozen=True)
class RuleRun:
    findings: tuple[Finding, ...]
    undecided: tuple[Undecided, ...]
