"""Lazy, quiet access to TensorFlow, Keras and tf2onnx.

Nothing here is imported until a TensorFlow-family model must actually be converted (a cached
conversion never gets here). TensorFlow's C++ logging writes straight to file descriptor 2,
so conversions run with that descriptor redirected to a temporary file; its tail is attached
to the error when a conversion fails, and shown as-is under ``--debug``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType

from modelint.errors import ModelLoadError

__all__ = ["INSTALL_HINT", "CapturedOutput", "TensorFlowModules", "captured_stderr", "modules"]

INSTALL_HINT = "pip install 'modelint[tensorflow]'"
_QUIET_LOGGERS = ("tf2onnx", "tensorflow", "absl", "keras", "h5py")


@dataclass(frozen=True)
class TensorFlowModules:
    tf: ModuleType
    keras: ModuleType
    tf2onnx: ModuleType


@dataclass
class CapturedOutput:
    """What the converters wrote to stderr while running (their warnings and logs)."""

    text: str = field(default="")

    def tail(self, lines: int = 3) -> str:
        kept = [line.strip() for line in self.text.splitlines() if line.strip()]
        return " | ".join(kept[-lines:])


@contextlib.contextmanager
def captured_stderr(*, enabled: bool = True) -> Iterator[CapturedOutput]:
    """Redirect fd 2 (C++ and Python writers alike) into a buffer for the duration."""
    captured = CapturedOutput()
    if not enabled:
        yield captured
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", errors="replace")


def modules(path: str, model_format: str) -> TensorFlowModules:
    """Import TensorFlow, Keras and tf2onnx, or explain in one line how to get them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
        import tf2onnx
    except ImportError as exc:
        raise ModelLoadError(
            f"{model_format} models need the TensorFlow front-end ({exc.name} is not "
            f"installed): {INSTALL_HINT}",
            path=path,
        ) from exc
    import keras

    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    tf.get_logger().setLevel(logging.ERROR)
    return TensorFlowModules(tf=tf, keras=keras, tf2onnx=tf2onnx)
