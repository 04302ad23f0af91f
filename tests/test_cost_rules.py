"""Cost rules as data: loading, overriding, and errors that name file, op and expression."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelint.analysis import CONVENTION, load_cost_rules
from modelint.errors import CostRuleError
from modelint.resources import builtin_rules_dir
from modelint.schema import read_yaml, validate_document
from modelint.testing import analyze_text, node_cost

RELU = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 10] x) => (float[1, 10] y) { y = Relu (x) }
"""


def _rules(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    (directory / "custom.yaml").write_text(text)
    return directory


def test_every_builtin_entry_validates_has_a_source_and_compiles() -> None:
    """Built-in files skip validation at run time (they are compiled on first use): this is
    where their schema and formulas are checked."""
    for path in sorted((builtin_rules_dir() / "costs").glob("*.yaml")):
        validate_document(
            read_yaml(str(path), CostRuleError), "cost-rules", path=str(path), error=CostRuleError
        )
    rules = load_cost_rules()
    assert len(rules) > 150
    for rule in rules.sorted_rules():  # compiles every entry
        assert len(rule.source) > 10, rule.op_type
    assert CONVENTION == "modelint-cc/1"


def test_required_op_coverage() -> None:
    rules = load_cost_rules()
    onnx_ops = (
        "Add And ArgMax Attention AveragePool BatchNormalization Cast Clip Concat Constant "
        "ConstantOfShape Conv ConvInteger ConvTranspose CumSum DepthToSpace DequantizeLinear Div "
        "Einsum Elu Equal Erf Exp Expand Flatten Gather GatherElements GatherND Gelu Gemm "
        "GlobalAveragePool GlobalMaxPool Greater GroupNormalization GRU HardSigmoid HardSwish "
        "Identity If InstanceNormalization IsNaN LayerNormalization LeakyRelu Less Log "
        "LogSoftmax Loop LSTM MatMul MatMulInteger Max MaxPool Mean Min Mod Mul Neg Not Pad Pow "
        "PRelu QLinearConv QLinearMatMul QuantizeLinear Range Reciprocal ReduceL2 ReduceMax "
        "ReduceMean ReduceMin ReduceProd ReduceSum Relu Reshape Resize RMSNormalization RNN Scan "
        "ScatterND Selu Shape Sigmoid Sign Slice Softmax Softplus Softsign SpaceToDepth Split "
        "Sqrt Squeeze Sub Sum Tanh Tile TopK Transpose Unsqueeze Where"
    ).split()
    microsoft = (
        "FusedConv FusedMatMul Gelu FastGelu BiasGelu SkipLayerNormalization "
        "LayerNormalization Attention MultiHeadAttention GroupQueryAttention "
        "QuickGelu"
    ).split()
    missing = [op for op in onnx_ops if rules.get("ai.onnx", op) is None]
    missing += [
        f"com.microsoft::{op}" for op in microsoft if rules.get("com.microsoft", op) is None
    ]
    assert missing == []


def test_user_entry_overrides_builtin(tmp_path: Path) -> None:
    directory = _rules(tmp_path, "ops:\n  Relu:\n    source: house rule\n    flops: 3 * numel(Y)\n")
    analysis = analyze_text(RELU, rule_paths=[directory])
    assert node_cost(analysis, "Relu").flops == 30
    assert analyze_text(RELU).totals.flops == 10


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "ops:\n  Relu:\n    source: xyz\n    flops: numel(Yy)\n",
            r"custom\.yaml: ops\.Relu\.flops: Relu: unknown name 'Yy' \(did you mean 'y'\?\) at "
            r"column 7 in `numel\(Yy\)`",
        ),
        (
            "ops:\n  Relu:\n    source: xyz\n    flops: numel(Y) +\n",
            r"ops\.Relu\.flops: Relu: syntax error",
        ),
        (
            "ops:\n  Relu:\n    source: xyz\n    flops: __import__('os')\n",
            r"unknown function '__import__'",
        ),
        (
            "ops:\n  Relu:\n    source: xyz\n    fLops: numel(Y)\n",
            r"ops\.Relu: unknown key 'fLops' \(did you mean 'flops'\?\)",
        ),
        ("ops:\n  Relu:\n    flops: numel(Y)\n", r"ops\.Relu: 'source' is a required property"),
        ("ops:\n  Relu:\n    source: xyz\n", r"ops\.Relu: entry needs 'flops'"),
        ("ops: [1, 2\n", r"custom\.yaml: invalid YAML: line"),
        (
            "ops:\n  Relu:\n    source: xyz\n    flops: 1\n"
            "  Relu:\n    source: xyz\n    flops: 2\n",
            r"custom\.yaml: invalid YAML: line 5: duplicate key 'Relu'",
        ),
        (
            "ops:\n  Relu:\n    source: x\n    flops: 1\n",
            r"ops\.Relu\.source: 'x' is too short \(at least \d+ characters\)",
        ),
        (
            "ops:\n  Relu:\n    source: xyz\n    let: {a: b + 1, b: 2}\n    flops: a\n",
            r"ops\.Relu\.let\.a: Relu: unknown name 'b'.* \('b' is defined further down `let:`, "
            r"whose entries are read in order\)",
        ),
        (  # a cost file by its other keys: checked against the cost schema, not the lint one
            "domain: acme\nopps:\n  Frob:\n    source: our firmware\n    flops: 1\n",
            r"custom\.yaml: \(top level\): unknown key 'opps' \(did you mean 'ops'\?\)",
        ),
    ],
)
def test_invalid_rules_fail_at_load_naming_file_key_and_expression(
    tmp_path: Path, yaml_text: str, expected: str
) -> None:
    directory = _rules(tmp_path, yaml_text)
    with pytest.raises(CostRuleError, match=expected):
        load_cost_rules([directory])


def test_second_entry_for_the_same_op_in_one_source_is_an_error(tmp_path: Path) -> None:
    directory = _rules(tmp_path, "ops:\n  Relu:\n    source: first\n    flops: 1\n")
    (directory / "more.yaml").write_text("ops:\n  Relu:\n    source: again\n    flops: 2\n")
    with pytest.raises(CostRuleError, match=r"second cost entry for Relu \(first in .*custom"):
        load_cost_rules([directory])


def test_missing_rule_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CostRuleError, match="rule directory does not exist"):
        load_cost_rules([tmp_path / "nope"])


def test_runtime_failure_makes_the_node_uncosted_with_the_reason(tmp_path: Path) -> None:
    directory = _rules(tmp_path, "ops:\n  Relu:\n    source: xyz\n    flops: numel(Y) // 0\n")
    cost = node_cost(analyze_text(RELU, rule_paths=[directory]), "Relu")
    assert not cost.costed and cost.flops is None
    assert cost.reason is not None and "ZeroDivisionError" in cost.reason


def test_broken_rules_are_reported_before_a_conversion_is_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversion takes minutes: a broken rule file is the run's error before it starts
    (an ONNX file is loaded first, its inference started while the rules load)."""
    from modelint.rules import CheckOptions, check_paths
    from modelint.rules import run as run_module

    loads: list[Path] = []
    monkeypatch.setattr(run_module, "load_model", lambda path, *_: loads.append(path))
    model = tmp_path / "model.keras"
    model.write_bytes(b"not a keras archive")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yaml").write_text("convention: modelint-cc/1\ncosts: [\n")
    with pytest.raises(CostRuleError, match=r"broken\.yaml"):
        check_paths([model], CheckOptions(rule_paths=(str(rules),)))
    assert loads == []
