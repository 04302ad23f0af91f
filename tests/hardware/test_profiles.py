"""Hardware profiles: the built-in set, validation errors (file + key), modes, calibration."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from modelint.errors import ProfileError
from modelint.profiles import find_profile, list_profiles, load_profile_file
from modelint.resources import builtin_profiles_dir

RESEARCH_DEVICES = {
    "nvidia-h200-sxm",
    "nvidia-h100-sxm",
    "nvidia-a100-sxm-80gb",
    "nvidia-l4",
    "nvidia-t4",
    "nvidia-jetson-agx-orin-64gb",
    "nvidia-jetson-orin-nx-16gb",
    "nvidia-jetson-orin-nano-8gb",
    "nvidia-jetson-nano-4gb",
    "google-coral-edgetpu-usb",
    "apple-m2",
    "apple-m3",
    "apple-a17-pro",
    "qualcomm-snapdragon-8-gen-3",
    "raspberry-pi-4",
    "raspberry-pi-5",
    "intel-xeon-platinum-8480plus",
    "st-stm32h743-cortex-m7",
    "alif-ensemble-e8-ethos-u55",
    "espressif-esp32-s3",
}

MINIMAL = """\
schema_version: "1"
id: acme-npu
name: ACME NPU
vendor: ACME
category: npu_accelerator
confidence: estimate
engines:
  - id: npu
    kind: npu
    default: true
    peak_dense:
      int8: 10 TOPS [A1]
    precisions: [int8]
memory:
  bandwidth: 20 GB/s [A1]
operators: {policy: broad}
efficiency: {compute: {conv: 0.5}, memory: 0.5, source: our measurements}
sources:
  A1: ACME NPU datasheet rev 3
