"""Small tensors an exporter stored as external data (``size_threshold=0``) are read back:
a Reshape's target shape decides every shape after it. Weights never are, and nothing is
read from outside the model's directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from cli_support import run
from onnx import TensorProto, helper, numpy_helper

from modelint.load import load_model
from modelint.load.external_data import MAX_ELEMENTS

# x[1,8,16] @ w1[16,32] = 4,096 MACs; Reshape to [1,256]; @ w2[256,8] = 2,048 MACs.
MACS = 8 * 16 * 32 + 256 * 8


def _model() -> onnx.ModelProto:
    initializers = [
        numpy_helper.from_array(np.ones((16, 32), np.float32), "w1"),
        numpy_helper.from_array(np.ones((256, 8), np.float32), "w2"),
        numpy_helper.from_array(np.array([1, 256], np.int64), "shape"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["a"]),
        helper.make_node("Reshape", ["a", "shape"], ["b"]),
        helper.make_node("MatMul", ["b", "w2"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _save_all_external(directory: Path, location: str = "m.bin") -> Path:
    path = directory / "m.onnx"
    onnx.save_model(
        _model(),
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=location,
        size_threshold=0,
    )
    return path


def _check(path: Path) -> dict[str, Any]:
    code, out, err = run("check", "--format", "json", str(path))
    assert err == ""
    model: dict[str, Any] = json.loads(out)["models"][0]
    model["exit"] = code
    return model


def test_a_shape_held_as_external_data_is_read_back(tmp_path: Path) -> None:
    model = _check(_save_all_external(tmp_path))
    assert model["exit"] == 0 and model["findings"] == []  # no MLG009: the graph is sound
    assert model["totals"]["macs"] == MACS
    assert model["coverage"]["complete"] is True


def test_only_small_tensors_are_read(tmp_path: Path) -> None:
    proto = load_model(_save_all_external(tmp_path)).proto
    kept = {t.name: t.data_location for t in proto.graph.initializer}
    assert kept == {
        "w1": TensorProto.EXTERNAL,  # 512 elements: weights stay where they are
        "w2": TensorProto.EXTERNAL,
        "shape": TensorProto.DEFAULT,
    }
    assert 16 * 32 > MAX_ELEMENTS >= 2
    shape = next(t for t in proto.graph.initializer if t.name == "shape")
    assert numpy_helper.to_array(shape).tolist() == [1, 256]


def test_nothing_is_read_from_outside_the_models_directory(tmp_path: Path) -> None:
    """A model may name '../secret.bin': the ONNX rules forbid it, and so does modelint; the
    tensor stays unread, its consumers uncosted, and the graph is not called invalid."""
    inner = tmp_path / "models"
    inner.mkdir()
    path = _save_all_external(inner)
    (inner / "m.bin").rename(tmp_path / "outside.bin")
    model = onnx.load(path, load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../outside.bin"
    onnx.save(model, path)
    proto = load_model(path).proto
    assert all(t.data_location == TensorProto.EXTERNAL for t in proto.graph.initializer)
    report = _check(path)
    assert report["exit"] == 0 and report["findings"] != []  # MLC001 info, no MLG009
    assert {f["rule_id"] for f in report["findings"]} == {"MLC001"}
    assert report["notes"][:2] == [
        "external data outside the model's directory: ../outside.bin (ONNX requires a "
        "relative location inside it; runtimes refuse the model, and modelint does not read it)",
        "shape inference needs values held as external data that modelint does not read "
        "back (over 16 elements, or outside the model's directory): shapes that depend on "
        "them are unknown",
    ]
