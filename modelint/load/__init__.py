"""The load layer: any supported model file -> LoadedModel holding an ONNX ModelProto."""

from __future__ import annotations

from pathlib import Path

from modelint.load.discover import discover_models
from modelint.load.external_data import external_data
from modelint.load.formats import MODEL_SUFFIXES, TENSORFLOW_FORMATS, detect_format
from modelint.load.model import DEFAULT_OPSET, LoadedModel, LoadOptions, SourceParams
from modelint.load.onnx_file import (
    inline_functions,
    load_onnx_text,
    read_onnx,
    unknown_versions,
)
from modelint.load.weights import densify_sparse

__all__ = [
    "DEFAULT_OPSET",
    "MODEL_SUFFIXES",
    "TENSORFLOW_FORMATS",
    "LoadOptions",
    "LoadedModel",
    "SourceParams",
    "detect_format",
    "discover_models",
    "load_model",
]


def load_model(path: str | Path, options: LoadOptions | None = None) -> LoadedModel:
    """Read ``path`` into an ONNX model; raise ModelLoadError (naming the file) on failure.

    TensorFlow-family formats are converted through tf2onnx (cached); TensorFlow is imported
    only for a conversion that is not cached."""
    location = Path(path)
    model_format = detect_format(location)
    if model_format == "onnx":
        proto, serialized = read_onnx(location)
        missing, read_back = external_data(proto, location.parent)
        proto, inlined = inline_functions(proto, location)
        sparse = densify_sparse(proto)
        notes = (*missing, *inlined, *sparse, *unknown_versions(proto))
        if read_back or sparse or inlined:
            serialized = None  # no longer the bytes of this model
        return LoadedModel(str(path), model_format, proto, notes=notes, serialized=serialized)
    if model_format == "onnx-text":
        text_model, inlined = inline_functions(load_onnx_text(location), location)
        notes = (*inlined, *densify_sparse(text_model), *unknown_versions(text_model))
        return LoadedModel(str(path), model_format, text_model, notes=notes)
    from modelint.load.tensorflow import load_tensorflow

    return load_tensorflow(location, model_format, options or LoadOptions())
