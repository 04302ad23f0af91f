"""Tensors as the graph sees them: name, shape (dims may be unknown), dtype, bytes.

Element sizes come from the ONNX ``TensorProto.DataType`` definitions (onnx/onnx.proto3):
sub-byte types (int4, uint4, float4, int2, uint2) are counted in bits so that packed weights
give exact byte totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = [
    "DTYPE_BITS",
    "PARAM_DTYPES",
    "Shape",
    "TensorInfo",
    "constant_entry",
    "dtype_name",
    "tensor_size",
]

# None means the dimension is not known (symbolic and unbound, or not inferred).
Shape = tuple[int | None, ...]

# ONNX TensorProto.DataType code -> (name, bits per element).
_DTYPES: dict[int, tuple[str, int]] = {
    1: ("float32", 32),
    2: ("uint8", 8),
    3: ("int8", 8),
    4: ("uint16", 16),
    5: ("int16", 16),
    6: ("int32", 32),
    7: ("int64", 64),
    8: ("string", 0),
    9: ("bool", 8),
    10: ("float16", 16),
    11: ("float64", 64),
    12: ("uint32", 32),
    13: ("uint64", 64),
    14: ("complex64", 64),
    15: ("complex128", 128),
    16: ("bfloat16", 16),
    17: ("float8e4m3fn", 8),
    18: ("float8e4m3fnuz", 8),
    19: ("float8e5m2", 8),
    20: ("float8e5m2fnuz", 8),
    21: ("uint4", 4),
    22: ("int4", 4),
    23: ("float4e2m1", 4),
    24: ("float8e8m0", 8),
    25: ("uint2", 2),
    26: ("int2", 2),
    27: ("float6e2m3", 6),
    28: ("float6e3m2", 6),
}

DTYPE_BITS: dict[str, int] = dict(_DTYPES.values())

# Constant tensors of these dtypes are model parameters (weights, biases, scales, quantized
# weights and zero points). int32/int64/bool constants are shapes, axes and indices, except
# int32 biases of quantized ops, which the graph builder recognises by their consumer.
PARAM_DTYPES: frozenset[str] = frozenset(
    name
    for name in DTYPE_BITS
    if name.startswith(("float", "bfloat"))
    or name in {"int8", "uint8", "int4", "uint4", "int16", "uint16", "int2", "uint2"}
)


def dtype_name(code: int) -> str | None:
    """Map an ONNX element-type code to its name; None when undefined or unknown."""
    entry = _DTYPES.get(code)
    return entry[0] if entry else None


class TensorInfo(NamedTuple):
    """One tensor. ``shape`` None: rank unknown; a None dim: that dim unknown.

    ``numel`` and ``nbytes`` are computed once by :meth:`create` (None when not known):
    costing reads them for every node, so they are fields rather than properties. An
    immutable record (NamedTuple: cheap to create; a large model has 100k tensors).
    """

    name: str
    shape: Shape | None
    dtype: str | None
    is_initializer: bool = False
    is_constant: bool = False  # an initializer or Constant output, or folded from them
    is_weight: bool = False  # constant-derived through pass-through ops only (DESIGN §3)
    is_graph_input: bool = False
    is_graph_output: bool = False
    numel: int | None = None
    nbytes: int | None = None

    @classmethod
    def create(  # noqa: PLR0917 - positional on the hot path (40k calls on a 30k-node model)
        cls,
        name: str,
        shape: Shape | None,
        dtype: str | None,
        is_initializer: bool = False,
        is_constant: bool = False,
        is_weight: bool = False,
        is_graph_input: bool = False,
        is_graph_output: bool = False,
    ) -> TensorInfo:
        """Build with ``numel`` and ``nbytes`` computed from the shape and dtype."""
        numel, nbytes = tensor_size(shape, dtype)
        return cls(
            name,
            shape,
            dtype,
            is_initializer,
            is_constant,
            is_weight,
            is_graph_input,
            is_graph_output,
            numel,
            nbytes,
        )

    @property
    def shape_known(self) -> bool:
        return self.numel is not None


def tensor_size(shape: Shape | None, dtype: str | None) -> tuple[int | None, int | None]:
    """(numel, nbytes) of a tensor; None where not known. Sub-byte types round up."""
    numel = _volume(shape)
    bits = DTYPE_BITS.get(dtype) if dtype else None
    return numel, None if numel is None or not bits else (numel * bits + 7) // 8


def _volume(shape: Shape | None) -> int | None:
    if shape is None:
        return None
    total = 1
    for dim in shape:
        if dim is None:
            return None
        total *= dim
    return total


def constant_entry(attributes: Mapping[str, Any]) -> tuple[Shape, str | None] | None:
    """(shape, dtype) of a Constant node's output, from its attributes (decoded values:
    a TensorProto for ``value``); None for the string forms, an empty Constant, and a value
    of the wrong kind (`value = 5`: the schema check reports that node, MLG009)."""
    for name, value in attributes.items():
        if name in ("value", "sparse_value"):
            tensor = getattr(value, "values", None) if name == "sparse_value" else value
            dims, code = getattr(value, "dims", None), getattr(tensor, "data_type", None)
            if dims is None or not isinstance(code, int):
                return None
            return tuple(int(dim) for dim in dims), dtype_name(code)
        if name in ("value_float", "value_int"):
            return (), "float32" if name == "value_float" else "int64"
        if name in ("value_floats", "value_ints"):
            if not isinstance(value, list | tuple):
                return None
            return (len(value),), "float32" if name == "value_floats" else "int64"
    return None
