"""Build a ModelGraph from an ONNX ModelProto: keys, tensors, constness, edges, parameters."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import onnx

from modelint.errors import ModelLoadError
from modelint.graph.binding import bind_inputs
from modelint.graph.constants import ConstantFolder
from modelint.graph.inference_job import start_inference
from modelint.graph.model_graph import DEFAULT_DOMAIN, ModelGraph, OpNode, find_links
from modelint.graph.shapes import GraphTraits, infer_bound
from modelint.graph.tensors import PARAM_DTYPES, Shape, TensorInfo, tensor_size

__all__ = ["PASS_THROUGH_OPS", "build_graph"]

# Ops through which a constant stays a weight (DESIGN §3; reference-figures B.3.1).
PASS_THROUGH_OPS = frozenset(
    {
        "Cast",
        "Transpose",
        "Reshape",
        "Identity",
        "DequantizeLinear",
        "Unsqueeze",
        "Squeeze",
        "Flatten",
    }
)
# int32 constants are parameters only as biases of quantized ops.
_INT32_PARAM_CONSUMERS = frozenset({"DequantizeLinear", "QLinearConv", "QGemm"})
_CONSTANT_OPS = frozenset({"Constant"})
_NONE: Mapping[str, Any] = MappingProxyType({})  # shared by the many nodes without attributes
# Float inputs that configure or seed an op rather than weight it: never parameters.
_CONFIG_INPUTS: Mapping[str, frozenset[int]] = {
    "Resize": frozenset({1, 2}),  # roi, scales
    "Upsample": frozenset({1}),  # scales
    "Pad": frozenset({2}),  # constant_value
    "Clip": frozenset({1, 2}),  # min, max
    "LSTM": frozenset({5, 6}),  # initial_h, initial_c: a state (Keras feeds zeros), not learnt
    "GRU": frozenset({5}),  # initial_h
    "RNN": frozenset({5}),  # initial_h
}


# (name, op_type, domain, inputs, outputs, number of attributes) of one NodeProto
_Fields = tuple[str, str, str, tuple[str, ...], tuple[str, ...], int]


@dataclass
class _Walk:
    """Mutable state of one build; frozen into ModelGraph at the end."""

    nodes: dict[str, OpNode] = field(default_factory=dict)
    producers: dict[str, str] = field(default_factory=dict)
    consumers: dict[str, list[str]] = field(default_factory=dict)
    constant: set[str] = field(default_factory=set)  # foldable from constants
    weight: set[str] = field(default_factory=set)  # constants through pass-through ops only
    initializers: dict[str, onnx.TensorProto] = field(default_factory=dict)
    graph_inputs: set[str] = field(default_factory=set)
    # Loop node key -> positions of its inputs that seed loop-carried state
    state_inputs: dict[str, frozenset[int]] = field(default_factory=dict)


def build_graph(
    model: onnx.ModelProto,
    *,
    input_shapes: Mapping[str, Shape] | None = None,
    layer_of: Mapping[str, str] | None = None,
    serialized: bytes | None = None,
    background: bool = False,
    shape_sources: Mapping[str, str] | None = None,
) -> ModelGraph:
    """Infer shapes (binding ``input_shapes``) and build the graph. Mutates ``model``'s inputs.

    ``serialized``: the bytes ``model`` was parsed from, if at hand; shape inference reads
    them instead of a new serialization while binding leaves the inputs as they were.
    ``background``: on a large graph, infer shapes in a forked child while this process
    walks the graph (same result; for a command-line run, not for a library caller's
    process). ``shape_sources``: see ``bind_inputs``."""
    opsets = {(entry.domain or DEFAULT_DOMAIN): int(entry.version) for entry in model.opset_import}
    bound = bind_inputs(model, input_shapes or {}, serialized, shape_sources)
    job = start_inference(model, bound) if background else None
    with job or contextlib.nullcontext():
        walk = _Walk()
        _walk_graph(model.graph, walk, opsets, layer_of or {}, path="", parent=None)
        _check_defined(walk)
        # While the child infers: the edges, which need no types (lazily found otherwise).
        links = find_links(walk.nodes, walk.producers) if job else None
        consumers = {name: tuple(keys) for name, keys in walk.consumers.items()}
        inference = job.result() if job else None
    types = infer_bound(model, bound, _traits(walk), inference)
    shapes = {name: entry[0] for name, entry in types.types.items()}
    tensors = _tensors(walk, types.types, walk.constant, walk.weight, model.graph)
    params = _attribute_params(walk, tensors, consumers)
    return ModelGraph(
        nodes=walk.nodes,
        tensors=tensors,
        inputs=tuple(v.name for v in model.graph.input if v.name not in walk.initializers),
        outputs=tuple(v.name for v in model.graph.output),
        opsets=opsets,
        producers=walk.producers,
        consumers=consumers,
        constants=ConstantFolder(model.graph, walk.initializers, shapes),
        initializer_params=params,
        bindings=types.bindings,
        unbound=types.unbound,
        notes=types.notes,
        shape_errors=types.errors,
        ir_version=int(model.ir_version),
        producer_name=model.producer_name,
        links=links,
    )


def _traits(walk: _Walk) -> GraphTraits:
    return GraphTraits(
        walk.producers,
        subgraphs=any(node.subgraphs for node in walk.nodes.values()),
        constants=any(node.op_type in _CONSTANT_OPS for node in walk.nodes.values()),
    )


def _check_defined(walk: _Walk) -> None:
    """Every tensor a node reads must be a node output, a graph input or an initializer:
    ONNX checkers and runtimes refuse a model that reads anything else, and its costs would
    rest on a tensor nobody defines."""
    producers, initializers, inputs = walk.producers, walk.initializers, walk.graph_inputs
    for name, users in walk.consumers.items():
        if name not in producers and name not in initializers and name not in inputs:
            raise ModelLoadError(
                f"invalid ONNX graph: node '{users[0]}' reads tensor '{name}', which no node, "
                "graph input or initializer defines"
            )


def _local_keys(fields: list[_Fields]) -> list[str]:
    """Node keys of one graph: the name when present and unique, else
    ``op_type:first_output`` (outputs are SSA, so unique)."""
    names = [entry[0] for entry in fields]
    if all(names) and len(set(names)) == len(names):
        return names  # the usual case: every node named, no name twice
    counts = Counter(name for name in names if name)
    keys = []
    for index, (name, op_type, _, _, outputs, _) in enumerate(fields):
        if name and counts[name] == 1:
            keys.append(name)
        elif outputs and outputs[0]:
            keys.append(f"{op_type}:{outputs[0]}")
        else:
            keys.append(f"{op_type}#{index}")
    return keys


def _attributes(node: onnx.NodeProto) -> tuple[dict[str, Any], list[tuple[str, onnx.GraphProto]]]:
    values: dict[str, Any] = {}
    bodies: list[tuple[str, onnx.GraphProto]] = []
    for attribute in node.attribute:
        if attribute.type == onnx.AttributeProto.GRAPH:
            bodies.append((attribute.name, attribute.g))
        elif attribute.type == onnx.AttributeProto.GRAPHS:
            bodies.extend((f"{attribute.name}{i}", g) for i, g in enumerate(attribute.graphs))
        else:
            value = onnx.helper.get_attribute_value(attribute)
            values[attribute.name] = value.decode() if isinstance(value, bytes) else value
    return values, bodies


def _read_fields(protos: list[onnx.NodeProto]) -> list[_Fields]:
    """Each protobuf field read costs ~0.2-0.5 us: every node's fields are read exactly once,
    in one comprehension (``[:]`` copies a repeated field twice as fast as ``tuple()``)."""
    return [
        (p.name, p.op_type, p.domain, tuple(p.input[:]), tuple(p.output[:]), len(p.attribute))
        for p in protos
    ]


def _walk_graph(
    graph: onnx.GraphProto,
    walk: _Walk,
    opsets: Mapping[str, int],
    layer_of: Mapping[str, str],
    *,
    path: str,
    parent: str | None,
) -> None:
    initializers = list(graph.initializer)
    names = [tensor.name for tensor in initializers]
    walk.initializers.update(zip(names, initializers, strict=True))
    walk.constant.update(names)
    walk.weight.update(names)
    walk.graph_inputs.update(value.name for value in graph.input)
    protos = list(graph.node)
    fields = _read_fields(protos)
    inherited = walk.nodes[parent].layer if parent else None
    nodes, new = walk.nodes, tuple.__new__  # NamedTuple's own __new__ is 2x slower
    pending: list[OpNode] = []
    for proto, local_key, (name, op_type, declared, inputs, outputs, attributes_count) in zip(
        protos, _local_keys(fields), fields, strict=True
    ):
        key = f"{path}/{local_key}" if path else local_key
        attributes, bodies = _attributes(proto) if attributes_count else (_NONE, [])
        domain = declared or DEFAULT_DOMAIN
        layer = (layer_of.get(name) if layer_of else None) or inherited
        subgraphs = tuple(f"{key}/{body}" for body, _ in bodies) if bodies else ()
        node = nodes[key] = new(
            OpNode,
            (key, name, op_type, domain, opsets.get(domain, 0), inputs, outputs, attributes,
             len(nodes), path, parent, subgraphs, layer),
        )  # fmt: skip
        pending.append(node)
        if op_type == "Loop" and domain == DEFAULT_DOMAIN and bodies:
            walk.state_inputs[key] = _loop_state_inputs(bodies[0][1])
        if bodies:  # the body sees every outer tensor defined before its owner
            _record_uses(walk, pending)
            pending.clear()
        for body, subgraph in bodies:
            _walk_graph(subgraph, walk, opsets, layer_of, path=f"{key}/{body}", parent=key)
    _record_uses(walk, pending)


def _record_uses(walk: _Walk, nodes: list[OpNode]) -> None:
    """Producers, consumers and constness of ``nodes``, in walk order: ONNX nodes come in
    topological order, so every input's constness is known when its consumer is reached."""
    producers, consumers = walk.producers, walk.consumers
    for key, _, _, _, _, inputs, outputs, *_ in nodes:
        for output in outputs:
            if output:
                producers[output] = key
        reads = inputs  # each tensor once, however many times the node reads it
        if len(inputs) > 1 and (len(inputs) > 2 or inputs[0] == inputs[1]):
            reads = tuple(dict.fromkeys(inputs))
        for name in reads:
            if name:
                users = consumers.get(name)
                if users is None:
                    consumers[name] = [key]
                else:
                    users.append(key)
    _record_constness(walk, nodes)


