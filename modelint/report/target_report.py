"""A model on its hardware target, for the reports: summary lines (check, inspect), per-node
time and bound (inspect), and the JSON ``target`` object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelint.analysis import ModelAnalysis
from modelint.profiles import Budgets
from modelint.report.numbers import percent, plural, uncosted_note
from modelint.rules.target_views import Hardware
from modelint.units import format_quantity

if TYPE_CHECKING:  # the estimators are imported only by runs that bind a hardware profile
    from modelint.analysis.latency import KernelTime, LatencyEstimate
    from modelint.analysis.target import TargetEstimate

__all__ = ["node_latency", "target_dict", "target_lines"]


def _latency_line(latency: LatencyEstimate) -> str:
    if latency.expected_s is None or latency.optimistic_s is None:
        return f"  latency   unknown: {latency.unknown[0]}"
    kernels = len(latency.kernels)
    memory = latency.share("memory")
    bound = f", {memory * 100:.0f} % of kernel time memory-bound" if memory is not None else ""
    host = f", host link {format_quantity(latency.host_io_s, 's')}" if latency.host_io_s else ""
    return (
        f"  latency   {format_quantity(latency.expected_s, 's')} expected, "
        f"{format_quantity(latency.optimistic_s, 's')} roofline bound; "
        f"{plural(kernels, 'kernel')}{bound}{host}"
    )


def _memory_line(target: TargetEstimate) -> str:
    memory, profile = target.memory, target.profile
    weights = format_quantity(memory.weight_bytes, "B")
    if memory.peak_activation_bytes is None:
        return f"  memory    weights {weights}; peak activations unknown: {memory.reason}"
    capacity = profile.memory.capacity or profile.memory.flash
    of = f" of {format_quantity(capacity.value, 'B')}" if capacity is not None else ""
    return (
        f"  memory    weights {weights} + peak activations "
        f"{format_quantity(memory.peak_activation_bytes, 'B')} = "
        f"{format_quantity(memory.total_bytes, 'B')}{of}"
    )


def _budget_part(name: str, value: float | None, budget: float, unit: str, bound: str) -> str:
    """'flops 400 kFLOPs / 500 kFLOPs (80.0 %)'; a lower bound says so ('≥ 0 FLOPs ...
    (≥ 0.0 %; 2 of 2 nodes uncosted)'), an unknown value says why."""
    limit = format_quantity(budget, unit)
    if value is None:
        return f"{name} ? / {limit} ({bound})" if bound else f"{name} ? / {limit}"
    shown, share = format_quantity(value, unit), percent(value, budget)
    if bound:
        return f"{name} ≥ {shown} / {limit} (≥ {share}; {bound})"
    return f"{name} {shown} / {limit} ({share})"


def _budget_line(analysis: ModelAnalysis, hardware: Hardware) -> str | None:
    budgets = hardware.budgets
    target = hardware.target
    uncosted = uncosted_note(analysis.coverage)
    no_profile = "needs --profile" if target is None else ""
    items: list[tuple[str, float | None, float | None, str, str]] = [
        ("flops", analysis.totals.flops, budgets.flops, "ops", uncosted),
        ("params", analysis.totals.params, budgets.params, "count", ""),
        (
            "latency",
            target.latency.expected_s if target else None,
            budgets.latency,
            "s",
            no_profile,
        ),
    ]
    if budgets.memory is not None:  # the estimate walks the whole graph: only when budgeted
        items.append(("memory", hardware.memory(analysis).total_bytes, budgets.memory, "B", ""))
    parts = [
        _budget_part(name, value, budget, unit, bound)
        for name, value, budget, unit, bound in items
        if budget is not None
    ]
    return f"  budgets   {', '.join(parts)}" if parts else None


def target_lines(analysis: ModelAnalysis, hardware: Hardware) -> list[str]:
    """Summary lines for a model's target and budgets (none when neither is set)."""
    lines: list[str] = []
    target = hardware.target
    if target is not None:
        profile = target.profile
        mode = f" @{profile.mode}" if profile.mode else ""
        precision = target.precision or "unknown precision"
        lines += [
            f"  target    {profile.id}{mode} ({profile.name}); {precision} "
            f"(from {target.precision_origin})",
            _latency_line(target.latency),
            _memory_line(target),
        ]
        unsupported = target.placement.unsupported()
        if unsupported:
            count = plural(len(unsupported), "node")
            lines.append(f"  placement {count} not supported on the target")
        lines += [f"  note      {note}" for note in target.latency.notes]
    budget = _budget_line(analysis, hardware)
    return [*lines, budget] if budget else lines


def node_latency(kernel: KernelTime | None, key: str) -> dict[str, Any] | None:
    """A node's share of the estimate: its kernel's time (on the kernel's first node)."""
    if kernel is None:
        return None
    anchor = kernel.kernel.key
    return {
        "kernel": anchor,
        "fused": anchor != key,
        "engine": kernel.engine,
        "precision": kernel.precision,
        "expected_s": kernel.expected_s if anchor == key else 0.0,
        "optimistic_s": kernel.optimistic_s if anchor == key else 0.0,
        "compute_s": kernel.compute_s,
        "memory_s": kernel.memory_s,
        "bytes": kernel.bytes,
        "bound": kernel.bound,
        "reason": kernel.reason,
    }


def _count(value: float | None) -> int | float | None:
    """Counts are integers in JSON (a '2 GFLOPs' budget parses to 2e9)."""
    return int(value) if value is not None and float(value).is_integer() else value


def _budgets_dict(budgets: Budgets) -> dict[str, int | float | None]:
    return {
        "flops": _count(budgets.flops),
        "params": _count(budgets.params),
        "latency_s": budgets.latency,
        "memory_bytes": _count(budgets.memory),
    }


def target_dict(analysis: ModelAnalysis, hardware: Hardware) -> dict[str, Any] | None:
    """The JSON ``target`` object (None when no profile and no budget is set)."""
    target = hardware.target
    if target is None:
        budgets = hardware.budgets
        if all(v is None for v in _budgets_dict(budgets).values()):
            return None
        return {"profile": None, "budgets": _budgets_dict(budgets)}
    latency, memory, placement = target.latency, target.memory, target.placement
    return {
        "profile": target.profile.id,
        "name": target.profile.name,
        "mode": target.profile.mode,
        "precision": target.precision,
        "precision_origin": target.precision_origin,
        "latency": {
            "expected_s": latency.expected_s,
            "optimistic_s": latency.optimistic_s,
            "host_io_s": latency.host_io_s,
            "overhead_per_inference_s": latency.overhead_s,
            "kernels": len(latency.kernels),
            "memory_bound_share": latency.share("memory"),
            "unknown": list(latency.unknown),
            "notes": list(latency.notes),
        },
        "memory": {
            "weight_bytes": memory.weight_bytes,
            "peak_activation_bytes": memory.peak_activation_bytes,
            "peak_node": memory.peak_node,
            "total_bytes": memory.total_bytes,
            "reason": memory.reason,
        },
        "placement": {
            "unsupported": [
                {"node": key, "kind": p.kind, "reason": p.reason, "engine": p.engine}
                for key, p in placement.nodes.items()
                if not p.supported
            ],
            "split": placement.split,
            "pushed": list(placement.pushed),
        },
        "budgets": _budgets_dict(hardware.budgets),
    }
