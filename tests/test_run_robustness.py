"""A run survives a bad graph; rule directories named twice are read once; totals with
uncosted nodes are unknown to budget rules; the Python API checks rule parameters."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from cli_support import run
from onnx import TensorProto, helper

import modelint
from modelint.errors import UsageError, describe_exception
from modelint.testing import model_from_text


def _cyclic(path: Path) -> Path:
    nodes = [
        helper.make_node("Add", ["x", "b"], ["a"], "first"),
        helper.make_node("Relu", ["a"], ["b"], "second"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 4])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


GOOD = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }"
)


def test_a_cyclic_graph_fails_alone_and_names_its_file(tmp_path: Path) -> None:
    bad = _cyclic(tmp_path / "cycle.onnx")
    good = tmp_path / "good.onnx"
    onnx.save(model_from_text(GOOD), good)
    code, out, err = run("check", "--format", "json", str(bad), str(good))
    assert code == 2
    assert err.strip().endswith(f"{bad}: the graph has a cycle (ONNX graphs must be acyclic)")
    report = json.loads(out)
    assert [m["path"] for m in report["models"]] == [str(good)]


def test_the_same_rule_directory_from_config_and_command_line_is_read_once(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(
        "id: ACME001\nname: no-relu\nsummary: no Relu\ndescription: a test rule\n"
        "severity: warning\nkind: node\nmatch: {op: Relu}\nmessage: '{op} found'\n"
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text("rule-paths: [rules]\n")
    model = tmp_path / "m.onnx"
    onnx.save(model_from_text(GOOD), model)
    code, out, err = run("check", "--rules", str(rules), "--format", "concise", str(model))
    assert err == "" and code == 0  # no "duplicate rule code" error
    assert out.count("warning ACME001 no-relu") == 1


def test_budget_rules_are_undecided_while_nodes_are_uncosted(tmp_path: Path) -> None:
    symbolic = (
        '<ir_version: 8, opset_import: ["" : 17]>\n'
        "g (float[1, L, 8] x) => (float[1, L, 8] y) { y = Softmax (x) }"
    )
    model = tmp_path / "m.onnx"
    onnx.save(model_from_text(symbolic), model)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text("budgets: {flops: 1 kFLOPs}\n")
    code, out, _ = run("check", "--format", "json", str(model))
    assert code == 0
    undecided = json.loads(out)["models"][0]["undecided"]
    assert [(u["rule_id"], u["reason"]) for u in undecided] == [
        (
            "MLH001",
            "model.flops is not known: 1 of 1 nodes are uncosted (MLC001), so the total is only "
            "a lower bound",
        )
    ]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"MLA001": {"dept": 6}},
            "parameters: MLA001 has no parameter 'dept' (did you mean 'depth'?); parameters: "
            "chain, depth",
        ),
        ({"MLA999": {"depth": 6}}, "parameters: no rule 'MLA999'"),
        ({"MLA001": {"depth": "six"}}, "parameters: MLA001: depth must be int, not str"),
    ],
)
def test_api_rejects_bad_parameters(parameters: dict[str, dict[str, object]], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        modelint.lint(model_from_text(GOOD), parameters=parameters)
    assert str(caught.value) == message


def test_api_select_names_what_it_did_not_find() -> None:
    with pytest.raises(UsageError) as caught:
        modelint.lint(model_from_text(GOOD), select=["MLA0001"])
    assert str(caught.value) == "select: 'MLA0001' selects no rule (did you mean 'MLA001'?)"


def test_api_takes_rule_names_for_parameters() -> None:
    model = model_from_text(GOOD)
    found = modelint.lint(
        model, parameters={"saturating-activation-before-deep-stack": {"depth": 6}}
    )
    assert [f.rule_id for f in found] == []


UNKNOWN_SEQ = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, S, 4] x, float[4, 5] w, float[5, 5] v) => (float[1, S, 5] y) {\n"
    " a = MatMul (x, w)\n y = MatMul (a, v)\n}\n"
)
BIG_MATMUL_RULE = """id: XBIG001
name: big-matmul
summary: MatMul over 10 MACs.
description: a node rule reading a cost
severity: warning
kind: node
match: {op: [MatMul]}
where: [cost.macs > 10]
message: "{node.name} is big"
"""


def test_undecided_node_rules_count_nodes_and_model_rules_do_not(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "big.yaml").write_text(BIG_MATMUL_RULE)
    model = tmp_path / "m.onnxtxt"
    model.write_text(UNKNOWN_SEQ)
    (tmp_path / ".modelint.yaml").write_text("budgets: {flops: 1 MFLOPs}\n")
    code, out, _ = run("check", "--format", "json", "--rules", str(rules), str(model))
    (result,) = json.loads(out)["models"]
    assert {(u["rule_id"], u["node"]) for u in result["undecided"]} == {
        ("XBIG001", "MatMul:a"),
        ("XBIG001", "MatMul:y"),
        ("MLH001", None),
    }
    code, out, _ = run("check", "--rules", str(rules), str(model))
    assert code == 0
    assert (
        "  undecided XBIG001 on 2 nodes: macs of node 'MatMul:a' not known "
        "(shape of output 0 (Y) 'a' unknown (1x?x5))\n"
    ) in out
    assert (
        "  undecided MLH001: model.flops is not known: 2 of 2 nodes are uncosted (MLC001), "
        "so the total is only a lower bound\n"
    ) in out


def test_an_error_without_a_message_is_named_alone() -> None:
    """A MemoryError says nothing: the line names it, with no dangling ': '."""
    assert describe_exception(MemoryError()) == "MemoryError"
    assert describe_exception(KeyError("x")) == "KeyError: 'x'"
