"""Build Keras Applications (``weights=None``) and save each in every TensorFlow format.

    python benchmarks/make_keras.py OUT_DIR MobileNetV2 ResNet50

Writes ``OUT_DIR/<name>/model.keras``, ``model.h5``, ``saved_model/``, ``model.tflite`` (float)
and ``frozen.pb``. Used by ``benchmarks/convert.py``; nothing is downloaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _perturb(model: object) -> None:
    """Untrained constants are bit-identical; tf2onnx would merge them (not what ships)."""
    rng = np.random.default_rng(0)
    for variable in model.weights:  # type: ignore[attr-defined]
        value = np.asarray(variable.numpy())
        if value.size > 1 and np.all(value == value.flat[0]):
            variable.assign(value + rng.uniform(0.01, 0.1, size=value.shape).astype(value.dtype))


def save_all(name: str, out: Path) -> None:
    import keras
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3))
    _perturb(model)
    model.save(out / "model.keras")
    model.save(out / "model.h5")
    model.export(str(out / "saved_model"), verbose=False)
    (out / "model.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    spec = tf.TensorSpec((1, 224, 224, 3), tf.float32, name="image")
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(concrete)
    (out / "frozen.pb").write_bytes(frozen.graph.as_graph_def().SerializeToString())


if __name__ == "__main__":
    for model_name in sys.argv[2:]:
        save_all(model_name, Path(sys.argv[1]) / model_name)
