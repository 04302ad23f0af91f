"""Values of small constant tensors, folded on demand.

Costing needs a few *values*, not just shapes: a Loop's trip count, mostly. They come from
initializers and Constant nodes, sometimes through a short chain of shape arithmetic
(Shape -> Gather -> Cast -> ...). This folds such chains lazily, for tensors of at most
``MAX_ELEMENTS`` elements, without ever reading external (weight) data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from modelint.graph.tensors import Shape

__all__ = ["MAX_ELEMENTS", "ConstantFolder"]

MAX_ELEMENTS = 64
_MAX_DEPTH = 32

Array = np.ndarray[Any, Any]
_UNARY: Mapping[str, Callable[[Array], Array]] = {
    "Identity": lambda a: a,
    "Neg": np.negative,
    "Abs": np.abs,
    "Floor": np.floor,
    "Ceil": np.ceil,
    "Sqrt": np.sqrt,
}
_BINARY: Mapping[str, Callable[[Array, Array], Array]] = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Max": np.maximum,
    "Min": np.minimum,
    "Equal": np.equal,
    "Less": np.less,
    "Greater": np.greater,
}


def _small_tensor(tensor: onnx.TensorProto) -> Array | None:
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        return None
    count = 1
    for dim in tensor.dims:
        count *= int(dim)
    if count > MAX_ELEMENTS:
        return None
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError):
        return None


def _attribute(node: onnx.NodeProto, name: str, default: Any) -> Any:
    for attribute in node.attribute:
        if attribute.name == name:
            return onnx.helper.get_attribute_value(attribute)
    return default


class ConstantFolder:
    """Lazily computes values of small tensors; ``value(name)`` is None when not foldable."""

    def __init__(
        self,
        graph: onnx.GraphProto,
        initializers: Mapping[str, onnx.TensorProto],
        shapes: Mapping[str, Shape | None],
    ) -> None:
        self._graph = graph
        self._initializers = initializers
        self._shapes = shapes
        self._cache: dict[str, Array | None] = {}
        self._index: dict[str, onnx.NodeProto] | None = None

    @property
    def _producers(self) -> Mapping[str, onnx.NodeProto]:
        """Tensor name -> producing node, indexed on first use (most models never ask)."""
        if self._index is None:
            self._index = {}
            stack = [self._graph]
            while stack:
                graph = stack.pop()
                for node in graph.node:
                    self._index.update((name, node) for name in node.output if name)
                    stack.extend(a.g for a in node.attribute if a.type == onnx.AttributeProto.GRAPH)
        return self._index

    def value(self, name: str, depth: int = 0) -> Array | None:
        if not name or depth > _MAX_DEPTH:
            return None
        if name not in self._cache:
            self._cache[name] = self._compute(name, depth)
        return self._cache[name]

    def _compute(self, name: str, depth: int) -> Array | None:
        tensor = self._initializers.get(name)
        if tensor is not None:
            return _small_tensor(tensor)
        node = self._producers.get(name)
        if node is None or node.domain not in ("", "ai.onnx"):
            return None
        if node.op_type in ("Constant", "Shape"):
            return self._constant(node) if node.op_type == "Constant" else self._shape_of(node)
        args = [self.value(item, depth + 1) for item in node.input if item]
        present = [arg for arg in args if arg is not None]
        if len(node.output) != 1 or not args or len(present) != len(args):
            return None
        try:
            result = self._apply(node, present)
        except (ValueError, TypeError, IndexError, ArithmeticError):
            return None
        return result if result is not None and result.size <= MAX_ELEMENTS else None

    def _constant(self, node: onnx.NodeProto) -> Array | None:
        for attribute in node.attribute:
            if attribute.name == "value":
                return _small_tensor(attribute.t)
            if attribute.name in ("value_int", "value_float", "value_ints", "value_floats"):
                return np.array(onnx.helper.get_attribute_value(attribute))
        return None

    def _shape_of(self, node: onnx.NodeProto) -> Array | None:
        shape = self._shapes.get(node.input[0])
        if shape is None or any(dim is None for dim in shape):
            return None
        dims = np.array(shape, dtype=np.int64)
        start = int(_attribute(node, "start", 0))
        end = _attribute(node, "end", None)
        return dims[start:] if end is None else dims[start : int(end)]

    def _apply(self, node: onnx.NodeProto, args: list[Array]) -> Array | None:
        op = node.op_type
        if op in _UNARY:
            return _UNARY[op](args[0])
        if op in _BINARY and len(args) == 2:
            return _BINARY[op](args[0], args[1])
        if op in ("Squeeze", "Unsqueeze", "Reshape", "Flatten"):
            return self._reshape_like(node, args)
        special = _WITH_ATTRIBUTES.get(op)
        return special(node, args) if special is not None else None

    def _reshape_like(self, node: onnx.NodeProto, args: list[Array]) -> Array | None:
        shape = self._shapes.get(node.output[0])
        if shape is None or any(dim is None for dim in shape):
            return None
        return args[0].reshape(tuple(int(dim) for dim in shape if dim is not None))


def _divide(node: onnx.NodeProto, args: list[Array]) -> Array:
    both_int = all(np.issubdtype(a.dtype, np.integer) for a in args)
    return np.floor_divide(*args) if both_int else np.divide(*args)


def _cast(node: onnx.NodeProto, args: list[Array]) -> Array:
    to = onnx.helper.tensor_dtype_to_np_dtype(int(_attribute(node, "to", 1)))
    return args[0].astype(to)


def _gather(node: onnx.NodeProto, args: list[Array]) -> Array:
    return np.take(args[0], args[1], axis=int(_attribute(node, "axis", 0)))


def _concat(node: onnx.NodeProto, args: list[Array]) -> Array:
    return np.concatenate(args, axis=int(_attribute(node, "axis", 0)))


def _reduce_prod(node: onnx.NodeProto, args: list[Array]) -> Array:
    return np.array(np.prod(args[0]))


_WITH_ATTRIBUTES: Mapping[str, Callable[[onnx.NodeProto, list[Array]], Array]] = {
    "Div": _divide,
    "Cast": _cast,
    "Gather": _gather,
    "Concat": _concat,
    "ReduceProd": _reduce_prod,
}
