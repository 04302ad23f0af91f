"""Whether a node keeps to its ONNX operator schema: how many inputs and outputs it has, and
which attributes of which types. ONNX's shape inference checks neither (a Gemm with one
input, a Conv whose ``group`` is the string "two" pass it), and a formula would cost such a
node from whatever it finds; ONNX Runtime refuses to load the model. Only the default
domain is checked: other domains' schemas are not registered outside inference."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import onnx
import onnx.defs

from modelint.graph import DEFAULT_DOMAIN, OpNode

__all__ = ["SCHEMA_VIOLATION", "schema_problem"]

SCHEMA_VIOLATION = "the node breaks its ONNX operator schema"

_Type = onnx.defs.OpSchema.AttrType
# attribute type -> (what it is, the Python type of its value, the types of each item of a
# list), as onnx.helper.get_attribute_value gives them (a string's bytes decoded, not a
# list's items)
_VALUES: dict[Any, tuple[str, type, tuple[type, ...]]] = {
    _Type.INT: ("an int", int, ()),
    _Type.FLOAT: ("a float", float, ()),
    _Type.STRING: ("a string", str, ()),
    _Type.INTS: ("a list of ints", list, (int,)),
    _Type.FLOATS: ("a list of floats", list, (float,)),
    _Type.STRINGS: ("a list of strings", list, (bytes, str)),
    _Type.TENSOR: ("a tensor", onnx.TensorProto, ()),
}


@functools.cache
def _schema(op_type: str, opset: int) -> onnx.defs.OpSchema | str | None:
    """The op's schema at ``opset``; a problem when the op only came in a later opset;
    None when onnx does not know the op (a newer onnx's, or a typo: no cost rule then)."""
    try:
        return onnx.defs.get_schema(op_type, opset, "")
    except onnx.defs.SchemaError:
        if not onnx.defs.has(op_type):
            return None
    for version in range(opset + 1, onnx.defs.onnx_opset_version() + 1):
        with contextlib.suppress(onnx.defs.SchemaError):
            since = onnx.defs.get_schema(op_type, version, "").since_version
            return f"is not in opset {opset}: ONNX defines it from opset {since}"
    return None


def schema_problem(node: OpNode) -> str | None:
    """What of ``node`` its ONNX schema does not allow (None: nothing, or no schema)."""
    if node.domain != DEFAULT_DOMAIN:
        return None
    schema = _schema(node.op_type, node.opset)
    if schema is None:
        return None
    if isinstance(schema, str):  # ONNX Runtime: 'No Op registered for Gelu with version 17'
        return f"{node.op_type} {schema}"
    count = _count_problem("input", len(node.inputs), schema.min_input, schema.max_input)
    count = count or _count_problem(
        "output", len(node.outputs), schema.min_output, schema.max_output
    )
    if count is not None:
        return f"{node.op_type}-{schema.since_version} {count}"
    for name, value in node.attributes.items():
        problem = _attribute_problem(schema, name, value)
        if problem is not None:
            return f"{node.op_type}-{schema.since_version} {problem}"
    return None


def _count_problem(kind: str, count: int, least: int, most: int) -> str | None:
    if least <= count <= most:
        return None
    allowed = str(least) if least == most else f"{least} to {most}"
    if most >= 2**31 - 1:
        allowed = f"at least {least}"
    noun = kind if least == most == 1 else f"{kind}s"
    return f"takes {allowed} {noun}; this node has {count}"


def _attribute_problem(schema: onnx.defs.OpSchema, name: str, value: object) -> str | None:
    attribute = schema.attributes.get(name)
    if attribute is None:
        return f"has no attribute '{name}'"
    expected = _VALUES.get(attribute.type)
    if expected is None:
        return None
    label, kind, items = expected
    fits = isinstance(value, kind) and not isinstance(value, bool)
    if fits and items and isinstance(value, list):
        fits = all(isinstance(item, items) and not isinstance(item, bool) for item in value)
    return None if fits else f"attribute '{name}' must be {label}, not {value!r}"
