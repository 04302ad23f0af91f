"""Build a ModelGraph from an ONNX ModelProto: keys, tensors, constness, edges, parameters."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import onnx

from modelint.graph.background import BackgroundJob
from modelint.graph.binding import BoundInputs, bind_inputs
from modelint.graph.constants import ConstantFolder
from modelint.graph.inference_job import start_inference
from modelint.graph.model_graph import DEFAULT_DOMAIN, ModelGraph, OpNode, find_links
from modelint.graph.params import (
    CONSTANT_OPS,
    PASS_THROUGH_OPS,
    declared_sources,
    parameter_owners,
)
from modelint.graph.shapes import GraphTraits, Inference, infer_bound
from modelint.graph.tensors import Shape, TensorInfo, dtype_name, tensor_size
from modelint.graph.validity import (
    addressable,
    check_defined,
    check_inputs,
    check_not_written,
    check_rewrite,
)
from modelint.load.weights import dense_stub

__all__ = ["PASS_THROUGH_OPS", "GraphBuild", "build_graph", "start_build"]

_NONE: Mapping[str, Any] = MappingProxyType({})  # shared by the many nodes without attributes
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


class GraphBuild:
    """One model's graph under construction: its inputs bound and, when started in the
    background, its shapes being inferred by a forked child. ``finish`` walks the graph
    (while the child infers) and builds it; the caller may do other work first (load its
    rules) while the child runs. A context manager: leaving the block unfinished stops the
    child."""

    def __init__(
        self,
        model: onnx.ModelProto,
        bound: BoundInputs,
        job: BackgroundJob[Inference] | None,
    ) -> None:
        self.model = model
        self.bound = bound
        self._job = job

    def finish(self, layer_of: Mapping[str, str] | None = None) -> ModelGraph:
        """The graph; ``layer_of`` maps node names to the source layers they came from."""
        model, job = self.model, self._job
        opsets = {(e.domain or DEFAULT_DOMAIN): int(e.version) for e in model.opset_import}
        with job or contextlib.nullcontext():
            walk = _Walk()
            _walk_graph(model.graph, walk, opsets, layer_of or {}, path="", parent=None)
            outputs = [value.name for value in model.graph.output]
            check_defined(
                walk.consumers, outputs, walk.producers, walk.initializers, walk.graph_inputs
            )
            # While the child infers: the edges, which need no types (lazily found otherwise),
            # and the parameters' owners, from the types the model declares for them.
            links = find_links(walk.nodes, walk.producers) if job else None
            consumers = {name: tuple(keys) for name, keys in walk.consumers.items()}
            declared = {name: _declared(tensor) for name, tensor in walk.initializers.items()}
            sources = declared_sources(walk.nodes, declared)
            params = parameter_owners(
                walk.nodes, walk.initializers, sources, consumers, walk.state_inputs
            )
            inference = job.result() if job else None
        self._job = None
        types = infer_bound(model, self.bound, _traits(walk), inference)
        shapes = {name: entry[0] for name, entry in types.types.items()}
        tensors = _tensors(walk, types.types, declared, model.graph)
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

    def cancel(self) -> None:
        """Stop the child, if one still runs (``finish`` not called, or interrupted)."""
        if self._job is not None:
            self._job.cancel()
            self._job = None

    def __enter__(self) -> GraphBuild:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


def start_build(
    model: onnx.ModelProto,
    *,
    input_shapes: Mapping[str, Shape] | None = None,
    serialized: bytes | None = None,
    background: bool = False,
    shape_sources: Mapping[str, str] | None = None,
) -> GraphBuild:
    """Bind ``input_shapes`` (mutates ``model``'s inputs) and, with ``background`` on a large
    graph, start shape inference in a forked child (same result; for a command-line run, not
    for a library caller's process).

    ``serialized``: the bytes ``model`` was parsed from, if at hand; shape inference reads
    them instead of a new serialization while binding leaves the inputs as they were.
    ``shape_sources``: see ``bind_inputs``."""
    bound = bind_inputs(model, input_shapes or {}, serialized, shape_sources)
    return GraphBuild(model, bound, start_inference(model, bound) if background else None)


def build_graph(
    model: onnx.ModelProto,
    *,
    input_shapes: Mapping[str, Shape] | None = None,
    layer_of: Mapping[str, str] | None = None,
    serialized: bytes | None = None,
    background: bool = False,
    shape_sources: Mapping[str, str] | None = None,
) -> ModelGraph:
    """Infer shapes (binding ``input_shapes``) and build the graph: ``start_build`` and
    ``GraphBuild.finish`` in one call."""
    with start_build(
        model,
        input_shapes=input_shapes,
        serialized=serialized,
        background=background,
        shape_sources=shape_sources,
    ) as build:
        return build.finish(layer_of)


def _traits(walk: _Walk) -> GraphTraits:
    return GraphTraits(
        walk.producers,
        subgraphs=any(node.subgraphs for node in walk.nodes.values()),
        constants=any(node.op_type in CONSTANT_OPS for node in walk.nodes.values()),
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
        elif outputs and outputs[0] and f"{op_type}:{outputs[0]}" not in counts:
            keys.append(f"{op_type}:{outputs[0]}")
        else:  # no output, or a node named like the key another would get
            key = f"{op_type}#{index}"
            while key in counts:  # ... or like this one ('Relu#1' named so)
                key += "#"
            keys.append(key)
    return keys


def _free_key(nodes: Mapping[str, OpNode], key: str) -> str:
    """``key`` made unique among the keys given so far: a second node under one key would
    replace the first, its cost and edges lost."""
    suffix = 2
    while f"{key}#{suffix}" in nodes:
        suffix += 1
    return f"{key}#{suffix}"


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
            if isinstance(value, bytes):  # a string attribute may hold any bytes
                value = value.decode("utf-8", "backslashreplace")
            values[attribute.name] = value
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
    if graph.sparse_initializer:  # a subgraph's (the main graph's were made dense on load)
        initializers += [dense_stub(sparse) for sparse in graph.sparse_initializer]
    names = [tensor.name for tensor in initializers]
    walk.initializers.update(zip(names, initializers, strict=True))
    walk.constant.update(names)
    walk.weight.update(names)
    declared_inputs = [value.name for value in graph.input]
    walk.graph_inputs.update(declared_inputs)
    protos = list(graph.node)
    fields = _read_fields(protos)
    check_inputs(declared_inputs)
    inherited = walk.nodes[parent].layer if parent else None
    nodes, new = walk.nodes, tuple.__new__  # NamedTuple's own __new__ is 2x slower
    pending: list[OpNode] = []
    for proto, local_key, (name, op_type, declared, inputs, outputs, attributes_count) in zip(
        protos, _local_keys(fields), fields, strict=True
    ):
        key = f"{path}/{local_key}" if path else local_key
        if key in nodes:  # a main-graph node named like a body node's path ('L/body/mm')
            key = _free_key(nodes, key)
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
    check_not_written(walk.producers, walk.nodes, declared_inputs, path, "a graph input")
    check_not_written(walk.producers, walk.nodes, names, path, "an initializer")


def _record_uses(walk: _Walk, nodes: list[OpNode]) -> None:
    """Producers, consumers and constness of ``nodes``, in walk order: ONNX nodes come in
    topological order, so every input's constness is known when its consumer is reached."""
    producers, consumers = walk.producers, walk.consumers
    for key, _, _, _, _, inputs, outputs, *_ in nodes:
        for output in outputs:
            if output:
                if output in producers:  # a second writer: refused within one graph; in a
                    check_rewrite(walk.nodes, producers[output], key, output)
                    continue  # body, the outer node keeps it (an If branch naming its output
                    # as the If's own): the If would look dead, its output unproduced
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
        if op_type in CONSTANT_OPS:
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
    declared: Mapping[str, tuple[Shape, str | None]],
    graph: onnx.GraphProto,
) -> dict[str, TensorInfo]:
    """Every tensor's record: its inferred type, else the type its initializer declares
    (one inference did not see: a subgraph's sparse weight made dense by the build)."""
    outputs = {value.name for value in graph.output}
    initializers, graph_inputs = walk.initializers, walk.graph_inputs
    constant, weight = walk.constant, walk.weight
    unknown: tuple[None, None] = (None, None)
    # Most tensors share a few (shape, dtype) pairs: each pair's size is computed once, and
    # the records are built with tuple.__new__ (TensorInfo.create's work, 5x cheaper).
    sizes: dict[tuple[Shape | None, str | None], tuple[int | None, int | None]] = {}
    new, tensors = tuple.__new__, {}
    names = dict.fromkeys(types)
    names.update(dict.fromkeys(walk.producers))
    names.update(dict.fromkeys(initializers))
    for name in names:
        entry = types.get(name) or declared.get(name) or unknown
        size = sizes.get(entry)
        if size is None:
            size = sizes[entry] = addressable(name, tensor_size(*entry))
        initializer = name in initializers
        tensors[name] = new(
            TensorInfo,
            (name, *entry, initializer, name in constant, name in weight,
             name in graph_inputs and not initializer, name in outputs, *size),
        )  # fmt: skip
    return tensors


def _declared(tensor: onnx.TensorProto) -> tuple[Shape, str | None]:
    """An initializer's type from its own dims (what inference gives it)."""
    return tuple(tensor.dims[:]), dtype_name(tensor.data_type)  # protobuf gives ints


def _loop_state_inputs(body: onnx.GraphProto) -> frozenset[int]:
    """Loop inputs (M, cond, v_initial...) that seed state: a carried value the body changes
    (Keras' zero initial ``h``), where a weight tf2onnx passes in comes back out unchanged."""
    inputs = [value.name for value in body.input]
    outputs = [value.name for value in body.output]
    carried = range(2, min(len(inputs), len(outputs) + 1))
    return frozenset(index for index in carried if inputs[index] != outputs[index - 1])
