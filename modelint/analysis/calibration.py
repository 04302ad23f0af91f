"""Refitting a profile's efficiency from whole-model measurements it can analyse.

A calibration point with ``path`` (an ONNX model, relative to the profile), ``input``
(``1x3x224x224``, bound to the model's first input), ``precision`` and a measured latency (or
a throughput at ``batch``) is estimated with the profile's current factors; then one scale on
every compute η and the overhead per kernel are fitted to all such points, minimising the
squared relative error of the expected latency: the overhead in closed form for each scale on
a geometric grid. With one point only the scale is fitted (the overhead stays). Points without
a file stay references. Microbenchmark points (:mod:`modelint.profiles.calibrate`) apply first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

from modelint.analysis.analyze import AnalysisOptions, analyze_loaded
from modelint.analysis.cost_rules import load_cost_rules
from modelint.analysis.latency import estimate_latency
from modelint.analysis.model import ModelAnalysis
from modelint.errors import ProfileError
from modelint.load import load_model
from modelint.profiles import CalibrationPoint, HardwareProfile
from modelint.profiles.calibrate import point_label

__all__ = ["calibrate_with_models"]

_GRID = tuple(0.02 * 1.02**i for i in range(400))  # scales from 0.02 to ~55


@dataclass(frozen=True)
class _Case:
    compute: tuple[float, ...]  # per kernel, at the current η
    memory: tuple[float, ...]
    kernels: float  # launches (loop bodies count once per iteration)
    fixed: float  # host link + per-inference overhead
    measured: float  # seconds per inference

    def base(self, scale: float) -> float:
        return sum(max(c / scale, m) for c, m in zip(self.compute, self.memory, strict=True))


def _measured(point: CalibrationPoint) -> float:
    if point.metric.startswith("latency"):
        return point.value.value
    if point.metric == "throughput":
        return (point.batch or 1) / point.value.value
    raise ProfileError(
        f"model point {point.model or point.path}: metric {point.metric} is not a latency or "
        "throughput",
        path=point.path,
    )


def _analysis_for(point: CalibrationPoint) -> ModelAnalysis:
    loaded = load_model(Path(point.path or ""))
    shapes: dict[str, tuple[int, ...]] = {}
    if point.input:
        initializers = {tensor.name for tensor in loaded.proto.graph.initializer}
        first = next(v.name for v in loaded.proto.graph.input if v.name not in initializers)
        shapes[first] = tuple(int(d) for d in point.input.lower().split("x"))
    return analyze_loaded(loaded, load_cost_rules(), AnalysisOptions(input_shapes=shapes))


def _case(profile: HardwareProfile, point: CalibrationPoint) -> _Case:
    analysis = _analysis_for(point)
    latency = estimate_latency(analysis, profile, point.precision)
    if latency.expected_s is None:
        raise ProfileError(f"cannot estimate {point.path}: {latency.unknown[0]}", path=profile.path)
    times = latency.kernels
    return _Case(
        compute=tuple(t.compute_s or 0.0 for t in times),
        memory=tuple(t.memory_s or 0.0 for t in times),
        kernels=float(sum(analysis.costs[t.kernel.key].multiplier for t in times)),
        fixed=latency.host_io_s + latency.overhead_s,
        measured=_measured(point),
    )


def _overhead(cases: list[_Case], scale: float, prior: float) -> float:
    if len(cases) < 2:
        return prior
    num = sum(
        (c.kernels / c.measured) * (1 - (c.base(scale) + c.fixed) / c.measured) for c in cases
    )
    den = sum((c.kernels / c.measured) ** 2 for c in cases)
    return max(0.0, num / den) if den else prior


def _error(cases: list[_Case], scale: float, overhead: float) -> float:
    return sum(
        ((c.base(scale) + c.fixed + c.kernels * overhead) / c.measured - 1) ** 2 for c in cases
    )


def _fit(cases: list[_Case], prior: float, max_scale: float) -> tuple[float, float]:
    best = (float("inf"), 1.0, prior)
    for scale in _GRID:
        if scale > max_scale:
            break
        overhead = _overhead(cases, scale, prior)
        error = _error(cases, scale, overhead)
        if error < best[0]:
            best = (error, scale, overhead)
    return best[1], best[2]


def calibrate_with_models(profile: HardwareProfile) -> HardwareProfile:
    """The profile refitted to its model points that name a file (unchanged without any)."""
    if not any(p.path for p in profile.calibration):
        return profile
    return _calibrated(profile)


@functools.lru_cache(maxsize=32)
def _calibrated(profile: HardwareProfile) -> HardwareProfile:
    points = [p for p in profile.calibration if p.path]
    for point in points:
        if not Path(point.path or "").is_file():
            raise ProfileError(f"calibration model {point.path} not found", path=profile.path)
    cases = [_case(profile, point) for point in points]
    efficiency = profile.efficiency
    highest = max(efficiency.compute.values(), default=1.0)
    scale, overhead = _fit(cases, efficiency.overhead_per_kernel, 1.0 / highest)
    compute = {name: round(min(1.0, eta * scale), 4) for name, eta in efficiency.compute.items()}
    if "default" not in compute:
        compute["default"] = round(min(1.0, scale), 4)
    fitted = replace(
        efficiency,
        compute=compute,
        overhead_per_kernel=overhead,
        estimate=False,
        calibrated_from=(*efficiency.calibrated_from, *(point_label(p) for p in points)),
    )
    prior = profile.prior_efficiency or efficiency
    return replace(profile, efficiency=fitted, prior_efficiency=prior)
