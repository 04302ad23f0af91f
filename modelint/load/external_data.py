"""Small tensors kept as external data, read back: shapes can depend on their values.

Weights are never read (costs come from dims and dtypes), but an exporter that stores every
tensor externally (``onnx.save_model(..., size_threshold=0)``) also moves out the int64
shape of a Reshape, the sizes of a Resize or the axes of a Slice. Shape inference cannot
read external data, and without those values the shapes after them stay unknown (and strict
inference rejects the graph). Tensors of up to ``MAX_ELEMENTS`` elements are read back into
the model: a few bytes each, and only from files inside the model's own directory, as the
ONNX external-data rules require.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import onnx
from onnx.helper import tensor_dtype_to_np_dtype

from modelint.load.weights import NOT_KEPT

__all__ = ["MAX_ELEMENTS", "read_small_external_tensors"]

MAX_ELEMENTS = 16  # pads of a rank-8 tensor; shapes, axes, sizes and scales are smaller


def read_small_external_tensors(model: onnx.ModelProto, directory: Path) -> bool:
    """Inline the main graph's small external tensors; True when any was (the model no
    longer matches the bytes it was parsed from). A file that is missing, outside
    ``directory`` or too short leaves its tensor as it was."""
    changed = False
    for tensor in model.graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL or not _small(tensor):
            continue
        data = _read(tensor, directory)
        if data is not None:
            del tensor.external_data[:]
            tensor.data_location = onnx.TensorProto.DEFAULT
            tensor.raw_data = data
            changed = True
    return changed


def _elements(tensor: onnx.TensorProto) -> int:
    count = 1
    for dim in tensor.dims:
        count *= dim
    return count


def _small(tensor: onnx.TensorProto) -> bool:
    return _elements(tensor) <= MAX_ELEMENTS


def _read(tensor: onnx.TensorProto, directory: Path) -> bytes | None:
    """The tensor's bytes, when its entry is sound: a relative location inside
    ``directory``, and a length that is exactly its dims times its element size."""
    fields = {entry.key: entry.value for entry in tensor.external_data}
    location = fields.get("location", "")
    if not location or location == NOT_KEPT or Path(location).is_absolute():
        return None
    root = directory.resolve()
    path = (root / location).resolve()
    if root not in path.parents:  # '../secrets': the ONNX rules forbid leaving the directory
        return None
    try:
        size = _elements(tensor) * tensor_dtype_to_np_dtype(tensor.data_type).itemsize
        offset, length = int(fields.get("offset", 0)), int(fields.get("length", size))
    except (KeyError, TypeError, ValueError):  # a dtype without a fixed size, a bad entry
        return None
    if length != size or offset < 0:
        return None
    with contextlib.suppress(OSError), path.open("rb") as stream:
        stream.seek(offset)
        data = stream.read(length)
        return data if len(data) == length else None
    return None
