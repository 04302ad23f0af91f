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


# Architectures for the rule proofs (tests/tensorflow/test_architecture_proofs.py): the
# patterns of reference-figures.md B.3.5, built at test time with random weights.


def _functional(inputs: Any, outputs: Any, name: str) -> Any:
    import keras

    model = keras.Model(inputs, outputs, name=name)
    perturb_constant_weights(model)
    return model


def dense_stack(activations: list[str | None], name: str, features: int = 32) -> Any:
    """Dense layers dense1..denseN (64 units; the last one 10) with the given activations."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((features,), name="features")
    x = inputs
    for index, activation in enumerate(activations, start=1):
        units = 10 if index == len(activations) else 64
        x = keras.layers.Dense(units, activation=activation, name=f"dense{index}")(x)
    return _functional(inputs, x, name)


def conv_stack(activations: list[str], head: str, name: str, units: int = 10) -> Any:
    """Conv2D layers conv1..convN (3x3, 16 filters) on 32x32x3, pooling and a Dense head."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(IMAGE, name="image")
    x = inputs
    for index, activation in enumerate(activations, start=1):
        x = keras.layers.Conv2D(16, 3, padding="same", activation=activation, name=f"conv{index}")(
            x
        )
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(units, activation=head, name="head")(x)
    return _functional(inputs, outputs, name)


def residual_stack(blocks: int, name: str) -> Any:
    """A stem conv, then ``blocks`` residual blocks (two 3x3 convs and an identity shortcut)."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(IMAGE, name="image")
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(inputs)
    for index in range(blocks):
        y = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name=f"b{index}a")(x)
        y = keras.layers.Conv2D(16, 3, padding="same", name=f"b{index}b")(y)
        x = keras.layers.ReLU(name=f"b{index}relu")(keras.layers.Add(name=f"b{index}add")([x, y]))
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="head")(x)
    return _functional(inputs, outputs, name)


def transformer_gelu(blocks: int = 2, tokens: int = 16, width: int = 64) -> Any:
    """Pre-norm transformer encoder blocks whose MLP uses GELU's tanh approximation."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((tokens, width), name="tokens")
    x = inputs
    for index in range(blocks):
        y = keras.layers.LayerNormalization(name=f"ln{index}a")(x)
        y = keras.layers.MultiHeadAttention(4, width // 4, name=f"attention{index}")(y, y)
        x = keras.layers.Add(name=f"residual{index}a")([x, y])
        y = keras.layers.LayerNormalization(name=f"ln{index}b")(x)
        y = keras.layers.Dense(4 * width, name=f"mlp{index}_up")(y)
        y = keras.layers.Activation(_gelu_tanh, name=f"gelu{index}")(y)
        y = keras.layers.Dense(width, name=f"mlp{index}_down")(y)
        x = keras.layers.Add(name=f"residual{index}b")([x, y])
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="head")(x)
    return _functional(inputs, outputs, "transformer_gelu_tanh")


def tied_dense(width: int = 128) -> Any:
    """Dense layers whose kernels (width x width, over 4,096 elements) are: two bit-identical
    random ones (tf2onnx shares them), one all 0.25 (a value placeholder weights could pick)
    and one all ones; biases stay zero."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((width,), name="features")
    x = inputs
    for index in range(4):
        x = keras.layers.Dense(width, activation="relu", name=f"dense{index}")(x)
    model = _functional(inputs, x, "tied_dense")
    kernel = np.random.default_rng(SEED).normal(size=(width, width)).astype("float32")
    model.get_layer("dense0").kernel.assign(kernel)
    model.get_layer("dense1").kernel.assign(kernel)
    model.get_layer("dense2").kernel.assign(np.full((width, width), 0.25, "float32"))
    model.get_layer("dense3").kernel.assign(np.ones((width, width), "float32"))
    return model


def _gelu_tanh(x: Any) -> Any:
    import keras

    return keras.activations.gelu(x, approximate=True)


def wavenet(blocks: int = 5, steps: int = 64, channels: int = 16) -> Any:
    """WaveNet-style gated residual stack of dilated causal convs: tanh(W_f x) * sigmoid(W_g x)."""
    import keras

    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((steps, 1), name="audio")
    x = keras.layers.Conv1D(channels, 1, name="embed")(inputs)
    skips = []
    for index in range(blocks):
        dilation = 2**index
        filt = keras.layers.Conv1D(
            channels,
            2,
            padding="causal",
            dilation_rate=dilation,
            activation="tanh",
            name=f"filter{index}",
        )(x)
        gate = keras.layers.Conv1D(
            channels,
            2,
            padding="causal",
            dilation_rate=dilation,
            activation="sigmoid",
            name=f"gate{index}",
        )(x)
        unit = keras.layers.Multiply(name=f"gated{index}")([filt, gate])
        skips.append(keras.layers.Conv1D(channels, 1, name=f"skip{index}")(unit))
        x = keras.layers.Add(name=f"residual{index}")(
            [x, keras.layers.Conv1D(channels, 1, name=f"res{index}")(unit)]
        )
    y = keras.layers.ReLU(name="relu_out")(keras.layers.Add(name="skips")(skips))
    y = keras.layers.Conv1D(channels, 1, activation="relu", name="post1")(y)
    outputs = keras.layers.Conv1D(256, 1, activation="softmax", name="post2")(y)
    return _functional(inputs, outputs, "wavenet")


def recurrent(kind: str, dense_layers: int = 5) -> Any:
    """Two stacked LSTM/GRU/SimpleRNN layers on 20 steps of 8 features, then Dense layers."""
    import keras

    keras.utils.set_random_seed(SEED)
    layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}
    inputs = keras.Input((20, 8), name="sequence")
    x = layer[kind](16, return_sequences=True, name=f"{kind}1")(inputs)
    x = layer[kind](16, name=f"{kind}2")(x)
    for index in range(1, dense_layers + 1):
        x = keras.layers.Dense(16, activation="relu", name=f"dense{index}")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="head")(x)
    return _functional(inputs, outputs, f"{kind}_stack")
