"""A model's estimated time on its hardware profile, grouped like its cost tables (per layer,
per op type, per node) for the reports and the diff."""

from __future__ import annotations

from collections.abc import Callable

from modelint.graph import OpNode
from modelint.rules.results import ModelResult

__all__ = ["expected_time_by"]


def expected_time_by(
    result: ModelResult, key: Callable[[OpNode], str]
) -> dict[str, float | None] | None:
    """Expected seconds per ``key(node)``: each kernel's time goes to the row of its first
    node (a fused epilogue adds nothing to its own row); a row with a kernel whose time is
    not known is None, never 0. None without a profile."""
    target = result.hardware.target
    if target is None:
        return None
    graph = result.analysis.graph
    times: dict[str, float | None] = {}
    for kernel in target.latency.kernels:
        row = key(graph.node(kernel.kernel.key))
        known = times.get(row, 0.0)
        seconds = kernel.expected_s
        times[row] = None if known is None or seconds is None else known + seconds
    return times
