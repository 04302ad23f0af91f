"""Shapes: bind symbolic input dims, run ONNX shape inference, read back every tensor's type.

Binding happens *before* inference (DESIGN §4): each graph input dim that is symbolic gets a
value from ``--input-shape`` / config ``input-shapes``; otherwise the first dim of an input (the
batch, by convention of every exporter we know) binds to 1 and the report says so. Other
symbolic dims stay unknown, and the nodes that need them end up uncosted with that reason.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import onnx

from modelint.errors import ModelLoadError
from modelint.expr import did_you_mean
from modelint.graph.contrib import DOMAIN as CONTRIB_DOMAIN
from modelint.graph.contrib import contrib_schemas
from modelint.graph.folding import fold_constants
from modelint.graph.tensors import Shape, dtype_name
from modelint.load.subgraphs import walk_graphs

__all__ = ["InferredTypes", "ShapeBinding", "infer_types"]

_NAME_TAG = 0x0A  # ValueInfoProto field 1 (name), length-delimited
_BATCH_SYMBOL = re.compile(r"^(n|batch|batch_size|batchsize|bs|b)$", re.IGNORECASE)
TypeEntry = tuple[Shape | None, str | None]


@dataclass(frozen=True, slots=True)
class ShapeBinding:
    """One input dim that was bound to a value, and why."""

    input: str
    index: int
    symbol: str  # the dim_param it replaced ('' when the dim was simply missing)
    value: int
    origin: str  # 'input-shape' (user) or 'batch-default'
    replaced: int | None = None  # the fixed value a user's batch replaced (1 -> 256)

    def describe(self) -> str:
        if self.replaced is not None:
            return f"{self.input}[{self.index}] {self.replaced}->{self.value} ({self.origin})"
        name = f"'{self.symbol}'" if self.symbol else "?"
        return f"{self.input}[{self.index}] {name}={self.value} ({self.origin})"


@dataclass(frozen=True, slots=True)
class InferredTypes:
    """Shapes and dtypes of every tensor of the model (subgraphs included), by name."""

    types: Mapping[str, TypeEntry]
    bindings: tuple[ShapeBinding, ...]
    unbound: tuple[str, ...]  # 'input[dim] symbol' left unknown
    notes: tuple[str, ...]
    errors: tuple[str, ...] = ()  # what strict shape inference rejects (an invalid graph)


def infer_types(
    model: onnx.ModelProto,
    input_shapes: Mapping[str, Shape],
    node_outputs: Iterable[str],
    *,
    subgraphs: bool = True,
    serialized: bytes | None = None,
    constants: bool = True,
) -> InferredTypes:
    """Bind input dims (mutating ``model``'s inputs), infer shapes and collect all types.

    ``node_outputs`` (every node output, subgraphs included) decides whether constant
    folding is worth a second inference pass; ``subgraphs`` False (no control flow) spares a
    walk over every node's attributes. ``serialized`` (the bytes ``model`` was parsed from)
    goes to shape inference as it is when binding changed no input; ``constants`` False (no
    Constant node anywhere) spares reading every node's op type again."""
    inputs = [value.SerializeToString() for value in model.graph.input] if serialized else []
    bindings, unbound, symbols = _bind_inputs(model.graph, input_shapes)
    _substitute_symbols(model.graph, symbols, subgraphs=subgraphs)
    if any(binding.replaced is not None for binding in bindings):
        _forget_declared_shapes(model.graph)
    if serialized and inputs != [value.SerializeToString() for value in model.graph.input]:
        serialized = None  # a bound dim: the bytes no longer say what the model is
    notes: list[str] = []
    errors: list[str] = []
    inferred = _infer(model, notes, serialized, errors)
    types = _collect_types(inferred.graph, subgraphs=subgraphs, constants=constants)
    if not _all_known(types, node_outputs):
        folded = fold_constants(inferred, {name: entry[0] for name, entry in types.items()})
        if folded is not None:
            refined = _collect_types(_infer(folded, notes).graph, subgraphs=subgraphs)
            types = {name: _better(types.get(name), entry) for name, entry in refined.items()}
    return InferredTypes(types, tuple(bindings), tuple(unbound), tuple(notes), tuple(errors))


def _infer(
    model: onnx.ModelProto,
    notes: list[str],
    serialized: bytes | None = None,
    errors: list[str] | None = None,
) -> onnx.ModelProto:
    """Shape inference; with ``errors``, strict first: what it rejects (a MatMul of [1,4] by
    [3,5]) is recorded, and the lenient pass that follows keeps whatever shapes it can
    (non-strict inference skips the failing node silently and the costs would look right)."""
    source = model if serialized is None else serialized
    # Registering the contrib schemas costs ~25 ms: only models importing that domain use them.
    contrib = any(entry.domain == CONTRIB_DOMAIN for entry in model.opset_import)
    try:
        with contrib_schemas() if contrib else contextlib.nullcontext():
            if errors is not None:
                try:
                    return onnx.shape_inference.infer_shapes(
                        source, check_type=False, strict_mode=True, data_prop=True
                    )
                except onnx.shape_inference.InferenceError as exc:
                    errors.append(_inference_error(exc))
            return onnx.shape_inference.infer_shapes(
                source, check_type=False, strict_mode=False, data_prop=True
            )
    except (onnx.shape_inference.InferenceError, ValueError, RuntimeError) as exc:
        # Non-strict inference rarely raises; when it does we keep the exporter's own types.
        notes.append(f"ONNX shape inference failed ({_first_line(exc)}); exporter types used")
        return model


def _known(entry: TypeEntry | None) -> bool:
    return entry is not None and entry[0] is not None and None not in entry[0]


def _all_known(types: Mapping[str, TypeEntry], names: Iterable[str]) -> bool:
    """``_known`` for every name (inlined: this runs once per tensor of the model)."""
    for name in names:
        entry = types.get(name)
        if entry is None or entry[0] is None or None in entry[0]:
            return False
    return True


def _better(old: TypeEntry | None, new: TypeEntry) -> TypeEntry:
    return new if _known(new) or old is None else old


def _inference_error(exc: BaseException) -> str:
    """'(op_type:MatMul, node name: mm): Incompatible dimensions for matrix multiplication'
    from ONNX's '[ShapeInferenceError] Inference error(s): (op_type:...): [...] ...'."""
    text = " ".join(str(exc).split())
    text = re.sub(r"\[(?:ShapeInferenceError|TypeInferenceError)\] ", "", text)
    return text.removeprefix("Inference error(s): ")[:300]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _bind_inputs(
    graph: onnx.GraphProto, input_shapes: Mapping[str, Shape]
) -> tuple[list[ShapeBinding], list[str], dict[str, int]]:
    initializers = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initializers]
    unknown = sorted(set(input_shapes) - {value.name for value in inputs})
    if unknown:
        names = [value.name for value in inputs]
        hint = did_you_mean(unknown[0], names)
        raise ModelLoadError(
            f"input shape given for {unknown[0]!r}, which is not a graph input{hint}; "
            f"inputs: {', '.join(names) or '(none)'}"
        )
    bindings: list[ShapeBinding] = []
    unbound: list[str] = []
    symbols: dict[str, int] = {}
    for value in inputs:
        tensor_type = value.type.tensor_type
        if value.name in input_shapes:
            _apply_user_shape(value, input_shapes[value.name], bindings, symbols)
            continue
        if not tensor_type.HasField("shape"):
            unbound.append(f"{value.name} (rank unknown)")
            continue
        for index, dim in enumerate(tensor_type.shape.dim):
            if dim.HasField("dim_value"):
                continue
            symbol = dim.dim_param
            if symbol in symbols:
                dim.dim_value = symbols[symbol]
            elif index == 0 or _BATCH_SYMBOL.match(symbol):
                dim.dim_value = 1
                bindings.append(ShapeBinding(value.name, index, symbol, 1, "batch-default"))
                if symbol:
                    symbols[symbol] = 1
            else:
                unbound.append(f"{value.name}[{index}] '{symbol or '?'}'")
    return bindings, unbound, symbols


