"""The text report explains a gap between the framework's parameter count and the ONNX one,
in either direction (docs/tensorflow.md, "Parameter counts")."""

from __future__ import annotations

from dataclasses import replace

import modelint
from modelint.load.model import SourceParams
from modelint.report.style import Style
from modelint.report.text import model_summary
from modelint.testing import model_from_text

DENSE = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 4] x) => (float[1, 2] y) <float[4, 2] w = {1, 2, 3, 4, 5, 6, 7, 8}> {
    y = MatMul (x, w)
}
"""  # 8 parameters


def _params_lines(keras_total: int) -> str:
    analysis = modelint.analyze(model_from_text(DENSE))
    analysis = replace(analysis, source_params=SourceParams("keras", keras_total, 0))
    lines = model_summary(analysis, Style(color=False))
    return "\n".join(line for line in lines if "param" in line)


def test_fewer_onnx_parameters_are_explained() -> None:
    text = _params_lines(10)
    assert "keras     10 params (trainable 10, non-trainable 0); ONNX has 2 fewer: " in text
    assert "one-element constants are literals, not parameters" in text


def test_more_onnx_parameters_are_said_too() -> None:
    text = _params_lines(5)
    assert "keras     5 params (trainable 5, non-trainable 0); ONNX has 3 more: " in text


def test_equal_counts_need_no_explanation() -> None:
    assert _params_lines(8).endswith("keras     8 params (trainable 8, non-trainable 0)")
