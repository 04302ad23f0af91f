"""The roofline estimator's arithmetic on hand-computed cases (profile: hardware_support.py:
fp32 peak 10 TFLOP/s, int8 40 TOP/s, 100 GB/s at η_mem 0.8, 2 µs per kernel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hardware_support import round_profile

from modelint.analysis.latency import estimate_latency
from modelint.analysis.memory import estimate_memory
from modelint.testing import analyze_text

HEADER = '<ir_version: 8, opset_import: ["" : 17]>\n'
PEAK, BANDWIDTH, ETA_MEM, OVERHEAD = 10e12, 100e9, 0.8, 2e-6


def test_compute_bound_gemm(tmp_path: Path) -> None:
    analysis = analyze_text(
        HEADER + "g (float[1024, 1024] x) => (float[1024, 1024] y) { y = MatMul (x, w) }",
        {"w": (1024, 1024)},
    )
    estimate = estimate_latency(analysis, round_profile(tmp_path))
    (kernel,) = estimate.kernels
    flops = 2 * 1024**3  # 2,147,483,648
    traffic = 3 * 1024 * 1024 * 4  # x, w, y in fp32: 12,582,912 B
    assert (kernel.flops, kernel.bytes) == (flops, traffic)
    assert kernel.compute_s == pytest.approx(flops / (PEAK * 0.5))  # 429.5 µs (η matmul 0.5)
    assert kernel.memory_s == pytest.approx(traffic / (BANDWIDTH * ETA_MEM))  # 157.3 µs
    assert kernel.bound == "compute"
    assert kernel.expected_s == pytest.approx(flops / 5e12 + OVERHEAD)
    assert estimate.optimistic_s == pytest.approx(flops / PEAK)  # 214.7 µs: η = 1, no overhead
    assert estimate.expected_s == pytest.approx(431.50e-6, rel=1e-4)


def test_memory_bound_elementwise(tmp_path: Path) -> None:
    analysis = analyze_text(
        HEADER + "g (float[1, 1048576] a, float[1, 1048576] b) => (float[1, 1048576] y) {"
        " y = Add (a, b) }"
    )
    (kernel,) = estimate_latency(analysis, round_profile(tmp_path)).kernels
    traffic = 3 * 1048576 * 4  # two reads, one write
    assert (kernel.flops, kernel.bytes) == (1048576, traffic)
    assert kernel.bound == "memory"
    assert kernel.memory_s == pytest.approx(traffic / 80e9)  # 157.3 µs
    assert kernel.compute_s == pytest.approx(1048576 / (PEAK * 0.2))  # η default 0.2
    assert kernel.expected_s == pytest.approx(traffic / 80e9 + OVERHEAD)
    assert kernel.optimistic_s == pytest.approx(traffic / BANDWIDTH)


def test_depthwise_conv(tmp_path: Path) -> None:
    analysis = analyze_text(
        HEADER + "g (float[1, 32, 56, 56] x) => (float[1, 32, 56, 56] y) {"
        " y = Conv <group = 32, pads = [1, 1, 1, 1]> (x, w) }",
        {"w": (32, 1, 3, 3)},
    )
    (kernel,) = estimate_latency(analysis, round_profile(tmp_path)).kernels
    flops = 2 * 32 * 56 * 56 * 9  # 1,806,336
    traffic = (2 * 32 * 56 * 56 + 32 * 9) * 4  # x + y + w = 803,968 B
    assert kernel.kernel.op_class == "depthwise_conv"
    assert (kernel.flops, kernel.bytes) == (flops, traffic)
    assert kernel.eta == 0.1  # depthwise η, not conv_small: batch 1 does not change it
    assert kernel.compute_s == pytest.approx(flops / 1e12)  # 1.806 µs
    assert kernel.memory_s == pytest.approx(traffic / 80e9)  # 10.05 µs
    assert kernel.bound == "memory"
    assert kernel.expected_s == pytest.approx(traffic / 80e9 + OVERHEAD)


def test_fused_conv_relu_is_one_kernel(tmp_path: Path) -> None:
    analysis = analyze_text(
        HEADER + "g (float[1, 16, 32, 32] x) => (float[1, 32, 32, 32] y) {"
        " c = Conv <pads = [1, 1, 1, 1]> (x, w, b)\n y = Relu (c) }",
        {"w": (32, 16, 3, 3), "b": (32,)},
    )
    estimate = estimate_latency(analysis, round_profile(tmp_path))
    (kernel,) = estimate.kernels
    assert kernel.kernel.members == ("Conv:c", "Relu:y")
    macs = 32 * 32 * 32 * 16 * 9  # 4,718,592
    flops = 2 * macs + 32 * 32 * 32 + 32 * 32 * 32  # + bias add + ReLU = 9,502,720
    traffic = (16 * 32 * 32 + 32 * 16 * 9 + 32 + 32 * 32 * 32) * 4  # x, w, b, y: c stays inside
    assert (kernel.flops, kernel.bytes) == (flops, traffic)  # 215,168 B
    assert kernel.eta == 0.25  # conv_small: a convolution at batch 1
    assert kernel.compute_s == pytest.approx(flops / 2.5e12)  # 3.801 µs
    assert kernel.memory_s == pytest.approx(traffic / 80e9)  # 2.690 µs
    assert kernel.bound == "compute"
    assert estimate.expected_s == pytest.approx(flops / 2.5e12 + OVERHEAD)  # one launch
    assert estimate.by_node["Relu:y"] is kernel


def test_precision_override_uses_its_peak_and_sizes(tmp_path: Path) -> None:
    analysis = analyze_text(
        HEADER + "g (float[1024, 1024] x) => (float[1024, 1024] y) { y = MatMul (x, w) }",
        {"w": (1024, 1024)},
    )
    (kernel,) = estimate_latency(analysis, round_profile(tmp_path), "int8").kernels
    assert kernel.precision == "int8" and kernel.bytes == 3 * 1024 * 1024  # 1 byte each
    assert kernel.compute_s == pytest.approx(2 * 1024**3 / (40e12 * 0.5))


def test_no_peak_for_the_precision_is_unknown_never_zero(tmp_path: Path) -> None:
    analysis = analyze_text(HEADER + "g (float[1, 8] x) => (float[1, 8] y) { y = Relu (x) }")
    estimate = estimate_latency(analysis, round_profile(tmp_path), "fp16")
    assert estimate.expected_s is None and estimate.optimistic_s is None
    assert estimate.unknown == ("engine core of round-numbers has no fp16 peak",)


def test_views_cost_nothing_and_constants_fold(tmp_path: Path) -> None:
    analysis = analyze_text(
        HEADER + "g (float[1, 4, 8] x) => (float[1, 32] y) {"
        " s = Constant <value = int64[2] {1, 32}> ()\n r = Reshape (x, s)\n y = Relu (r) }"
    )
    estimate = estimate_latency(analysis, round_profile(tmp_path))
    assert [k.kernel.members for k in estimate.kernels] == [("Relu:y",)]


def test_peak_live_activations_follow_a_topological_order() -> None:
    # x (4 KiB) -> a = Relu (4 KiB) -> b = Sigmoid (4 KiB) -> y = Add (a, b): while Add runs,
    # a, b and y are live (12 KiB); x died after Relu. Sigmoid is not an epilogue of Relu.
    analysis = analyze_text(
        HEADER + "g (float[1, 1024] x) => (float[1, 1024] y) {"
        " a = Relu (x)\n b = Sigmoid (a)\n y = Add (a, b) }"
    )
    memory = estimate_memory(analysis)
    assert memory.peak_activation_bytes == 3 * 4096
    assert memory.peak_node == "Add:y"
    assert memory.weight_bytes == 0 and memory.total_bytes == 3 * 4096
    assert estimate_memory(analysis, "int8").peak_activation_bytes == 3 * 1024


def test_memory_counts_weights_and_skips_fused_intermediates() -> None:
    analysis = analyze_text(
        HEADER + "g (float[1, 16, 32, 32] x) => (float[1, 32, 32, 32] y) {"
        " c = Conv <pads = [1, 1, 1, 1]> (x, w)\n y = Relu (c) }",
        {"w": (32, 16, 3, 3)},
    )
    memory = estimate_memory(analysis)
    assert memory.weight_bytes == 32 * 16 * 9 * 4
    assert memory.peak_activation_bytes == (16 * 32 * 32 + 32 * 32 * 32) * 4  # x + y, not c


def test_launch_overhead_dominates_a_small_model_at_batch_1_on_a_gpu() -> None:
    from modelint.profiles import find_profile

    layers = "\n".join(
        f" h{i + 1} = Relu (m{i})\n m{i + 1} = MatMul (h{i + 1}, w)" for i in range(8)
    )
    analysis = analyze_text(
        HEADER + f"g (float[1, 256] m0) => (float[1, 256] m8) {{ {layers} }}", {"w": (256, 256)}
    )
    estimate = estimate_latency(analysis, find_profile("nvidia-h200-sxm"))
    overhead = sum(k.overhead_s for k in estimate.kernels)
    work = sum(max(k.compute_s or 0, k.memory_s or 0) for k in estimate.kernels)
    assert len(estimate.kernels) == 9  # Relu, then 8 x MatMul (+ the next layer's Relu)
    assert overhead == pytest.approx(9 * 3e-6)
    assert overhead > 10 * work  # 27 µs of launches against ~0.5 µs of work


def test_qdq_models_compute_in_int8() -> None:
    from modelint.analysis.precision import model_precision

    analysis = analyze_text(
        HEADER
        + """g (float[1, 64] x) => (float[1, 64] y) {
            s = Constant <value = float {0.1}> ()
            z = Constant <value = int8 {0}> ()
            q = QuantizeLinear (x, s, z)
            d = DequantizeLinear (q, s, z)
            y = MatMul (d, w)
        }""",
        {"w": (64, 64)},
    )
    assert model_precision(analysis) == "int8"


def test_model_points_refit_the_compute_efficiency(tmp_path: Path) -> None:
    import onnx

    from modelint.analysis.calibration import calibrate_with_models
    from modelint.analysis.target import estimate_target
    from modelint.testing import model_from_text

    text = HEADER + "g (float[1024, 1024] x) => (float[1024, 1024] y) { y = MatMul (x, w) }"
    onnx.save(model_from_text(text, {"w": (1024, 1024)}), tmp_path / "gemm.onnx")
    # prior: 2^31 FLOPs / (10 TFLOP/s x 0.5) + 2 us = 431.5 us; measured 20 % slower
    point = (
        "calibration:\n  - {model: gemm, path: gemm.onnx, input: 1024x1024, "
        "precision: fp32, metric: latency, value: 517.8 us, source: T1}\nsources:\n"
    )
    from hardware_support import ROUND_PROFILE

    profile = round_profile(tmp_path, ROUND_PROFILE.replace("sources:\n", point))
    fitted = calibrate_with_models(profile)
    assert fitted.efficiency.compute["matmul"] == pytest.approx(0.5 / 1.2, rel=0.02)
    assert fitted.efficiency.overhead_per_kernel == 2e-6  # one point: only the scale is fitted
    assert fitted.efficiency.calibrated_from == ("gemm 517.8 us [T1]",)
    analysis = analyze_text(text, {"w": (1024, 1024)})
    estimate = estimate_target(analysis, profile)  # calibrates on the way
    assert estimate.latency.expected_s == pytest.approx(517.8e-6, rel=0.02)
