"""A model's estimated time on its hardware profile, grouped like its cost tables (per layer,
per op type, per node) for the reports and the diff."""

from __future__ import annotations

from collections.abc import Callable

from modelint.graph import OpNode
from modelint.rules.results import ModelResult

__all__ = ["expected_time_by"]


def expected_time_by(result: ModelResult, key: Callable[[OpNode], str]) -> dict[str, float] | None:
    """Expected seconds per ``key(node)``: each kernel's time goes to the row of its first
    node (a fused epilogue adds nothing to its own row). None without a profile."""
    target = result.hardware.target
    if target is None:
        return None
    graph = result.analysis.graph
    times: dict[str, float] = {}
    for kernel in target.latency.kernels:
        row = key(graph.node(kernel.kernel.key))
        times[row] = times.get(row, 0.0) + (kernel.expected_s or 0.0)
    return times
