"""The command line: exit codes, one-line errors, formats, options."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import run

CUSTOM = """
<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
g (float[1, 4] x) => (float[1, 4] y) {
    a = Relu (x)
    y = acme.Frobnicate (a)
}
"""


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("modelint ")


def test_check_clean_model_exits_zero_with_a_summary(conv_model: Path) -> None:
    code, out, err = run("check", str(conv_model))
    assert (code, err) == (0, "")
    assert "MACs      6,912 (6.91 k)" in out
    assert "FLOPs     14,336 (14.3 k)" in out  # 2*6,912 + 256 bias + 256 relu
    assert "modelint-cc/1" in out
    assert "bound x[0] 'N'=1 (batch-default)" in out


def test_bad_file_is_one_line_exit_two_and_others_still_reported(
    tmp_path: Path, conv_model: Path
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00garbage")
    code, out, err = run("check", str(broken), str(conv_model))
    assert code == 2
    assert err.count("\n") == 1 and str(broken) in err and "Traceback" not in err
    assert str(conv_model) in out and "6,912" in out


def test_debug_adds_the_traceback(conv_model: Path) -> None:
    code, _, err = run("check", "--input-shape", "image=1,3,8,8", str(conv_model))
    assert code == 2 and "Traceback" not in err
    code, _, err = run("check", "--input-shape", "image=1,3,8,8", str(conv_model), "--debug")
    assert code == 2 and "Traceback" in err and "not a graph input" in err


def test_uncosted_node_is_listed_and_strict_makes_it_an_error_finding(
    write_model: Callable[..., Path],
) -> None:
    path = write_model(CUSTOM)
    code, out, _ = run("check", str(path))
    assert code == 0
    assert "1/2 nodes costed" in out
    assert "acme::Frobnicate x1: no cost rule for acme::Frobnicate" in out
    code, out, _ = run("check", "--strict", str(path))
    assert code == 1
    assert "error MLC001 uncosted-node [Frobnicate:y]" in out


def test_strict_wins_over_a_config_that_ignores_uncosted_nodes(
    tmp_path: Path, write_model: Callable[..., Path]
) -> None:
    """The command line beats the config: a CI job's --strict must fail on an uncosted node
    even where the config quiets MLC001 for everyday runs."""
    path = write_model(CUSTOM)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text(
        'ignore: [MLC001]\nper-file-ignores:\n  "*.onnx": [MLC]\n'
    )
    assert run("check", str(path))[0] == 0
    code, out, _ = run("check", "--strict", str(path))
    assert code == 1 and "error MLC001 uncosted-node [Frobnicate:y]" in out
    code, _, err = run("check", "--strict", "--ignore", "MLC", str(path))
    assert (code, err) == (
        2,
        "modelint: error: --strict makes MLC001 an error, and --ignore leaves it out\n",
    )


def test_custom_op_costed_from_a_user_rule_directory(
    tmp_path: Path, write_model: Callable[..., Path]
) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(
        "domain: acme\nops:\n  Frobnicate:\n    source: our kernel does 7 FLOPs per element\n"
        "    inputs: [X]\n    outputs: [Y]\n    flops: 7 * numel(Y)\n"
    )
    path = write_model(CUSTOM)
    code, out, _ = run("check", "--strict", "--rules", str(rules), "--format", "json", str(path))
    assert code == 0
    model = json.loads(out)["models"][0]
    assert model["totals"]["flops"] == 4 + 7 * 4  # Relu 4 + Frobnicate 7/element
    assert model["coverage"]["complete"] is True


def test_json_has_the_documented_envelope(conv_model: Path) -> None:
    code, out, _ = run("check", "--format", "json", "--nodes", str(conv_model))
    data = json.loads(out)
    assert code == 0
    assert set(data) == {
        "modelint",
        "schema",
        "convention",
        "models",
        "config_findings",
        "errors",
        "summary",
    }
    assert data["convention"] == "modelint-cc/1"
    model = data["models"][0]
    assert model["totals"] == {
        "macs": 6_912,
        "flops": 14_336,
        "transcendentals": 0,
        "params": 112,
        "weight_bytes": 448,
        "unused_params": 0,
        "lower_bound": False,
    }
    assert [node["op_type"] for node in model["nodes"]] == ["Conv", "Relu"]
    assert model["findings"] == []


def test_input_shape_flag(conv_model: Path) -> None:
    code, out, _ = run("check", "--format", "json", "--input-shape", "x=2,3,8,8", str(conv_model))
    assert code == 0
    assert json.loads(out)["models"][0]["totals"]["macs"] == 2 * 6_912


@pytest.mark.parametrize("bad", ["x", "x=1,a", "x=0,3,8,8", "=1,2"])
def test_malformed_input_shape_is_a_usage_error(conv_model: Path, bad: str) -> None:
    code, _, err = run("check", "--input-shape", bad, str(conv_model))
    assert code == 2 and "--input-shape" in err


def test_unknown_input_name_is_exit_two(conv_model: Path) -> None:
    code, _, err = run("check", "--input-shape", "image=1,3,8,8", str(conv_model))
    assert code == 2 and "not a graph input" in err


def test_a_directory_without_models_among_other_paths_is_an_error(
    conv_model: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "exported"
    empty.mkdir()
    (empty / "notes.txt").write_text("the export step wrote nothing\n")
    code, out, err = run("check", str(empty), str(conv_model))
    assert code == 2
    assert "1 model checked, 1 could not be read" in out
    assert err.startswith(f"modelint: error: {empty}: no model files found (looked for .h5, ")


def test_an_input_shape_given_twice_is_a_usage_error(conv_model: Path) -> None:
    code, _, err = run(
        "check", "--input-shape", "x=1,3,8,8", "--input-shape", "x=2,3,8,8", str(conv_model)
    )
    assert code == 2 and err == "modelint: --input-shape given twice for x\n"


def test_inspect_by_node_and_by_op_with_top(conv_model: Path) -> None:
    code, out, _ = run("inspect", str(conv_model))
    assert code == 0
    table = out.split("\n\n", 1)[1].splitlines()
    assert table[0].split()[:3] == ["node", "op", "layer/scope"]
    assert table[2].split()[:2] == ["Conv:c", "Conv"]
    code, out, _ = run("inspect", "--by", "op", "--top", "1", str(conv_model))
    rows = out.split("\n\n", 1)[1].splitlines()
    assert code == 0 and len(rows) == 3 and rows[2].startswith("Conv")


def test_inspect_json_lists_nodes(conv_model: Path) -> None:
    code, out, _ = run("inspect", "--format", "json", str(conv_model))
    nodes = json.loads(out)["models"][0]["nodes"]
    assert code == 0 and [n["macs"] for n in nodes] == [6_912, 0]


def test_inspect_json_top_cuts_the_rows_of_its_view(conv_model: Path) -> None:
    """--top N is the N costliest rows of the view asked for, as in the text report; the
    other arrays stay whole. Inspect does not lint: findings are not known (null), not []."""
    code, out, _ = run("inspect", "--format", "json", "--by", "op", "--top", "1", str(conv_model))
    report = json.loads(out)
    model = report["models"][0]
    assert code == 0 and [row["name"] for row in model["by_op"]] == ["Conv"]
    assert [node["key"] for node in model["nodes"]] == ["Conv:c", "Relu:y"]
    assert model["findings"] is None and report["summary"]["findings"] is None
    code, out, _ = run("inspect", "--format", "json", "--top", "1", str(conv_model))
    model = json.loads(out)["models"][0]
    assert [node["key"] for node in model["nodes"]] == ["Conv:c"]
    assert [row["name"] for row in model["by_op"]] == ["Conv", "Relu"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("garbage", "not a valid ONNX protobuf"),
        ("--input-shape", "input shape given for 'nope', which is not a graph input"),
    ],
)
def test_inspect_json_of_an_unreadable_model_is_still_a_document(
    tmp_path: Path, conv_model: Path, bad: str, message: str
) -> None:
    """A script reading inspect's JSON gets a document, with the error as check gives it."""
    if bad == "garbage":
        model = tmp_path / "bad.onnx"
        model.write_bytes(b"garbage")
        argv: tuple[str, ...] = (str(model),)
    else:
        model, argv = conv_model, ("--input-shape", "nope=1,2", str(conv_model))
    code, out, err = run("inspect", "--format", "json", *argv)
    report = json.loads(out)
    assert code == 2 and report["models"] == []
    [error] = report["errors"]
    assert error["path"] == str(model) and error["kind"] == "model"
    assert error["message"].startswith(f"{model}: ") and message in error["message"]
    assert report["summary"] == {"models": 0, "errors": 1, "findings": None}
    assert err == f"modelint: error: {error['message']}\n"


