"""modelint's latency estimates against published measurements (research hardware-profiles.md
§3), one row per measurement, with the shipped profiles as they are: no row is tuned.

    python benchmarks/profile_validation.py          # prints the table of docs/profiles.md

Models are the graph-only torchvision exports in tests/data/torch (ResNet-50 is torchvision's
v1.5, the MLPerf model). Throughput rows (MLPerf Offline) are estimated at batch 256 and
compared as time per sample; latency rows at batch 1. ``error`` is (estimate - measured) /
measured of the expected estimate; ``bound <= measured`` checks that the roofline bound
(η = 1, no overhead) is below the measurement, as a lower bound must be.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import modelint
from modelint.analysis.target import estimate_target
from modelint.profiles import find_profile
from modelint.units import format_quantity

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "data" / "torch"
OFFLINE_BATCH = 256


@dataclass(frozen=True)
class Measurement:
    label: str  # what was measured
    model: str  # file in tests/data/torch
    size: int  # input height = width
    profile: str
    precision: str
    seconds_per_sample: float  # the measurement, as time per sample
    measured: str  # as published
    source: str
    offline: bool = False  # a throughput (large-batch) result
    note: str = ""


MEASUREMENTS = (
    Measurement("MLPerf v3.1 ResNet-50 Offline, 1x H100 SXM", "resnet50", 224, "nvidia-h100-sxm",
                "int8", 1 / 88526, "88,526 samples/s", "S61", offline=True),
    Measurement("MLPerf v3.0 ResNet-50 Offline, 1x A100 SXM 80GB", "resnet50", 224,
                "nvidia-a100-sxm-80gb", "int8", 1 / 42379.3, "42,379 samples/s", "S62",
                offline=True),
    Measurement("MLPerf v3.1 ResNet-50 Offline, 1x L4", "resnet50", 224, "nvidia-l4", "int8",
                1 / 12881.7, "12,882 samples/s", "S61", offline=True),
    Measurement("MLPerf v3.1 ResNet-50 SingleStream, AGX Orin 64GB", "resnet50", 224,
                "nvidia-jetson-agx-orin-64gb", "int8", 0.636e-3, "0.636 ms mean", "S61",
                note="η conv_small 0.15 was derived from this point"),
    Measurement("MLPerf v3.1 ResNet-50 SingleStream, Orin NX 16GB", "resnet50", 224,
                "nvidia-jetson-orin-nx-16gb", "int8", 1.079e-3, "1.079 ms mean", "S61"),
    Measurement("MLPerf v3.1 ResNet-50 Offline, 2x Xeon 8480+ (per socket)", "resnet50", 224,
                "intel-xeon-platinum-8480plus", "int8", 2 / 20565.5, "20,566 samples/s (2S)",
                "S61", offline=True, note="per socket = half the 2-socket result"),
    Measurement("Coral USB, MobileNetV2 224", "mobilenet_v2", 224, "google-coral-edgetpu-usb",
                "int8", 2.6e-3, "2.6 ms", "S25", note="η was derived from this point"),
    Measurement("Coral USB, ResNet-50 V1 299", "resnet50", 299, "google-coral-edgetpu-usb",
                "int8", 49e-3, "49 ms", "S25", note="η was derived from this point"),
    Measurement("Ethos-U55-256 (Alif E8), MobileNetV2 224", "mobilenet_v2", 224,
                "alif-ensemble-e8-ethos-u55", "int8", 19e-3, "19 ms", "S50",
                note="depthwise η was derived from this point"),
    Measurement("Raspberry Pi 4, TFLite \"MobileNet v2\" 300", "mobilenet_v2", 300,
                "raspberry-pi-4", "fp32", 112.6e-3, "112.6 ms", "S64",
                note="measured model is COCO-trained (likely SSD); classifier estimated"),
    Measurement("Raspberry Pi 5, TFLite \"MobileNet v2\" 300", "mobilenet_v2", 300,
                "raspberry-pi-5", "fp32", 23.5e-3, "23.5 ms", "S64",
                note="measured model is COCO-trained (likely SSD); classifier estimated"),
    Measurement("Jetson Nano, TensorRT \"MobileNet v2\" 300", "mobilenet_v2", 300,
                "nvidia-jetson-nano-4gb", "fp16", 72.3e-3, "72.3 ms", "S64",
                note="as above; precision not stated, fp16 assumed"),
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    measurement: Measurement
    expected: float  # seconds per sample
    optimistic: float

    @property
    def error(self) -> float:
        return self.expected / self.measurement.seconds_per_sample - 1


def estimate(measurement: Measurement) -> Row:
    batch = OFFLINE_BATCH if measurement.offline else 1
    shape = (batch, 3, measurement.size, measurement.size)
    analysis = modelint.analyze(MODELS / f"{measurement.model}.onnx", input_shapes={"input": shape})
    target = estimate_target(analysis, find_profile(measurement.profile), measurement.precision)
    expected, optimistic = target.latency.expected_s, target.latency.optimistic_s
    if expected is None or optimistic is None:
        raise RuntimeError(f"{measurement.label}: {target.latency.unknown}")
    return Row(measurement, expected / batch, optimistic / batch)


def _time(seconds: float) -> str:
    return format_quantity(seconds, "s")


def table(rows: list[Row]) -> str:
    lines = [
        "| measurement | profile | precision | measured | per sample | expected | error | "
        "roofline bound | bound <= measured | source | note |",
        "|---|---|---|---:|---:|---:|---:|---:|:---:|---|---|",
    ]
    for row in rows:
        m = row.measurement
        batch = f", batch {OFFLINE_BATCH}" if m.offline else ""
        lines.append(
            f"| {m.label} | `{m.profile}` | {m.precision}{batch} | {m.measured} | "
            f"{_time(m.seconds_per_sample)} | {_time(row.expected)} | {row.error * 100:+.0f} % | "
            f"{_time(row.optimistic)} | {'yes' if row.optimistic <= m.seconds_per_sample else 'NO'}"
            f" | {m.source} | {m.note} |"
        )
    errors = [abs(row.error) for row in rows]
    within = sum(1 for error in errors if error <= 0.5)
    lines += [
        "",
        f"{len(rows)} measurements; median absolute error {statistics.median(errors) * 100:.0f} %; "
        f"{within} of {len(rows)} within ±50 %.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    print(table([estimate(m) for m in MEASUREMENTS]))


if __name__ == "__main__":
    main()
