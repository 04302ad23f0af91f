"""Placeholder weights: a frozen GraphDef whose large float constants hold one value each.

modelint never reads weight values for costing (DESIGN §3: params and weight bytes come from
dims and dtypes; constant folding stops at 4,096 elements). Converting ResNet50 nevertheless
moved its 100 MB of weights through Grappler and tf2onnx several times: 2.4 of ~6 s of
conversion. A TensorFlow ``TensorProto`` with fewer values than its shape repeats the last
one, so each large float constant becomes a one-value tensor of the same shape and dtype.

The graph tf2onnx builds must not change, and some of its (and Grappler's) rewrites look at
values: a bias of zeros is dropped, a multiplication by ones removed, identical constants
shared. So a *uniform* tensor keeps its exact value; tensors with identical contents share
one placeholder value; every other tensor gets a distinct value that is neither 0 nor 1.
tests/tensorflow/test_lean_conversion.py checks that the ONNX graphs are tf2onnx's own, node
for node, but for those values. The converted ONNX (and the cache) holds placeholders, not
the model's weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelint.load.weights import MIN_ELEMENTS

__all__ = ["use_placeholder_weights"]

_DT_FLOAT = 1  # tensorflow/core/framework/types.proto
# 0.25 + k * 2^-20 is exact in float32, and neither 0 nor 1, for k < 2^19
_BASE, _STEP, _LIMIT = 0.25, 2.0**-20, 2**19


def use_placeholder_weights(graph_def: Any) -> int:
    """Give ``graph_def``'s large float constants placeholder values, in place (the callers
    own the GraphDef they froze or read); return how many tensors were replaced."""
    # Each read of ``tensor_content`` copies the bytes out of the protobuf: read once.
    weights = [
        (tensor, content)
        for node in graph_def.node
        if node.op == "Const" and (tensor := node.attr["value"].tensor).dtype == _DT_FLOAT
        if len(content := tensor.tensor_content) >= 4 * MIN_ELEMENTS
    ]
    values = _placeholder_values([content for _, content in weights])
    replaced = 0
    for tensor, content in weights:
        value = values.get(content)
        if value is not None:
            tensor.ClearField("tensor_content")
            tensor.float_val.append(value)
            replaced += 1
    return replaced


def _placeholder_values(contents: list[bytes]) -> dict[bytes, float]:
    """One value per distinct content: its own when uniform (zeros, ones), else a distinct
    value that no uniform tensor has (two placeholders equal only where the weights were)."""
    values: dict[bytes, float] = {}
    varied: list[bytes] = []
    for content in contents:
        if content not in values:
            uniform = _uniform_value(content)
            if uniform is None:
                varied.append(content)
                values[content] = -1.0  # assigned below, once every uniform value is known
            else:
                values[content] = uniform
    taken = set(values.values())
    candidates = (_BASE + index * _STEP for index in range(_LIMIT))
    free = (value for value in candidates if value not in taken)
    for content in varied:
        value = next(free, None)
        if value is None:  # beyond 2^19 distinct tensors: the rest keep their weights
            del values[content]
        else:
            values[content] = value
    return values


def _uniform_value(content: bytes) -> float | None:
    values = np.frombuffer(content, dtype=np.float32)
    first = values[0]
    return float(first) if np.isfinite(first) and bool((values == first).all()) else None