def _apply_user_shape(
    value: onnx.ValueInfoProto,
    shape: Shape,
    bindings: list[ShapeBinding],
    symbols: dict[str, int],
) -> None:
    tensor_type = value.type.tensor_type
    dims = tensor_type.shape.dim
    if tensor_type.HasField("shape") and len(dims) != len(shape):
        raise ModelLoadError(
            f"input shape for {value.name!r} has {len(shape)} dims, the input has rank {len(dims)}"
        )
    if not tensor_type.HasField("shape"):
        for _ in shape:
            dims.add()
    for index, (dim, size) in enumerate(zip(dims, shape, strict=True)):
        if size is None:
            continue
        replaced = None
        if dim.HasField("dim_value"):
            if dim.dim_value == size:
                continue
            # A fixed dim rebound (batch 1 -> 256 for a throughput figure, 224 -> 299 for a
            # resolution): allowed, and shown in the report as '1->256'; shapes that no longer
            # fit the weights surface as MLG009 from strict inference.
            replaced = dim.dim_value
        symbol = dim.dim_param
        if symbol:
            symbols[symbol] = size
        dim.dim_value = size
        bindings.append(ShapeBinding(value.name, index, symbol, size, "input-shape", replaced))


def _forget_declared_shapes(graph: onnx.GraphProto) -> None:
    """The exporter's output and intermediate shapes were computed from the fixed dims a
    user rebound: inference recomputes them (kept, they would contradict it)."""
    del graph.value_info[:]
    for value in graph.output:
        if value.type.HasField("tensor_type"):
            value.type.tensor_type.ClearField("shape")


