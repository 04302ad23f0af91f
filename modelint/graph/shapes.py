"""Shapes: run ONNX shape inference on a bound model, read back every tensor's type.

Inputs are bound first (``graph.binding``); a tensor whose shape inference leaves unknown
makes its consumers uncosted, with the reason, never zero.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import onnx

from modelint.graph.binding import BoundInputs, ShapeBinding
from modelint.graph.contrib import DOMAIN as CONTRIB_DOMAIN
from modelint.graph.contrib import contrib_schemas
from modelint.graph.folding import fold_constants
from modelint.graph.tensors import Shape, constant_entry, dtype_name
from modelint.load.subgraphs import walk_graphs

__all__ = [
    "GraphTraits",
    "Inference",
    "InferredTypes",
    "TypeEntry",
    "infer_bound",
    "run_inference",
]

_EXTERNAL_VALUES = "Cannot parse data from external tensors"  # onnx's message
_ERROR_CHARS = 400  # of a strict-inference error (MLG009's message)
_FOLD_ROUNDS = 8  # each round costs a fold pass and an inference; chains are a few deep
_NAME_TAG = 0x0A  # ValueInfoProto field 1 (name), length-delimited
TypeEntry = tuple[Shape | None, str | None]


@dataclass(frozen=True, slots=True)
class InferredTypes:
    """Shapes and dtypes of every tensor of the model (subgraphs included), by name."""

    types: Mapping[str, TypeEntry]
    bindings: tuple[ShapeBinding, ...]
    unbound: tuple[str, ...]  # 'input[dim] symbol' left unknown
    notes: tuple[str, ...]
    errors: tuple[str, ...] = ()  # what strict shape inference rejects (an invalid graph)


@dataclass(frozen=True, slots=True)
class GraphTraits:
    """What inference needs of the graph: every node output (subgraphs included; all known
    means no constant folding pass), and whether any subgraph or Constant node exists
    (reading them otherwise costs a walk over every node's attributes or op type)."""

    node_outputs: Iterable[str]
    subgraphs: bool
    constants: bool


@dataclass(frozen=True)
class Inference:
    """What ONNX shape inference made of a bound model: the inferred model (or its bytes,
    parsed on first use) and the types read out of it, subgraphs and Constant nodes included
    or not as ``read`` says."""

    source: onnx.ModelProto | bytes  # the model itself when inference failed
    types: Mapping[str, TypeEntry]
    read: tuple[bool, bool]  # (subgraphs, constants) as given to run_inference
    notes: tuple[str, ...]
    errors: tuple[str, ...]  # what strict inference rejects

    @cached_property
    def model(self) -> onnx.ModelProto:
        source = self.source
        return source if isinstance(source, onnx.ModelProto) else onnx.load_from_string(source)


def run_inference(
    model: onnx.ModelProto, bound: BoundInputs, *, subgraphs: bool, constants: bool
) -> Inference:
    """Inference, and the types of the tensors it reached (see ``_collect_types``)."""
    notes: list[str] = []
    errors: list[str] = []
    inferred = _infer(model, notes, bound.serialized, errors)
    types = _collect_types(inferred.graph, subgraphs=subgraphs, constants=constants)
    return Inference(inferred, types, (subgraphs, constants), tuple(notes), tuple(errors))


def infer_bound(
    model: onnx.ModelProto,
    bound: BoundInputs,
    traits: GraphTraits,
    inference: Inference | None = None,
) -> InferredTypes:
    """Every tensor's type in a model whose inputs are bound (``inference`` None: run it
    now, reading what ``traits`` says the model has)."""
    subgraphs = traits.subgraphs
    if inference is None:
        inference = run_inference(model, bound, subgraphs=subgraphs, constants=traits.constants)
    notes = list(inference.notes)
    types = _all_types(model, inference, traits)
    if not _all_known(types, traits.node_outputs):
        types = _folded_types(inference.model, types, traits, notes)
    return InferredTypes(types, bound.bindings, bound.unbound, tuple(notes), inference.errors)


def _folded_types(
    model: onnx.ModelProto,
    types: Mapping[str, TypeEntry],
    traits: GraphTraits,
    notes: list[str],
) -> Mapping[str, TypeEntry]:
    """Fold what the known shapes make constant and infer again, round after round: a shape
    one fold reveals can make the next computable (tf2onnx lowers each einsum of a Keras
    MultiHeadAttention to a Reshape whose target comes from Shape -> ReduceProd / Max of
    the previous one's output, which data propagation does not evaluate)."""
    for _ in range(_FOLD_ROUNDS):
        known = {name: entry[0] for name, entry in types.items()}
        folded = fold_constants(model, known)
        if folded is None:
            break
        model = _infer(folded, notes)
        refined = _collect_types(model.graph, subgraphs=traits.subgraphs)
        better = {name: _better(types.get(name), entry) for name, entry in refined.items()}
        progress = any(better.get(name) != entry for name, entry in types.items())
        types = {**types, **better}
        if not progress or _all_known(types, traits.node_outputs):
            break
    return types


def _all_types(
    model: onnx.ModelProto, inference: Inference, traits: GraphTraits
) -> Mapping[str, TypeEntry]:
    """``inference.types``, completed with what ``traits`` says the model has and they were
    read without: subgraphs (read all again), Constant nodes (the same in ``model``)."""
    subgraphs, constants = inference.read
    if traits.subgraphs and not subgraphs:
        return _collect_types(inference.model.graph, subgraphs=True, constants=True)
    if traits.constants and not constants:
        types = dict(inference.types)
        _add_constant_types(model.graph, types)
        return types
    return inference.types


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
                    if _accepted_without_propagation(source):
                        notes.append(_propagation_note(_inference_error(exc)))
                    else:
                        _record_rejection(_inference_error(exc), errors, notes)
            return onnx.shape_inference.infer_shapes(
                source, check_type=False, strict_mode=False, data_prop=True
            )
    except (onnx.shape_inference.InferenceError, ValueError, RuntimeError) as exc:
        # Non-strict inference rarely raises; when it does we keep the exporter's own types.
        notes.append(f"ONNX shape inference failed ({_first_line(exc)}); exporter types used")
        return model


def _accepted_without_propagation(source: onnx.ModelProto | bytes) -> bool:
    """Whether strict inference accepts the graph without data propagation: then what it
    rejected is ONNX's propagation (two Scans whose bodies share tensor names fail it with
    'Data for input 0 already exists' in onnx 1.23), not the graph."""
    try:
        onnx.shape_inference.infer_shapes(
            source, check_type=False, strict_mode=True, data_prop=False
        )
    except onnx.shape_inference.InferenceError:
        return False
    return True


def _propagation_note(message: str) -> str:
    return (
        f"ONNX's data propagation failed on this valid graph ({_shortened(message, 200)}): "
        "shapes computed from propagated values may be unknown"
    )


def _record_rejection(message: str, errors: list[str], notes: list[str]) -> None:
    """What strict inference rejects is an error of the graph (MLG009), unless it only
    lacked values held as external data (larger than load.external_data reads back): the
    graph may be sound, and the shapes after them are unknown, which their nodes say."""
    if _EXTERNAL_VALUES in message:
        notes.append(
            "shape inference needs values held as external data that modelint does not read "
            "back (over 16 elements, or outside the model's directory): shapes that depend "
            "on them are unknown"
        )
    else:
        errors.append(message)


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
    return _shortened(text.removeprefix("Inference error(s): "), _ERROR_CHARS)


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at the last word that fits ``limit`` characters, marked with '…' (ONNX
    lists every failing node; a report line needs the first ones, not half a word)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 2]
    cut = head.rfind(" ")
    return f"{head[:cut] if cut > limit // 2 else head} …"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


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
    attributes = {}
    for attribute in node.attribute:  # an attribute of no known type is not decoded
        with contextlib.suppress(ValueError):
            attributes[attribute.name] = onnx.helper.get_attribute_value(attribute)
    return constant_entry(attributes)


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
        if constants:
            _add_constant_types(subgraph, types)
    return types


def _add_constant_types(graph: onnx.GraphProto, types: dict[str, TypeEntry]) -> None:
    """The outputs of one graph's Constant nodes (over any value_info of them)."""
    for node in graph.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx") and node.output:
            entry = _constant_type(node)
            if entry is not None:
                types[node.output[0]] = entry


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
