"""Hardware profiles from the command line and the config: profiles/profile, --profile and
--dtype on check and inspect, config targets and budgets, the JSON estimate."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import run

MATMUL = """<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 1024] x) => (float[1, 1024] y) {
    m = MatMul (x, w)
    y = Relu (m)
}"""


@pytest.fixture
def matmul(write_model: Callable[..., Path]) -> Path:
    return write_model(MATMUL, name="models/matmul.onnx", w=(1024, 1024))


def test_profiles_lists_every_device() -> None:
    code, out, _ = run("profiles")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "id",
        "category",
        "fp32",
        "fp16",
        "int8",
        "memory",
        "bandwidth",
        "confidence",
    ]
    h100 = next(line for line in lines if line.startswith("nvidia-h100-sxm "))
    assert h100.split()[1:5] == ["datacenter_gpu", "66.9", "T", "989"]
    assert lines[-1].startswith("20 profiles; dense peaks in ops/s")
    code, out, _ = run("profiles", "--format", "json")
    assert {p["id"] for p in json.loads(out)} >= {"google-coral-edgetpu-usb", "raspberry-pi-5"}


def test_profile_shows_sources_and_ridge_points() -> None:
    code, out, _ = run("profile", "nvidia-h100-sxm")
    assert code == 0
    assert "    dense      fp64 66.9 TFLOPS [S1]; tf32 494.7 TFLOPS [S1]; bf16 989.4 TFLOPS" in out
    # ridge: 989.4 TFLOP/s / 3.35 TB/s = 295.3 FLOPs per byte (the dense figure, not 590)
    assert "  tensor_core: fp64 20.0, tf32 147.7, bf16 295.3, fp16 295.3, fp8 590.7" in out
    assert "  S61: mlcommons/inference_results_v3.1" in out
    code, out, _ = run("profile", "coral")
    assert "  SOFTMAX: 1-D input of at most 16,000 elements  [checked: x.numel <= 16000" in out
    assert "partition single_split" in out


def test_unknown_profile_is_an_error_with_a_suggestion(matmul: Path) -> None:
    code, _, err = run("check", str(matmul), "--profile", "nvidia-h10")
    assert code == 2
    assert "unknown profile 'nvidia-h10' (did you mean" in err


def test_check_with_a_profile_reports_the_estimate(matmul: Path) -> None:
    code, out, _ = run("check", str(matmul), "--profile", "nvidia-t4", "--no-color")
    assert code == 0
    assert "  target    nvidia-t4 (NVIDIA T4 16GB); fp32 (from model)" in out
    assert "  latency   " in out and "roofline bound; 1 kernel, 100 % of kernel time" in out
    assert "  memory    weights 4 MiB + peak activations 8 KiB = 4.01 MiB of 14.9 GiB" in out


def test_inspect_shows_time_and_bound_per_node(matmul: Path) -> None:
    code, out, _ = run("inspect", str(matmul), "--profile", "raspberry-pi-5", "--dtype", "int8")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("node "))
    assert header.split()[-3:] == ["time", "bound", "notes"]
    relu = next(line for line in out.splitlines() if line.startswith("Relu:y"))
    assert " fused" in relu
    code, out, _ = run("inspect", str(matmul), "--profile", "rpi5", "--format", "json")
    model = json.loads(out)["models"][0]
    assert model["target"]["profile"] == "raspberry-pi-5"
    assert model["target"]["latency"]["kernels"] == 1
    nodes = {node["key"]: node["latency"] for node in model["nodes"]}
    assert nodes["Relu:y"]["fused"] and nodes["Relu:y"]["kernel"] == "MatMul:m"
    assert nodes["MatMul:m"]["bound"] in ("compute", "memory")


def test_config_budgets_with_units(tmp_path: Path, matmul: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text(
        "budgets: {flops: 2 MFLOPs, params: 1.2M, memory: 4 MiB}\n"
    )
    code, out, _ = run("check", str(matmul), "--no-color")
    assert code == 1
    assert "error MLH001 flop-budget 2.1 MFLOPs per inference is 104.9 % of the FLOP budget" in out
    assert "warning MLH002 params-budget 1,048,576 parameters is 87.4 %" not in out  # < 90 %
    assert "error MLH004 memory-budget weights 4 MiB + peak activations 8 KiB" in out
    assert (
        "  budgets   flops 2.1 MFLOPs / 2 MFLOPs (104.9 %), params 1.05 M / 1.2 M (87.4 %)" in out
    )


def test_a_bad_budget_names_the_file_and_key(tmp_path: Path, matmul: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("budgets: {flops: 2 GFLOPS}\n")
    code, _, err = run("check", str(matmul), "--config", str(config))
    assert code == 2
    assert f"{config}: budgets.flops: '2 GFLOPS' is a rate of operations; expected a number" in err
    config.write_text("budgets: {latency: 30}\n")
    code, _, err = run("check", str(matmul), "--config", str(config))
    assert f"{config}: budgets.latency: 30: a duration (e.g. '30 ms') needs a unit" in err


def test_config_targets_bind_profiles_by_glob_and_action(tmp_path: Path, matmul: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text(
        "targets:\n"
        "  - {files: ['models/*.onnx'], profile: google-coral-edgetpu-usb, action: warning}\n"
        "  - {files: ['*'], profile: nvidia-t4}\n"
    )
    code, out, _ = run("check", str(matmul), "--no-color")
    assert "  target    google-coral-edgetpu-usb" in out
    # the float model is an error on the Edge TPU, reported as a warning: an advisory target
    assert "warning MLH009 dtype-unsupported the model computes in fp32" in out
    assert code == 0
    code, out, _ = run("check", str(matmul), "--profile", "nvidia-t4", "--no-color")
    assert "  target    nvidia-t4 (NVIDIA T4 16GB); fp32 (from model)" in out  # the flag wins


def test_config_profile_by_path_relative_to_the_config(tmp_path: Path, matmul: Path) -> None:
    from modelint.resources import builtin_profiles_dir

    (tmp_path / ".git").mkdir()
    boards = tmp_path / "boards"
    boards.mkdir()
    text = (builtin_profiles_dir() / "raspberry-pi-5.yaml").read_text()
    (boards / "my-pi.yaml").write_text(
        text.replace("id: raspberry-pi-5", "id: my-pi").replace("aliases: [rpi5, pi5]", "")
    )
    (tmp_path / ".modelint.yaml").write_text("profile: boards/my-pi.yaml\ndtype: int8\n")
    code, out, _ = run("check", str(matmul), "--no-color")
    assert code == 0
    assert "  target    my-pi (Raspberry Pi 5" in out and "int8 (from config)" in out
    (tmp_path / ".modelint.yaml").write_text("profiles: [boards]\nprofile: my-pi\n")
    _, out, _ = run("check", str(matmul), "--no-color")
    assert "  target    my-pi" in out
