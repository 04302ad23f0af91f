"""The Python API: the same data the CLI reports, as frozen objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import onnx

from modelint.analysis import AnalysisOptions, ModelAnalysis, analyze_loaded, load_cost_rules
from modelint.errors import UsageError
from modelint.load import LoadedModel, LoadOptions, load_model

__all__ = ["analyze"]


def _is_keras_model(model: object) -> bool:
    kind = type(model)
    return (
        kind.__module__.startswith("keras")
        and hasattr(model, "inputs")
        and hasattr(model, "layers")
    )


def analyze(
    model: str | Path | onnx.ModelProto | Any,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    rule_paths: Sequence[str | Path] = (),
) -> ModelAnalysis:
    """Load ``model`` (a path in any supported format, an in-memory ONNX ModelProto, or an
    in-memory Keras model), infer shapes and cost every node.

    ``input_shapes`` binds graph inputs (``{"input": (1, 3, 224, 224)}``); ``rule_paths``
    adds cost-rule directories whose entries override the built-in ones. Raises
    ``ModelintError`` subclasses (``ModelLoadError``, ``UsageError``, ``CostRuleError``).
    A ModelProto is copied, never modified.
    """
    shapes = {
        name: tuple(d for d in dims if d is not None) for name, dims in (input_shapes or {}).items()
    }
    options = AnalysisOptions(input_shapes=shapes)
    rules = load_cost_rules(tuple(str(p) for p in rule_paths))
    if isinstance(model, onnx.ModelProto):
        copy = onnx.ModelProto()
        copy.CopyFrom(model)
        loaded = LoadedModel("<memory>", "onnx", copy)
    elif isinstance(model, str | Path):
        loaded = load_model(model, LoadOptions(input_shapes=shapes))
    elif _is_keras_model(model):
        from modelint.load.tensorflow import load_keras_object  # noqa: PLC0415 - TF is heavy

        loaded = load_keras_object(model, LoadOptions(input_shapes=shapes))
    else:
        raise UsageError(
            f"cannot analyze a {type(model).__name__}: pass a path, an ONNX "
            "ModelProto or a Keras model"
        )
    return analyze_loaded(loaded, rules, options)
