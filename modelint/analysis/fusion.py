"""Kernels: the units a runtime launches, after the target's fusion rules.

Walking the nodes in topological order, an *anchor* op (a convolution, a GEMM) opens a kernel
and *epilogue* ops that follow it join that kernel (Conv + BatchNormalization + Relu, a GEMM
with its bias add, a residual Add) when they read the kernel's last output, that output has no
other reader, is not a graph output, and both run on the same engine. *Free* ops (views:
Reshape, Flatten, Squeeze...; Identity; Constant) and nodes whose outputs are all constants
(folded when the model is compiled) launch nothing. Every other node is a kernel of its own.
Control-flow ops launch nothing themselves; their bodies' nodes are kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelint.analysis.model import ModelAnalysis
from modelint.analysis.placement import Placement
from modelint.graph import ModelGraph, OpNode
from modelint.profiles import Fusion

__all__ = ["Kernel", "form_kernels", "op_class"]

_CONTROL_FLOW = frozenset({"Loop", "If", "Scan"})
_MATMUL = frozenset(
    "Gemm MatMul Einsum QLinearMatMul MatMulInteger FusedMatMul MatMulNBits Attention "
    "MultiHeadAttention GroupQueryAttention".split()
)
_CONV = frozenset("Conv ConvTranspose QLinearConv ConvInteger FusedConv".split())
_POOL = frozenset(
    "MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool ReduceMean ReduceMax ReduceMin "
    "ReduceSum ReduceProd ReduceL1 ReduceL2 ReduceLogSumExp ReduceSumSquare ArgMax ArgMin".split()
)
_NORMALIZATION = frozenset(
    "BatchNormalization LayerNormalization GroupNormalization InstanceNormalization "
    "RMSNormalization SimplifiedLayerNormalization SkipLayerNormalization "
    "SkipSimplifiedLayerNormalization LpNormalization MeanVarianceNormalization LRN Softmax "
    "LogSoftmax".split()
)
_DATA_MOVEMENT = frozenset(
    "Transpose Concat Split Slice Gather GatherND GatherElements ScatterND ScatterElements Pad "
    "Tile Expand Cast Resize Upsample DepthToSpace SpaceToDepth QuantizeLinear DequantizeLinear "
    "CastLike".split()
)
_RECURRENT = frozenset({"LSTM", "GRU", "RNN"})


@dataclass(frozen=True, slots=True)
class Kernel:
    """One launched kernel: its anchor node, the nodes fused into it, its class and engine."""

    key: str  # the anchor's node key
    members: tuple[str, ...]  # anchor first, then the fused epilogue, in order
    op_class: str
    engine: str | None


def _is_depthwise(graph: ModelGraph, node: OpNode) -> bool:
    group = int(node.attributes.get("group", 1))
    x = graph.tensor(node.inputs[0]) if node.inputs else None
    channels = x.shape[1] if x is not None and x.shape is not None and len(x.shape) > 1 else None
    return group > 1 and group == channels


_CLASS_OF: dict[str, str] = {
    op: name
    for ops, name in (
        (_MATMUL, "matmul"),
        (_POOL, "pool"),
        (_NORMALIZATION, "normalization"),
        (_DATA_MOVEMENT, "data_movement"),
        (_RECURRENT, "recurrent"),
    )
    for op in ops
}


def op_class(graph: ModelGraph, node: OpNode) -> str:
    """The efficiency class of an op (a key of ``efficiency.compute``)."""
    op = node.op_type
    if op in _CONV:
        return "depthwise_conv" if _is_depthwise(graph, node) else "conv"
    return _CLASS_OF.get(op) or ("elementwise" if len(node.outputs) == 1 else "other")


def _is_free(graph: ModelGraph, node: OpNode, fusion: Fusion) -> bool:
    if node.op_type in fusion.free or node.op_type in _CONTROL_FLOW:
        return True
    return bool(node.outputs) and all(graph.is_constant(name) for name in node.outputs if name)


def _joins(
    graph: ModelGraph, node: OpNode, kernel: list[str], tails: dict[str, int], index: int
) -> bool:
    """``node`` reads the kernel's last output, the only reader of a non-output tensor."""
    last = graph.nodes[kernel[-1]]
    for name in node.inputs:
        if not name or tails.get(name) != index or name not in last.outputs:
            continue
        info = graph.tensor(name)
        if len(graph.consumers.get(name, ())) == 1 and not (info and info.is_graph_output):
            return True
    return False


def form_kernels(
    analysis: ModelAnalysis, fusion: Fusion, placement: Placement | None = None
) -> tuple[Kernel, ...]:
    """The model's kernels in launch order."""
    graph = analysis.graph
    groups: list[list[str]] = []
    engines: list[str | None] = []
    anchored: list[bool] = []
    tails: dict[str, int] = {}  # tensor -> index of the kernel whose last node wrote it
    for key, node in graph.nodes.items():
        if _is_free(graph, node, fusion):
            continue
        engine = placement.nodes[key].engine if placement is not None else None
        target = None
        if node.op_type in fusion.epilogue:
            candidates = {tails[name] for name in node.inputs if name in tails}
            target = next(
                (
                    index
                    for index in sorted(candidates)
                    if anchored[index]
                    and engines[index] == engine
                    and _joins(graph, node, groups[index], tails, index)
                ),
                None,
            )
        if target is None:
            groups.append([key])
            engines.append(engine)
            anchored.append(node.op_type in fusion.anchors)
            target = len(groups) - 1
        else:
            groups[target].append(key)
        tails.update({name: target for name in node.outputs if name})
    return tuple(
        Kernel(group[0], tuple(group), op_class(graph, graph.nodes[group[0]]), engine)
        for group, engine in zip(groups, engines, strict=True)
    )
