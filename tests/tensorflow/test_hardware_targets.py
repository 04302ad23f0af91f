"""A Keras MobileNetV2 (float32, weights=None, 224x224) against hardware profiles: on the
Coral Edge TPU the float precision is an error and no op is unsupported (tf2onnx's layout
Transpose is not a TFLite op); on a Cortex-M7 the weights exceed the 2 MiB of flash and the
activations the 1 MiB of SRAM — even at int8."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

pytest.importorskip("tensorflow", reason="needs the tensorflow extra (modelint[tensorflow])")
pytest.importorskip("tf2onnx", reason="needs tf2onnx (the modelint[tensorflow] extra)")

import modelint
from modelint.analysis.target import estimate_target
from modelint.profiles import find_profile
from modelint.rules import RuleSettings, load_lint_rules, run_rules
from modelint.rules.target_views import Hardware

if TYPE_CHECKING:
    from modelint.analysis import ModelAnalysis
    from modelint.findings import Finding

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]


@pytest.fixture(scope="module")
def mobilenet_v2() -> ModelAnalysis:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3))
    return modelint.analyze(model)


def _hardware_findings(
    analysis: ModelAnalysis, profile: str, precision: str | None = None
) -> list[Finding]:
    rules = load_lint_rules()
    target = estimate_target(analysis, find_profile(profile), precision)
    hardware_rules = frozenset(rule.id for rule in rules if rule.id.startswith("MLH"))
    settings = RuleSettings(enabled=hardware_rules, hardware=Hardware(target, precision=precision))
    return list(run_rules(analysis, rules, settings).findings)


def test_coral_reports_the_float_model_and_no_unsupported_op(mobilenet_v2: ModelAnalysis) -> None:
    findings = _hardware_findings(mobilenet_v2, "google-coral-edgetpu-usb")
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["MLH009"].severity.label == "error"
    assert by_rule["MLH009"].message == (
        "the model computes in fp32, which no engine of Google Coral USB Accelerator "
        "(Edge TPU) supports (supported: int8)"
    )
    assert [f.location.node for f in findings if f.rule_id in ("MLH010", "MLH011")] == []
    # fp32 weights (13.9 MB) would not fit the 8 MB parameter cache either
    assert by_rule["MLH008"].severity.label == "warning"
    ops = {node.op_type for node in mobilenet_v2.graph.nodes.values()}
    assert {"Transpose", "Pad", "Clip", "Softmax"} <= ops  # all mapped to Edge TPU ops


def test_coral_estimate_needs_int8(mobilenet_v2: ModelAnalysis) -> None:
    float_target = estimate_target(mobilenet_v2, find_profile("coral"))
    assert float_target.latency.expected_s is None
    assert "has no fp32 peak" in float_target.latency.unknown[0]
    int8 = estimate_target(mobilenet_v2, find_profile("coral"), "int8")
    assert int8.latency.expected_s is not None
    assert 1e-3 < int8.latency.expected_s < 5e-3  # 2.6 ms measured (coral.ai benchmarks)
    assert int8.placement.unsupported() == []


def test_cortex_m7_weights_exceed_flash_and_activations_sram(
    mobilenet_v2: ModelAnalysis,
) -> None:
    for precision in (None, "int8"):
        findings = _hardware_findings(mobilenet_v2, "st-stm32h743-cortex-m7", precision)
        rules = {f.rule_id for f in findings}
        assert {"MLH006", "MLH007"} <= rules, (precision, findings)
    flash = next(f for f in findings if f.rule_id == "MLH006")
    assert flash.message.startswith("weights 3.31 MiB do not fit in the 2 MiB of flash")
    sram = next(f for f in findings if f.rule_id == "MLH007")
    assert "do not fit in the 1 MiB of SRAM" in sram.message
