"""The Python API: the same data the CLI reports, as frozen objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import onnx

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_loaded, load_cost_rules
from modelint.graph import Shape
from modelint.load import LoadedModel, load_model

__all__ = ["analyze"]


def analyze(
    model: str | Path | onnx.ModelProto,
    *,
    input_shapes: Mapping[str, Shape] | None = None,
    rule_paths: Sequence[str | Path] = (),
) -> ModelAnalysis:
    """Load ``model`` (a path in any supported format, or an in-memory ONNX ModelProto),
    infer shapes and cost every node.

    ``input_shapes`` binds graph inputs (``{"input": (1, 3, 224, 224)}``); ``rule_paths``
    adds cost-rule directories whose entries override the built-in ones. Raises
    ``ModelintError`` subclasses (``ModelLoadError``, ``UsageError``, ``CostRuleError``).
    A ModelProto is copied, never modified.
    """
    options = AnalysisOptions(input_shapes=dict(input_shapes or {}))
    rules = load_cost_rules(tuple(str(p) for p in rule_paths))
    if isinstance(model, onnx.ModelProto):
        copy = onnx.ModelProto()
        copy.CopyFrom(model)
        loaded = LoadedModel("<memory>", "onnx", copy)
    else:
        loaded = load_model(model)
    return analyze_loaded(loaded, rules, options)
