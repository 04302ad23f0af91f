"""Hygiene rules (MLG*): training-mode leftovers, foldable BatchNormalization, unused
initializers, dead nodes, float64, unbound dynamic inputs, large Constant nodes, opsets."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from architectures import Net
from onnx import TensorProto, helper, numpy_helper

from modelint import lint
from modelint.findings import Finding, Severity
from modelint.testing import model_from_text

HEADER = '<ir_version: 8, opset_import: ["" : OPSET]>\n'


def text(body: str, opset: int = 17) -> onnx.ModelProto:
    return model_from_text(HEADER.replace("OPSET", str(opset)) + body)


def run(model: onnx.ModelProto, rule: str, **params: Any) -> list[Finding]:
    return list(lint(model, select=[rule], parameters={rule: params} if params else None))


def messages(model: onnx.ModelProto, rule: str, **params: Any) -> list[str]:
    return [f"{f.location.node}: {f.message}" for f in run(model, rule, **params)]


def test_dropout_and_batchnorm_in_training_mode() -> None:
    model = text("""
    g (float[1, 2, 4, 4] x, bool mode) => (float[1, 2, 4, 4] y, float[1, 2, 4, 4] z) {
        r = Constant <value = float {0.5}> ()
        t = Constant <value = bool {1}> ()
        a = Dropout (x, r, t)
        y = Dropout (a, r, mode)
        z = BatchNormalization <training_mode = 1> (x, s, b, b, s)
    }
    """)
    model.graph.initializer.extend(
        [
            numpy_helper.from_array(np.ones(2, np.float32), "s"),
            numpy_helper.from_array(np.zeros(2, np.float32), "b"),
        ]
    )
    found = run(model, "MLG001")
    assert [f.location.node for f in found] == ["BatchNormalization:z", "Dropout:a", "Dropout:y"]
    assert all(f.severity is Severity.ERROR for f in found)
    assert "batch statistics" in found[0].message
    assert found[1].message.endswith("training_mode is true: it drops activations at inference")
    assert found[2].message.endswith("training_mode comes from tensor 'mode', not a constant false")


def test_inference_dropout_and_batchnorm_are_fine() -> None:
    model = text("""
    g (float[1, 2, 4, 4] x) => (float[1, 2, 4, 4] y) {
        d = Dropout (x)
        y = BatchNormalization (d, s, b, b, s)
    }
    """)
    model.graph.initializer.extend(
        [
            numpy_helper.from_array(np.ones(2, np.float32), "s"),
            numpy_helper.from_array(np.zeros(2, np.float32), "b"),
        ]
    )
    assert run(model, "MLG001") == []
    assert run(model, "MLG002") == []  # after a Dropout: nothing to fold into


def test_batchnorm_foldable_only_after_a_weight_layer_it_alone_reads() -> None:
    net = Net({"x": (1, 3, 8, 8)})
    conv = net.conv("x", 4, None, "c1")
    scale, bias = net.const("s", [1.0] * 4), net.const("b", [0.0] * 4)
    folded = net.op("BatchNormalization", [conv, scale, bias, bias, scale], "bn1")
    shared = net.conv(folded, 4, None, "c2")
    bn2 = net.op("BatchNormalization", [shared, scale, bias, bias, scale], "bn2")
    y = net.op("Add", [bn2, shared], "residual")  # c2 also feeds the Add: no folding
    assert messages(net.model(y), "MLG002") == [
        "bn1: BatchNormalization 'bn1' follows Conv and could be folded into its weights"
    ]


def test_unused_initializers_are_counted_with_their_bytes() -> None:
    net = Net({"x": (1, 8)})
    y = net.dense("x", 8, "relu", "d1")
    net.weight("old/kernel", (8, 8))  # 256 bytes
    net.weight("old/bias", (8,))  # 32 bytes
    (finding,) = run(net.model(y), "MLG003")
    assert finding.location.node is None
    assert finding.message == ("2 initializer(s) are never read (288 B): old/bias -> old/kernel")
    assert dict(finding.properties) == {"count": 2, "bytes": 288}
    assert run(net.model(y), "MLG004") == []


def test_dead_nodes_are_every_node_off_the_paths_to_outputs() -> None:
    model = text("""
    g (float[1, 4] x) => (float[1, 4] y) {
        y = Relu (x)
        a = Sigmoid (x)
        b = Tanh (a)
    }
    """)
    assert [f.location.node for f in run(model, "MLG004")] == ["Sigmoid:a", "Tanh:b"]


def test_float64_is_reported_where_it_enters() -> None:
    model = text("""
    g (float[1, 4] x, double[1, 4] d) => (double[1, 4] y, double[1, 4] z) {
        c = Cast <to = 11> (x)
        r = Relu (c)
        y = Add (r, d)
        z = Abs (d)
    }
    """)
    found = run(model, "MLG005")
    assert [f.location.node for f in found] == ["Abs:z", "Cast:c"]
    assert found[1].message == "Cast 'Cast:c' computes in float64 from here on"


def test_unbound_dynamic_inputs_but_not_the_batch() -> None:
    model = text("""
    g (float[N, 3, H, W] x) => (float[N, 3, H, W] y) {
        y = Relu (x)
    }
    """)
    (finding,) = run(model, "MLG006")
    assert finding.message.startswith("2 input dim(s) are dynamic and unbound")
    assert "x[2] 'H'" in finding.message and "x[3] 'W'" in finding.message
    bound = lint(model, select=["MLG006"], input_shapes={"x": (1, 3, 32, 32)})
    assert bound == ()


def test_large_constant_nodes_threshold_is_a_parameter() -> None:
    model = text("""
    g (float[1, 4] x) => (float[1, 4] y) {
        c = Constant <value = float[4] {1, 2, 3, 4}> ()
        y = Add (x, c)
    }
    """)
    assert run(model, "MLG007") == []  # 16 bytes, default limit 1 MiB
    assert messages(model, "MLG007", max_bytes=15) == [
        "Constant:c: Constant 'Constant:c' embeds 16 B (more than 15 B): store it as an initializer"
    ]


def test_opset_range() -> None:
    old = text("g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }", opset=11)
    assert [f.message for f in run(old, "MLG008")] == [
        "opset 11 is older than 13, the oldest allowed"
    ]
    new = text("g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }", opset=17)
    assert run(new, "MLG008") == []
    assert [f.message for f in run(new, "MLG008", max_opset=15)] == [
        "opset 17 is newer than 15, the newest allowed"
    ]


def test_training_operators_of_the_preview_domain() -> None:
    node = helper.make_node(
        "Gradient", ["x"], ["g"], "grad", domain="ai.onnx.preview.training", xs=["x"], y="x"
    )
    graph = helper.make_graph(
        [node, helper.make_node("Relu", ["x"], ["y"], "relu")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4]),
            helper.make_tensor_value_info("g", TensorProto.FLOAT, [1, 4]),
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", 17),
            helper.make_opsetid("ai.onnx.preview.training", 1),
        ],
    )
    assert [f.location.node for f in run(model, "MLG001")] == ["grad"]
