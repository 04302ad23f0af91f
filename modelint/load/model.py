"""LoadedModel: what every front-end hands to the graph layer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import onnx

__all__ = ["DEFAULT_OPSET", "LoadOptions", "LoadedModel", "SourceParams"]

DEFAULT_OPSET = 17  # tf2onnx 1.17 converts Keras Applications cleanly at 17 (ORT-verified)


@dataclass(frozen=True)
class LoadOptions:
    """How TensorFlow-family models are converted (ONNX files ignore all of it)."""

    input_shapes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    opset: int = DEFAULT_OPSET
    batch: int = 1  # the batch dim of inputs that leave it open
    graphdef_inputs: tuple[str, ...] = ()
    graphdef_outputs: tuple[str, ...] = ()
    cache: bool = True
    cache_dir: str | None = None
    debug: bool = False  # let converter exceptions and their logs through
    progress: Callable[[str | None], None] | None = None  # label at start, None at the end


@dataclass(frozen=True, slots=True)
class SourceParams:
    """Parameter counts as the source framework reports them (Keras ``count_params``)."""

    framework: str
    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """An ONNX model plus what the front-end knows about where it came from."""

    path: str
    format: str  # 'onnx', 'onnx-text', 'keras', 'h5', 'saved-model', 'tflite', 'graphdef'
    proto: onnx.ModelProto
    layer_of: Mapping[str, str] = field(default_factory=dict)  # ONNX node name -> source layer
    source_params: SourceParams | None = None
    notes: tuple[str, ...] = ()
    # The bytes ``proto`` was parsed from (ONNX files), so that shape inference need not
    # serialize the model again; None when the model was built or converted in memory.
    serialized: bytes | None = field(default=None, repr=False)
