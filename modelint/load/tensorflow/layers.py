"""Map ONNX node names back to the source framework's layer names.

tf2onnx keeps TensorFlow op names, which nest Keras name scopes: ``model_1/conv1_1/Conv2D``
(Keras 3 suffixes each scope with ``_<n>``), ``StatefulPartitionedCall/...`` in SavedModels,
and ``a;b`` fused names in TFLite. The deepest scope segment that names a Keras layer wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import onnx

__all__ = ["fill_from_neighbours", "layer_map", "scope_layer", "scope_map", "tf_scope"]

_SCOPE_SUFFIX = re.compile(r"_\d+$")
_SPLIT = re.compile(r"[/;]")
_CALL_WRAPPER = re.compile(r"^(StatefulPartitionedCall|PartitionedCall)(_\d+)?$")


def scope_layer(node_name: str, layers: frozenset[str]) -> str | None:
    """The Keras layer a TensorFlow op name belongs to, or None."""
    found = None
    for segment in _SPLIT.split(node_name)[:-1] or _SPLIT.split(node_name):
        if segment in layers:
            found = segment
        else:
            stripped = _SCOPE_SUFFIX.sub("", segment)
            if stripped in layers:
                found = stripped
    return found


def _candidates(node: onnx.NodeProto) -> Iterable[str]:
    """Names that may carry the TensorFlow scope: tf2onnx's optimizers rename some nodes they
    rewrite (a depthwise conv fused with its bias becomes ``Conv__20``), but their outputs, or
    their weight and bias inputs, keep the scope."""
    return (name for name in (node.name, *node.output, *node.input[1:]) if name)


def layer_map(nodes: Iterable[onnx.NodeProto], layers: Iterable[str]) -> Mapping[str, str]:
    """ONNX node name -> Keras layer name, for the nodes whose names reveal one."""
    names = frozenset(layers)
    result = {}
    for node in nodes:
        for candidate in _candidates(node):
            layer = scope_layer(candidate, names)
            if layer is not None:
                result[node.name] = layer
                break
    return result


def scope_map(nodes: Iterable[onnx.NodeProto]) -> Mapping[str, str]:
    """ONNX node name -> TensorFlow op scope, for models without Keras metadata."""
    result = {}
    for node in nodes:
        for candidate in _candidates(node):
            scope = tf_scope(candidate)
            if scope is not None:
                result[node.name] = scope
                break
    return result


def tf_scope(node_name: str) -> str | None:
    """The TensorFlow op scope of a node without Keras metadata (SavedModel, TFLite, frozen
    graph): wrappers and Keras' ``_<n>`` scope suffixes removed — ``model/conv1``."""
    first = node_name.split(";", maxsplit=1)[0]
    segments = [
        _SCOPE_SUFFIX.sub("", s) for s in first.split("/")[:-1] if not _CALL_WRAPPER.match(s)
    ]
    return "/".join(segments) or None


_NEIGHBOUR_HOPS = 3  # how far an unnamed node looks for labelled neighbours


def fill_from_neighbours(graph: onnx.GraphProto, labels: Mapping[str, str]) -> dict[str, str]:
    """``labels`` plus a label for each node of ``graph`` whose names reveal none (tf2onnx's
    ``LSTM__32``, ``Squeeze__36``) when the nearest labelled nodes upstream and downstream
    (within three hops) all carry one and the same label: an op tf2onnx inserted inside a
    layer. Between two layers, or at a graph input or output, the node stays unlabelled."""
    producer = {out: node.name for node in graph.node for out in node.output if out}
    consumers: dict[str, list[str]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node.name)
    upstream = {n.name: [producer[i] for i in n.input if i in producer] for n in graph.node}
    downstream = {n.name: [c for o in n.output for c in consumers.get(o, ())] for n in graph.node}
    filled = dict(labels)
    for node in graph.node:
        if node.name in labels or not node.name:
            continue
        above = _nearest_labels(node.name, upstream, labels)
        below = _nearest_labels(node.name, downstream, labels)
        if len(above) == 1 and above == below:
            filled[node.name] = next(iter(above))
    return filled


def _nearest_labels(
    start: str, neighbours: Mapping[str, list[str]], labels: Mapping[str, str]
) -> set[str]:
    """Labels of the closest labelled nodes in one direction (empty: none within reach)."""
    frontier, seen = [start], {start}
    for _ in range(_NEIGHBOUR_HOPS):
        frontier = [n for key in frontier for n in neighbours.get(key, ()) if n not in seen]
        seen.update(frontier)
        found = {labels[key] for key in frontier if key in labels}
        if found:
            return found
    return set()
