"""Lint rules as data: node, path and aggregate kinds, macros, parameters, messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import run

from modelint.rules import RuleSettings, load_lint_rules, run_rules
from modelint.testing import analyze_text

HEADER = '<ir_version: 8, opset_import: ["" : 17]>\n'

LARGE_KERNEL = """
id: USR001
name: large-conv-kernel
summary: Convolution kernel larger than allowed
description: Large kernels are slow on most accelerators; use stacked 3x3 convolutions.
severity: warning
kind: node
parameters:
  max_kernel: {type: int, default: 7, doc: largest kernel side allowed}
match: {op: Conv}
where: max(inputs[1].shape[2:]) > params.max_kernel
properties:
  kernel: max(inputs[1].shape[2:])
message: "kernel {inputs[1].shape[2:]} is larger than {params.max_kernel}"
"""

SOFTMAX_MATMULS = """
id: USR002
name: softmax-before-many-matmuls
summary: Softmax followed by many MatMuls
description: A probability vector fed through a long chain of products.
severity: info
kind: path
parameters:
  n: {type: int, default: 2, doc: the most MatMuls allowed after a Softmax}
match: {op: Softmax}
path: {direction: downstream, count: [MatMul]}
where: count > params.n
message: "Softmax is followed by {count} MatMuls (more than {params.n}) through {path}"
"""

CONV = (
    HEADER
    + """
g (float[1, 3, 32, 32] x) => (float[1, 8, SIZE, SIZE] y) {
    y = Conv (x, w)
}
"""
)

CHAIN = (
    HEADER
    + """
