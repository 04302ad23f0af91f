"""Shape inference for ONNX Runtime's com.microsoft fused ops.

ONNX's own inference does not know contrib ops, so in an ORT-optimized graph everything after
the first FusedMatMul would have unknown shapes and end up uncosted. We register schemas for
the common ones with small Python inference functions (``OpSchema.
set_type_and_shape_inference_function``) while inference runs, only where the onnx registry has
no schema of that name already. Shapes follow onnxruntime/docs/ContribOperators.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

import onnx
import onnx.defs
from onnx.shape_inference import InferenceContext

__all__ = ["contrib_schemas"]

DOMAIN = "com.microsoft"
_TENSOR_TYPES = tuple(
    f"tensor({name})"
    for name in (
        "float",
        "float16",
        "bfloat16",
        "double",
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "bool",
    )
)
Dims = list[int | str | None]


def _dims(ctx: InferenceContext, index: int) -> Dims | None:
    if index >= ctx.get_num_inputs() or not ctx.has_input(index):
        return None
    tensor = ctx.get_input_type(index).tensor_type
    if not tensor.HasField("shape"):
        return None
    return [
        d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tensor.shape.dim
    ]


def _int(ctx: InferenceContext, name: str, default: int) -> int:
    attribute = ctx.get_attribute(name)
    return default if attribute is None else int(attribute.i)


def _ints(ctx: InferenceContext, name: str) -> list[int]:
    attribute = ctx.get_attribute(name)
    return [] if attribute is None else [int(value) for value in attribute.ints]


def _set(ctx: InferenceContext, dims: Dims | None, output: int = 0, like: int = 0) -> None:
    if dims is None or output >= ctx.get_num_outputs():
        return
    elem_type = ctx.get_input_type(like).tensor_type.elem_type
    ctx.set_output_type(output, onnx.helper.make_tensor_type_proto(elem_type, dims))


def _times(a: int | str | None, b: int) -> int | None:
    return a * b if isinstance(a, int) else None


def _same_as_input(ctx: InferenceContext) -> None:
    dims = _dims(ctx, 0)
    _set(ctx, dims, 0)


def _skip_layer_norm(ctx: InferenceContext) -> None:
    dims = _dims(ctx, 0)
    _set(ctx, dims, 0)
    if ctx.get_num_outputs() > 3:
        _set(ctx, dims, 3)


def _broadcast(a: Dims, b: Dims) -> Dims:
    width = max(len(a), len(b))
    ones: Dims = [1] * width
    left, right = ones[: width - len(a)] + a, ones[: width - len(b)] + b
    return [y if x == 1 else x for x, y in zip(left, right, strict=True)]


def _fused_matmul(ctx: InferenceContext) -> None:
    a, b = _dims(ctx, 0), _dims(ctx, 1)
    if a is None or b is None or len(a) < 2 or len(b) < 2:
        return
    rows = a[-1] if _int(ctx, "transA", 0) else a[-2]
    cols = b[-2] if _int(ctx, "transB", 0) else b[-1]
    _set(ctx, [*_broadcast(a[:-2], b[:-2]), rows, cols])


def _conv_dim(
    size: int | str | None, window: tuple[int, int, int], pads: tuple[int, int], auto_pad: str
) -> int | None:
    """Output length of one spatial axis; ``window`` = (kernel, stride, dilation)."""
    kernel, stride, dilation = window
    if not isinstance(size, int):
        return None
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return -(-size // stride)
    return (size + pads[0] + pads[1] - dilation * (kernel - 1) - 1) // stride + 1


def _fused_conv(ctx: InferenceContext) -> None:
    x, w = _dims(ctx, 0), _dims(ctx, 1)
    if x is None or w is None or len(x) < 3 or not all(isinstance(k, int) for k in w[2:]):
        return
    spatial = len(x) - 2
    kernels = [int(k) for k in w[2:] if isinstance(k, int)]
    strides = _ints(ctx, "strides") or [1] * spatial
    dilations = _ints(ctx, "dilations") or [1] * spatial
    pads = _ints(ctx, "pads") or [0] * (2 * spatial)
    auto = ctx.get_attribute("auto_pad")
    auto_pad = auto.s.decode() if auto is not None else "NOTSET"
    out = [
        _conv_dim(
            x[2 + i], (kernels[i], strides[i], dilations[i]), (pads[i], pads[i + spatial]), auto_pad
        )
        for i in range(spatial)
    ]
    _set(ctx, [x[0], w[0], *out])


def _matmul_nbits(ctx: InferenceContext) -> None:
    a = _dims(ctx, 0)
    if a is not None:
        _set(ctx, [*a[:-1], _int(ctx, "N", 0) or None])


def _attention(ctx: InferenceContext) -> None:
    x, weights = _dims(ctx, 0), _dims(ctx, 1)
    if x is None or weights is None or len(x) != 3:
        return
    sizes = _ints(ctx, "qkv_hidden_sizes")
    hidden = sizes[2] if sizes else (weights[1] // 3 if isinstance(weights[1], int) else None)
    _set(ctx, [x[0], x[1], hidden])


def _multi_head_attention(ctx: InferenceContext) -> None:
    query, value = _dims(ctx, 0), _dims(ctx, 2)
    if query is None:
        return
    if value is not None and len(value) == 3:
        hidden = value[2]
    elif value is not None and len(value) == 4:
        hidden = (
            value[3] * value[1] if isinstance(value[3], int) and isinstance(value[1], int) else None
        )
    elif len(query) == 5:  # packed QKV [B, S, N, 3, H]
        hidden = _times(query[2], query[4]) if isinstance(query[4], int) else None
    else:
        hidden = query[-1]
    _set(ctx, [query[0], query[1], hidden])


def _group_query_attention(ctx: InferenceContext) -> None:
    query = _dims(ctx, 0)
    if query is None or len(query) != 3:
        return
    heads, kv_heads = _int(ctx, "num_heads", 0), _int(ctx, "kv_num_heads", 0)
    hidden = query[2]
    if _dims(ctx, 1) is None and isinstance(hidden, int) and heads and kv_heads:
        hidden = hidden * heads // (heads + 2 * kv_heads)  # packed QKV
    _set(ctx, [query[0], query[1], hidden])
    present = _present_kv(_dims(ctx, 3), query, hidden, heads, kv_heads)
    _set(ctx, present, 1)
    _set(ctx, present, 2)


def _present_kv(
    past: Dims | None, query: Dims, hidden: int | str | None, heads: int, kv_heads: int
) -> Dims | None:
    """present_key/value [B, kv_heads, past + new, head_size] (ORT's contrib op docs; with a
    shared k-v buffer ORT keeps the past's length, which this exceeds by the new tokens)."""
    new = query[1]
    if past is not None and len(past) == 4:
        total = past[2] + new if isinstance(past[2], int) and isinstance(new, int) else None
        return [past[0], past[1], total, past[3]]
    if isinstance(hidden, int) and heads and kv_heads:
        return [query[0], kv_heads, new, hidden // heads]
    return None


_INFERENCE: Mapping[str, Callable[[InferenceContext], None]] = {
    "FusedConv": _fused_conv,
    "FusedMatMul": _fused_matmul,
    "MatMulNBits": _matmul_nbits,
    "Gelu": _same_as_input,
    "FastGelu": _same_as_input,
    "BiasGelu": _same_as_input,
    "QuickGelu": _same_as_input,
    "BiasAdd": _same_as_input,
    "RotaryEmbedding": _same_as_input,
    "LayerNormalization": _same_as_input,
    "SimplifiedLayerNormalization": _same_as_input,
    "SkipLayerNormalization": _skip_layer_norm,
    "SkipSimplifiedLayerNormalization": _skip_layer_norm,
    "Attention": _attention,
    "MultiHeadAttention": _multi_head_attention,
    "GroupQueryAttention": _group_query_attention,
}


def _schema(op_type: str, inference: Callable[[InferenceContext], None]) -> onnx.defs.OpSchema:
    variadic = onnx.defs.OpSchema.FormalParameterOption.Variadic
    schema = onnx.defs.OpSchema(
        op_type,
        DOMAIN,
        1,
        doc="modelint: shape inference only (see modelint/graph/contrib.py)",
        inputs=[
            onnx.defs.OpSchema.FormalParameter(
                "inputs", "T", param_option=variadic, is_homogeneous=False, min_arity=0
            )
        ],
        outputs=[
            onnx.defs.OpSchema.FormalParameter(
                "outputs", "T", param_option=variadic, is_homogeneous=False, min_arity=0
            )
        ],
        type_constraints=[("T", list(_TENSOR_TYPES), "")],
    )
    schema.set_type_and_shape_inference_function(_guarded(inference))
    return schema


def _guarded(inference: Callable[[InferenceContext], None]) -> Callable[[InferenceContext], None]:
    """An inference function must never abort ONNX's inference: unknown stays unknown."""

    def run(ctx: InferenceContext) -> None:
        try:
            inference(ctx)
        except (ValueError, TypeError, IndexError, ZeroDivisionError, AttributeError):
            return

    return run


@contextlib.contextmanager
def contrib_schemas() -> Iterator[tuple[str, ...]]:
    """Register the missing contrib schemas for the duration of a shape inference, then remove
    them again: the onnx registry is process-wide, and other code in the process (onnx's own
    reference evaluator, for one) assumes op names are unique across domains."""
    registered = []
    try:
        for op_type, inference in _INFERENCE.items():
            if not onnx.defs.has(op_type, DOMAIN):
                onnx.defs.register_schema(_schema(op_type, inference))
                registered.append(op_type)
        yield tuple(registered)
    finally:
        for op_type in registered:
            onnx.defs.deregister_schema(op_type, 1, DOMAIN)
