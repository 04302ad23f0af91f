"""Which precision a node computes in, in the names profiles use (fp32, fp16, int8...).

A node's precision is its output dtype, except for quantized computation: QLinear*/Integer
ops, and float ops whose inputs come from DequantizeLinear (the QDQ form ONNX exporters
write for int8 models), which runtimes execute in int8. The model's precision is the one that
carries most of its FLOPs.
"""

from __future__ import annotations

from collections.abc import Mapping

from modelint.analysis.model import ModelAnalysis
from modelint.graph import ModelGraph, OpNode

__all__ = [
    "PRECISION_BITS",
    "model_precision",
    "node_precision",
    "precision_of_dtype",
    "scaled_bytes",
]

PRECISION_BITS: Mapping[str, int] = {
    "fp64": 64,
    "fp32": 32,
    "tf32": 32,
    "bf16": 16,
    "fp16": 16,
    "fp8": 8,
    "int16": 16,
    "int8": 8,
    "int4": 4,
}
_ONNX: Mapping[str, str] = {
    "float64": "fp64",
    "float32": "fp32",
    "float16": "fp16",
    "bfloat16": "bf16",
    "float8e4m3fn": "fp8",
    "float8e4m3fnuz": "fp8",
    "float8e5m2": "fp8",
    "float8e5m2fnuz": "fp8",
    "int16": "int16",
    "uint16": "int16",
    "int8": "int8",
    "uint8": "int8",
    "int4": "int4",
    "uint4": "int4",
}
_QUANTIZED_OPS = frozenset(
    {"QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "QLinearAdd", "QLinearMul"}
)
_FLOAT_DTYPES = frozenset(name for name, p in _ONNX.items() if p.startswith(("fp", "bf")))


def precision_of_dtype(dtype: str | None) -> str | None:
    """'float32' -> 'fp32'; None for dtypes no engine computes in (int64, bool...)."""
    return _ONNX.get(dtype or "")


def node_precision(graph: ModelGraph, node: OpNode) -> str | None:
    if node.op_type in _QUANTIZED_OPS:
        return "int8"
    if node.op_type == "MatMulNBits":
        return "int4"
    for name in node.inputs:
        producer = graph.producer_of(name) if name else None
        if producer is not None and producer.op_type == "DequantizeLinear":
            return precision_of_dtype(graph.tensors[producer.inputs[0]].dtype) or "int8"
    for name in (*node.outputs, *node.inputs):
        info = graph.tensor(name)
        precision = precision_of_dtype(info.dtype if info is not None else None)
        if precision is not None:
            return precision
    return None


def model_precision(analysis: ModelAnalysis) -> str | None:
    """The precision that carries the most FLOPs (by node count when nothing is costed)."""
    flops: dict[str, int] = {}
    counts: dict[str, int] = {}
    for node in analysis.graph.nodes.values():
        precision = node_precision(analysis.graph, node)
        if precision is None:
            continue
        flops[precision] = flops.get(precision, 0) + (analysis.costs[node.key].flops or 0)
        counts[precision] = counts.get(precision, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda p: (flops.get(p, 0), counts[p]))


def scaled_bytes(info_dtype: str | None, numel: int, nbytes: int, precision: str | None) -> int:
    """Bytes of a tensor when the model runs in ``precision`` (None: as stored). Only float
    tensors change size; indices and shapes keep theirs."""
    if precision is None or info_dtype not in _FLOAT_DTYPES:
        return nbytes
    return (numel * PRECISION_BITS[precision] + 7) // 8