def _record_constness(walk: _Walk, nodes: list[OpNode]) -> None:
    """Outputs of Constant nodes, and of nodes whose every present input is constant."""
    constant, weight = walk.constant, walk.weight
    for _, _, op_type, domain, _, inputs, outputs, _, _, _, _, subgraphs, _ in nodes:
        if domain != DEFAULT_DOMAIN or subgraphs:
            continue
        if op_type in _CONSTANT_OPS:
            constant.update(outputs)
            weight.update(outputs)
            continue
        first = ""
        for name in inputs:
            if name:
                if name not in constant:
                    break
                first = first or name
        else:
            if first:
                constant.update(outputs)
                if op_type in PASS_THROUGH_OPS and first in weight:
                    weight.update(outputs)


def _tensors(
    walk: _Walk,
    types: Mapping[str, tuple[Shape | None, str | None]],
    constant: set[str],
    weight: set[str],
    graph: onnx.GraphProto,
) -> dict[str, TensorInfo]:
    outputs = {value.name for value in graph.output}
    initializers, graph_inputs = walk.initializers, walk.graph_inputs
    unknown: tuple[None, None] = (None, None)
    # Most tensors share a few (shape, dtype) pairs: each pair's size is computed once, and
    # the records are built with tuple.__new__ (TensorInfo.create's work, 5x cheaper).
    sizes: dict[tuple[Shape | None, str | None], tuple[int | None, int | None]] = {}
    new, tensors = tuple.__new__, {}
    names = dict.fromkeys(types)
    names.update(dict.fromkeys(walk.producers))
    names.update(dict.fromkeys(initializers))
    for name in names:
        entry = types.get(name, unknown)
        size = sizes.get(entry)
        if size is None:
            size = sizes[entry] = tensor_size(*entry)
        initializer = name in initializers
        tensors[name] = new(
            TensorInfo,
            (name, *entry, initializer, name in constant, name in weight,
             name in graph_inputs and not initializer, name in outputs, *size),
        )  # fmt: skip
    return tensors


