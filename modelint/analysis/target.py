"""A model on a target: placement, latency band and memory, at one precision."""

from __future__ import annotations

from dataclasses import dataclass

from modelint.analysis.calibration import calibrate_with_models
from modelint.analysis.fusion import form_kernels
from modelint.analysis.latency import LatencyEstimate, estimate_latency
from modelint.analysis.memory import MemoryEstimate, estimate_memory
from modelint.analysis.model import ModelAnalysis
from modelint.analysis.placement import Placement, place
from modelint.analysis.precision import model_precision
from modelint.profiles import DTYPES, HardwareProfile

__all__ = ["TargetEstimate", "estimate_target"]


@dataclass(frozen=True)
class TargetEstimate:
    profile: HardwareProfile
    precision: str | None  # what the model computes in (the asked-for one, else the model's)
    precision_origin: str  # 'model' or where the override came from ('--dtype', 'config')
    placement: Placement
    latency: LatencyEstimate
    memory: MemoryEstimate


def estimate_target(
    analysis: ModelAnalysis,
    profile: HardwareProfile,
    precision: str | None = None,
    origin: str = "--dtype",
) -> TargetEstimate:
    """Everything modelint estimates about ``analysis`` on ``profile``. ``precision`` (one of
    DTYPES) runs every float tensor in it; None keeps the model's own dtypes."""
    if precision is not None and precision not in DTYPES:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(DTYPES)}")
    profile = calibrate_with_models(profile)
    placement = place(analysis, profile)
    kernels = form_kernels(analysis, profile.fusion, placement)
    latency = estimate_latency(analysis, profile, precision, placement, kernels)
    memory = estimate_memory(analysis, precision, profile.fusion, kernels)
    used = precision or model_precision(analysis)
    return TargetEstimate(
        profile, used, origin if precision else "model", placement, latency, memory
    )
