"""Memory a model needs at inference: its weights plus the peak of live activations.

Liveness over the main graph's kernels (after fusion) in launch order: graph inputs are live
from the start; a kernel's outputs become live when it runs and stay live until their last
reader has run (graph outputs until the end); while a kernel runs, its inputs and outputs are
live together. Tensors that stay inside one fused kernel (a convolution's output feeding its
own ReLU) never reach memory. Views (Reshape, Flatten, Squeeze...) share their input's
storage. A control-flow node is one step; tensors inside its bodies are not counted. Constants
are weights, not activations. This is the arena a static planner (TFLite Micro, TensorRT) needs
without in-place reuse. Unknown sizes make the peak unknown, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelint.analysis.fusion import Kernel, form_kernels
from modelint.analysis.model import ModelAnalysis
from modelint.analysis.precision import PRECISION_BITS, scaled_bytes
from modelint.graph import ModelGraph
from modelint.profiles import DEFAULT_FUSION, Fusion

__all__ = ["MemoryEstimate", "estimate_memory"]

_CONTROL_FLOW = frozenset({"Loop", "If", "Scan"})


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    weight_bytes: int  # parameters at the model's precision (or the one asked for)
    peak_activation_bytes: int | None
    peak_node: str | None = None  # the kernel (its anchor node) running at the peak
    reason: str | None = None  # why the peak is unknown

    @property
    def total_bytes(self) -> int | None:
        if self.peak_activation_bytes is None:
            return None
        return self.weight_bytes + self.peak_activation_bytes


@dataclass
class _Steps:
    """The main graph as steps: which step writes and reads each tensor, views resolved."""

    writes: list[tuple[str, list[str]]]  # (anchor key, tensors allocated) per step
    step_of: dict[str, int]  # node key -> its step
    root: dict[str, str]  # a view's tensor -> the tensor whose storage it shares


def _steps(analysis: ModelAnalysis, fusion: Fusion, kernels: tuple[Kernel, ...]) -> _Steps:
    graph = analysis.graph
    steps = _Steps([], {}, {})
    kernel_of = {key: k for k in kernels for key in k.members}
    for key, node in graph.nodes.items():
        if node.graph_path:
            continue
        kernel = kernel_of.get(key)
        if kernel is None and node.op_type in fusion.free and node.inputs and node.outputs:
            for name in node.outputs:
                steps.root[name] = steps.root.get(node.inputs[0], node.inputs[0])
            continue
        if kernel is None and node.op_type not in _CONTROL_FLOW:
            continue  # folded to constants
        if kernel is not None and kernel.key != key:
            steps.step_of[key] = steps.step_of[kernel.key]
            continue
        members = set(kernel.members) if kernel is not None else {key}
        outputs = [
            name
            for member in sorted(members, key=lambda k: graph.nodes[k].order)
            for name in graph.nodes[member].outputs
            if name and not graph.is_constant(name) and not _internal(graph, name, members)
        ]
        steps.step_of[key] = len(steps.writes)
        steps.writes.append((key, outputs))
    return steps


def _internal(graph: ModelGraph, name: str, members: set[str]) -> bool:
    readers = graph.consumers.get(name, ())
    info = graph.tensor(name)
    return bool(readers) and set(readers) <= members and not (info and info.is_graph_output)


def _main_owner(graph: ModelGraph, key: str) -> str:
    node = graph.nodes[key]
    while node.parent is not None:
        node = graph.nodes[node.parent]
    return node.key


def _last_reads(graph: ModelGraph, steps: _Steps) -> dict[str, int]:
    last: dict[str, int] = {}
    for name, readers in graph.consumers.items():
        owners = (_main_owner(graph, key) for key in readers)
        found = [steps.step_of[o] for o in owners if o in steps.step_of]
        root = steps.root.get(name, name)
        if found:
            last[root] = max(last.get(root, -1), *found)
    for name in graph.outputs:
        last[steps.root.get(name, name)] = len(steps.writes)
    return last


def _weight_bytes(analysis: ModelAnalysis, precision: str | None) -> int:
    if precision is None:
        return analysis.totals.weight_bytes
    return (analysis.totals.params * PRECISION_BITS[precision] + 7) // 8


def _size(graph: ModelGraph, name: str, precision: str | None) -> int | None:
    info = graph.tensor(name)
    if info is None or info.numel is None or info.nbytes is None:
        return None
    return scaled_bytes(info.dtype, info.numel, info.nbytes, precision)


def estimate_memory(
    analysis: ModelAnalysis,
    precision: str | None = None,
    fusion: Fusion = DEFAULT_FUSION,
    kernels: tuple[Kernel, ...] | None = None,
) -> MemoryEstimate:
    """Weights + peak live activations; ``precision`` resizes float tensors (None: as stored);
    ``fusion`` (or the ``kernels`` already formed) decides which intermediate tensors never
    reach memory."""
    graph = analysis.graph
    weights = _weight_bytes(analysis, precision)
    steps = _steps(analysis, fusion, kernels or form_kernels(analysis, fusion))
    last = _last_reads(graph, steps)
    live: dict[str, int] = {}
    for name in graph.inputs:
        if not graph.is_constant(name):
            value = _size(graph, name, precision)
            if value is None:
                return MemoryEstimate(
                    weights, None, reason=f"the size of input '{name}' is unknown"
                )
            live[name] = value
    peak, peak_node = sum(live.values()), None
    for step, (key, outputs) in enumerate(steps.writes):
        for name in outputs:
            value = _size(graph, name, precision)
            if value is None:
                return MemoryEstimate(weights, None, reason=f"the size of '{name}' is unknown")
            live[name] = value
        current = sum(live.values())
        if current > peak:
            peak, peak_node = current, key
        for name in [n for n in live if last.get(n, step) <= step]:
            del live[name]
    return MemoryEstimate(weights, peak, peak_node)
