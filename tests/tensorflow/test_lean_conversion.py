"""modelint runs tf2onnx's optimizer passes without their per-pass proto sync and graph copy
(modelint/load/tensorflow/convert.py, ``no_optimizer_copies``), on a GraphDef whose large
weights are placeholders (``placeholders.py``): the ONNX graphs must be the ones tf2onnx's own
``from_function`` makes, but for the values of those weights. Node names are left out of the
comparison: tf2onnx numbers generated names from a global counter, and which of several
equal constants it keeps varies from run to run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnx
import pytest
from onnx import numpy_helper

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from keras_models import recurrent, small_cnn, tied_dense, transformer_gelu

from modelint.load.model import LoadOptions
from modelint.load.tensorflow import convert, keras_model
from modelint.load.tensorflow.runtime import modules
from modelint.load.weights import MIN_ELEMENTS

pytestmark = pytest.mark.tensorflow


def _signature(model: onnx.ModelProto) -> tuple[Any, ...]:
    """What the graph computes, without names: op types with their attributes (bodies as
    their own signature), initializers by content, and each node's arity."""
    nodes = []
    for node in model.graph.node:
        attributes = []
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                body = onnx.helper.make_model(attribute.g)
                attributes.append((attribute.name, _signature(body)))
            else:
                attributes.append((attribute.name, str(attribute)))
        nodes.append((node.op_type, len(node.input), len(node.output), str(sorted(attributes))))
    initializers = sorted(_initializer(tensor) for tensor in model.graph.initializer)
    return tuple(sorted(nodes)), tuple(initializers)


def _initializer(tensor: onnx.TensorProto) -> tuple[Any, ...]:
    """Small tensors by content, large float ones by shape: placeholders change only their
    values. That they change no decision tf2onnx takes on values (zero biases dropped,
    identical constants shared) shows in the nodes and in the number of initializers."""
    array = numpy_helper.to_array(tensor)
    if tensor.data_type != onnx.TensorProto.FLOAT or array.size < MIN_ELEMENTS:
        return "exact", tuple(tensor.dims), tensor.data_type, array.tobytes()
    return "placeholder", tuple(tensor.dims), tensor.data_type, b""


def _tf2onnx_own(tf: Any, model: Any, shapes: list[tuple[int, ...]]) -> onnx.ModelProto:
    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    signature = [
        tf.tf.TensorSpec(shape, tensor.dtype, name=name)
        for shape, tensor, name in zip(shapes, model.inputs, names, strict=True)
    ]
    function = tf.tf.function(lambda x: model(x, training=False), input_signature=signature)
    proto, _ = tf.tf2onnx.convert.from_function(
        function, input_signature=signature, opset=17, custom_op_handlers=convert._HANDLERS
    )
    return proto


@pytest.mark.parametrize(
    "build",
    [small_cnn, lambda: recurrent("lstm"), lambda: recurrent("gru"), transformer_gelu, tied_dense],
    ids=["cnn", "lstm", "gru", "transformer", "tied"],
)
def test_lean_passes_make_tf2onnx_s_own_graph(build: Any) -> None:
    tf = modules("<test>", "keras")
    model = build()
    shapes = keras_model.input_shapes(model, Path("<test>"), {}, 1)
    with convert.no_optimizer_copies():
        lean = convert.from_keras_model(tf, model, shapes, 17)
    assert _signature(lean) == _signature(_tf2onnx_own(tf, model, shapes))


def _tf2onnx_saved_model(tf: Any, directory: Path, options: LoadOptions) -> onnx.ModelProto:
    """tf2onnx's own way: its SavedModel loader (slow freeze), then ``from_graph_def``."""
    graph_def, inputs, outputs, renames = tf.tf2onnx.tf_loader.from_saved_model(
        str(directory), None, None, return_tensors_to_rename=True
    )
    proto, _ = tf.tf2onnx.convert.from_graph_def(
        graph_def,
        input_names=inputs,
        output_names=outputs,
        opset=options.opset,
        tensors_to_rename=renames,
        shape_override=convert._shape_overrides(graph_def, inputs, options),
        custom_op_handlers=convert._HANDLERS,
    )
    return proto


@pytest.mark.parametrize("build", [small_cnn, transformer_gelu], ids=["cnn", "transformer"])
def test_lean_saved_model_conversion_makes_tf2onnx_s_own_graph(build: Any, tmp_path: Path) -> None:
    tf = modules("<test>", "saved-model")
    directory = tmp_path / "saved_model"
    build().export(str(directory), verbose=False)
    options = LoadOptions(opset=17)
    with convert.no_optimizer_copies():
        lean = convert.from_saved_model(tf, directory, options)
    assert _signature(lean) == _signature(_tf2onnx_saved_model(tf, directory, options))


def test_an_untrained_mobilenet_v3_converts(tmp_path: Path) -> None:
    """Untrained (all-equal) weights make tf2onnx's transpose optimizer raise on
    MobileNetV3: its own runner skips that pass, the lean one cannot, so the conversion runs
    again with tf2onnx's passes (the test applications perturb their weights, which hid it;
    an untrained model is what a user checks before training)."""
    import keras

    import modelint

    model = keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3))
    path = tmp_path / "mnv3s.keras"
    model.save(path)
    analysis = modelint.analyze(path)
    assert analysis.coverage.complete
    assert analysis.totals.macs == pytest.approx(0.0565e9, rel=0.01)  # reference figures A


def test_a_failing_lean_pass_falls_back_to_tf2onnx_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from tf2onnx.optimizer.transpose_optimizer import TransposeOptimizer

    import modelint

    def broken(self: Any, graph: Any) -> Any:
        raise ValueError("max() arg is an empty sequence")

    monkeypatch.setattr(TransposeOptimizer, "_optimize", broken)
    with pytest.raises(convert.LeanPassFailed, match="TransposeOptimizer: max"):
        tf = modules("<test>", "keras")
        model = small_cnn()
        shapes = keras_model.input_shapes(model, Path("<test>"), {}, 1)
        with convert.no_optimizer_copies():
            convert.from_keras_model(tf, model, shapes, 17)
    analysis = modelint.analyze(small_cnn())  # tf2onnx's own runner skips the failing pass
    assert analysis.coverage.complete and analysis.totals.macs