"""


def test_every_research_device_ships_and_loads() -> None:
    ids = {profile.id for profile in list_profiles()}
    assert ids >= RESEARCH_DEVICES
    assert len(list(builtin_profiles_dir().glob("*.yaml"))) >= 20


def test_every_figure_names_a_known_source() -> None:
    for profile in list_profiles():
        figures = [
            f
            for e in profile.engines
            for f in (*e.peak_dense.values(), *e.peak_sparse.values())
            if f
        ]
        figures += [
            f
            for f in (
                profile.memory.capacity,
                profile.memory.bandwidth,
                profile.memory.flash,
                profile.tdp,
            )
            if f
        ]
        for figure in figures:
            assert figure.tags, (profile.id, figure)
            assert set(figure.sources) <= set(profile.sources), (profile.id, figure)


def test_dense_and_sparse_peaks_are_kept_apart() -> None:
    h100 = find_profile("nvidia-h100-sxm")
    tensor = h100.engine("tensor_core")
    assert tensor is not None
    assert tensor.peak("fp16") == 989.4e12  # dense; the spec sheet's 1,979 is sparse
    sparse = tensor.peak_sparse["fp16"]
    assert sparse is not None and sparse.value == 1978.9e12
    assert h100.compute_engine("fp32") is h100.engine("cuda_core")  # no fp32 on tensor cores


def test_h200_efficiency_is_refitted_from_its_measurements() -> None:
    h200 = find_profile("h200")
    ratios = [50.6 / 66.9, 389 / 494.7, 719 / 989.4, 745 / 989.4]
    geomean = math.exp(sum(map(math.log, ratios)) / 4)
    assert h200.efficiency.compute["matmul"] == pytest.approx(geomean, abs=1e-4)
    assert h200.efficiency.memory == pytest.approx(4.14 / 4.8, abs=1e-4)
    assert h200.prior_efficiency is not None and h200.prior_efficiency.memory == 0.75
    assert len(h200.efficiency.calibrated_from) == 5 and not h200.efficiency.estimate


def test_power_modes_override_peaks_and_bandwidth() -> None:
    nano = find_profile("orin-nano@MAXN_SUPER")
    assert nano.mode == "MAXN_SUPER"
    assert nano.default_engine.peak("int8") == 33.5e12
    assert nano.bandwidth == 102e9
    with pytest.raises(ProfileError, match="no power mode 'MAXN_SUPR' \\(did you mean"):
        find_profile("orin-nano@MAXN_SUPR")
    with pytest.raises(ProfileError, match="no power mode 'turbo'; raspberry-pi-5 has no power"):
        find_profile("raspberry-pi-5@turbo")


def test_unknown_profile_suggests_a_close_id() -> None:
    with pytest.raises(ProfileError, match="unknown profile 'nvidia-h100' \\(did you mean"):
        find_profile("nvidia-h100")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(text)
    return path


def test_a_user_profile_loads_by_path(tmp_path: Path) -> None:
    profile = find_profile(str(_write(tmp_path, MINIMAL)))
    assert profile.id == "acme-npu" and profile.default_engine.peak("int8") == 10e12
    assert find_profile("acme-npu", [tmp_path]).path == profile.path


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("memory:\n", "memroy:\n", "(top level)", "unknown key 'memroy' (did you mean 'memory'?)"),
        (
            "int8: 10 TOPS [A1]",
            "int8: 10 TB/s [A1]",
            "engines[0].peak_dense.int8",
            "'10 TB/s' is a bandwidth; expected a rate of operations",
        ),
        (
            "int8: 10 TOPS [A1]",
            "int8: 10 TOPS",
            "engines[0].peak_dense.int8",
            "'10 TOPS' has no source",
        ),
        (
            "int8: 10 TOPS [A1]",
            "int8: 10 TOPS [S9]",
            "engines[0].peak_dense.int8",
            "unknown source 'S9' (sources: A1; markers: D, E, W)",
        ),
        ("bandwidth: 20 GB/s [A1]", "bandwidth: 20000000000", "memory.bandwidth", "has no source"),
        (
            "category: npu_accelerator",
            "category: npu",
            "category",
            "'npu' is not one of: datacenter_gpu, edge_gpu, npu_accelerator",
        ),
        (
            "precisions: [int8]",
            "precisions: [int7]",
            "engines[0].precisions[0]",
            "'int7' is not one of",
        ),
        (
            "default: true",
            "default: false",
            "engines",
            "exactly one engine must be `default: true`",
        ),
        (
            "{policy: broad}",
            "{policy: broad, fallback: cpu}",
            "operators.fallback",
            "no engine 'cpu'",
        ),
        ("memory: 0.5,", "memory: 1.5,", "efficiency.memory", "1.5 is greater than"),
    ],
)
def test_validation_errors_name_the_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    assert old in MINIMAL
    path = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(ProfileError) as caught:
        load_profile_file(path)
    line = caught.value.lines()[0]
    assert line.startswith(f"{path}: {key}: "), line
    assert message in line


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    shutil.copy(builtin_profiles_dir() / "nvidia-t4.yaml", tmp_path / "my-t4.yaml")
    with pytest.raises(ProfileError, match="profile id 'nvidia-t4' is also used by"):
        list_profiles([tmp_path])


CALIBRATED = MINIMAL.replace(
    "sources:\n",
    """calibration:
  - {op: gemm, m: 1000, n: 1000, k: 1000, precision: int8, metric: latency, value: 0.5 ms,
     source: A1}
  - {op: copy, bytes: 1 GB, metric: latency, value: 62.5 ms, source: A1}
  - {op: launch, kernels: 1000, metric: latency, value: 4 ms, source: A1}
  - {model: resnet50, metric: latency_mean, value: 3 ms, source: A1}
sources:
""",
)


def test_microbenchmarks_refit_eta_and_overhead(tmp_path: Path) -> None:
    profile = load_profile_file(_write(tmp_path, CALIBRATED))
    efficiency = profile.efficiency
    # gemm: 2e9 ops in 0.5 ms = 4 TOP/s of a 10 TOP/s peak -> 0.4
    assert efficiency.compute == {"conv": 0.5, "matmul": 0.4}
    # copy: 1 GB in 62.5 ms = 16 GB/s of 20 GB/s -> 0.8
    assert efficiency.memory == 0.8
    assert efficiency.overhead_per_kernel == pytest.approx(4e-6)  # 4 ms / 1000 launches
    assert len(efficiency.calibrated_from) == 3  # the model point is a reference
    assert profile.prior_efficiency is not None and profile.prior_efficiency.memory == 0.5
