"""Architecture rules (MLA*) on models built with onnx.helper: the saturating-activation rule
fires where the literature says gradients vanish and stays silent on gates, heads and
recurrent cells; the deep-plain-stack rule measures the shortest gradient path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import onnx
import pytest
from architectures import Net, cnn, mlp
from onnx import TensorProto, helper

from modelint import lint
from modelint.findings import Finding, Severity


def findings(model: onnx.ModelProto, rule: str, **params: Any) -> list[Finding]:
    parameters: Mapping[str, Mapping[str, Any]] = {rule: params} if params else {}
    return list(lint(model, select=[rule], parameters=parameters))


def where(found: list[Finding]) -> list[str | None]:
    return [finding.location.node for finding in found]


def test_sigmoid_on_the_first_of_ten_dense_layers() -> None:
    found = findings(mlp(["sigmoid", *["relu"] * 8, "softmax"]), "MLA001")
    assert where(found) == ["d1/Sigmoid"]
    (finding,) = found
    assert finding.severity is Severity.WARNING
    props = dict(finding.properties)
    assert props["depth"] == 9 and props["chain"] == 1 and props["activation"] == "Sigmoid"
    assert props["path"] == " -> ".join(f"d{i}" for i in range(2, 11))
    assert finding.message == (
        "Sigmoid 'd1/Sigmoid' (layer 'd1') is followed by 9 weight layers (threshold 4): "
        "d2 -> d3 -> d4 -> d5 -> d6 -> ... (3 more) -> d10"
    )


def test_threshold_is_a_parameter_and_depth_counts_weight_layers_only() -> None:
    model = mlp(["relu", "sigmoid", "relu", "relu", "relu", None])  # 4 layers after d2
    assert where(findings(model, "MLA001")) == ["d2/Sigmoid"]
    assert where(findings(model, "MLA001", depth=5)) == []
    assert where(findings(mlp(["sigmoid", "relu", "relu", None]), "MLA001")) == []  # depth 3


def test_early_tanh_cnn() -> None:
    found = findings(cnn(["tanh", *["relu"] * 6]), "MLA001")
    assert where(found) == ["c1/Tanh"]
    assert dict(found[0].properties)["depth"] == 7  # six convs and the head


def test_hard_sigmoid_and_softsign_stack_is_escalated() -> None:
    model = mlp(["hard_sigmoid_decomposed", *["softsign"] * 5, None])
    found = findings(model, "MLA001")
    assert where(found) == ["d1/Mul6", "d2/Softsign", "d3/Softsign"]  # depth 6, 5, 4
    assert {finding.severity for finding in found} == {Severity.ERROR}
    first = found[0]
    assert dict(first.properties)["activation"] == "hard-sigmoid (decomposed)"
    assert dict(first.properties)["chain"] == 6
    assert first.message.startswith(
        "hard-sigmoid (decomposed) 'd1/Mul6' (layer 'd1') is followed by 5 more saturating "
        "activation(s) and 6 weight layers: d2 -> "
    )


def test_one_saturating_op_alone_stays_a_warning_and_chain_is_a_parameter() -> None:
    model = mlp(["tanh", "relu", "relu", "tanh", "relu", "relu", "relu", "relu", None])
    found = findings(model, "MLA001")
    assert [(f.location.node, f.severity) for f in found] == [
        ("d1/Tanh", Severity.ERROR),
        ("d4/Tanh", Severity.WARNING),
    ]
    assert {f.severity for f in findings(model, "MLA001", chain=3)} == {Severity.WARNING}


@pytest.mark.parametrize("form", ["hard_sigmoid", "hard_sigmoid_decomposed", "softsign", "tanh"])
def test_every_saturating_form_is_recognised(form: str) -> None:
    assert len(findings(mlp([form, *["relu"] * 5]), "MLA001")) == 1


def test_onnx_function_form_of_hard_sigmoid() -> None:
    """Max(Min(alpha * x + beta, 1), 0): HardSigmoid's function body, inlined."""
    net = Net({"x": (1, 8)})
    x = net.dense("x", 8, None, "d1")
    scaled = net.op("Mul", [x, net.const("alpha", 0.2)], "hs/Mul")
    shifted = net.op("Add", [scaled, net.const("beta", 0.5)], "hs/Add")
    low = net.op("Min", [shifted, net.const("one", 1.0)], "hs/Min")
    y = net.op("Max", [low, net.const("zero", 0.0)], "hs/Max")
    for index in range(2, 7):
        y = net.dense(y, 8, "relu", f"d{index}")
    assert where(findings(net.model(y), "MLA001")) == ["hs/Max"]


