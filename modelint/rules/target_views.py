"""What hardware rules read: the bound profile, the budgets, and the model's estimates on the
target (``profile.flash``, ``budget.latency``, ``model.latency``...).

A figure the profile does not have is ``None`` — rules guard with ``profile.flash and ...``.
An estimate that is not known (an unknown shape, no peak for the model's precision) raises
UnknownValue: the rule is *undecided* on the model, with the reason, never silently passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from modelint.analysis import ModelAnalysis
from modelint.expr import UnknownValue
from modelint.profiles import Budgets, HardwareProfile

if TYPE_CHECKING:  # the estimators load only when a rule reads the hardware (~20 ms)
    from modelint.analysis.memory import MemoryEstimate
    from modelint.analysis.target import TargetEstimate

__all__ = ["HARDWARE_FIELDS", "BudgetView", "Hardware", "ProfileView", "hardware_fact", "unmet"]


@dataclass(frozen=True)
class Hardware:
    """A model's target (None without a profile), its budgets and the precision asked for."""

    target: TargetEstimate | None = None
    budgets: Budgets = field(default_factory=Budgets)
    precision: str | None = None
    _memo: dict[int, MemoryEstimate] = field(default_factory=dict, compare=False, repr=False)

    def memory(self, analysis: ModelAnalysis) -> MemoryEstimate:
        """The target's memory estimate; without a profile (a memory budget alone) computed
        on first use for this model."""
        if self.target is not None:
            return self.target.memory
        if id(analysis) not in self._memo:
            from modelint.analysis.memory import estimate_memory  # noqa: PLC0415

            self._memo[id(analysis)] = estimate_memory(analysis, self.precision)
        return self._memo[id(analysis)]


class ProfileView:
    """The bound profile's identity, precisions and capacities (bytes; None: not known)."""

    EXPR_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "name",
            "category",
            "precisions",
            "default_precisions",
            "default_engine",
            "default_kind",
            "fallback",
            "partition_policy",
            "dram",
            "flash",
            "sram",
            "parameter_cache",
            "bandwidth",
        }
    )
    __slots__ = ("_profile",)

    def __init__(self, profile: HardwareProfile) -> None:
        self._profile = profile

    def __getattr__(self, name: str) -> Any:
        profile = self._profile
        memory = profile.memory
        values = {
            "id": profile.id,
            "name": profile.name,
            "category": profile.category,
            "precisions": profile.precisions,
            "default_precisions": profile.default_engine.precisions,
            "default_engine": profile.default_engine.id,
            "default_kind": profile.default_engine.kind,
            "fallback": profile.operators.fallback,
            "partition_policy": profile.operators.partition_policy,
            "dram": memory.capacity.value if memory.capacity else None,
            "flash": memory.flash.value if memory.flash else None,
            "sram": profile.on_chip("sram"),
            "parameter_cache": profile.on_chip("parameter_cache"),
            "bandwidth": profile.bandwidth,
        }
        if name not in values:
            raise AttributeError(name)
        return values[name]


class BudgetView:
    """Budgets (flops in FLOPs, params, latency in s, memory in bytes); None: no budget."""

    EXPR_FIELDS: ClassVar[frozenset[str]] = frozenset({"flops", "params", "latency", "memory"})
    __slots__ = ("_budgets",)

    def __init__(self, budgets: Budgets) -> None:
        self._budgets = budgets

    def __getattr__(self, name: str) -> Any:
        if name not in self.EXPR_FIELDS:
            raise AttributeError(name)
        return getattr(self._budgets, name)


# ModelView fields that come from the hardware estimates (see hardware_fact).
HARDWARE_FIELDS = frozenset(
    {
        "latency",
        "latency_optimistic",
        "memory",
        "weight_memory",
        "activation_peak",
        "activation_peak_node",
        "precision",
        "unsupported_nodes",
    }
)


def _need_target(hardware: Hardware, name: str) -> TargetEstimate:
    if hardware.target is None:
        raise UnknownValue(f"model.{name} needs a hardware profile (--profile)")
    return hardware.target


def _latency(target: TargetEstimate, optimistic: bool) -> float:
    latency = target.latency
    value = latency.optimistic_s if optimistic else latency.expected_s
    if value is None:
        raise UnknownValue(f"latency on {target.profile.id} not known: {latency.unknown[0]}")
    return value


def hardware_fact(analysis: ModelAnalysis, hardware: Hardware, name: str) -> Any:
    """The value of ``model.<name>`` for the hardware fields."""
    if name in ("latency", "latency_optimistic"):
        return _latency(_need_target(hardware, name), name == "latency_optimistic")
    if name == "precision":
        return _need_target(hardware, name).precision
    if name == "unsupported_nodes":
        return len(_need_target(hardware, name).placement.unsupported())
    memory = hardware.memory(analysis)
    if name == "weight_memory":
        return memory.weight_bytes
    if name == "activation_peak_node":
        return memory.peak_node or "(graph inputs)"
    if memory.peak_activation_bytes is None:
        raise UnknownValue(f"peak activation memory not known: {memory.reason}")
    return memory.peak_activation_bytes if name == "activation_peak" else memory.total_bytes


def unmet(requires: Iterable[str], hardware: Hardware) -> str | None:
    """Why a rule cannot run on a model: a profile or a budget it needs and the model is not
    checked against (None: nothing missing)."""
    for requirement in requires:
        if requirement == "profile" and hardware.target is None:
            return "needs a hardware profile (--profile)"
        kind, _, budget = requirement.partition(".")
        if kind == "budget" and getattr(hardware.budgets, budget, None) is None:
            return f"no {budget} budget (budgets.{budget} in the config)"
    return None
