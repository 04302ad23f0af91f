"""External data: a note on the files that are missing, and small tensors read back (shapes
can depend on their values).

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
from math import prod
from pathlib import Path

import onnx
from onnx.helper import tensor_dtype_to_np_dtype

from modelint.load.discover import is_regular_file
from modelint.load.weights import NOT_KEPT

__all__ = ["MAX_ELEMENTS", "external_data"]

MAX_ELEMENTS = 16  # pads of a rank-8 tensor; shapes, axes, sizes and scales are smaller


def external_data(model: onnx.ModelProto, directory: Path) -> tuple[tuple[str, ...], bool]:
    """One pass over the main graph's external tensors: a note naming the data files that
    are not there (costs never read them, but a runtime cannot load the model without
    them), and whether small tensors were read back into the model (it then no longer
    matches the bytes it was parsed from). A file that is missing, outside ``directory``
    or too short leaves its tensor as it was."""
    locations: set[str] = set()
    changed = False
    external = onnx.TensorProto.EXTERNAL
    for tensor in model.graph.initializer:  # ~3 us a tensor: this runs before inference starts
        if tensor.data_location != external:
            continue
        locations.add(_location(tensor))
        data = _read(tensor, directory) if prod(tensor.dims) <= MAX_ELEMENTS else None
        if data is not None:
            del tensor.external_data[:]
            tensor.data_location = onnx.TensorProto.DEFAULT
            tensor.raw_data = data
            changed = True
    locations.difference_update((NOT_KEPT, ""))  # "": a tensor without a location entry
    found = {name: _located(directory, name) for name in locations}
    outside = sorted(name for name, path in found.items() if path is None)
    missing = sorted(
        name for name, path in found.items() if path is not None and not is_regular_file(path)
    )
    return (
        *_files_note(
            "external data outside the model's directory",
            outside,
            "ONNX requires a relative location inside it; runtimes refuse the model, and "
            "modelint does not read it",
        ),
        *_files_note(
            "external data not found beside the model",
            missing,
            "costs come from dims and dtypes; a runtime cannot load the model without it",
        ),
    ), changed


def _location(tensor: onnx.TensorProto) -> str:
    """The tensor's ``location`` entry ('' for none). ``onnx.save`` writes it first; reading
    that one entry halves the pass over a 100k-node model's initializers."""
    entries = tensor.external_data
    if entries and entries[0].key == "location":
        return str(entries[0].value)
    return next((str(entry.value) for entry in entries if entry.key == "location"), "")


def _located(directory: Path, location: str) -> Path | None:
    """Where a relative location inside the model's directory points (None: absolute, or
    leaving the directory, which ONNX forbids)."""
    if not location or Path(location).is_absolute():
        return None
    root = directory.resolve()
    path = (root / location).resolve()
    return path if root in path.parents else None


def _files_note(what: str, names: list[str], consequence: str) -> tuple[str, ...]:
    """'<what>: a.bin, b.bin, c.bin and 2 more (<consequence>)', or nothing for no names."""
    if not names:
        return ()
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (f"{what}: {listed} ({consequence})",)


def _read(tensor: onnx.TensorProto, directory: Path) -> bytes | None:
    """The tensor's bytes, when its entry is sound: a relative location inside
    ``directory``, and a length that is exactly its dims times its element size."""
    fields = {entry.key: entry.value for entry in tensor.external_data}
    location = fields.get("location", "")
    path = _located(directory, location) if location != NOT_KEPT else None
    if path is None:  # not kept, or '../secrets', '/etc/x'
        return None
    try:
        size = prod(tensor.dims) * tensor_dtype_to_np_dtype(tensor.data_type).itemsize
        offset, length = int(fields.get("offset", 0)), int(fields.get("length", size))
    except (KeyError, TypeError, ValueError):  # a dtype without a fixed size, a bad entry
        return None
    if length != size or offset < 0 or not is_regular_file(path):  # a FIFO would block
        return None
    with contextlib.suppress(OSError), path.open("rb") as stream:
        stream.seek(offset)
        data = stream.read(length)
        return data if len(data) == length else None
    return None
