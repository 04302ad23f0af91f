"""The load layer: any supported model file -> LoadedModel holding an ONNX ModelProto."""

from __future__ import annotations

from pathlib import Path

from modelint.errors import ModelLoadError
from modelint.load.discover import discover_models
from modelint.load.formats import MODEL_SUFFIXES, TENSORFLOW_FORMATS, detect_format
from modelint.load.model import LoadedModel, SourceParams
from modelint.load.onnx_file import load_onnx, load_onnx_text

__all__ = [
    "MODEL_SUFFIXES",
    "TENSORFLOW_FORMATS",
    "LoadedModel",
    "SourceParams",
    "detect_format",
    "discover_models",
    "load_model",
]


def load_model(path: str | Path) -> LoadedModel:
    """Read ``path`` into an ONNX model; raise ModelLoadError (naming the file) on failure."""
    location = Path(path)
    model_format = detect_format(location)
    if model_format == "onnx":
        return LoadedModel(str(path), model_format, load_onnx(location))
    if model_format == "onnx-text":
        return LoadedModel(str(path), model_format, load_onnx_text(location))
    raise ModelLoadError(
        f"{model_format} models need the TensorFlow front-end: pip install 'modelint[tensorflow]'",
        path=str(path),
    )
