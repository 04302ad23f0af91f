"""Findings: total order, fingerprints (node key and structure), rule tests as data."""

from __future__ import annotations

from pathlib import Path

from cli_support import run as _run

from modelint.findings import Finding, Location, Severity
from modelint.rules import RuleSettings, load_lint_rules, run_rules
from modelint.testing import analyze_text

MODEL = """<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
g (float[1, 4] x) => (float[1, 4] y) {
    NAME_A = acme.Foo (x)
    r = Relu (NAME_A)
    NAME_B = acme.Foo (r)
    y = Relu (NAME_B)
}"""


def _findings(text: str) -> list[Finding]:
    rules = load_lint_rules()
    result = run_rules(analyze_text(text), rules, RuleSettings(enabled=frozenset({"MLC001"})))
    # The Relus after the custom ops are uncosted too (their input shapes are unknown)
    return [f for f in result.findings if f.location.op_type == "Foo"]


def test_findings_sort_by_file_then_severity_then_rule_then_node() -> None:
    def make(path: str, severity: Severity, rule: str, node: str) -> Finding:
        return Finding.create(
            rule_id=rule,
            rule_name="r",
            severity=severity,
            message="m",
            location=Location(path, node=node),
        )

    findings = [
        make("b.onnx", Severity.ERROR, "A1", "n"),
        make("a.onnx", Severity.INFO, "A1", "n"),
        make("a.onnx", Severity.ERROR, "B1", "n"),
        make("a.onnx", Severity.ERROR, "A1", "z"),
        make("a.onnx", Severity.ERROR, "A1", "m"),
    ]
    ordered = [
        (f.location.path, f.severity.label, f.rule_id, f.location.node) for f in sorted(findings)
    ]
    assert ordered == [
        ("a.onnx", "error", "A1", "m"),
        ("a.onnx", "error", "A1", "z"),
        ("a.onnx", "error", "B1", "n"),
        ("a.onnx", "info", "A1", "n"),
        ("b.onnx", "error", "A1", "n"),
    ]


def test_structural_fingerprints_survive_renames_and_tell_repeats_apart() -> None:
    before = _findings(MODEL.replace("NAME_A", "a").replace("NAME_B", "b"))
    after = _findings(MODEL.replace("NAME_A", "first").replace("NAME_B", "second"))
    assert [f.location.node for f in before] == ["Foo:a", "Foo:b"]
    assert [f.location.node for f in after] == ["Foo:first", "Foo:second"]
    assert [f.structural for f in before] == [f.structural for f in after]
    assert before[0].structural != before[1].structural  # same op, different neighbourhood
    assert before[0].fingerprint != after[0].fingerprint  # the node key changed
    assert len(before[0].fingerprint) == 64 and len(before[0].structural) == 64


def test_modelint_test_runs_expected_yaml_cases(tmp_path: Path) -> None:
    (tmp_path / "custom.onnxtxt").write_text(
        '<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>\n'
        "g (float[1, 4] x) => (float[1, 4] y) { a = acme.Foo (x)\n b = acme.Foo (x)\n"
        " y = Add (a, b) }\n"
    )
    (tmp_path / "plain.onnxtxt").write_text(
        '<ir_version: 8, opset_import: ["" : 17]>\n'
        "g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }\n"
    )
    expected = tmp_path / "expected.yaml"
    expected.write_text(
        "rules: [MLC001]\nmodels:\n  custom.onnxtxt:\n"
        "    - {rule: MLC001, node: 'Foo:a'}\n    - {rule: MLC001, node: 'Foo:b'}\n"
        "  plain.onnxtxt: []\n"
    )  # Add is costed: y's shape is declared
    code, out, _ = _run("test", str(tmp_path))
    assert code == 0
    assert out.splitlines() == [
        f"PASS  {expected}: custom.onnxtxt",
        f"PASS  {expected}: plain.onnxtxt",
        "2 passed, 0 failed",
    ]
    expected.write_text("models:\n  custom.onnxtxt:\n    - {rule: MLC001, node: 'Foo:a'}\n")
    code, out, _ = _run("test", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [
        f"FAIL  {expected}: custom.onnxtxt",
        "      expected: [('MLC001', 'Foo:a')]",
        "      actual:   [('MLC001', 'Foo:a'), ('MLC001', 'Foo:b')]",
        "0 passed, 1 failed",
    ]


def test_the_projects_own_rules_pass_their_tests() -> None:
    code, out, _ = _run("test", str(Path(__file__).resolve().parent.parent / "rules"))
    assert code == 0, out
    assert "FAIL" not in out and " 0 failed" in out


def test_severity_reads_as_its_name() -> None:
    assert str(Severity.WARNING) == "warning" and f"{Severity.ERROR:>6}" == " error"
    assert Severity.ERROR > Severity.WARNING > Severity.INFO and int(Severity.INFO) == 1


def test_the_package_lists_its_api() -> None:
    """What a caller types, catches and annotates with, all from the package itself."""
    import modelint
    from modelint.analysis import ModelAnalysis
    from modelint.errors import ModelintError

    assert dir(modelint) == [
        "Finding",
        "ModelAnalysis",
        "ModelintError",
        "__version__",
        "analyze",
        "lint",
    ]
    assert modelint.ModelintError is ModelintError and modelint.Finding is Finding
    assert modelint.ModelAnalysis is ModelAnalysis


def test_the_layer_a_report_shows_is_the_source_layer_else_the_name_scope() -> None:
    assert Location("m.onnx", node="enc/attn/q", layer="encoder").shown_layer == "encoder"
    assert Location("m.onnx", node="enc/attn/q").shown_layer == "enc/attn"
    assert Location("m.onnx", node="MatMul:y").shown_layer == ""
    assert Location("m.onnx").shown_layer == ""
    body = Location("m.onnx", graph_path="loop/body", node="loop/body/cell/MatMul_1")
    assert body.shown_layer == "cell"  # the scope inside the body, not the body's path