def _substitute_symbols(
    graph: onnx.GraphProto, symbols: Mapping[str, int], *, subgraphs: bool
) -> None:
    """Give bound symbols their value wherever the exporter wrote them (outputs, value_info)."""
    if not symbols:
        return
    for subgraph in _graphs(graph, subgraphs=subgraphs):
        for value in (*subgraph.input, *subgraph.output, *subgraph.value_info):
            for dim in value.type.tensor_type.shape.dim:
                if dim.dim_param in symbols:
                    dim.dim_value = symbols[dim.dim_param]


def _value_type(value: onnx.ValueInfoProto) -> TypeEntry:
    if not value.type.HasField("tensor_type"):
        return None, None
    tensor_type = value.type.tensor_type
    dtype = dtype_name(tensor_type.elem_type)
    if not tensor_type.HasField("shape"):
        return None, dtype
    shape = tuple(
        dim.dim_value if dim.HasField("dim_value") and dim.dim_value >= 0 else None
        for dim in tensor_type.shape.dim
    )
    return shape, dtype


def _name_and_rest(data: bytes) -> tuple[str, bytes]:
    """(name, the bytes after it) of a serialized ValueInfoProto whose name (field 1, written
    first) has a one- or two-byte length; ('', b'') otherwise."""
    if len(data) < 3 or data[0] != _NAME_TAG:
        return "", b""
    size, start = data[1], 2
    if size >= 128:
        if data[2] >= 128:
            return "", b""
        size, start = (size & 127) | (data[2] << 7), 3
    try:
        return data[start : start + size].decode(), data[start + size :]
    except UnicodeDecodeError:
        return "", b""


def _constant_type(node: onnx.NodeProto) -> TypeEntry | None:
    for attribute in node.attribute:
        if attribute.name in ("value", "sparse_value"):
            tensor = attribute.t if attribute.name == "value" else attribute.sparse_tensor.values
            dims = attribute.t.dims if attribute.name == "value" else attribute.sparse_tensor.dims
            return tuple(int(d) for d in dims), dtype_name(tensor.data_type)
        if attribute.name == "value_float":
            return (), "float32"
        if attribute.name == "value_int":
            return (), "int64"
        if attribute.name == "value_floats":
            return (len(attribute.floats),), "float32"
        if attribute.name == "value_ints":
            return (len(attribute.ints),), "int64"
    return None


def _graphs(graph: onnx.GraphProto, *, subgraphs: bool) -> Iterable[onnx.GraphProto]:
    return walk_graphs(graph) if subgraphs else (graph,)


def _collect_types(
    graph: onnx.GraphProto, *, subgraphs: bool = True, constants: bool = True
) -> dict[str, TypeEntry]:
    types: dict[str, TypeEntry] = {}
    decoded: dict[bytes, TypeEntry] = {}
    for subgraph in _graphs(graph, subgraphs=subgraphs):
        values = (*subgraph.value_info, *subgraph.input, *subgraph.output)
        _collect_values(values, types, decoded)
        for tensor in subgraph.initializer:
            types[tensor.name] = (tuple(tensor.dims[:]), dtype_name(tensor.data_type))
        if not constants:
            continue
        for node in subgraph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx") and node.output:
                entry = _constant_type(node)
                if entry is not None:
                    types[node.output[0]] = entry
    return types


def _collect_values(
    values: Iterable[onnx.ValueInfoProto],
    types: dict[str, TypeEntry],
    decoded: dict[bytes, TypeEntry],
) -> None:
    """Each protobuf call costs ~0.5 us, and most tensors share a handful of types: one
    serialization of each ValueInfoProto gives its name (field 1, written first) and, after
    it, the bytes of its type, and each distinct type is decoded once."""
    for value in values:
        name, key = _name_and_rest(value.SerializeToString())
        entry = decoded.get(key) if name else None
        if entry is None:
            entry = _value_type(value)
            if name:
                decoded[key] = entry
            else:  # an empty or unusual name: read the field itself
                name = value.name
        known = types.get(name)
        if known is None or (known[0] is None and entry[0] is not None):
            types[name] = entry
