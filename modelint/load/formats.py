"""Which front-end reads a path: by content first, by extension where content is ambiguous."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from modelint.errors import ModelLoadError

__all__ = [
    "MODEL_SUFFIXES",
    "TENSORFLOW_FORMATS",
    "check_tflite",
    "detect_format",
    "is_saved_model_dir",
]

MODEL_SUFFIXES = frozenset({".onnx", ".onnxtxt", ".keras", ".h5", ".hdf5", ".tflite", ".pb"})
TENSORFLOW_FORMATS = frozenset({"keras", "h5", "saved-model", "tflite", "graphdef"})

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
_TFLITE_IDENTIFIER = b"TFL3"  # FlatBuffers file identifier at bytes 4..8 (TFLite schema)
_ONNX_FIRST_TAG = 0x08  # ModelProto field 1 (ir_version), varint: every exporter writes it first
# The TFLite Model table's vector fields (schema.fbs) -> element size: tables are 4-byte
# offsets, `description` a string of bytes, `metadata_buffer` 4-byte ints.
_TFLITE_MODEL_VECTORS = {1: 4, 2: 4, 3: 1, 4: 4, 5: 4, 6: 4, 7: 4}


def is_saved_model_dir(path: Path) -> bool:
    """False too where the answer is an error (a directory that cannot be entered)."""
    try:
        return path.is_dir() and any(
            (path / name).is_file() for name in ("saved_model.pb", "saved_model.pbtxt")
        )
    except OSError:
        return False


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(16)
    except OSError as exc:
        raise ModelLoadError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc


def _by_content(path: Path, head: bytes) -> str | None:
    if head.startswith(_HDF5_MAGIC):
        return "h5"
    if head[4:8] == _TFLITE_IDENTIFIER:
        return "tflite"
    if head.startswith(_ZIP_MAGIC) and zipfile.is_zipfile(path):
        return "keras"
    return None


def detect_format(path: Path) -> str:
    """Return the format name of ``path`` or raise ModelLoadError naming the file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ModelLoadError("no such file or directory", path=str(path)) from None
    except OSError as exc:  # no permission on a directory above it, a name too long, a loop
        raise ModelLoadError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if stat.S_ISDIR(mode):
        if is_saved_model_dir(path):
            return "saved-model"
        raise ModelLoadError("directory holds no saved_model.pb: not a SavedModel", path=str(path))
    if not stat.S_ISREG(mode):  # reading a FIFO would wait for a writer forever
        raise ModelLoadError("not a regular file (a FIFO, socket or device)", path=str(path))
    if path.name in ("saved_model.pb", "saved_model.pbtxt"):
        return "saved-model"
    suffix = path.suffix.lower()
    head = _head(path)
    found = _by_content(path, head)
    if found is not None:
        return found
    by_suffix = {
        ".onnx": "onnx",
        ".onnxtxt": "onnx-text",
        ".keras": "keras",
        ".h5": "h5",
        ".hdf5": "h5",
    }
    if suffix == ".tflite":
        raise ModelLoadError("not a TFLite model (no TFL3 flatbuffer identifier)", path=str(path))
    if suffix in by_suffix:
        return by_suffix[suffix]
    if suffix == ".pb":
        return "onnx" if head[:1] == bytes([_ONNX_FIRST_TAG]) else "graphdef"
    raise ModelLoadError(
        f"unrecognised model format '{suffix or path.name}' (modelint reads "
        f"{', '.join(sorted(MODEL_SUFFIXES))} files and SavedModel directories)",
        path=str(path),
    )


class _PastEnd(Exception):  # noqa: N818 - internal: a flatbuffer offset past the file's end
    def __init__(self, end: int) -> None:
        super().__init__(end)
        self.end = end


def _flatbuffer_end(stream: BinaryIO, size: int) -> None:
    """Follow the TFLite Model table (root, vtable, each vector) and raise _PastEnd at the
    first byte it needs beyond ``size``."""

    def read(offset: int, fmt: str) -> int:
        width = struct.calcsize(fmt)
        if offset < 0 or offset + width > size:
            raise _PastEnd(max(offset, 0) + width)
        stream.seek(offset)
        value: int = struct.unpack(fmt, stream.read(width))[0]
        return value

    root = read(0, "<I")
    vtable = root - read(root, "<i")
    vtable_size = read(vtable, "<H")
    for field, element in _TFLITE_MODEL_VECTORS.items():
        slot = vtable + 4 + 2 * field
        if slot + 2 > vtable + vtable_size or not (field_offset := read(slot, "<H")):
            continue  # an absent field
        vector = root + field_offset
        vector += read(vector, "<I")
        end = vector + 4 + read(vector, "<I") * element
        if end > size:
            raise _PastEnd(end)


def check_tflite(path: Path) -> None:
    """Raise ModelLoadError unless ``path`` holds a whole TFLite flatbuffer (its identifier,
    and a Model table whose vectors lie inside the file); reads a few bytes, no TensorFlow."""
    try:
        with path.open("rb") as stream:
            size = stream.seek(0, 2)
            stream.seek(4)
            if size < 8 or stream.read(4) != _TFLITE_IDENTIFIER:
                raise ModelLoadError(
                    "not a TFLite model (no TFL3 flatbuffer identifier)", path=str(path)
                )
            _flatbuffer_end(stream, size)
    except OSError as exc:
        raise ModelLoadError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    except _PastEnd as past:
        raise ModelLoadError(
            f"truncated or corrupt TFLite model: its flatbuffer reaches byte {past.end:,} "
            f"of a {size:,}-byte file",
            path=str(path),
        ) from None
