"""tf2onnx conversions, one function per source format, with the Keras 3 pitfalls handled.

Known pitfalls with tensorflow 2.21 / Keras 3 / tf2onnx 1.17 (measured; docs/design.md):
- ``from_keras`` fails on Keras 3 Sequential models (``KeyError: 'keras_tensor_N'``): we
  trace the model through ``from_function`` instead, which works for every model type.
- Keras 3's exact GELU lowers to ``Erfc``, which tf2onnx cannot convert (it leaves the TF op
  in the graph and writes the file anyway): a custom handler rewrites it to ``1 - Erf(x)``.
- Grouped ``Conv2D`` is wrapped by Keras in an XLA-compiled function that survives freezing
  as a ``StatefulPartitionedCall``: traced with a plain convolution in its place.
- tf2onnx deep-copies the whole graph before each of its ~24 optimizer passes (to roll back
  a pass that raises): half the conversion time, and VGG16 peaked above 20 GiB. Its own
  switch for this (``TF2ONNX_CATCH_ERRORS``) is read wrongly in 1.17 — any value turns the
  copies off — so it is set while converting; a failing pass then fails the conversion,
  reported as one line. Very large models also get ``gc.collect()`` between passes.
- tf2onnx never fails on an unsupported op; :func:`foreign_ops` lists what it left behind so
  the report can say so.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.defs

from modelint.errors import ModelLoadError
from modelint.load.model import LoadOptions
from modelint.load.tensorflow.freeze import frozen_graph_def, lean_saved_model_freezing
from modelint.load.tensorflow.keras_model import unknown_dims
from modelint.load.tensorflow.placeholders import use_placeholder_weights
from modelint.load.tensorflow.runtime import TensorFlowModules

__all__ = [
    "LeanPassFailed",
    "foreign_ops",
    "from_graphdef",
    "from_keras_model",
    "from_saved_model",
    "from_tflite",
    "no_optimizer_copies",
]


def _erfc_handler(ctx: Any, node: Any, name: str, args: Any) -> None:
    """Erfc(x) -> Sub(1, Erf(x)): exact, and every ONNX runtime has Erf (opset >= 9)."""
    from tf2onnx import utils

    x = node.input[0]
    dtype = utils.map_onnx_to_numpy_type(ctx.get_dtype(x))
    erf = ctx.make_node("Erf", [x], name=utils.make_name(f"{name}/Erf"))
    one = ctx.make_const(utils.make_name(f"{name}/one"), np.array(1, dtype=dtype))
    node.type = "Sub"
    node.domain = ""
    ctx.replace_inputs(node, [one.output[0], erf.output[0]])


_HANDLERS: dict[str, tuple[Any, list[Any]]] = {"Erfc": (_erfc_handler, [])}


@contextlib.contextmanager
def _plain_grouped_convolution() -> Iterator[None]:
    """Trace Keras convolutions without Keras' XLA wrapper.

    Keras' TensorFlow backend runs grouped (and channels-first 3-D) convolutions inside a
    ``tf.function(jit_compile=True)`` because TensorFlow's CPU kernels lack them; that
    function survives freezing as a ``StatefulPartitionedCall`` tf2onnx cannot convert.
    Tracing never executes the kernel, so the plain op is what tf2onnx should see.
    """
    import tensorflow as tf
    from keras.src.backend import standardize_data_format
    from keras.src.backend.tensorflow import nn as backend_nn

    def conv(  # noqa: PLR0917 - Keras' backend conv takes these positionally
        inputs: Any,
        kernel: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
    ) -> Any:
        data_format = standardize_data_format(data_format)
        tf_format = backend_nn._convert_data_format(data_format, len(inputs.shape))
        return tf.nn.convolution(
            inputs, kernel, strides, padding.upper(), data_format=tf_format, dilations=dilation_rate
        )

    original = backend_nn.conv
    backend_nn.conv = conv
    try:
        yield
    finally:
        backend_nn.conv = original


_LARGE_MODEL_PARAMS = 100_000_000  # VGG16 (138M) needed collection between passes


@contextlib.contextmanager
def no_optimizer_copies() -> Iterator[None]:
    """tf2onnx's optimizer passes without their per-pass copies.

    - tf2onnx 1.17 reads ``TF2ONNX_CATCH_ERRORS`` as "set means off" (it compares the
      variable's name, not its value): no deep copy of the graph before each pass.
    - Each of its ~24 passes ends with ``graph.update_proto()``, which writes every node's
      inputs and attributes back into its NodeProto, the weights of every Const included
      (100 MB per pass on ResNet50: 2 of its 4 s of optimizing). The passes read the node
      objects, never those protos, and ``make_graph`` syncs them once at the end: the passes
      run without it (tests/tensorflow compare the graphs node for node)."""
    from tf2onnx.optimizer import optimizer_base  # after runtime.modules(): TF is quiet

    base = optimizer_base.GraphOptimizerBase
    original = base.optimize
    previous = os.environ.get("TF2ONNX_CATCH_ERRORS")
    os.environ["TF2ONNX_CATCH_ERRORS"] = "FALSE"
    base.optimize = _optimize_without_sync
    try:
        yield
    finally:
        base.optimize = original
        if previous is None:
            del os.environ["TF2ONNX_CATCH_ERRORS"]
        else:
            os.environ["TF2ONNX_CATCH_ERRORS"] = previous


class LeanPassFailed(Exception):  # noqa: N818 - a signal to convert again, not an error
    """An optimizer pass failed in a lean conversion. tf2onnx's own runner copies the graph
    before each pass and skips a pass that fails (its transpose optimizer raises on
    MobileNetV3 with untrained, all-equal weights); without the copy the graph may be half
    rewritten, so the conversion is run again as tf2onnx runs it."""


def _optimize_without_sync(self: Any, graph: Any, iteration: int) -> Any:
    """``GraphOptimizerBase.optimize`` less its proto sync and its statistics (a debug log)."""
    self.opt_iteration = iteration
    try:
        graph = self._optimize(graph)
    except Exception as exc:
        raise LeanPassFailed(f"{type(self).__name__}: {exc}") from exc
    graph.delete_unused_nodes(graph.outputs)
    return graph


@contextlib.contextmanager
def _collect_between_optimizer_passes() -> Iterator[None]:
    """``gc.collect()`` before each tf2onnx optimizer pass: its passes keep large
    intermediate copies (VGG16 peaked above 20 GiB without it)."""
    from tf2onnx import optimizer

    original = optimizer._optimizers
    optimizer._optimizers = type(original)(
        (name, _collecting(factory)) for name, factory in original.items()
    )
    try:
        yield
    finally:
        optimizer._optimizers = original


def _collecting(factory: Callable[[], Any]) -> Callable[[], Any]:
    def make() -> Any:
        gc.collect()
        return factory()

    return make


def _proto(result: tuple[Any, Any]) -> onnx.ModelProto:
    proto: onnx.ModelProto = result[0]
    return proto


def from_keras_model(
    tf: TensorFlowModules, model: Any, shapes: Sequence[tuple[int, ...]], opset: int
) -> onnx.ModelProto:
    """Trace ``model`` at fixed input ``shapes`` and convert the traced function."""
    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    dtypes = [tensor.dtype for tensor in model.inputs]
    signature = [
        tf.tf.TensorSpec(shape, dtype, name=name)
        for shape, dtype, name in zip(shapes, dtypes, names, strict=True)
    ]
    single = len(signature) == 1

    def call(*inputs: Any) -> Any:
        return model(inputs[0] if single else list(inputs), training=False)

    function = tf.tf.function(call, input_signature=signature)
    large = model.count_params() > _LARGE_MODEL_PARAMS
    collecting = _collect_between_optimizer_passes() if large else contextlib.nullcontext()
    with _plain_grouped_convolution(), collecting:
        proto = _convert_function(tf, function.get_concrete_function(*signature), opset)
    del function
    if large:  # a full collection costs ~0.3 s once TensorFlow is loaded: only where it pays
        gc.collect()
    return proto


def _convert_function(tf: TensorFlowModules, concrete: Any, opset: int) -> onnx.ModelProto:
    """``tf2onnx.convert.from_function`` for a traced function, minus its slow freeze."""
    from tf2onnx import convert as tf2onnx_convert

    resource = tf.tf.dtypes.resource
    inputs = [tensor.name for tensor in concrete.inputs if tensor.dtype != resource]
    outputs = [tensor.name for tensor in concrete.outputs if tensor.dtype != resource]
    renames = tf2onnx_convert.tensor_names_from_structed(concrete, inputs, outputs)
    graph_def = frozen_graph_def(concrete, inputs, outputs)
    return _onnx_from_frozen(tf, graph_def, concrete.name, (inputs, outputs, renames), opset)


def _onnx_from_frozen(
    tf: TensorFlowModules,
    graph_def: Any,
    name: str,
    names: tuple[list[str], list[str], Mapping[str, str]],
    opset: int,
    *,
    overrides: Mapping[str, list[int]] | None = None,
) -> onnx.ModelProto:
    """tf2onnx's converter on a GraphDef already frozen and optimized; ``names`` are the
    inputs, the outputs and the renames of the tensors (Keras' own input names)."""
    inputs, outputs, renames = names
    with tf.tf.device("/cpu:0"):
        return _proto(
            tf.tf2onnx.convert._convert_common(
                graph_def,
                name=name,
                continue_on_error=True,
                opset=opset,
                custom_op_handlers=_HANDLERS,
                input_names=inputs,
                output_names=outputs,
                tensors_to_rename=renames,
                shape_override=overrides,
            )
        )


def from_saved_model(tf: TensorFlowModules, path: Path, options: LoadOptions) -> onnx.ModelProto:
    """tf2onnx's SavedModel loader with the lean freeze; its result is already frozen and
    optimized, so it goes to the converter directly (``from_graph_def`` would import, freeze
    and optimize it all over again)."""
    loader = tf.tf2onnx.tf_loader
    with lean_saved_model_freezing():
        graph_def, inputs, outputs, renames = loader.from_saved_model(
            str(path), None, None, return_tensors_to_rename=True
        )
    overrides = _shape_overrides(graph_def, inputs, options)
    names = (inputs, outputs, renames)
    return _onnx_from_frozen(tf, graph_def, path.name, names, options.opset, overrides=overrides)


def from_tflite(tf: TensorFlowModules, path: Path, options: LoadOptions) -> onnx.ModelProto:
    proto = _proto(
        tf.tf2onnx.convert.from_tflite(str(path), opset=options.opset, custom_op_handlers=_HANDLERS)
    )
    _bind_open_batch(proto, options)
    return proto


def _bind_open_batch(model: onnx.ModelProto, options: LoadOptions) -> None:
    """A TFLite input keeps its open batch dim through tf2onnx (``unk__49``): it takes
    ``--batch`` as every other format's does at conversion. Inputs the user shaped keep
    their dim for ``--input-shape`` to bind."""
    shaped = {name.split(":", maxsplit=1)[0] for name in options.input_shapes}
    for value in model.graph.input:
        if value.name.split(":", maxsplit=1)[0] in shaped:
            continue
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_value = options.batch


def from_graphdef(tf: TensorFlowModules, path: Path, options: LoadOptions) -> onnx.ModelProto:
    graph_def = tf.tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(path.read_bytes())
    except Exception as exc:  # protobuf's DecodeError, without importing protobuf here
        raise ModelLoadError(f"not a frozen TensorFlow GraphDef ({exc})", path=str(path)) from exc
    inputs = list(options.graphdef_inputs) or _placeholders(graph_def)
    outputs = list(options.graphdef_outputs) or _sinks(graph_def)
    if not inputs or not outputs:
        raise ModelLoadError(
            "cannot tell the GraphDef's inputs and outputs: pass "
            "--graphdef-inputs and --graphdef-outputs",
            path=str(path),
        )
    _check_tensor_names(graph_def, inputs, outputs, path)
    use_placeholder_weights(graph_def)
    return _proto(
        tf.tf2onnx.convert.from_graph_def(
            graph_def,
            input_names=inputs,
            output_names=outputs,
            opset=options.opset,
            shape_override=_shape_overrides(graph_def, inputs, options),
            custom_op_handlers=_HANDLERS,
        )
    )


def _check_tensor_names(
    graph_def: Any, inputs: Sequence[str], outputs: Sequence[str], path: Path
) -> None:
    """Every input and output names an op of the GraphDef (tf2onnx would fail on an
    assertion naming neither the flag nor the choices)."""
    ops = {node.name for node in graph_def.node}
    for role, names, candidates in (("input", inputs, _placeholders), ("output", outputs, _sinks)):
        for name in names:
            if name.split(":", maxsplit=1)[0] not in ops:
                choices = ", ".join(candidates(graph_def)) or "(none)"
                raise ModelLoadError(
                    f"GraphDef {role} {name!r} (--graphdef-{role}s or config "
                    f"conversion.graphdef-{role}s) is no tensor of this GraphDef; its "
                    f"{role} candidates: {choices}",
                    path=str(path),
                )


def _tensor(name: str) -> str:
    return name if ":" in name else f"{name}:0"


def _placeholders(graph_def: Any) -> list[str]:
    return [_tensor(node.name) for node in graph_def.node if node.op == "Placeholder"]


def _sinks(graph_def: Any) -> list[str]:
    consumed = {item.split(":")[0].lstrip("^") for node in graph_def.node for item in node.input}
    skip = {"Const", "NoOp", "Placeholder", "Assert"}
    return [
        _tensor(node.name)
        for node in graph_def.node
        if node.name not in consumed and node.op not in skip
    ]


def _declared_shape(graph_def: Any, tensor: str) -> list[int] | None:
    name = tensor.split(":", maxsplit=1)[0]
    for node in graph_def.node:
        if node.name == name and "shape" in node.attr:
            shape = node.attr["shape"].shape
            return None if shape.unknown_rank else [int(dim.size) for dim in shape.dim]
    return None


def _shape_overrides(
    graph_def: Any, inputs: Sequence[str], options: LoadOptions
) -> dict[str, list[int]]:
    """Fix each input's shape: the user's, else the declared one with the batch bound."""
    shapes, batch = options.input_shapes, options.batch
    overrides = {}
    for tensor in inputs:
        given = shapes.get(tensor) or shapes.get(tensor.split(":", maxsplit=1)[0])
        declared = _declared_shape(graph_def, tensor)
        if given is not None:
            overrides[tensor] = list(given)
        elif declared:
            shape = [batch if i == 0 and d < 0 else d for i, d in enumerate(declared)]
            if any(d < 0 for d in shape):
                raise unknown_dims(
                    tensor.split(":", maxsplit=1)[0],
                    tuple(None if d < 0 else d for d in declared),
                    [None if d < 0 else d for d in shape],
                )
            overrides[tensor] = shape
    return overrides


def foreign_ops(model: onnx.ModelProto, opset: int) -> dict[str, int]:
    """Ops tf2onnx left that ONNX ``opset`` does not define (unconverted TF ops), counted."""
    counts: dict[str, int] = {}
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            continue
        known = onnx.defs.has(node.op_type)
        if known:
            schema = onnx.defs.get_schema(node.op_type, opset)
            known = schema.since_version <= opset and not schema.deprecated
        if not known:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts
