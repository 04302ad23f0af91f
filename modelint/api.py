"""The Python API: the same data the CLI reports, as frozen objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_path
from modelint.graph import Shape

__all__ = ["analyze"]


def analyze(
    path: str | Path,
    *,
    input_shapes: Mapping[str, Shape] | None = None,
    rule_paths: Sequence[str | Path] = (),
) -> ModelAnalysis:
    """Load ``path`` (any supported format), infer shapes and cost every node.

    ``input_shapes`` binds graph inputs (``{"input": (1, 3, 224, 224)}``); ``rule_paths``
    adds cost-rule directories that override built-in entries. Raises ``ModelintError``
    subclasses (``ModelLoadError``, ``UsageError``, ``CostRuleError``) on bad input.
    """
    options = AnalysisOptions(
        input_shapes=dict(input_shapes or {}), rule_paths=tuple(str(p) for p in rule_paths)
    )
    return analyze_path(path, options)
