"""The TFLite builtin ops an ONNX node becomes, for profiles whose allowlist names TFLite ops
(Edge TPU, Ethos-U/Vela, TFLite Micro).

``()`` means no op at all: the TFLite converter folds it (a BatchNormalization after a
convolution, a dequantized weight, a Dropout) or it is a layout change ONNX exporters add that
an NHWC TFLite model does not have (a Transpose NHWC <-> NCHW). ``None`` means TFLite has no
builtin for it. The mapping follows what the TFLite converter emits; it is a model of the
conversion, not the conversion itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from modelint.graph import ModelGraph, OpNode

__all__ = ["tflite_ops"]

_DIRECT: Mapping[str, str] = {
    "Relu": "RELU", "Sigmoid": "LOGISTIC", "Tanh": "TANH", "HardSwish": "HARD_SWISH",
    "LeakyRelu": "LEAKY_RELU", "PRelu": "PRELU", "Elu": "ELU", "Gelu": "GELU",
    "Softmax": "SOFTMAX", "LogSoftmax": "LOG_SOFTMAX", "Add": "ADD", "Sub": "SUB", "Mul": "MUL",
    "Div": "DIV", "Max": "MAXIMUM", "Min": "MINIMUM", "Pow": "POW", "Sqrt": "SQRT",
    "Exp": "EXP", "Log": "LOG", "Neg": "NEG", "Abs": "ABS", "Floor": "FLOOR", "Ceil": "CEIL",
    "Round": "ROUND", "Sin": "SIN", "Cos": "COS", "Equal": "EQUAL", "Greater": "GREATER",
    "GreaterOrEqual": "GREATER_EQUAL", "Less": "LESS", "LessOrEqual": "LESS_EQUAL",
    "Not": "LOGICAL_NOT", "And": "LOGICAL_AND", "Or": "LOGICAL_OR", "Where": "SELECT_V2",
    "MaxPool": "MAX_POOL_2D", "AveragePool": "AVERAGE_POOL_2D", "LpPool": "L2_POOL_2D",
    "GlobalAveragePool": "MEAN", "GlobalMaxPool": "REDUCE_MAX", "ReduceMean": "MEAN",
    "ReduceMax": "REDUCE_MAX", "ReduceMin": "REDUCE_MIN", "ReduceSum": "SUM",
    "ReduceProd": "REDUCE_PROD", "ArgMax": "ARG_MAX", "ArgMin": "ARG_MIN", "Reshape": "RESHAPE",
    "Flatten": "RESHAPE", "Squeeze": "SQUEEZE", "Unsqueeze": "EXPAND_DIMS",
    "Concat": "CONCATENATION", "Split": "SPLIT", "Slice": "STRIDED_SLICE", "Gather": "GATHER",
    "GatherND": "GATHER_ND", "Tile": "TILE", "Expand": "BROADCAST_TO", "Cast": "CAST",
    "Shape": "SHAPE", "DepthToSpace": "DEPTH_TO_SPACE", "SpaceToDepth": "SPACE_TO_DEPTH",
    "ConvTranspose": "TRANSPOSE_CONV", "QuantizeLinear": "QUANTIZE",
    "LpNormalization": "L2_NORMALIZATION", "CumSum": "CUMSUM", "TopK": "TOPK_V2",
    "Range": "RANGE", "ConstantOfShape": "FILL", "Loop": "WHILE", "If": "IF",
    "MatMulInteger": "FULLY_CONNECTED", "QLinearMatMul": "FULLY_CONNECTED",
}  # fmt: skip
_FOLDED = frozenset({"Identity", "Dropout", "Constant"})
_LAYOUT_PERMS = ((0, 2, 3, 1), (0, 3, 1, 2))
_CONVOLUTIONS = frozenset({"Conv", "QLinearConv", "ConvInteger"})


def _weight(graph: ModelGraph, node: OpNode, index: int) -> bool:
    return index < len(node.inputs) and graph.is_constant(node.inputs[index])


def _conv(graph: ModelGraph, node: OpNode) -> tuple[str, ...] | None:
    w_index = 3 if node.op_type == "QLinearConv" else 1
    x_index = 0
    weight = graph.tensor(node.inputs[w_index]) if len(node.inputs) > w_index else None
    x = graph.tensor(node.inputs[x_index])
    rank = len(weight.shape) if weight is not None and weight.shape is not None else 4
    if rank == 5:
        return ("CONV_3D",)
    group = int(node.attributes.get("group", 1))
    channels = x.shape[1] if x is not None and x.shape is not None and len(x.shape) > 1 else None
    if group > 1 and channels is not None and group == channels:
        return ("DEPTHWISE_CONV_2D",)
    return ("CONV_2D",)


def _matmul(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    return ("FULLY_CONNECTED",) if _weight(graph, node, 1) else ("BATCH_MATMUL",)


def _clip(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    bounds: list[float | None] = []
    for index, attribute in ((1, "min"), (2, "max")):
        value = node.attributes.get(attribute)
        if value is None and len(node.inputs) > index and node.inputs[index]:
            array = graph.constants.value(node.inputs[index])
            value = None if array is None or array.size != 1 else float(array.reshape(-1)[0])
        bounds.append(value)
    known: dict[tuple[float | None, float | None], str] = {
        (0.0, 6.0): "RELU6",
        (-1.0, 1.0): "RELU_N1_TO_1",
        (0.0, None): "RELU",
    }
    found = known.get((bounds[0], bounds[1]))
    return (found,) if found else ("MINIMUM", "MAXIMUM")


def _transpose(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    perm = tuple(node.attributes.get("perm", ()))
    return () if perm in _LAYOUT_PERMS else ("TRANSPOSE",)


def _batch_norm(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    producer = graph.producer_of(node.inputs[0])
    folds = producer is not None and producer.op_type in _CONVOLUTIONS | {"Gemm", "MatMul"}
    return () if folds else ("MUL", "ADD")


def _resize(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    mode = node.attributes.get("mode", "nearest")
    if isinstance(mode, bytes):
        mode = mode.decode()
    return ("RESIZE_NEAREST_NEIGHBOR",) if mode == "nearest" else ("RESIZE_BILINEAR",)


def _pad(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    mode = node.attributes.get("mode", "constant")
    return ("PAD",) if mode in ("constant", b"constant") else ("MIRROR_PAD",)


def _dequantize(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    return () if graph.is_constant(node.inputs[0]) else ("DEQUANTIZE",)


def _lstm(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    direction = node.attributes.get("direction", "forward")
    bidirectional = direction in ("bidirectional", b"bidirectional")
    return ("BIDIRECTIONAL_SEQUENCE_LSTM",) if bidirectional else ("UNIDIRECTIONAL_SEQUENCE_LSTM",)


def _norm(graph: ModelGraph, node: OpNode) -> tuple[str, ...]:
    return ("MEAN", "SQUARED_DIFFERENCE", "ADD", "RSQRT", "MUL", "SUB")


_CONDITIONAL: Mapping[str, Callable[[ModelGraph, OpNode], tuple[str, ...] | None]] = {
    "Conv": _conv,
    "QLinearConv": _conv,
    "ConvInteger": _conv,
    "Gemm": lambda graph, node: ("FULLY_CONNECTED",),
    "MatMul": _matmul,
    "Einsum": lambda graph, node: ("BATCH_MATMUL",),
    "Clip": _clip,
    "Transpose": _transpose,
    "BatchNormalization": _batch_norm,
    "Resize": _resize,
    "Upsample": _resize,
    "Pad": _pad,
    "DequantizeLinear": _dequantize,
    "LSTM": _lstm,
    "HardSigmoid": lambda graph, node: ("MUL", "ADD", "RELU6"),
    "LayerNormalization": _norm,
    "InstanceNormalization": _norm,
}


def tflite_ops(graph: ModelGraph, node: OpNode) -> tuple[str, ...] | None:
    """The TFLite builtin ops ``node`` converts to; () none; None: no builtin exists."""
    if node.domain not in ("ai.onnx", ""):
        return None
    if node.op_type in _FOLDED:
        return ()
    if node.op_type in _DIRECT:
        return (_DIRECT[node.op_type],)
    convert = _CONDITIONAL.get(node.op_type)
    return convert(graph, node) if convert is not None else None
