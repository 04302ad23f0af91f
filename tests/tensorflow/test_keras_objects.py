"""In-memory Keras models through modelint's converter: each tf2onnx pitfall on a tiny model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the Keras converter needs the tensorflow extra")
pytest.importorskip("tf2onnx", reason="the Keras converter needs tf2onnx (tensorflow extra)")

import keras
import onnx

import modelint
from modelint.load import LoadOptions
from modelint.load.tensorflow import load_keras_object
from modelint.load.tensorflow.convert import foreign_ops

pytestmark = pytest.mark.tensorflow

SHAPE = (16, 16, 4)


def _tiny_model() -> Any:
    """A Sequential model (tf2onnx's from_keras fails on these) with a grouped Conv2D
    (XLA-wrapped by Keras) and exact GELU (lowered to Erfc)."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(SHAPE, name="image"),
            keras.layers.Conv2D(8, 3, groups=2, name="grouped"),
            keras.layers.Activation("gelu", name="gelu"),
            keras.layers.Dense(5, name="head"),
        ],
        name="tiny",
    )


@pytest.fixture(scope="module")
def converted() -> tuple[Any, onnx.ModelProto]:
    model = _tiny_model()
    return model, load_keras_object(model, LoadOptions()).proto


def test_graph_is_plain_onnx(converted: tuple[Any, onnx.ModelProto]) -> None:
    _, proto = converted
    ops = {node.op_type for node in proto.graph.node}
    assert "Erf" in ops
    assert ops.isdisjoint({"Erfc", "StatefulPartitionedCall"})
    assert foreign_ops(proto, 17) == {}
    [graph_input] = proto.graph.input
    assert graph_input.name == "image"
    assert [d.dim_value for d in graph_input.type.tensor_type.shape.dim] == [1, *SHAPE]


def test_onnx_runtime_agrees_with_keras(converted: tuple[Any, onnx.ModelProto]) -> None:
    ort = pytest.importorskip("onnxruntime")
    model, proto = converted
    x = np.random.default_rng(0).random((1, *SHAPE), dtype=np.float32)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    [actual] = session.run(None, {"image": x})
    np.testing.assert_allclose(actual, np.asarray(model(x)), atol=1e-5)


def test_macs_params_and_layer_names_of_tiny_model() -> None:
    model = _tiny_model()
    analysis = modelint.analyze(model)
    conv = 14 * 14 * 8 * (3 * 3 * 4 // 2)  # grouped: Cin/groups per output
    dense = 14 * 14 * 8 * 5
    assert analysis.totals.macs == conv + dense
    assert analysis.coverage.complete
    assert analysis.source_params is not None
    assert analysis.source_params.total == model.count_params() == (3 * 3 * 2 * 8 + 8) + 45
    layers = {node.layer for node in analysis.graph.nodes.values()}
    assert {"grouped", "gelu", "head"} <= layers


def test_foreign_ops_are_reported() -> None:
    node = onnx.helper.make_node("Erfc", ["x"], ["y"])
    graph = onnx.helper.make_graph([node], "g", [], [])
    assert foreign_ops(onnx.helper.make_model(graph), 17) == {"Erfc": 1}


def test_the_batch_a_conversion_assumed_is_in_the_notes() -> None:
    """An ONNX input's bound batch is listed; a Keras one was bound at conversion, silently."""
    from keras_models import small_cnn

    from modelint.load.model import LoadOptions
    from modelint.load.tensorflow import load_keras_object

    model = small_cnn()
    notes = load_keras_object(model, LoadOptions()).notes
    assert (
        notes[0] == "converted with batch 1 for 'image' (--batch N or --input-shape to change it)"
    )
    assert (
        load_keras_object(model, LoadOptions(batch=4))
        .notes[0]
        .startswith("converted with batch 4 for 'image'")
    )
    given = LoadOptions(input_shapes={"image": (2, 32, 32, 3)})
    assert not any("converted with batch" in note for note in load_keras_object(model, given).notes)
