"""Numbers no model can have never crash a report: a tensor larger than any runtime can
index fails its model alone, a custom formula past any real count leaves its node uncosted,
and the printing of large counts and sizes works for integers of any size."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from cli_support import run
from onnx import TensorProto, helper

from modelint.templates import format_si
from modelint.units import format_bytes, format_quantity

EXAMPLE = Path(__file__).parents[1] / "examples" / "tiny_cnn.onnx"


def _relu(path: Path, shape: list[int]) -> Path:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


@pytest.mark.parametrize("output", ["text", "markdown", "concise", "json"])
def test_a_tensor_no_runtime_could_index_fails_its_model_alone(tmp_path: Path, output: str) -> None:
    huge = _relu(tmp_path / "huge.onnx", [2**62] * 20)
    code, out, err = run("check", "--format", output, "--fail-on", "never", str(huge), str(EXAMPLE))
    assert code == 2 and str(EXAMPLE) in out
    assert err == (
        f"modelint: error: {huge}: invalid ONNX graph: tensor 'x' would hold more than "
        "2**63 - 1 elements, which no runtime can index\n"
    )


def test_a_count_past_any_real_model_leaves_its_node_uncosted(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "wild.yaml").write_text(
        "ops:\n  Relu:\n    source: a broken house rule\n    flops: 10**20 * 10**20 * numel(Y)\n"
    )
    model = _relu(tmp_path / "m.onnx", [1, 4])
    code, out, _ = run("check", "--format", "json", "--rules", str(rules), str(model))
    assert code == 0  # an uncosted node is an info finding (MLC001), not a failure
    [node] = json.loads(out)["models"][0]["coverage"]["uncosted"]
    assert node["reasons"] == [
        "cost formula of Relu gives more than 10**30 operations (a rule's formula or the "
        "graph's shapes are wrong)"
    ]
    assert run("check", "--format", "markdown", "--rules", str(rules), str(model))[0] == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4_100_000_000, "4.1 GFLOPs"),
        (7.4e22, "74 ZFLOPs"),
        (10**30, "1.00e+30 FLOPs"),
        (10**400, "1.00e+400 FLOPs"),  # past any float
    ],
)
def test_large_counts_print(value: float, text: str) -> None:
    assert format_si(value, "FLOPs") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(2_097_152, "2 MiB"), (4 * 1024**7, "4 ZiB"), (10**400, "1.00e+400 B")],
)
def test_large_sizes_print(value: int, text: str) -> None:
    assert format_bytes(value) == text


@pytest.mark.parametrize(
    ("value", "dimension", "text"),
    [
        (5e14, "ops", "500 TFLOPs"),
        (1.98e28, "ops", "1.98e+28 FLOPs"),
        (10**400, "ops", "1.00e+400 FLOPs"),
    ],
)
def test_large_quantities_print(value: float, dimension: str, text: str) -> None:
    """Markdown's budget column printed '1.98e+13 PFLOPs' past the largest prefix."""
    assert format_quantity(value, dimension) == text
