"""Roofline latency estimate per kernel (DESIGN §7).

For each kernel (after fusion, on the engine placement chose)::

    t = max(flops / (peak[dtype] · η[op class]), bytes / (bandwidth · η_mem)) + overhead

``bytes`` is the kernel's compulsory DRAM traffic: the tensors it reads that no member wrote
(activations and weights) and the outputs something outside it reads. Summed over kernels,
plus a per-inference overhead and, for accelerators behind a host link (USB), the input and
output transfer and the parameters that do not fit the on-chip cache.

Two numbers make the band: *optimistic* is the roofline bound (η = 1, no overhead) — no run can
beat it; *expected* applies the profile's η and overheads. Each kernel is compute- or
memory-bound by which term wins. ``conv_small`` is the η of convolutions and GEMMs at batch 1
(the profile's figure for small, latency-bound layers). A kernel whose time cannot be known
(no peak for its precision on its engine, an unknown size, no engine at all) makes the totals
unknown, with the reason — never a silent 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelint.analysis.fusion import Kernel, form_kernels
from modelint.analysis.model import ModelAnalysis
from modelint.analysis.placement import Placement, place
from modelint.analysis.precision import PRECISION_BITS, node_precision, scaled_bytes
from modelint.graph import ModelGraph
from modelint.profiles import Efficiency, HardwareProfile

__all__ = ["KernelTime", "LatencyEstimate", "estimate_latency", "kernel_bytes"]

NO_BANDWIDTH = "the profile has no memory bandwidth: memory time is not modelled"


@dataclass(frozen=True, slots=True)
class KernelTime:
    kernel: Kernel
    precision: str | None
    engine: str | None
    flops: int | None
    bytes: int | None
    compute_s: float | None = None  # expected compute time (η applied)
    memory_s: float | None = None  # expected memory time (η_mem applied)
    overhead_s: float = 0.0
    expected_s: float | None = None
    optimistic_s: float | None = None
    eta: float | None = None  # the compute η used
    reason: str | None = None  # why the time is not known

    @property
    def bound(self) -> str | None:
        if self.compute_s is None or self.memory_s is None:
            return None
        return "compute" if self.compute_s >= self.memory_s else "memory"


@dataclass(frozen=True)
class LatencyEstimate:
    expected_s: float | None
    optimistic_s: float | None
    kernels: tuple[KernelTime, ...]
    host_io_s: float = 0.0
    overhead_s: float = 0.0  # per inference
    unknown: tuple[str, ...] = ()  # reasons, one per kernel whose time is unknown
    notes: tuple[str, ...] = ()
    by_node: Mapping[str, KernelTime] = field(default_factory=dict)

    def share(self, bound: str) -> float | None:
        """The share of the expected kernel time in ``bound``-bound kernels."""
        total = sum(k.expected_s or 0.0 for k in self.kernels)
        if not total:
            return None
        return sum(k.expected_s or 0.0 for k in self.kernels if k.bound == bound) / total


def kernel_bytes(graph: ModelGraph, kernel: Kernel, precision: str | None) -> int | None:
    """Compulsory traffic of a kernel (None when a size is unknown)."""
    members = set(kernel.members)
    total = 0
    seen: set[str] = set()
    for key in kernel.members:
        node = graph.nodes[key]
        reads = [n for n in node.inputs if n and graph.producers.get(n) not in members]
        writes = [
            n
            for n in node.outputs
            if n
            and (
                any(c not in members for c in graph.consumers.get(n, ()))
                or ((info := graph.tensor(n)) is not None and info.is_graph_output)
            )
        ]
        for name in (*reads, *writes):
            if name in seen:
                continue
            seen.add(name)
            info = graph.tensor(name)
            if info is None or info.numel is None or info.nbytes is None:
                return None
            total += scaled_bytes(info.dtype, info.numel, info.nbytes, precision)
    return total


def _eta(efficiency: Efficiency, kernel: Kernel, graph: ModelGraph) -> float:
    node = graph.nodes[kernel.key]
    info = graph.tensor(node.outputs[0]) if node.outputs else None
    batch_one = (
        info is not None and bool(info.shape) and info.shape is not None and (info.shape[0] == 1)
    )
    if kernel.op_class in ("conv", "matmul") and batch_one and "conv_small" in efficiency.compute:
        return efficiency.compute["conv_small"]
    return efficiency.compute_eta(kernel.op_class)


def _time(
    analysis: ModelAnalysis, profile: HardwareProfile, kernel: Kernel, precision: str | None
) -> KernelTime:
    graph, efficiency = analysis.graph, profile.efficiency
    costs = [analysis.costs[key] for key in kernel.members]
    flops = None if any(c.flops is None for c in costs) else sum(c.flops or 0 for c in costs)
    size = kernel_bytes(graph, kernel, precision)
    multiplier = analysis.costs[kernel.key].multiplier
    size = None if size is None else size * multiplier
    base = KernelTime(kernel, precision, kernel.engine, flops, size)
    if kernel.engine is None:
        return _unknown(base, f"{kernel.key} cannot run on {profile.id} (no fallback engine)")
    engine = profile.engine(kernel.engine)
    peak = engine.peak(precision) if engine is not None and precision else None
    if not peak:
        where = f"engine {kernel.engine}"
        return _unknown(base, f"{where} of {profile.id} has no {precision or '?'} peak")
    if flops is None or size is None:
        return _unknown(base, f"the cost of {kernel.key} is not known")
    eta = _eta(efficiency, kernel, graph)
    bandwidth = profile.bandwidth
    eta_mem = efficiency.memory or 1.0
    memory_opt = size / bandwidth if bandwidth else 0.0
    compute_s, memory_s = flops / (peak * eta), memory_opt / eta_mem
    overhead = efficiency.overhead_per_kernel * multiplier
    return KernelTime(
        kernel,
        precision,
        kernel.engine,
        flops,
        size,
        compute_s=compute_s,
        memory_s=memory_s,
        overhead_s=overhead,
        expected_s=max(compute_s, memory_s) + overhead,
        optimistic_s=max(flops / peak, memory_opt),
        eta=eta,
    )


def _unknown(base: KernelTime, reason: str) -> KernelTime:
    return KernelTime(base.kernel, base.precision, base.engine, base.flops, base.bytes,
                      reason=reason)  # fmt: skip


def _engine_for(profile: HardwareProfile, kernel: Kernel, precision: str | None) -> str | None:
    """Placement's engine, or (on the default engine) the engine that has the precision."""
    if kernel.engine is None or precision is None:
        return kernel.engine
    strict = kernel.engine != profile.default_engine.id
    engine = profile.compute_engine(precision, kernel.engine, strict=strict)
    return engine.id if engine is not None else kernel.engine


