"""Totals over a model with uncosted nodes are lower bounds, and every report says so: never a
bare 0 that reads as 'this model costs nothing'."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from report_support import run_cli

from modelint.testing import model_from_text

SYMBOLIC = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[batch, seq, 64] x) => (float[batch, seq, 32] z) {
    y = MatMul (x, w)
    z = Softmax <axis = -1> (y)
}
"""  # 'seq' stays unbound: neither node can be costed


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    onnx.save(model_from_text(SYMBOLIC, {"w": (64, 32)}), tmp_path / "symbolic.onnx")
    (tmp_path / ".modelint.yaml").write_text("budgets: {flops: 500 kFLOPs, latency: 30 ms}\n")
    return tmp_path


def test_text_totals_read_as_lower_bounds(project: Path) -> None:
    _, out, _ = run_cli("check", "symbolic.onnx", cwd=project)
    assert "  MACs      ≥ 0 (2 of 2 nodes uncosted)\n" in out
    assert "  FLOPs     ≥ 0 (2 of 2 nodes uncosted)  transcendentals ≥ 0\n" in out
    assert "flops ≥ 0 FLOPs / 500 kFLOPs (≥ 0.0 %; 2 of 2 nodes uncosted)" in out
    assert "latency ? / 30 ms (needs --profile)" in out  # no profile: say what is missing
    assert "MACs      0" not in out and "kFLOPs (0.0 %)" not in out


def test_markdown_totals_read_as_lower_bounds(project: Path) -> None:
    _, out, _ = run_cli("check", "symbolic.onnx", "--format", "markdown", cwd=project)
    assert "| MACs | ≥ 0 (2 of 2 nodes uncosted) |  |  |" in out
    assert "| FLOPs | ≥ 0 FLOPs (2 of 2 nodes uncosted) | 500 kFLOPs | ≥ 0.0 % |" in out


def test_json_keeps_the_numbers_and_flags_the_lower_bound(project: Path) -> None:
    _, out, _ = run_cli("check", "symbolic.onnx", "--format", "json", cwd=project)
    (model,) = json.loads(out)["models"]
    assert model["totals"]["flops"] == 0 and model["totals"]["lower_bound"] is True
    assert model["coverage"]["complete"] is False
    budgets = model["target"]["budgets"]
    assert budgets == {"flops": 500_000, "params": None, "latency_s": 0.03, "memory_bytes": None}
    assert isinstance(budgets["flops"], int)  # a count is an integer in JSON


def test_inspect_rows_of_uncosted_nodes_are_unknown(project: Path) -> None:
    _, out, _ = run_cli("inspect", "symbolic.onnx", "--by", "op", cwd=project)
    (matmul,) = [line.split() for line in out.splitlines() if line.startswith("MatMul")]
    assert matmul[3:5] == ["?", "?"]  # MACs, FLOPs: not 0
    _, out, _ = run_cli("inspect", "symbolic.onnx", cwd=project)
    (row,) = [line for line in out.splitlines() if line.startswith("MatMul")]
    assert "uncosted  " in row and " - " in row and "0.0 %" not in row  # no share of 0 either


def test_diff_marks_the_side_with_uncosted_nodes(project: Path, tmp_path: Path) -> None:
    bound = project / "bound.onnx"
    model = model_from_text(SYMBOLIC.replace("seq", "4"), {"w": (64, 32)})
    onnx.save(model, bound)
    _, out, _ = run_cli("diff", "symbolic.onnx", "bound.onnx", cwd=project)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[3:7]}
    assert rows["MACs"][:3] == ["≥", "0", "8,192"]  # old: a lower bound; new: exact
    assert rows["uncosted"][:3] == ["nodes", "2", "0"]
    _, out, _ = run_cli("diff", "symbolic.onnx", "bound.onnx", "--format", "json", cwd=project)
    (pair,) = json.loads(out)["models"]
    assert pair["totals"]["uncosted_nodes"] == {"old": 2, "new": 0, "change": -2}
