"""Builders for the TensorFlow front-end tests: small Keras models, saved in every format.
Everything is built at test time with random weights (no downloads). TensorFlow is imported
inside the functions, so collecting the tests without it stays cheap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

SEED = 0
IMAGE = (32, 32, 3)


def perturb_constant_weights(model: Any, seed: int = SEED) -> None:
    """tf2onnx merges bit-identical constants (zero biases, unit BN scales) into one shared
    initializer; trained models have none, so give each constant-valued weight its own noise."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        value = np.asarray(variable.numpy())
        if value.size > 1 and np.all(value == value.flat[0]):
            variable.assign(value + rng.uniform(0.01, 0.1, size=value.shape).astype(value.dtype))


def small_cnn() -> Any:
    """conv1 (3x3, 3->8) + bn1 + relu, dw (depthwise 3x3), gap, head (Dense 10) on 32x32x3.

    MACs: conv1 32*32*8*27 = 221,184; dw 32*32*8*9 = 73,728; head 8*10 = 80 (BN folds into a
    Mul/Add or the conv). Total 294,992."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(IMAGE, name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="small_cnn")
    perturb_constant_weights(model)
    return model


SMALL_CNN_MACS = 32 * 32 * 8 * 27 + 32 * 32 * 8 * 9 + 8 * 10


def save_every_format(model: Any, directory: Path) -> dict[str, Path]:
    """The model as .keras, .h5, a SavedModel, a float .tflite and a frozen GraphDef .pb."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    paths = {
        "keras": directory / "model.keras",
        "h5": directory / "model.h5",
        "saved-model": directory / "saved_model",
        "tflite": directory / "model.tflite",
        "graphdef": directory / "frozen.pb",
    }
    model.save(paths["keras"])
    model.save(paths["h5"])
    model.export(str(paths["saved-model"]), verbose=False)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    paths["tflite"].write_bytes(converter.convert())
    spec = tf.TensorSpec((1, *model.inputs[0].shape[1:]), tf.float32, name="image")
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(concrete)
    paths["graphdef"].write_bytes(frozen.graph.as_graph_def().SerializeToString())
    return paths