def test_relu6_alone_is_not_saturating() -> None:
    net = Net({"x": (1, 8)})
    x = net.dense("x", 8, None, "d1")
    y = net.op("Clip", [x, net.const("zero", 0.0), net.const("six", 6.0)], "d1/Relu6")
    for index in range(2, 7):
        y = net.dense(y, 8, "relu", f"d{index}")
    assert findings(net.model(y), "MLA001") == []


def test_output_heads_are_silent() -> None:
    assert findings(cnn(["relu"] * 6, head="sigmoid"), "MLA001") == []
    assert findings(mlp([*["relu"] * 6, "tanh"]), "MLA001") == []


@pytest.mark.parametrize("gate", ["swish", "hard_swish", "gelu_tanh", "mish"])
def test_self_gates_are_exempt(gate: str) -> None:
    assert findings(mlp([gate] * 8), "MLA001") == []
    assert findings(cnn([gate] * 8), "MLA001") == []


def test_squeeze_excitation_gates_are_exempt() -> None:
    for gate in ("sigmoid", "hard_sigmoid_decomposed"):
        net = Net({"x": (1, 3, 8, 8)})
        x = "x"
        for index in range(1, 7):
            x = net.squeeze_excite(net.conv(x, 8, "relu", f"c{index}"), f"se{index}", gate)
        assert findings(net.model(net.head(x, 10, "softmax")), "MLA001") == []


def test_wavenet_glu_and_attention_gates_are_exempt() -> None:
    net = Net({"x": (1, 8)})
    x = "x"
    for index in range(1, 6):  # WaveNet: tanh(W_f x) * sigmoid(W_g x), residual
        filt = net.dense(x, 8, "tanh", f"filter{index}")
        gate = net.dense(x, 8, "sigmoid", f"gate{index}")
        x = net.op("Add", [x, net.op("Mul", [filt, gate], f"unit{index}/Mul")], f"res{index}")
    glu_a = net.dense(x, 8, None, "glu_a")
    glu = net.op("Mul", [glu_a, net.dense(x, 8, "sigmoid", "glu_b")], "glu/Mul")
    one_minus = net.op(
        "Sub", [net.const("one", 1.0), net.dense(glu, 8, "sigmoid", "highway_t")], "highway/Carry"
    )  # Highway: (1 - T) * x
    y = net.op("Mul", [one_minus, glu], "highway/Mul")
    for index in range(1, 6):
        y = net.dense(y, 8, "relu", f"d{index}")
    assert findings(net.model(y), "MLA001") == []


def test_recurrent_cells_and_loop_bodies_are_exempt() -> None:
    model = _loop_rnn(with_sigmoid=False)
    assert findings(model, "MLA001") == []
    assert where(findings(model, "MLA003")) == ["rnn"]
    assert findings(_loop_rnn(with_sigmoid=True), "MLA003") == []  # gated: not vanilla


def _loop_rnn(with_sigmoid: bool) -> onnx.ModelProto:
    """A Loop whose body is h' = tanh(x W + h U) (Keras SimpleRNN after tf2onnx), then five
    Dense layers: the body's Tanh is a recurrent cell, not a hidden activation."""
    inner = [
        helper.make_node("MatMul", ["h_in", "u"], ["hu"], "cell/MatMul"),
        helper.make_node("Tanh", ["hu"], ["t"], "cell/Tanh"),
    ]
    if with_sigmoid:
        inner += [
            helper.make_node("Sigmoid", ["hu"], ["g"], "cell/Sigmoid"),
            helper.make_node("Mul", ["t", "g"], ["h_out"], "cell/Mul"),
        ]
    else:
        inner.append(helper.make_node("Identity", ["t"], ["h_out"], "cell/Identity"))
    inner.append(helper.make_node("Identity", ["cond_in"], ["cond_out"], "cell/cond"))
    body = helper.make_graph(
        inner,
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("h_in", TensorProto.FLOAT, [1, 8]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("h_out", TensorProto.FLOAT, [1, 8]),
        ],
    )
    net = Net({"x": (1, 8)})
    net.weight("u", (8, 8))
    net.initializers.append(helper.make_tensor("trips", TensorProto.INT64, [], [5]))
    net.initializers.append(helper.make_tensor("cond", TensorProto.BOOL, [], [True]))
    net.nodes.append(helper.make_node("Loop", ["trips", "cond", "x"], ["h"], "rnn", body=body))
    net.shapes["h"] = (1, 8)
    y = "h"
    for index in range(1, 6):
        y = net.dense(y, 8, "relu", f"d{index}")
    return net.model(y)


