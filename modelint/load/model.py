"""LoadedModel: what every front-end hands to the graph layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import onnx

__all__ = ["LoadedModel", "SourceParams"]


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
