"""Binding symbolic input dims before shape inference (DESIGN §4).

Each graph input dim that is symbolic gets a value from ``--input-shape`` / config
``input-shapes``; otherwise the first dim of an input (the batch, by convention of every
exporter we know) binds to 1 and the report says so, unless it is time rather than batch
(named like a sequence, or a recurrent op's sequence-first input). Other symbolic dims stay
unknown, and the nodes that need them end up uncosted with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import onnx

from modelint.errors import ModelLoadError
from modelint.expr import did_you_mean
from modelint.graph.tensors import Shape
from modelint.load.subgraphs import walk_graphs

__all__ = ["BoundInputs", "ShapeBinding", "bind_inputs"]

_BATCH_SYMBOL = re.compile(r"^(n|batch|batch_size|batchsize|bs|b)$", re.IGNORECASE)
_SEQUENCE_SYMBOL = re.compile(r"seq|time|step|len|token|frame", re.IGNORECASE)
_RECURRENT_OPS = frozenset({"LSTM", "GRU", "RNN"})


@dataclass(frozen=True, slots=True)
class ShapeBinding:
    """One input dim that was bound to a value, and why."""

    input: str
    index: int
    symbol: str  # the dim_param it replaced ('' when the dim was simply missing)
    value: int
    origin: str  # 'input-shape' (command line, caller), 'config' or 'batch-default'
    replaced: int | None = None  # the fixed value a user's batch replaced (1 -> 256)

    def describe(self) -> str:
        if self.replaced is not None:
            return f"{self.input}[{self.index}] {self.replaced}->{self.value} ({self.origin})"
        name = f"'{self.symbol}'" if self.symbol else "?"
        return f"{self.input}[{self.index}] {name}={self.value} ({self.origin})"


@dataclass(frozen=True, slots=True)
class BoundInputs:
    """The inputs' dims after binding, and the bytes shape inference may read instead of a
    new serialization (None once binding changed an input)."""

    bindings: tuple[ShapeBinding, ...]
    unbound: tuple[str, ...]
    serialized: bytes | None


def bind_inputs(
    model: onnx.ModelProto,
    input_shapes: Mapping[str, Shape],
    serialized: bytes | None = None,
    sources: Mapping[str, str] | None = None,
) -> BoundInputs:
    """Bind the symbolic input dims (mutating ``model``'s inputs) before inference.

    ``serialized`` (the bytes ``model`` was parsed from) stays usable while binding leaves
    every input as it was. ``sources``: the config file each input's shape came from (an
    input absent: from the command line or the caller), named in bindings and errors."""
    inputs = [value.SerializeToString() for value in model.graph.input] if serialized else []
    opset = max((e.version for e in model.opset_import if e.domain in ("", "ai.onnx")), default=0)
    bindings, unbound, symbols = _bind_inputs(model.graph, input_shapes, sources or {}, opset)
    _substitute_symbols(model.graph, symbols)
    if any(binding.replaced is not None for binding in bindings):
        _forget_declared_shapes(model.graph)
    if serialized and inputs != [value.SerializeToString() for value in model.graph.input]:
        serialized = None  # a bound dim: the bytes no longer say what the model is
    return BoundInputs(tuple(bindings), tuple(unbound), serialized)


def _bind_inputs(
    graph: onnx.GraphProto,
    input_shapes: Mapping[str, Shape],
    sources: Mapping[str, str],
    opset: int,
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
    for value in inputs:  # given shapes first: their symbols bind the same dims elsewhere
        if value.name in input_shapes:
            shape, source = input_shapes[value.name], sources.get(value.name)
            _apply_user_shape(value, shape, bindings, symbols, source)
    _check_agreement(bindings)
    time_first = _TimeFirst(graph, opset)
    for value in inputs:
        tensor_type = value.type.tensor_type
        if value.name in input_shapes:
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
            elif _BATCH_SYMBOL.match(symbol) or (index == 0 and not time_first(value.name, symbol)):
                dim.dim_value = 1
                bindings.append(ShapeBinding(value.name, index, symbol, 1, "batch-default"))
                if symbol:
                    symbols[symbol] = 1
            else:
                unbound.append(f"{value.name}[{index}] '{symbol or '?'}'")
    return bindings, unbound, symbols


class _TimeFirst:
    """Whether an input's first dim is time, not batch: named so ('seq_len', 'time'), the
    input of a recurrent op in its default sequence-first layout, or a sequence a Scan
    iterates over its axis 0 (opset 9 on: a Scan has no batch dim). Bound to 1 it would
    cost one step of the sequence as if it were the whole, with nothing marking the figure
    as partial. The graph is scanned for such ops once, and only if asked."""

    def __init__(self, graph: onnx.GraphProto, opset: int) -> None:
        self._graph = graph
        self._opset = opset
        self._inputs: frozenset[str] | None = None

    def __call__(self, name: str, symbol: str) -> bool:
        if _SEQUENCE_SYMBOL.search(symbol):
            return True
        if self._inputs is None:
            self._inputs = frozenset(
                name
                for node in self._graph.node
                if node.domain in ("", "ai.onnx")
                for name in _sequences_first(node, self._opset)
            )
        return name in self._inputs


def _sequences_first(node: onnx.NodeProto, opset: int) -> list[str]:
    """The inputs of ``node`` whose first dim is its time axis."""
    attributes = {attribute.name: attribute for attribute in node.attribute}
    if node.op_type in _RECURRENT_OPS:
        layout = attributes.get("layout")
        return list(node.input[:1]) if layout is None or layout.i == 0 else []
    if node.op_type != "Scan" or opset < 9 or "num_scan_inputs" not in attributes:
        return []  # Scan-8 is batch-first: [batch, sequence, ...]
    count = attributes["num_scan_inputs"].i
    axes = list(attributes["scan_input_axes"].ints) if "scan_input_axes" in attributes else []
    scanned = list(node.input)[len(node.input) - count :]
    return [name for j, name in enumerate(scanned) if (axes[j] if j < len(axes) else 0) == 0]


def _check_agreement(bindings: list[ShapeBinding]) -> None:
    """One symbol is one size: 'S' bound to 16 through x and to 8 through mask describes no
    graph (shapes would be inferred from whichever came last, and the costs with them)."""
    seen: dict[str, ShapeBinding] = {}
    for binding in bindings:
        if not binding.symbol:
            continue
        first = seen.setdefault(binding.symbol, binding)
        if first.value != binding.value:
            raise ModelLoadError(
                f"input shapes disagree on '{binding.symbol}': {first.input}[{first.index}]="
                f"{first.value}, {binding.input}[{binding.index}]={binding.value}"
            )


def _apply_user_shape(
    value: onnx.ValueInfoProto,
    shape: Shape,
    bindings: list[ShapeBinding],
    symbols: dict[str, int],
    source: str | None,
) -> None:
    tensor_type = value.type.tensor_type
    dims = tensor_type.shape.dim
    if tensor_type.HasField("shape") and len(dims) != len(shape):
        given = f" (from input-shapes in {source})" if source else ""
        raise ModelLoadError(
            f"input shape for {value.name!r}{given} has {len(shape)} dims, "
            f"the input has rank {len(dims)}"
        )
    origin = "config" if source else "input-shape"
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
        bindings.append(ShapeBinding(value.name, index, symbol, size, origin, replaced))


def _forget_declared_shapes(graph: onnx.GraphProto) -> None:
    """The exporter's output and intermediate shapes were computed from the fixed dims a
    user rebound: inference recomputes them (kept, they would contradict it)."""
    del graph.value_info[:]
    for value in graph.output:
        if value.type.HasField("tensor_type"):
            value.type.tensor_type.ClearField("shape")


def _substitute_symbols(graph: onnx.GraphProto, symbols: Mapping[str, int]) -> None:
    """Give bound symbols their value wherever the exporter wrote them (outputs, value_info)."""
    if not symbols:
        return
    for subgraph in walk_graphs(graph):
        for value in (*subgraph.input, *subgraph.output, *subgraph.value_info):
            for dim in value.type.tensor_type.shape.dim:
                if dim.dim_param in symbols:
                    dim.dim_value = symbols[dim.dim_param]
