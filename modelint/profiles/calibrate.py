"""Refitting a profile's efficiency factors from its microbenchmark calibration points.

* ``op: gemm`` (m, n, k; a rate, or a latency) -> η of the ``matmul`` class: achieved rate over
  the dense peak of the engine that computes the point's precision;
* ``op: copy`` (a bandwidth counting read + write, or bytes and a latency) -> the memory η;
* ``op: launch`` (kernels and a latency) -> the overhead per kernel.

Several points of one kind combine by their geometric mean (η) or mean (overhead). Points on
whole models are refitted by :mod:`modelint.analysis.calibration`, which can analyse them.
"""

from __future__ import annotations

import math
from dataclasses import replace

from modelint.profiles.model import CalibrationPoint, Efficiency, HardwareProfile

__all__ = ["calibrate_microbenchmarks", "point_label"]


def point_label(point: CalibrationPoint) -> str:
    """'gemm 8192x8192x8192 fp16 719 TFLOP/s [M1]'."""
    if point.op == "gemm":
        shape = "x".join(str(point.shape.get(d, "?")) for d in ("m", "n", "k"))
        what = f"gemm {shape} {point.precision or ''}".rstrip()
    elif point.op == "copy":
        what = "copy"
    elif point.op == "launch":
        what = f"launch x{point.shape.get('kernels', '?')}"
    else:
        what = point.model or "model"
    return f"{what} {point.value.text}"


def _gemm_eta(profile: HardwareProfile, point: CalibrationPoint) -> float | None:
    dims = [point.shape.get(d) for d in ("m", "n", "k")]
    if point.precision is None or None in dims:
        return None
    engine = profile.compute_engine(point.precision, point.engine, strict=point.engine is not None)
    peak = engine.peak(point.precision) if engine is not None else None
    if not peak:
        return None
    flops = 2.0 * math.prod(d or 0 for d in dims)
    rate = point.value.value if point.metric == "rate" else flops / point.value.value
    return rate / peak


def _copy_eta(profile: HardwareProfile, point: CalibrationPoint) -> float | None:
    bandwidth = profile.bandwidth
    if not bandwidth:
        return None
    if point.metric == "bandwidth":
        return point.value.value / bandwidth
    size = point.shape.get("bytes")
    return None if size is None else size / point.value.value / bandwidth


def _launch_overhead(point: CalibrationPoint) -> float | None:
    kernels = point.shape.get("kernels")
    if kernels is None or not point.metric.startswith("latency"):
        return None
    return point.value.value / kernels


def _geomean(values: list[float]) -> float:
    return min(1.0, math.exp(sum(math.log(v) for v in values) / len(values)))


def calibrate_microbenchmarks(profile: HardwareProfile) -> HardwareProfile:
    """The profile with η and overhead refitted from its gemm/copy/launch points (unchanged
    when it has none)."""
    gemm: list[float] = []
    copy: list[float] = []
    launch: list[float] = []
    used: list[str] = []
    for point in profile.calibration:
        fit = {"gemm": _gemm_eta, "copy": _copy_eta}.get(point.op or "")
        value = (
            fit(profile, point)
            if fit
            else (_launch_overhead(point) if point.op == "launch" else None)
        )
        if value is None or value <= 0:
            continue
        {"gemm": gemm, "copy": copy, "launch": launch}[point.op or ""].append(value)
        used.append(point_label(point))
    if not used:
        return profile
    prior = profile.efficiency
    compute = dict(prior.compute)
    if gemm:
        compute["matmul"] = round(_geomean(gemm), 4)
    efficiency: Efficiency = replace(
        prior,
        compute=compute,
        memory=round(_geomean(copy), 4) if copy else prior.memory,
        overhead_per_kernel=sum(launch) / len(launch) if launch else prior.overhead_per_kernel,
        estimate=False,
        calibrated_from=tuple(used),
    )
    return replace(profile, efficiency=efficiency, prior_efficiency=prior)