g (float[1, 8] x) => (float[1, 8] y) {
    s = Softmax (x)
    a = MatMul (s, w)
    b = MatMul (a, w)
    c = Relu (b)
    y = MatMul (c, w)
}
"""
)


@pytest.fixture
def user_rules(tmp_path: Path) -> Path:
    directory = tmp_path / "my-rules"
    directory.mkdir()
    (directory / "large-kernel.yaml").write_text(LARGE_KERNEL)
    (directory / "softmax.yaml").write_text(SOFTMAX_MATMULS)
    return directory


def _conv(write_model: Callable[..., Path], kernel: int, name: str) -> Path:
    size = 32 - kernel + 1
    return write_model(CONV.replace("SIZE", str(size)), name=name, w=(8, 3, kernel, kernel))


def _findings(out: str) -> list[dict[str, object]]:
    return [
        f
        for model in json.loads(out)["models"]
        for f in model["findings"]
        if str(f["rule_id"]).startswith("USR")
    ]


def test_user_node_rule_fires_via_rules_flag(
    user_rules: Path, write_model: Callable[..., Path]
) -> None:
    big, small = _conv(write_model, 9, "big.onnx"), _conv(write_model, 3, "small.onnx")
    code, out, _ = run(
        "check", "--format", "json", "--rules", str(user_rules), str(big), str(small)
    )
    assert code == 0  # a warning does not fail the run at fail-on error
    [finding] = _findings(out)
    assert finding["path"] == str(big)
    assert (finding["rule_id"], finding["severity"], finding["node"]) == (
        "USR001",
        "warning",
        "Conv:y",
    )
    assert finding["message"] == "kernel (9, 9) is larger than 7"
    assert finding["properties"] == {"kernel": 9}


def test_user_rules_via_config_with_a_parameter(
    tmp_path: Path, user_rules: Path, write_model: Callable[..., Path]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text(
        "rule-paths: [my-rules]\nrules:\n  large-conv-kernel: {max_kernel: 2}\n"
        "  USR002: {n: 1, severity: error}\n"
    )
    small = _conv(write_model, 3, "small.onnx")
    chain = write_model(CHAIN, name="chain.onnx", w=(8, 8))
    code, out, _ = run("check", "--format", "json", str(small), str(chain))
    found = {(f["rule_id"], f["node"], f["severity"]) for f in _findings(out)}
    assert found == {("USR001", "Conv:y", "warning"), ("USR002", "Softmax:s", "error")}
    assert code == 1  # the error fails the run


def test_path_rule_counts_the_longest_path_and_reports_it(
    user_rules: Path, write_model: Callable[..., Path]
) -> None:
    chain = write_model(CHAIN, name="chain.onnx", w=(8, 8))
    code, out, _ = run("check", "--format", "json", "--rules", str(user_rules), str(chain))
    assert code == 0
    [finding] = _findings(out)
    assert finding["message"] == (
        "Softmax is followed by 3 MatMuls (more than 2) through "
        "('MatMul:a', 'MatMul:b', 'MatMul:y')"
    )
    assert finding["properties"] == {"count": 3}
    quiet = write_model(
        CHAIN.replace("y = MatMul (c, w)", "y = Relu (c)"), name="quiet.onnx", w=(8, 8)
    )
    assert (
        _findings(run("check", "--format", "json", "--rules", str(user_rules), str(quiet))[1]) == []
    )


def _analysis_rules(tmp_path: Path, text: str, rule_yaml: str) -> list[tuple[str, str | None, str]]:
    directory = tmp_path / "r"
    directory.mkdir(exist_ok=True)
    (directory / "rule.yaml").write_text(rule_yaml)
    rules = load_lint_rules([directory])
    analysis = analyze_text(text, {"w": (8, 8)})
    result = run_rules(analysis, rules, RuleSettings(enabled=frozenset({"USR009"})))
    return [(f.rule_id, f.location.node, f.message) for f in result.findings]


PATH_RULE = """
id: USR009
name: probe
summary: probe
description: probe rule for the path engine
severity: info
kind: path
match: {op: START}
path: {direction: DIRECTION, count: [MatMul], MORE}
message: "{count}"
"""


@pytest.mark.parametrize(
    ("start", "direction", "more", "expected"),
    [
        ("Softmax", "downstream", "", "3"),
        ("Softmax", "downstream", "reset: [Relu]", "2"),  # the Relu stops the count
        ("Softmax", "downstream", "measure: shortest", "3"),
        ("Relu", "upstream", "", "2"),  # a, b before c
        ("Softmax", "downstream", "min: 4", None),  # below min: no finding
    ],
)
def test_path_directions_resets_measures_and_bounds(
    tmp_path: Path, start: str, direction: str, more: str, expected: str | None
) -> None:
    rule = (
        PATH_RULE.replace("START", start)
        .replace("DIRECTION", direction)
        .replace(", MORE", f", {more}" if more else "")
    )
    found = _analysis_rules(tmp_path, CHAIN, rule)
    assert [message for _, _, message in found] == ([expected] if expected else [])


def test_a_sequence_property_is_a_json_array(tmp_path: Path) -> None:
    """A path, a tuple of op types: reports carry the items (it was Python's tuple text)."""
    rule = (
        PATH_RULE.replace("START", "Softmax").replace("DIRECTION", "downstream")
        .replace(", MORE", "") + "properties: {path: path, ops: producer_ops(node), depth: count}\n"
    )  # fmt: skip
    directory = tmp_path / "r"
    directory.mkdir()
    (directory / "rule.yaml").write_text(rule)
    analysis = analyze_text(CHAIN, {"w": (8, 8)})
    rules = load_lint_rules([directory])
    (finding,) = run_rules(analysis, rules, RuleSettings(enabled=frozenset({"USR009"}))).findings
    assert dict(finding.properties) == {
        "path": ("MatMul:a", "MatMul:b", "MatMul:y"),
        "ops": (),  # the Softmax reads a graph input only
        "depth": 3,
        "count": 3,
    }
    from modelint.report.json_report import finding_dict

    document = json.loads(json.dumps(finding_dict(finding)))
    assert document["properties"]["path"] == ["MatMul:a", "MatMul:b", "MatMul:y"]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # the path ends at the reset, which the route shows last
        ("Softmax", "2: ('MatMul:a', 'MatMul:b') | ('MatMul:a', 'MatMul:b', 'Relu:c')"),
        ("Relu", "1: ('MatMul:y',) | ('MatMul:y',)"),  # a path that starts at a reset goes on
    ],
)
def test_a_reset_ends_the_path_shown_as_it_ends_the_count(
    tmp_path: Path, start: str, expected: str
) -> None:
    """The count stopped at the Relu while the path shown ran on to the graph's end."""
    rule = (
        PATH_RULE.replace("START", start)
        .replace("DIRECTION", "downstream")
        .replace(", MORE", ", reset: [Relu]")
        .replace('message: "{count}"', 'message: "{count}: {path} | {route}"')
    )
    found = _analysis_rules(tmp_path, CHAIN, rule)
    assert [message for *_, message in found] == [expected]


