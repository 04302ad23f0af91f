"""Which front-end reads a path: by content first, by extension where content is ambiguous."""

from __future__ import annotations

import zipfile
from pathlib import Path

from modelint.errors import ModelLoadError

__all__ = ["MODEL_SUFFIXES", "TENSORFLOW_FORMATS", "detect_format", "is_saved_model_dir"]

MODEL_SUFFIXES = frozenset({".onnx", ".onnxtxt", ".keras", ".h5", ".hdf5", ".tflite", ".pb"})
TENSORFLOW_FORMATS = frozenset({"keras", "h5", "saved-model", "tflite", "graphdef"})

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
_TFLITE_IDENTIFIER = b"TFL3"  # FlatBuffers file identifier at bytes 4..8 (TFLite schema)
_ONNX_FIRST_TAG = 0x08  # ModelProto field 1 (ir_version), varint: every exporter writes it first


def is_saved_model_dir(path: Path) -> bool:
    return path.is_dir() and any(
        (path / name).is_file() for name in ("saved_model.pb", "saved_model.pbtxt")
    )


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
    if path.is_dir():
        if is_saved_model_dir(path):
            return "saved-model"
        raise ModelLoadError("directory holds no saved_model.pb: not a SavedModel", path=str(path))
    if not path.exists():
        raise ModelLoadError("no such file or directory", path=str(path))
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
        ".tflite": "tflite",
    }
    if suffix in by_suffix:
        return by_suffix[suffix]
    if suffix == ".pb":
        return "onnx" if head[:1] == bytes([_ONNX_FIRST_TAG]) else "graphdef"
    raise ModelLoadError(
        f"unrecognised model format '{suffix or path.name}' (modelint reads "
        f"{', '.join(sorted(MODEL_SUFFIXES))} files and SavedModel directories)",
        path=str(path),
    )
