"""The rules layer: checks over analysed models, producing findings."""

from __future__ import annotations

from modelint.rules.results import LoadFailure, ModelResult, RunResult
from modelint.rules.run import CheckOptions, analyze_one, check_paths

__all__ = ["CheckOptions", "LoadFailure", "ModelResult", "RunResult", "analyze_one", "check_paths"]
