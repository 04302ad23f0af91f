"""``modelint test DIR``: mistakes in expected.yaml are one-line errors naming the key path;
an entry without ``node`` expects a model-level finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run as _run

GRAPH = "g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }\n"
RELU = '<ir_version: 8, opset_import: ["" : 17]>\n' + GRAPH
OLD_OPSET = '<ir_version: 6, opset_import: ["" : 11]>\n' + GRAPH  # MLG008: model-level


def _case(tmp_path: Path, expected: str) -> Path:
    (tmp_path / "mlp.onnxtxt").write_text(RELU)
    (tmp_path / "old.onnxtxt").write_text(OLD_OPSET)
    path = tmp_path / "expected.yaml"
    path.write_text(expected)
    return path


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "models: {mlp.onnxtxt: [MLA001]}",
            "models.mlp.onnxtxt[0]: expected a mapping with 'rule' (and optionally 'node'), "
            "got 'MLA001'",
        ),
        (
            "models: {mlp.onnxtxt: [{node: x}]}",
            "models.mlp.onnxtxt[0]: expected a mapping with 'rule' (and optionally 'node'), "
            "got {'node': 'x'}",
        ),
        (
            "models: {mlp.onnxtxt: [{rule: MLA001}, {rule: MLA01, node: x}]}",
            "models.mlp.onnxtxt[1].rule: unknown rule 'MLA01' (did you mean 'MLA001'?)",
        ),
        (
            "models: {mlp.onnxtxt: [{rule: mla001}]}",
            "models.mlp.onnxtxt[0].rule: unknown rule 'mla001' (did you mean 'MLA001'?)",
        ),
        (
            "models: {mlp.onnxtxt: [{rule: MLA001, node: x, sev: error}]}",
            "models.mlp.onnxtxt[0]: unknown key 'sev'; valid keys: rule, node",
        ),
        (
            "models: {mlp.onnxtxt: [{rule: MLA001, node: 3}]}",
            "models.mlp.onnxtxt[0].node: expected a node key (a string; omit `node` for a "
            "model-level finding), got 3",
        ),
        (
            "models: {mlp.onnxtxt: }",
            "models.mlp.onnxtxt: expected a list of {rule, node} findings ([] for none), got None",
        ),
        (
            "{rules: [MLA002], models: {mlp.onnxtxt: [{rule: MLA001}]}}",
            "models.mlp.onnxtxt[0].rule: rule 'MLA001' is not under test (add it to `rules:`)",
        ),
        (
            "{rules: [MLA0022], models: {mlp.onnxtxt: []}}",
            "rules[0]: unknown rule 'MLA0022' (did you mean 'MLA002'?)",
        ),
        (
            "{rules: MLA002, models: {mlp.onnxtxt: []}}",
            "rules: expected a list of rule ids, got 'MLA002'",
        ),
        (
            "{rulse: [MLA002], models: {mlp.onnxtxt: []}}",
            "unknown key 'rulse' (did you mean 'rules'?); valid keys: rules, models, "
            "parameters, profile, budgets, dtype",
        ),
        (
            "{parameters: {MLA001: {dept: 2}}, models: {mlp.onnxtxt: []}}",
            "parameters.MLA001.dept: MLA001 has no parameter 'dept' (did you mean 'depth'?)",
        ),
        (
            "{parameters: {MLA001: {depth: two}}, models: {mlp.onnxtxt: []}}",
            "parameters.MLA001.depth: depth must be int, not str",
        ),
    ],
)
def test_expected_yaml_mistakes_are_one_line_errors(
    tmp_path: Path, document: str, message: str
) -> None:
    path = _case(tmp_path, document + "\n")
    code, out, err = _run("test", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"modelint: error: {path}: {message}\n"


SIGMOID_STACK = """<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 2] x) => (float[1, 2] y) <float[2, 2] w = {1, 0, 0, 1}> {
    s = Sigmoid (x)
    a = MatMul (s, w)
    b = MatMul (a, w)
    y = MatMul (b, w)
}
"""


def test_a_case_sets_rule_parameters_and_names_rules_by_name(tmp_path: Path) -> None:
    """Three weight layers after a sigmoid: below MLA001's default depth (4), at 2 it fires;
    the rule may be named by its name, as everywhere else."""
    (tmp_path / "sig.onnxtxt").write_text(SIGMOID_STACK)
    expected = tmp_path / "expected.yaml"
    expected.write_text("models: {sig.onnxtxt: []}\nrules: [MLA001]\n")
    assert _run("test", str(tmp_path))[0] == 0
    expected.write_text(
        "parameters: {saturating-activation-before-deep-stack: {depth: 2}}\n"
        "models: {sig.onnxtxt: [{rule: saturating-activation-before-deep-stack, "
        "node: 'Sigmoid:s'}]}\n"
    )
    code, out, err = _run("test", str(tmp_path))
    assert (code, err) == (0, "") and out.endswith("1 passed, 0 failed\n")


def test_an_entry_without_node_expects_a_model_level_finding(tmp_path: Path) -> None:
    path = _case(tmp_path, "models: {old.onnxtxt: [{rule: MLG008}], mlp.onnxtxt: []}\n")
    code, out, err = _run("test", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"PASS  {path}: old.onnxtxt",
        f"PASS  {path}: mlp.onnxtxt",
        "2 passed, 0 failed",
    ]
    path.write_text("models: {old.onnxtxt: [{rule: MLG008, node: 'Relu:y'}]}\n")
    code, out, _ = _run("test", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [
        f"FAIL  {path}: old.onnxtxt",
        "      expected: [('MLG008', 'Relu:y')]",
        "      actual:   [('MLG008', None)]",
        "0 passed, 1 failed",
    ]


def test_a_directory_without_rule_tests_prints_only_the_error(tmp_path: Path) -> None:
    code, out, err = _run("test", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"modelint test: no rule tests under {tmp_path} (expected.yaml files or rules with "
        "docs examples)\n"
    )


def test_a_directory_of_cost_rules_only_passes_once_they_load(tmp_path: Path) -> None:
    """The modelint-test-rules hook on a directory holding only cost entries (the README's
    FusedSwiGLU): nothing to test, and the rules load, so it passes; a broken one fails."""
    rules = tmp_path / "modelint-rules"
    rules.mkdir()
    entry = (
        "domain: com.acme\nops:\n  FusedSwiGLU:\n    source: our kernel\n"
        "    inputs: [X, W_gate, W_up]\n    outputs: [Y]\n    flops: 5 * numel(Y)\n"
    )
    (rules / "swiglu.yaml").write_text(entry)
    code, out, err = _run("test", str(rules))
    assert (code, out, err) == (
        0,
        f"no rule tests under {rules}; its rules load without error\n",
        "",
    )
    (rules / "swiglu.yaml").write_text(entry.replace("numel(Y)", "numel(Z)"))
    code, out, err = _run("test", str(rules))
    assert code == 2 and out == "" and "swiglu.yaml" in err and "'Z'" in err