def test_onnx_rnn_op_is_a_vanilla_rnn_lstm_is_not() -> None:
    net = Net({"x": (3, 1, 4)})
    net.weight("w", (1, 4, 4))
    net.weight("r", (1, 4, 4))
    net.op("RNN", ["x", "w", "r"], "rnn", hidden_size=4)
    assert where(findings(net.model("rnn"), "MLA003")) == ["rnn"]
    net = Net({"x": (3, 1, 4)})
    net.weight("w", (1, 16, 4))
    net.weight("r", (1, 16, 4))
    net.op("LSTM", ["x", "w", "r"], "lstm", hidden_size=4)
    assert findings(net.model("lstm"), "MLA003") == []
    assert findings(net.model("lstm"), "MLA001") == []


def test_attention_products_are_not_weight_layers() -> None:
    """Sigmoid, then a block whose only MatMuls multiply two activations (QK^T, AV), then
    three Dense layers: depth 3, under the threshold."""
    net = Net({"x": (1, 4, 8)})
    s = net.op("Sigmoid", [net.dense("x", 8, None, "in")], "in/Sigmoid")
    keys = net.op("Transpose", [s], "attn/T", perm=[0, 2, 1])
    scores = net.op("Softmax", [net.op("MatMul", [s, keys], "attn/QK")], "attn/Softmax")
    y = net.op("MatMul", [scores, s], "attn/AV")
    for index in range(1, 4):
        y = net.dense(y, 8, "relu", f"d{index}")
    assert findings(net.model(y), "MLA001") == []


def test_deep_plain_stack_fires_at_forty_layers_and_a_shortcut_silences_it() -> None:
    found = findings(cnn(["relu"] * 40), "MLA002")
    assert where(found) == ["c1/Conv"]
    assert dict(found[0].properties)["depth"] == 41  # 40 convs and the head
    assert "crosses 41 weight layers (more than 30)" in found[0].message
    assert findings(cnn(["relu"] * 29), "MLA002") == []  # 30 with the head: allowed
    net = Net({"x": (1, 3, 8, 8)})
    x = net.conv("x", 4, "relu", "stem")
    for block in range(20):
        y = net.conv(net.conv(x, 4, "relu", f"b{block}a"), 4, None, f"b{block}b")
        x = net.op("Relu", [net.op("Add", [x, y], f"b{block}/Add")], f"b{block}/Relu")
    assert findings(net.model(net.head(x, 10, "softmax")), "MLA002") == []  # shortest: 2


def test_shape_computations_are_not_shortcuts() -> None:
    """input -> Shape -> Reshape's shape input is not a path around the 35 layers."""
    net = Net({"x": (1, 8)})
    shape = net.op("Shape", ["x"], "shape")
    y = "x"
    for index in range(1, 36):
        y = net.dense(y, 8, "relu", f"d{index}")
    y = net.op("Reshape", [y, shape], "out/Reshape")
    assert where(findings(net.model(y), "MLA002")) == ["d1/MatMul"]


def test_saturating_without_normalization_only_where_the_graph_normalizes() -> None:
    net = Net({"x": (1, 3, 8, 8)})
    x = net.conv("x", 4, None, "c1")
    scale, bias = net.const("s", [1.0] * 4), net.const("b", [0.0] * 4)
    x = net.op("BatchNormalization", [x, scale, bias, bias, scale], "bn1")
    x = net.conv(net.op("Relu", [x], "c1/Relu"), 4, "tanh", "c2")  # no BN before the tanh
    x = net.conv(x, 4, "relu", "c3")
    model = net.model(net.head(x, 10, "softmax"))
    assert where(findings(model, "MLA004")) == ["c2/Tanh"]
    plain = cnn(["relu", "tanh", "relu"])  # no normalization anywhere: nothing to compare
    assert findings(plain, "MLA004") == []


def test_sigmoid_hidden_layer_when_shallow_only() -> None:
    assert where(findings(mlp(["sigmoid", "relu", "softmax"]), "MLA005")) == ["d1/Sigmoid"]
    assert findings(mlp(["tanh", "relu", "softmax"]), "MLA005") == []  # tanh is centred
    assert findings(mlp(["sigmoid", *["relu"] * 5]), "MLA005") == []  # MLA001's
    assert findings(mlp(["relu", "swish", "sigmoid"]), "MLA005") == []  # gate and head
