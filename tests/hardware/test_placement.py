"""Placement on targets with op lists: the Edge TPU's single split, checked constraints,
ops with no TFLite equivalent, shape limits, precisions."""

from __future__ import annotations

from modelint.analysis.placement import place
from modelint.analysis.target import estimate_target
from modelint.findings import Finding
from modelint.profiles import find_profile
from modelint.rules import RuleSettings, load_lint_rules, run_rules
from modelint.rules.target_views import Hardware
from modelint.testing import analyze_text

HEADER = '<ir_version: 8, opset_import: ["" : 17]>\n'
SPLIT = (
    HEADER
    + """g (float[1, 8, 16, 16] x) => (float[1, 8, 16, 16] y, float[1, 8, 16, 16] z) {
    c = Conv <pads = [1, 1, 1, 1]> (x, w)
    e = Exp (c)
    r = Relu (e)
    y = Conv <pads = [1, 1, 1, 1]> (r, w)
    z = Relu (c)
}"""
)


def _findings(text: str, profile: str, rule: str, **initializers: tuple[int, ...]) -> list[Finding]:
    analysis = analyze_text(text, initializers)
    target = estimate_target(analysis, find_profile(profile))
    settings = RuleSettings(enabled=frozenset({rule}), hardware=Hardware(target))
    return list(run_rules(analysis, load_lint_rules(), settings).findings)


def test_edge_tpu_single_split_pushes_what_follows_to_the_host() -> None:
    # FLOPs: each Conv 2 x 8*16*16 x 8*9 = 294,912; Exp and each Relu 2,048. Pushed: Exp +
    # Relu r + Conv y = 299,008 of 595,968 = 50.2 %.
    analysis = analyze_text(SPLIT, {"w": (8, 8, 3, 3)})
    placement = place(analysis, find_profile("coral"))
    assert placement.split == "Exp:e"
    assert placement.pushed == ("Relu:r", "Conv:y")  # downstream of the split only
    assert placement.nodes["Relu:z"].engine == "edgetpu"  # a parallel branch stays
    assert placement.nodes["Conv:y"].engine == "host_cpu"
    assert placement.nodes["Conv:y"].pushed_by == "Exp:e"
    (finding,) = _findings(SPLIT, "coral", "MLH010", w=(8, 8, 3, 3))
    assert finding.location.node == "Exp:e"
    assert finding.message == (
        "Exp cannot run on Google Coral USB Accelerator (Edge TPU): Exp becomes TFLite EXP, "
        "not in the supported-op list; the compiler partitions here, so it and the 2 "
        "supported ops after it (Relu x1, Conv x1) run on host_cpu, 50.2 % of the FLOPs"
    )
    assert dict(finding.properties) == {"runs_on": "host_cpu"}


def test_checked_constraints_and_fallback_per_op() -> None:
    text = (
        HEADER
        + """g (float[1, 8, 20, 20] x) => (float[1, 8, 4, 4] y) {
        c = Conv <strides = [5, 5]> (x, w)
        y = Relu (c)
    }"""
    )
    (finding,) = _findings(text, "ethos-u55", "MLH010", w=(8, 8, 5, 5))
    assert finding.message == (
        "Conv cannot run on Alif Ensemble E8 (Cortex-M55 HP 400 MHz + Ethos-U55-256): "
        "CONV_2D: stride 1-4; it runs on cortex_m55_hp"
    )
    placement = place(analyze_text(text, {"w": (8, 8, 5, 5)}), find_profile("ethos-u55"))
    assert placement.split is None and placement.nodes["Conv:c"].engine == "cortex_m55_hp"
    assert placement.nodes["Relu:y"].engine == "ethos_u55"  # partition policy `any`


def test_no_fallback_leaves_the_latency_unknown() -> None:
    text = HEADER + "g (float[1, 8] x) => (float[1, 8] y) { y = Erf (x) }"
    analysis = analyze_text(text)
    target = estimate_target(analysis, find_profile("cortex-m7"))
    assert target.placement.nodes["Erf:y"].reason == "Erf has no TFLITE equivalent"
    assert target.latency.expected_s is None
    assert target.latency.unknown == (
        "Erf:y cannot run on st-stm32h743-cortex-m7 (no fallback engine)",
    )


def test_layout_transposes_are_not_tflite_ops() -> None:
    text = (
        HEADER
        + """g (float[1, 16, 16, 8] x) => (float[1, 8, 16, 16] y) {
        t = Transpose <perm = [0, 3, 1, 2]> (x)
        y = Relu (t)
    }"""
    )
    placement = place(analyze_text(text), find_profile("coral"))
    assert placement.unsupported() == [] and placement.nodes["Transpose:t"].target_ops == ()


def test_shape_limits() -> None:
    dynamic = HEADER + "g (float[1, S, 8] x) => (float[1, S, 8] y) { y = Relu (x) }"
    (finding,) = _findings(dynamic, "ethos-u55", "MLH011")
    assert finding.message.endswith(
        "the shape of 'x' is not static (the target needs static shapes); it runs on cortex_m55_hp"
    )
    rank5 = HEADER + "g (float[1, 2, 2, 2, 2] x) => (float[1, 2, 2, 2, 2] y) { y = Relu (x) }"
    (finding,) = _findings(rank5, "ethos-u55", "MLH011")
    assert "'x' has rank 5 (at most 4)" in finding.message
    assert _findings(rank5, "nvidia-t4", "MLH011") == []  # broad targets have no limits


def test_precision_not_on_the_npu_but_on_another_engine_is_a_warning() -> None:
    text = HEADER + "g (float[1, 8] x) => (float[1, 8] y) { y = Relu (x) }"
    (finding,) = _findings(text, "apple-m2", "MLH009")
    assert finding.severity.label == "warning"
    assert finding.message == (
        "the model computes in fp32; the ane of Apple M2 (10-core GPU, 16-core Neural Engine) "
        "supports only fp16, int8, so it runs on gpu"
    )
    assert _findings(text, "nvidia-t4", "MLH009") == []
