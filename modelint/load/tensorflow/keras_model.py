"""Load a Keras model without running code from it, and read what only Keras knows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from modelint.errors import ModelLoadError
from modelint.load.model import SourceParams
from modelint.load.tensorflow.keras_safe import check_keras_file
from modelint.load.tensorflow.runtime import TensorFlowModules

__all__ = [
    "batch_notes",
    "input_shapes",
    "layer_names",
    "load_keras",
    "source_params",
    "unknown_dims",
]


def load_keras(tf: TensorFlowModules, path: Path, model_format: str) -> Any:
    """``safe_mode=True``, no custom objects, not compiled: a model needing code is refused."""
    check_keras_file(path, model_format)
    try:
        return tf.keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises ValueError/TypeError/OSError and its own errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(
            f"Keras cannot load this model: {first[:300]}", path=str(path)
        ) from exc


def _weight_count(weights: Sequence[Any]) -> int:
    total = 0
    for weight in weights:
        count = 1
        for dim in weight.shape:
            count *= int(dim)
        total += count
    return total


def source_params(model: Any) -> SourceParams:
    """Keras' own counts (``count_params()``): BN moving statistics are non-trainable."""
    return SourceParams(
        "keras", _weight_count(model.trainable_weights), _weight_count(model.non_trainable_weights)
    )


def layer_names(model: Any) -> list[str]:
    """Names of every layer, nested models included."""
    names: list[str] = []
    stack = list(model.layers)
    while stack:
        layer = stack.pop(0)
        names.append(layer.name)
        stack.extend(getattr(layer, "layers", ()))
    return names


def batch_notes(model: Any, given: Mapping[str, tuple[int, ...]], batch: int) -> tuple[str, ...]:
    """What the conversion assumed: the batch of each input whose batch dim is open, as a
    binding of an ONNX input is reported (the report lists every assumption)."""
    bound = [
        name
        for tensor in model.inputs
        if (name := tensor.name.split(":")[0]) not in given
        and next(iter(tuple(tensor.shape)), 0) is None
    ]
    if not bound:
        return ()
    names = ", ".join(f"'{name}'" for name in bound)
    return (f"converted with batch {batch} for {names} (--batch N or --input-shape to change it)",)


def unknown_dims(
    name: str,
    declared: tuple[int | None, ...],
    bound: Sequence[int | None],
    path: str | None = None,
) -> ModelLoadError:
    """An input with open dims besides the batch: which --input-shape to give (tf2onnx's own
    error for it is 'Dimension -1 must be >= 0')."""
    example = ",".join("?" if d is None else str(d) for d in bound)
    return ModelLoadError(
        f"input '{name}' has unknown dims {declared}: pass --input-shape {name}={example} "
        "with the ?s filled in",
        path=path,
    )


def input_shapes(
    model: Any, path: Path, given: Mapping[str, tuple[int, ...]], batch: int
) -> list[tuple[int, ...]]:
    """A fully known shape per model input: the user's, else Keras' with the batch bound."""
    shapes = []
    for tensor in model.inputs:
        name = tensor.name.split(":")[0]
        declared = tuple(tensor.shape)
        if name in given:
            shape = tuple(given[name])
            if len(shape) != len(declared):
                raise ModelLoadError(
                    f"--input-shape {name}: {len(shape)} dims given, the "
                    f"Keras input has rank {len(declared)}",
                    path=str(path),
                )
        else:
            shape = tuple(batch if i == 0 and d is None else d for i, d in enumerate(declared))
        if any(dim is None for dim in shape):
            raise unknown_dims(name, declared, shape, path=str(path))
        shapes.append(tuple(int(d) for d in shape if d is not None))
    return shapes