def _loop_state_inputs(body: onnx.GraphProto) -> frozenset[int]:
    """Loop inputs (M, cond, v_initial...) that seed state: a carried value the body changes
    (Keras' zero initial ``h``), where a weight tf2onnx passes in comes back out unchanged."""
    inputs = [value.name for value in body.input]
    outputs = [value.name for value in body.output]
    carried = range(2, min(len(inputs), len(outputs) + 1))
    return frozenset(index for index in carried if inputs[index] != outputs[index - 1])


def _config_only(
    tensor: str, users: list[OpNode], state_inputs: Mapping[str, frozenset[int]]
) -> bool:
    """True when every use is a configuration or state input (Resize scales, an LSTM's
    initial state, a Loop's carried state...)."""
    return bool(users) and all(
        position in _CONFIG_INPUTS.get(node.op_type, state_inputs.get(node.key, ()))
        for node in users
        for position, name in enumerate(node.inputs)
        if name == tensor
    )


def _is_param(
    info: TensorInfo, users: list[OpNode], state_inputs: Mapping[str, frozenset[int]]
) -> bool:
    if info.numel is None or info.numel <= 1:
        return False  # a one-element constant is a literal (ReLU6 bounds, 1/sqrt(d)), not a weight
    configured = any(n.op_type in _CONFIG_INPUTS or n.key in state_inputs for n in users)
    if configured and _config_only(info.name, users, state_inputs):
        return False
    if info.dtype in PARAM_DTYPES:
        return True
    return info.dtype == "int32" and any(n.op_type in _INT32_PARAM_CONSUMERS for n in users)


