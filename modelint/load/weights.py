"""Weights modelint never reads: large initializers kept as dims and dtype, without data.

Parameters and weight bytes come from dims and dtypes, and constant folding stops at 4,096
elements, so a large initializer's values are never used. Dropping them makes a model ~1 % of
its size wherever it travels: through shape inference, into the conversion cache, through the
pipe from a forked shape-inference child.
"""

from __future__ import annotations

import onnx

from modelint.load.subgraphs import walk_graphs

__all__ = [
    "MIN_ELEMENTS",
    "NOT_KEPT",
    "dense_stub",
    "densify_sparse",
    "drop_weight_data",
    "element_count",
    "has_inline_weights",
]

MIN_ELEMENTS = 4097  # above modelint.graph.folding.MAX_FOLD_ELEMENTS: never folded
NOT_KEPT = "modelint-weights-not-kept"  # the external-data location of dropped weights
_DATA_FIELDS = (
    "raw_data",
    "float_data",
    "int32_data",
    "int64_data",
    "double_data",
    "uint64_data",
)


def drop_weight_data(model: onnx.ModelProto) -> int:
    """Keep the dims and dtype of each large initializer, not its data; return how many.

    Each is marked as external data at ``NOT_KEPT``, as an ONNX file whose weights sit
    elsewhere would be; modelint never opens external data."""
    dropped = 0
    for graph in walk_graphs(model.graph):
        for tensor in graph.initializer:
            if tensor.data_location == onnx.TensorProto.EXTERNAL or not _large(tensor):
                continue
            for name in _DATA_FIELDS:
                tensor.ClearField(name)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            entry = tensor.external_data.add()
            entry.key, entry.value = "location", NOT_KEPT
            dropped += 1
    return dropped


def densify_sparse(model: onnx.ModelProto) -> tuple[str, ...]:
    """Each sparse initializer of the main graph becomes a dense one of its shape and dtype,
    without data (as a dropped weight): shape inference ignores sparse initializers (the
    shapes after them were unknown), and a layer's parameters are its weight's dense size.
    A note each. (A subgraph's are defined by the graph build, their shapes left unknown:
    finding them here would read every node's attributes, 0.16 s on 100k nodes.)"""
    graph = model.graph
    if not graph.sparse_initializer:
        return ()
    notes = []
    for sparse in graph.sparse_initializer:
        graph.initializer.append(dense_stub(sparse))
        stored = element_count(sparse.values)
        notes.append(
            f"sparse initializer '{sparse.values.name}' is counted at its dense size "
            f"({'x'.join(map(str, sparse.dims))}; {stored:,} values stored)"
        )
    graph.ClearField("sparse_initializer")
    return tuple(notes)


def dense_stub(sparse: onnx.SparseTensorProto) -> onnx.TensorProto:
    """A sparse tensor as a dense one of its shape and dtype, its data not kept."""
    tensor = onnx.TensorProto(name=sparse.values.name, data_type=sparse.values.data_type)
    tensor.dims.extend(sparse.dims)
    tensor.data_location = onnx.TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", NOT_KEPT
    return tensor


def has_inline_weights(graph: onnx.GraphProto) -> bool:
    """Whether any large initializer of the main graph holds its data in the model."""
    return any(
        tensor.data_location != onnx.TensorProto.EXTERNAL and _large(tensor)
        for tensor in graph.initializer
    )


def element_count(tensor: onnx.TensorProto) -> int:
    """Elements of a tensor, from its dims (its data is never needed)."""
    count = 1
    for dim in tensor.dims:
        count *= dim
    return count


def _large(tensor: onnx.TensorProto) -> bool:
    return element_count(tensor) >= MIN_ELEMENTS and tensor.data_type != onnx.TensorProto.STRING
