"""The rules layer: lint rules as data, the engine that runs them, and the check run."""

from __future__ import annotations

from modelint.rules.engine import RuleSettings, Undecided, run_rules
from modelint.rules.loader import RuleSet, load_lint_rules
from modelint.rules.results import LoadFailure, ModelResult, RunResult
from modelint.rules.run import CheckOptions, analyze_one, check_paths, config_for

__all__ = [
    "CheckOptions",
    "LoadFailure",
    "ModelResult",
    "RuleSet",
    "RuleSettings",
    "RunResult",
    "Undecided",
    "analyze_one",
    "check_paths",
    "config_for",
    "load_lint_rules",
    "run_rules",
]