def test_shortest_path_takes_the_shortcut(tmp_path: Path) -> None:
    residual = (
        HEADER
        + """
    g (float[1, 8] x) => (float[1, 8] y) {
        s = Softmax (x)
        a = MatMul (s, w)
        b = MatMul (a, w)
        y = Add (b, s)
    }
    """
    )
    rule = PATH_RULE.replace("START", "Softmax").replace("DIRECTION", "downstream")
    longest = _analysis_rules(tmp_path, residual, rule.replace(", MORE", ""))
    shortest = _analysis_rules(tmp_path, residual, rule.replace(", MORE", ", measure: shortest"))
    assert [m for *_, m in longest] == ["2"] and [m for *_, m in shortest] == ["0"]


AGGREGATE = """
id: USR010
name: flop-ceiling
summary: Too many FLOPs
description: The model costs more than the budget.
severity: warning
kind: aggregate
parameters:
  budget: {type: int, default: 1000, doc: FLOPs allowed}
levels:
  - severity: error
    when: model.flops > params.budget
  - severity: warning
    when: model.flops > 0.9 * params.budget
    message: "{model.flops:,} FLOPs is {model.flops / params.budget:%} of the budget"
message: "{model.flops:si:FLOPs} exceed the budget of {params.budget:si:FLOPs}"
"""


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        (1_000, [("error", "1.02 kFLOPs exceed the budget of 1 kFLOPs")]),
        (1_100, [("warning", "1,024 FLOPs is 93.1 % of the budget")]),
        (2_000, []),
    ],
)
def test_aggregate_levels_first_match_wins(
    tmp_path: Path, write_model: Callable[..., Path], budget: int, expected: list[tuple[str, str]]
) -> None:
    directory = tmp_path / "agg"
    directory.mkdir()
    (directory / "budget.yaml").write_text(AGGREGATE)
    model = write_model(HEADER + "g (float[1, 1024] x) => (float[1, 1024] y) { y = Relu (x) }")
    config = tmp_path / "c.yaml"
    config.write_text(f"rules:\n  USR010: {{budget: {budget}}}\n")
    _, out, _ = run(
        "check", "--format", "json", "--rules", str(directory), "--config", str(config), str(model)
    )
    found = [(f["severity"], f["message"]) for f in _findings(out)]
    assert found == expected
    if found:
        assert _findings(out)[0]["node"] is None  # a model-level finding


def test_macros_with_a_condition(tmp_path: Path) -> None:
    rule = """
id: USR009
name: probe
summary: probe
description: weight layers only
severity: info
kind: node
match: {op: "@weight-layers"}
message: "{op}"
"""
    text = (
        HEADER
        + """
    g (float[1, 8] x, float[8, 8] k) => (float[1, 8] y) {
        a = MatMul (x, w)
        y = MatMul (a, k)
    }
    """
    )
    found = _analysis_rules(tmp_path, text, rule)
    assert found == [("USR009", "MatMul:a", "MatMul")]  # MatMul(a, k): no constant weight


def test_undecided_nodes_are_reported_not_guessed(tmp_path: Path) -> None:
    rule = LARGE_KERNEL.replace("USR001", "USR009")
    directory = tmp_path / "u"
    directory.mkdir()
    (directory / "rule.yaml").write_text(rule)
    text = (
        HEADER + "g (float[1, 3, H, W] x, float[8, 3, K, K] w) => (float[1, 8, A, B] y) "
        "{ y = Conv (x, w) }"
    )
    analysis = analyze_text(text)
    result = run_rules(
        analysis, load_lint_rules([directory]), RuleSettings(enabled=frozenset({"USR009"}))
    )
    assert result.findings == ()
    [undecided] = result.undecided
    assert undecided.rule_id == "USR009" and undecided.node == "Conv:y"
    assert "shape of input 1 'w' unknown" in undecided.reason