def test_missing_command_and_unknown_option_are_usage_errors() -> None:
    assert run()[0] == 2
    code, _, err = run("check", "--frobnicate", "x.onnx")
    assert code == 2 and "unrecognized arguments" in err


def test_directory_is_searched_for_models(tmp_path: Path, conv_model: Path) -> None:
    code, out, _ = run("check", str(tmp_path))
    assert code == 0 and "1 model checked" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run("check", str(empty))
    assert code == 2 and "no model files found" in err


def test_costs_as_json_name_each_rules_file_and_formulas(tmp_path: Path) -> None:
    rules = tmp_path / "house"
    rules.mkdir()
    (rules / "relu.yaml").write_text("ops:\n  Relu:\n    source: house rule\n    flops: 0\n")
    code, out, _ = run("costs", "--format", "json", "--rules", str(rules))
    assert code == 0
    document = json.loads(out)
    assert document["convention"] == "modelint-cc/1"
    by_op = {(rule["domain"], rule["op_type"]): rule for rule in document["rules"]}
    assert by_op["ai.onnx", "Relu"] == {
        "domain": "ai.onnx",
        "op_type": "Relu",
        "macs": "0",
        "flops": "0",
        "transcendentals": "0",
        "let": {},
        "control_flow": None,
        "source": "house rule",
        "file": str(rules / "relu.yaml"),
    }
    assert by_op["ai.onnx", "Softmax"]["transcendentals"] == "numel(output)"
    assert by_op["ai.onnx", "Gemm"]["file"] == "builtin:costs/linear.yaml"  # no machine's path
    loop = by_op["ai.onnx", "Loop"]
    assert loop["control_flow"] and loop["macs"] is None
    _, text, _ = run("costs")
    assert "Softmax" in text and "transcendentals: numel(output)" in text


def test_paths_may_follow_options(conv_model: Path, tmp_path: Path) -> None:
    """``check a.onnx --strict b.onnx``: argparse stopped the path list at the option and
    refused b.onnx as an unrecognized argument."""
    other = tmp_path / "other.onnx"
    other.write_bytes(conv_model.read_bytes())
    code, out, err = run("check", str(conv_model), "--format", "json", str(other))
    assert (code, err) == (0, "")
    assert [m["path"] for m in json.loads(out)["models"]] == [str(conv_model), str(other)]
    code, _, err = run("inspect", str(conv_model), str(other))
    assert (code, err) == (2, f"modelint: unrecognized arguments: {other}\n")
