"""Fold small constant computations so ONNX shape inference can see their values.

Exporters sometimes compute a shape from constants through ops that ONNX's data propagation
does not evaluate — torch's TorchScript export of BERT builds its attention-mask shape from
``Where(Equal(c, ConstantOfShape(..) * -1), ConstantOfShape(..), c)`` — and everything
downstream of the resulting ``Expand`` has unknown shapes. When inference leaves unknowns,
we evaluate every node whose inputs are all small known values (ONNX's reference
implementation, never the model's own code: ONNX ops only) and rerun inference on a copy in
which those nodes are Constants. The analysed graph itself is never changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from modelint.graph.tensors import Shape

__all__ = ["MAX_FOLD_ELEMENTS", "fold_constants"]

MAX_FOLD_ELEMENTS = 4096
_NONDETERMINISTIC = frozenset(
    {
        "RandomNormal",
        "RandomNormalLike",
        "RandomUniform",
        "RandomUniformLike",
        "Multinomial",
        "Bernoulli",
        "Dropout",
    }
)
Array = np.ndarray[Any, Any]


def _small(array: Array) -> bool:
    return array.size <= MAX_FOLD_ELEMENTS


def _initial_values(graph: onnx.GraphProto) -> dict[str, Array]:
    values: dict[str, Array] = {}
    for tensor in graph.initializer:
        count = int(np.prod(tensor.dims)) if tensor.dims else 1
        if count <= MAX_FOLD_ELEMENTS and tensor.data_location != onnx.TensorProto.EXTERNAL:
            with contextlib.suppress(ValueError, TypeError):  # no dtype, data of a wrong size:
                values[tensor.name] = numpy_helper.to_array(tensor)  # not a known value
    return values


def _foldable(node: onnx.NodeProto) -> bool:
    return (
        node.domain in ("", "ai.onnx")
        and node.op_type not in _NONDETERMINISTIC
        and not any(
            a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
            for a in node.attribute
        )
    )


def _evaluate(
    node: onnx.NodeProto,
    values: Mapping[str, Array],
    shapes: Mapping[str, Shape | None],
    opset: int,
) -> list[Array] | None:
    if node.op_type in ("Shape", "Size"):
        shape = shapes.get(node.input[0])
        if shape is None or any(dim is None for dim in shape):
            return None
        values = {node.input[0]: np.zeros(tuple(int(d or 0) for d in shape), np.int8)}
    elif not all(name in values for name in node.input if name):
        return None
    from onnx.reference import ReferenceEvaluator  # noqa: PLC0415 - 0.4 s import, rarely needed

    try:
        evaluator = ReferenceEvaluator(node, opsets={"": opset})
        outputs = evaluator.run(None, {name: values[name] for name in node.input if name})
    except Exception:  # an op the reference cannot run here: leave it unfolded
        return None
    arrays = [np.asarray(output) for output in outputs]
    return arrays if all(_small(array) for array in arrays) else None


def fold_constants(
    model: onnx.ModelProto, shapes: Mapping[str, Shape | None]
) -> onnx.ModelProto | None:
    """A copy of ``model`` with foldable main-graph nodes replaced by Constants, or None when
    nothing new can be folded."""
    opset = next((int(e.version) for e in model.opset_import if e.domain in ("", "ai.onnx")), 0)
    values = _initial_values(model.graph)
    replacements: dict[int, list[Array]] = {}
    for index, node in enumerate(model.graph.node):
        if not _foldable(node):
            continue
        outputs = _evaluate(node, values, shapes, opset)
        if outputs is None:
            continue
        values.update(zip(node.output, outputs, strict=False))
        if node.op_type != "Constant":
            replacements[index] = outputs
    if not replacements:
        return None
    folded = onnx.ModelProto()
    folded.CopyFrom(model)
    for index, outputs in replacements.items():
        node = folded.graph.node[index]
        constants = [
            onnx.helper.make_node(
                "Constant", [], [name], value=numpy_helper.from_array(array, name)
            )
            for name, array in zip(node.output, outputs, strict=False)
            if name
        ]
        if len(constants) == 1:
            folded.graph.node[index].CopyFrom(constants[0])
    return folded
