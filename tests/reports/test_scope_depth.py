"""``inspect --by scope --depth N``: nested name scopes rolled up into their ancestors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from cli_support import run
from onnx import TensorProto, helper, numpy_helper

from modelint.analysis.model import scope_at


@pytest.fixture
def scoped_model(tmp_path: Path) -> Path:
    """torch.onnx-style names: MatMul [1,4]x[4,4] = 16 MACs (32 FLOPs), Softmax over 4
    elements = 20 FLOPs (5 per element), Relu over 4 = 4 FLOPs, Identity = 0."""
    weight = numpy_helper.from_array(np.ones((4, 4), np.float32), "w")
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["q"], name="/enc/l0/attn/q/MatMul"),
        helper.make_node("Softmax", ["q"], ["p"], name="/enc/l0/attn/Softmax"),
        helper.make_node("MatMul", ["p", "w"], ["f"], name="/enc/l1/ffn/MatMul"),
        helper.make_node("Relu", ["f"], ["r"], name="/head/Relu"),
        helper.make_node("Identity", ["r"], ["y"], name="Identity"),
    ]
    graph = helper.make_graph(
        nodes,
        "scoped",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [weight],
    )
    path = tmp_path / "scoped.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def _rows(path: Path, *options: str) -> dict[str, tuple[int, int]]:
    code, out, err = run("inspect", "--format", "json", "--by", "scope", *options, str(path))
    assert (code, err) == (0, "")
    report = json.loads(out)
    return {row["name"]: (row["nodes"], row["flops"]) for row in report["models"][0]["by_scope"]}


def test_each_scope_has_only_its_own_nodes_without_depth(scoped_model: Path) -> None:
    assert _rows(scoped_model) == {
        "/enc/l0/attn/q": (1, 32),
        "/enc/l1/ffn": (1, 32),
        "/enc/l0/attn": (1, 20),
        "/head": (1, 4),
        "(root)": (1, 0),
    }


def test_depth_rolls_nested_scopes_up_into_their_ancestor(scoped_model: Path) -> None:
    assert _rows(scoped_model, "--depth", "2") == {
        "/enc/l0": (2, 52),
        "/enc/l1": (1, 32),
        "/head": (1, 4),
        "(root)": (1, 0),
    }
    assert _rows(scoped_model, "--depth", "1") == {
        "/enc": (3, 84),
        "/head": (1, 4),
        "(root)": (1, 0),
    }


def test_the_text_table_names_the_depth(scoped_model: Path) -> None:
    code, out, _ = run("inspect", "--by", "scope", "--depth", "1", str(scoped_model))
    table = out.split("\n\n", 1)[1].splitlines()
    assert code == 0 and table[0].split()[:4] == ["scope", "(depth", "1)", "nodes"]
    assert table[2].split()[:2] == ["/enc", "3"]


@pytest.mark.parametrize("options", [["--depth", "0"], ["--by", "op", "--depth", "2"]])
def test_depth_needs_a_positive_level_and_scope_rows(
    scoped_model: Path, options: list[str]
) -> None:
    code, _, err = run("inspect", *options, str(scoped_model))
    assert code == 2 and err == "modelint inspect: --depth takes a positive N, with --by scope\n"


@pytest.mark.parametrize(
    ("scope", "depth", "expected"),
    [
        ("/enc/l0/attn", 2, "/enc/l0"),
        ("/enc", 2, "/enc"),
        ("model/dense", 1, "model"),  # TensorFlow scopes have no leading '/'
        ("", 3, "(root)"),
        ("a/b", None, "a/b"),
    ],
)
def test_scope_at(scope: str, depth: int | None, expected: str) -> None:
    assert scope_at(scope, depth) == expected