def _attribute_params(
    walk: _Walk, tensors: Mapping[str, TensorInfo], consumers: Mapping[str, tuple[str, ...]]
) -> dict[str, str | None]:
    """Map each parameter tensor to the node that owns it (None: unused), counted once."""
    sources = list(walk.initializers)
    sources += [
        n.outputs[0] for n in walk.nodes.values() if n.op_type in _CONSTANT_OPS and n.outputs
    ]
    owners: dict[str, str | None] = {}
    for name in sources:
        info = tensors.get(name)
        users = consumers.get(name, ())
        nodes = [walk.nodes[key] for key in users]
        if info is None or not _is_param(info, nodes, walk.state_inputs):
            continue
        owners[name] = _owner(walk, name, consumers)
    return owners


def _owner(walk: _Walk, tensor: str, consumers: Mapping[str, tuple[str, ...]]) -> str | None:
    """Follow pass-through consumers to the first node that really uses the weight."""
    users = consumers.get(tensor, ())
    if users:  # the usual case: the first consumer is the layer itself
        node = walk.nodes[users[0]]
        if node.op_type not in PASS_THROUGH_OPS or node.domain != DEFAULT_DOMAIN:
            return users[0]
    frontier, seen = [tensor], set()
    first: str | None = None
    while frontier:
        name = frontier.pop(0)
        for key in consumers.get(name, ()):
            if key in seen:
                continue
            seen.add(key)
            node = walk.nodes[key]
            first = first or key
            if node.op_type in PASS_THROUGH_OPS and node.domain == DEFAULT_DOMAIN:
                frontier.extend(output for output in node.outputs if output)
            else:
                return key
    return first
