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
from pathlib import Path

import onnx
from onnx.helper import tensor_dtype_to_np_dtype

from modelint.load.weights import NOT_KEPT, element_count

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
    for tensor in model.graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        locations.update(e.value for e in tensor.external_data if e.key == "location")
        data = _read(tensor, directory) if element_count(tensor) <= MAX_ELEMENTS else None
        if data is not None:
            del tensor.external_data[:]
            tensor.data_location = onnx.TensorProto.DEFAULT
            tensor.raw_data = data
            changed = True
    locations.discard(NOT_KEPT)
    outside = sorted(name for name in locations if not _inside(directory, name))
    missing = sorted(n for n in locations if n not in outside and not _regular(directory / n))
    return (*_outside_note(outside), *_missing_note(missing)), changed


def _inside(directory: Path, location: str) -> bool:
    """A relative location that stays in the model's directory, as ONNX requires."""
    if not location or Path(location).is_absolute():
        return False
    root = directory.resolve()
    return root in (root / location).resolve().parents


def _outside_note(outside: list[str]) -> tuple[str, ...]:
    if not outside:
        return ()
    return (
        f"external data outside the model's directory: {_listed(outside)} (ONNX requires a "
        "relative location inside it; runtimes refuse the model, and modelint does not read it)",
    )


def _missing_note(missing: list[str]) -> tuple[str, ...]:
    if not missing:
        return ()
    return (
        f"external data not found beside the model: {_listed(missing)} (costs come from dims "
        "and dtypes; a runtime cannot load the model without it)",
    )


def _listed(names: list[str]) -> str:
    """The first three names, and how many more."""
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _read(tensor: onnx.TensorProto, directory: Path) -> bytes | None:
    """The tensor's bytes, when its entry is sound: a relative location inside
    ``directory``, and a length that is exactly its dims times its element size."""
    fields = {entry.key: entry.value for entry in tensor.external_data}
    location = fields.get("location", "")
    if location == NOT_KEPT or not _inside(directory, location):  # '../secrets', '/etc/x'
        return None
    path = (directory.resolve() / location).resolve()
    try:
        size = element_count(tensor) * tensor_dtype_to_np_dtype(tensor.data_type).itemsize
        offset, length = int(fields.get("offset", 0)), int(fields.get("length", size))
    except (KeyError, TypeError, ValueError):  # a dtype without a fixed size, a bad entry
        return None
    if length != size or offset < 0 or not _regular(path):  # a FIFO would block the read
        return None
    with contextlib.suppress(OSError), path.open("rb") as stream:
        stream.seek(offset)
        data = stream.read(length)
        return data if len(data) == length else None
    return None


def _regular(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False
