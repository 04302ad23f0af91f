"""Regenerate the bundled example models (deterministic; no downloads, no TensorFlow).

    python examples/make_examples.py

tiny_cnn.onnx: Conv(3->16, 3x3) -> BatchNorm -> Relu -> Conv(16->32, 3x3, stride 2) -> Relu
-> GlobalAveragePool -> Flatten -> Gemm(32->10) -> Softmax on a [N, 3, 32, 32] input, where the
batch N is symbolic (modelint binds it to 1 and says so). Hand count (batch 1):
  conv1 MACs = 16*32*32 * 3*3*3  =   442,368
  conv2 MACs = 32*16*16 * 16*3*3 = 1,179,648
  gemm  MACs = 10 * 32           =       320      total 1,622,336 MACs
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent


def _weights(rng: np.random.Generator) -> list[onnx.TensorProto]:
    def tensor(name: str, *shape: int) -> onnx.TensorProto:
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)

    return [
        tensor("conv1.weight", 16, 3, 3, 3), tensor("conv1.bias", 16),
        tensor("bn1.scale", 16), tensor("bn1.bias", 16), tensor("bn1.mean", 16),
        numpy_helper.from_array(np.ones(16, np.float32), "bn1.var"),
        tensor("conv2.weight", 32, 16, 3, 3), tensor("conv2.bias", 32),
        tensor("fc.weight", 10, 32), tensor("fc.bias", 10),
    ]


def tiny_cnn() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="conv1",
                         pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn1.scale", "bn1.bias", "bn1.mean",
                                                "bn1.var"], ["b1"], name="bn1"),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2",
                         pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["pool"], name="pool"),
        helper.make_node("Flatten", ["pool"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc",
                         transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax"),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10])],
        _weights(np.random.default_rng(0)),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="modelint-examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    onnx.save(tiny_cnn(), HERE / "tiny_cnn.onnx")


if __name__ == "__main__":
    main()
