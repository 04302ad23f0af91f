"""What a formula sees of a node: tensor views, attribute views, the ONNX schema's names."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar, cast

import onnx
import onnx.defs

from modelint.expr import UnknownValue
from modelint.graph import ModelGraph, OpNode
from modelint.graph.model_graph import DEFAULT_DOMAIN
from modelint.graph.tensors import DTYPE_BITS, TensorInfo

__all__ = ["AttrView", "OpSignature", "TensorView", "op_signature"]


class TensorView:
    """A tensor as formulas see it. Unknown shapes raise UnknownValue, never give 0."""

    EXPR_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "shape",
            "rank",
            "numel",
            "dtype",
            "bits",
            "bytes",
            "is_const",
            "is_weight",
            "value",
        }
    )
    __slots__ = ("_graph", "_info", "name", "role")

    def __init__(self, info: TensorInfo, role: str, graph: ModelGraph) -> None:
        self._info = info
        self._graph = graph
        self.name = info.name
        self.role = role

    def _unknown(self, what: str) -> UnknownValue:
        return UnknownValue(f"{what} of {self.role} '{self.name}' unknown")

    def _unknown_shape(self) -> UnknownValue:
        """'rank of ... unknown', or 'shape of ... unknown (1x?x64)': which dims are missing
        tells the user which --input-shape to give."""
        shape = self._info.shape
        if shape is None:
            return self._unknown("rank")
        dims = "x".join("?" if dim is None else str(dim) for dim in shape)
        return UnknownValue(f"shape of {self.role} '{self.name}' unknown ({dims})")

    @property
    def shape(self) -> tuple[int, ...]:
        info = self._info
        if info.numel is None:  # set exactly when every dim is known
            raise self._unknown_shape()
        return cast("tuple[int, ...]", info.shape)

    @property
    def rank(self) -> int:
        if self._info.shape is None:
            raise self._unknown("rank")
        return len(self._info.shape)

    @property
    def numel(self) -> int:
        numel = self._info.numel
        if numel is None:
            raise self._unknown_shape()
        return numel

    @property
    def dtype(self) -> str:
        if self._info.dtype is None:
            raise self._unknown("dtype")
        return self._info.dtype

    @property
    def bits(self) -> int:
        return DTYPE_BITS.get(self.dtype, 0)

    @property
    def bytes(self) -> int:
        return (self.numel * self.bits + 7) // 8

    @property
    def is_const(self) -> bool:
        return self._info.is_constant

    @property
    def is_weight(self) -> bool:
        return self._info.is_weight

    @property
    def value(self) -> tuple[Any, ...]:
        array = self._graph.constants.value(self.name)
        if array is None:
            raise self._unknown("value")
        return tuple(array.reshape(-1).tolist())

    def __repr__(self) -> str:
        return f"TensorView({self.role} {self.name!r})"


class AttrView:
    """Node attributes with the ONNX schema's (or the cost entry's) defaults."""

    __slots__ = ("_defaults", "_values")

    def __init__(self, values: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
        self._values = values
        self._defaults = defaults

    def expr_field(self, name: str) -> Any:
        if name in self._values:
            return _plain(self._values[name])
        if name in self._defaults:
            return _plain(self._defaults[name])
        raise UnknownValue(f"attribute '{name}' is not set and has no default")


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


class OpSignature:
    """Input/output names and attribute defaults for one op type."""

    __slots__ = ("attribute_defaults", "inputs", "outputs", "variadic_input", "variadic_output")

    def __init__(
        self,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
        attribute_defaults: Mapping[str, Any],
        *,
        variadic_input: bool = False,
        variadic_output: bool = False,
    ) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.attribute_defaults = attribute_defaults
        self.variadic_input = variadic_input
        self.variadic_output = variadic_output

    @classmethod
    def from_names(
        cls, inputs: list[str], outputs: list[str], defaults: Mapping[str, Any]
    ) -> OpSignature:
        """Build from a cost entry's ``inputs``/``outputs`` ('name*' marks variadic)."""
        return cls(
            tuple(name.rstrip("*") for name in inputs),
            tuple(name.rstrip("*") for name in outputs),
            defaults,
            variadic_input=bool(inputs) and inputs[-1].endswith("*"),
            variadic_output=bool(outputs) and outputs[-1].endswith("*"),
        )


_VARIADIC = onnx.defs.OpSchema.FormalParameterOption.Variadic


@cache
def op_signature(op_type: str, domain: str, opset: int | None = None) -> OpSignature | None:
    """The ONNX schema's names for an op (None for ops the onnx package does not know)."""
    schema_domain = "" if domain == DEFAULT_DOMAIN else domain
    try:
        if opset:
            schema = onnx.defs.get_schema(op_type, opset, schema_domain)
        else:
            schema = onnx.defs.get_schema(op_type, schema_domain)
    except onnx.defs.SchemaError:
        return None
    defaults = {
        name: _plain(onnx.helper.get_attribute_value(attribute.default_value))
        for name, attribute in schema.attributes.items()
        if attribute.default_value.name
    }
    return OpSignature(
        tuple(formal.name for formal in schema.inputs),
        tuple(formal.name for formal in schema.outputs),
        {
            key: value.decode() if isinstance(value, bytes) else value
            for key, value in defaults.items()
        },
        variadic_input=bool(schema.inputs) and schema.inputs[-1].option == _VARIADIC,
        variadic_output=bool(schema.outputs) and schema.outputs[-1].option == _VARIADIC,
    )


def node_signature(node: OpNode) -> OpSignature | None:
    return op_signature(node.op_type, node.domain, node.opset or None)
