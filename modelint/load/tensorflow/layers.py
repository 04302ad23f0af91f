"""Map ONNX node names back to the source framework's layer names.

tf2onnx keeps TensorFlow op names, which nest Keras name scopes: ``model_1/conv1_1/Conv2D``
(Keras 3 suffixes each scope with ``_<n>``), ``StatefulPartitionedCall/...`` in SavedModels,
and ``a;b`` fused names in TFLite. The deepest scope segment that names a Keras layer wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import onnx

__all__ = ["layer_map", "scope_layer", "scope_map", "tf_scope"]

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
