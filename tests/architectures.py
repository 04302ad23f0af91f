"""onnx.helper builders for the architecture-rule tests: the same patterns the Keras proofs
convert (MLPs, CNNs, gates, SE blocks, recurrent loops), built without TensorFlow.

Node names are ``layer/Op`` so that a node's scope is its layer, as in converted models.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIMPLE = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softsign": "Softsign",
    "softmax": "Softmax",
    "hard_sigmoid": "HardSigmoid",
}


class Net:
    """A growing ONNX graph: ``net.dense(x, 8, "sigmoid", "d1")`` adds a layer and returns its
    output tensor; ``net.model(y)`` finishes it."""

    def __init__(self, inputs: dict[str, Sequence[int | str]], opset: int = 17) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.shapes: dict[str, tuple[int | str, ...]] = {k: tuple(v) for k, v in inputs.items()}
        self.inputs = [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
            for name, shape in inputs.items()
        ]
        self._rng = np.random.default_rng(0)

    def const(self, name: str, value: np.ndarray | float) -> str:
        array = np.asarray(value, dtype=np.float32)
        self.initializers.append(numpy_helper.from_array(array, name))
        self.shapes[name] = array.shape
        return name

    def weight(self, name: str, shape: Sequence[int]) -> str:
        return self.const(name, self._rng.normal(0, 0.1, size=tuple(shape)))

    def op(self, op_type: str, inputs: Sequence[str], name: str, **attributes: object) -> str:
        self.nodes.append(helper.make_node(op_type, list(inputs), [name], name, **attributes))
        first = next((self.shapes[i] for i in inputs if self.shapes.get(i)), None)
        if first is not None:
            self.shapes[name] = first
        return name

    def activation(self, x: str, kind: str | None, layer: str) -> str:
        """relu, sigmoid, tanh, softsign, softmax, hard_sigmoid (ONNX op),
        hard_sigmoid_decomposed (Keras 3 after tf2onnx: Add(3) -> Clip(0, 6) -> Mul(1/6)),
        swish, hard_swish, gelu_tanh, mish."""
        if kind is None:
            return x
        if kind in SIMPLE:
            return self.op(SIMPLE[kind], [x], f"{layer}/{SIMPLE[kind]}")
        gates = {
            "swish": lambda: self.op("Sigmoid", [x], f"{layer}/Sigmoid"),
            "hard_swish": lambda: self.hard_sigmoid_decomposed(x, layer),
            "mish": lambda: self.op(
                "Tanh", [self.op("Softplus", [x], f"{layer}/Softplus")], f"{layer}/Tanh"
            ),
        }
        if kind in gates:
            return self.op("Mul", [x, gates[kind]()], f"{layer}/Mul")
        if kind == "gelu_tanh":
            return self.gelu_tanh(x, layer)
        if kind == "hard_sigmoid_decomposed":
            return self.hard_sigmoid_decomposed(x, layer)
        raise ValueError(kind)

    def hard_sigmoid_decomposed(self, x: str, layer: str) -> str:
        shifted = self.op("Add", [x, self.const(f"{layer}/three", 3.0)], f"{layer}/Add")
        clipped = self.op(
            "Clip",
            [shifted, self.const(f"{layer}/zero", 0.0), self.const(f"{layer}/six", 6.0)],
            f"{layer}/Relu6",
        )
        return self.op("Mul", [clipped, self.const(f"{layer}/sixth", 1 / 6)], f"{layer}/Mul6")

    def gelu_tanh(self, x: str, layer: str) -> str:
        """0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), as tf2onnx emits it."""
        cube = self.op("Pow", [x, self.const(f"{layer}/three", 3.0)], f"{layer}/Pow")
        scaled = self.op("Mul", [cube, self.const(f"{layer}/c", 0.044715)], f"{layer}/MulC")
        inner = self.op("Add", [x, scaled], f"{layer}/AddInner")
        arg = self.op("Mul", [inner, self.const(f"{layer}/k", 0.7978845608)], f"{layer}/MulK")
        tanh = self.op("Tanh", [arg], f"{layer}/Tanh")
        one = self.op("Add", [tanh, self.const(f"{layer}/one", 1.0)], f"{layer}/AddOne")
        half = self.op("Mul", [x, self.const(f"{layer}/half", 0.5)], f"{layer}/MulHalf")
        return self.op("Mul", [half, one], f"{layer}/Mul")

    def dense(self, x: str, units: int, activation: str | None, layer: str) -> str:
        features = int(self.shapes[x][-1])
        product = self.op(
            "MatMul", [x, self.weight(f"{layer}/kernel", (features, units))], f"{layer}/MatMul"
        )
        self.shapes[product] = (*self.shapes[x][:-1], units)
        biased = self.op(
            "Add", [product, self.weight(f"{layer}/bias", (units,))], f"{layer}/BiasAdd"
        )
        return self.activation(biased, activation, layer)

    def conv(
        self, x: str, filters: int, activation: str | None, layer: str, kernel: int = 3
    ) -> str:
        channels = int(self.shapes[x][1])
        out = self.op(
            "Conv",
            [
                x,
                self.weight(f"{layer}/kernel", (filters, channels, kernel, kernel)),
                self.weight(f"{layer}/bias", (filters,)),
            ],
            f"{layer}/Conv",
            pads=[kernel // 2] * 4,
        )
        self.shapes[out] = (self.shapes[x][0], filters, *self.shapes[x][2:])
        return self.activation(out, activation, layer)

    def squeeze_excite(self, x: str, layer: str, gate: str = "sigmoid") -> str:
        channels = int(self.shapes[x][1])
        pooled = self.op("GlobalAveragePool", [x], f"{layer}/Pool")
        self.shapes[pooled] = (self.shapes[x][0], channels, 1, 1)
        reduced = self.conv(pooled, max(channels // 4, 1), "relu", f"{layer}/reduce", kernel=1)
        expanded = self.conv(reduced, channels, gate, f"{layer}/expand", kernel=1)
        return self.op("Mul", [x, expanded], f"{layer}/Excite")

    def head(self, x: str, classes: int, activation: str | None, layer: str = "head") -> str:
        pooled = self.op("GlobalAveragePool", [x], f"{layer}/Pool")
        flat = self.op("Flatten", [pooled], f"{layer}/Flatten")
        self.shapes[flat] = (self.shapes[x][0], self.shapes[x][1])
        return self.dense(flat, classes, activation, layer)

    def model(self, *outputs: str) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes,
            "net",
            self.inputs,
            [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
            self.initializers,
        )
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])


def mlp(activations: Sequence[str | None], width: int = 16, features: int = 8) -> onnx.ModelProto:
    """Dense layers d1..dN with the given activations on a [1, features] input."""
    net = Net({"x": (1, features)})
    x = "x"
    for index, activation in enumerate(activations, start=1):
        x = net.dense(x, width, activation, f"d{index}")
    return net.model(x)


def cnn(
    activations: Sequence[str | None], head: str | None = "softmax", filters: int = 4
) -> onnx.ModelProto:
    """Conv layers c1..cN (3x3) on [1, 3, 8, 8], then global pooling and a Dense head."""
    net = Net({"x": (1, 3, 8, 8)})
    x = "x"
    for index, activation in enumerate(activations, start=1):
        x = net.conv(x, filters, activation, f"c{index}")
    return net.model(net.head(x, 10, head))