def _host_io(analysis: ModelAnalysis, profile: HardwareProfile, precision: str | None) -> float:
    """Seconds on the host link: inputs, outputs, and parameters beyond the on-chip cache."""
    if profile.host_link is None:
        return 0.0
    graph = analysis.graph
    moved = 0
    for name in (*graph.inputs, *graph.outputs):
        info = graph.tensor(name)
        if info is not None and info.numel is not None and info.nbytes is not None:
            moved += scaled_bytes(info.dtype, info.numel, info.nbytes, precision)
    cache = profile.on_chip("parameter_cache")
    if cache is not None:
        weights = analysis.totals.weight_bytes
        if precision is not None:
            weights = (analysis.totals.params * PRECISION_BITS[precision] + 7) // 8
        moved += max(0, int(weights - cache))
    return moved / profile.host_link.value


def estimate_latency(
    analysis: ModelAnalysis,
    profile: HardwareProfile,
    precision: str | None = None,
    placement: Placement | None = None,
    kernels: tuple[Kernel, ...] | None = None,
) -> LatencyEstimate:
    """The latency band of ``analysis`` on ``profile``; ``precision`` (fp16, int8...) overrides
    the model's own dtypes. ``placement`` and ``kernels`` are computed when not given."""
    if kernels is None:
        placement = placement or place(analysis, profile)
        kernels = form_kernels(analysis, profile.fusion, placement)
    times: list[KernelTime] = []
    for kernel in kernels:
        node = analysis.graph.nodes[kernel.key]
        dtype = precision or node_precision(analysis.graph, node)
        engine = _engine_for(profile, kernel, dtype)
        placed = Kernel(kernel.key, kernel.members, kernel.op_class, engine)
        times.append(_time(analysis, profile, placed, dtype))
    host = _host_io(analysis, profile, precision)
    overhead = profile.efficiency.overhead_per_inference
    unknown = tuple(dict.fromkeys(t.reason for t in times if t.reason))
    notes = () if profile.bandwidth else (NO_BANDWIDTH,)
    expected = None if unknown else sum(t.expected_s or 0.0 for t in times) + host + overhead
    optimistic = None if unknown else sum(t.optimistic_s or 0.0 for t in times) + host
    by_node = {key: t for t in times for key in t.kernel.members}
    return LatencyEstimate(
        expected, optimistic, tuple(times), host, overhead, unknown, notes, by_node
    )
