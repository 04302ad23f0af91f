"""Placeholder weights (modelint/load/tensorflow/placeholders.py): each large float constant of
a frozen GraphDef keeps its shape and dtype but holds one value, chosen so that the rewrites
that look at values (zero biases dropped, identical constants shared) decide as before.
test_lean_conversion.py checks the resulting ONNX graphs against tf2onnx's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from keras_models import tied_dense
from onnx import numpy_helper

import modelint
from modelint.load import load_model
from modelint.load.model import LoadOptions
from modelint.load.tensorflow import convert, keras_model
from modelint.load.tensorflow.placeholders import use_placeholder_weights
from modelint.load.tensorflow.runtime import modules
from modelint.load.weights import MIN_ELEMENTS, NOT_KEPT

pytestmark = pytest.mark.tensorflow

LARGE = (MIN_ELEMENTS,)  # the smallest tensor that gets a placeholder


def _graph(**constants: np.ndarray) -> Any:
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    for name, array in constants.items():
        node = graph_def.node.add(name=name, op="Const")
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(array))
    return graph_def


def _values(graph_def: Any) -> dict[str, np.ndarray]:
    import tensorflow as tf

    return {node.name: tf.make_ndarray(node.attr["value"].tensor) for node in graph_def.node}


def test_large_float_constants_hold_one_value_of_their_own_shape() -> None:
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(64, 65)).astype("float32")  # 4,160 elements
    graph_def = _graph(
        kernel=kernel,
        same_kernel=kernel.copy(),
        other_kernel=rng.normal(size=LARGE).astype("float32"),
        zeros=np.zeros(LARGE, "float32"),
        ones=np.ones(LARGE, "float32"),
        quarter=np.full(LARGE, 0.25, "float32"),  # the first value a placeholder could take
        small=rng.normal(size=(MIN_ELEMENTS - 1,)).astype("float32"),
        integers=np.arange(MIN_ELEMENTS, dtype="int32"),
        doubles=rng.normal(size=LARGE),
    )
    before = _values(graph_def)
    assert use_placeholder_weights(graph_def) == 6
    after = _values(graph_def)
    for name in ("small", "integers", "doubles"):  # untouched, bit for bit
        np.testing.assert_array_equal(after[name], before[name])
    for name in ("kernel", "same_kernel", "other_kernel", "zeros", "ones", "quarter"):
        assert after[name].shape == before[name].shape and after[name].dtype == np.float32
        assert np.all(after[name] == after[name].flat[0]), name
    uniform = {name: after[name].flat[0] for name in after}
    assert (uniform["zeros"], uniform["ones"], uniform["quarter"]) == (0.0, 1.0, 0.25)
    assert uniform["kernel"] == uniform["same_kernel"]  # identical weights stay identical
    assert len({uniform[n] for n in ("kernel", "other_kernel", "zeros", "ones", "quarter")}) == 5


def test_a_keras_conversion_carries_placeholders_not_the_weights() -> None:
    tf = modules("<test>", "keras")
    model = tied_dense()
    shapes = keras_model.input_shapes(model, Path("<test>"), {}, 1)
    with convert.no_optimizer_copies():
        proto = convert.from_keras_model(tf, model, shapes, 17)
    arrays = [numpy_helper.to_array(tensor) for tensor in proto.graph.initializer]
    large = [array for array in arrays if array.size >= MIN_ELEMENTS]
    assert all(np.all(array == array.flat[0]) for array in large)
    # dense0/dense1 share one placeholder kernel; dense2 keeps its 0.25 and dense3 its ones
    values = {float(array.flat[0]) for array in large}
    assert len(large) == 3 and {0.25, 1.0} < values and 0.0 not in values
    real = model.get_layer("dense0").kernel.numpy()
    assert not any(np.array_equal(array, real) for array in arrays)


def test_a_loaded_conversion_keeps_no_large_weight_data(tmp_path: Path) -> None:
    model = tied_dense()
    path = tmp_path / "tied.keras"
    model.save(path)
    loaded = load_model(path, LoadOptions(cache=False))
    large = [t for t in loaded.proto.graph.initializer if np.prod(t.dims) >= MIN_ELEMENTS]
    assert len(large) == 3 and all(not t.raw_data for t in large)
    assert {e.value for t in large for e in t.external_data} == {NOT_KEPT}
    analysis = modelint.analyze(path)
    # 3 distinct 128x128 kernels (tf2onnx shares dense0's and dense1's) and four biases
    assert analysis.totals.params == 3 * 128 * 128 + 4 * 128
    assert analysis.totals.macs == 4 * 128 * 128
