"""Shared helpers for the cost-formula tests: build a tiny model from the ONNX text format,
analyze it with the built-in cost rules, and pick out one node's cost.

The rules are loaded once per session (parsing the YAML takes a noticeable fraction of a
second); everything else goes through the same pipeline as ``modelint.analyze``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import numpy as np
import onnx

from modelint.analysis import (
    AnalysisOptions,
    ModelAnalysis,
    NodeCost,
    analyze_loaded,
    load_cost_rules,
)
from modelint.graph import Shape
from modelint.load import LoadedModel
from modelint.testing import model_from_text, node_cost

__all__ = ["RULES", "Initializers", "analyze_model", "cost_of", "header"]

RULES = load_cost_rules()

Initializers = Mapping[str, Sequence[int] | np.ndarray]


def header(opset: int = 17, ir_version: int = 8, *, microsoft: bool = False) -> str:
    """The ``<ir_version, opset_import>`` preamble of a text-format model."""
    domains = f'"" : {opset}' + (', "com.microsoft" : 1' if microsoft else "")
    return f"<ir_version: {ir_version}, opset_import: [{domains}]>\n"


def analyze_model(
    text: str,
    initializers: Initializers | None = None,
    *,
    input_shapes: Mapping[str, Shape] | None = None,
) -> ModelAnalysis:
    """Analyze a text-format model (with its header) plus initializers given by shape/array."""
    loaded = LoadedModel("<test>", "onnx", model_from_text(text, initializers))
    options = AnalysisOptions(input_shapes=dict(input_shapes or {}))
    return analyze_loaded(loaded, RULES, options)


def _first_opset(op: str) -> int:
    """The first ai.onnx opset defining ``op`` (0 for an op of another domain)."""
    for version in range(1, onnx.defs.onnx_opset_version() + 1):
        with contextlib.suppress(onnx.defs.SchemaError):
            return onnx.defs.get_schema(op, version, "").since_version
    return 0


def cost_of(
    graph: str,
    op: str,
    initializers: Initializers | None = None,
    *,
    opset: int | None = None,
    microsoft: bool = False,
    index: int = 0,
) -> NodeCost:
    """The cost of the ``index``-th ``op`` node of a graph (text format, without header);
    the model imports ``opset``, by default 17 or the op's first opset when it came later
    (a model using an op its opset lacks is invalid: MLG009)."""
    opset = opset if opset is not None else max(17, _first_opset(op))
    preamble = header(opset, 10 if opset >= 21 else 8, microsoft=microsoft)
    return node_cost(analyze_model(preamble + graph, initializers), op, index)
