"""Rule and config error paths, selection, presets, suppressions: exact message shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from cli_support import run

from modelint.config import Config, load_config
from modelint.config_files import PRESETS, preset_path
from modelint.errors import ConfigError, RuleError
from modelint.rules import load_lint_rules
from modelint.rules.selection import rule_settings
from modelint.schema import read_yaml, validate_document

HEADER = '<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>\n'
UNCOSTED = HEADER + "g (float[1, 4] x) => (float[1, 4] y) { a = Relu (x)\n y = acme.Foo (a) }"
RULE = """
id: USR001
name: probe-rule
summary: probe
description: a rule for error-path tests
severity: warning
kind: node
match: {op: Relu}
message: "{op}"
"""


def _rules_dir(tmp_path: Path, text: str, name: str = "rules") -> Path:
    directory = tmp_path / name
    directory.mkdir(exist_ok=True)
    (directory / "rule.yaml").write_text(text)
    return directory


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [1, 2\n", r"rule\.yaml: invalid YAML: line \d+"),
        (
            RULE.replace("severity:", "severty:"),
            r"rule\.yaml: \(top level\): unknown key 'severty' \(did you mean 'severity'\?\)",
        ),
        (
            RULE.replace("severity: warning", "severity: fatal"),
            r"rule\.yaml: severity: 'fatal' is not one of: error, warning, info",
        ),
        (
            RULE.replace('"{op}"', '"{opp}"'),
            r"rule\.yaml: message: USR001: unknown name 'opp' \(did you mean 'op'\?\) at column 1 "
            r"in `opp`",
        ),
        (RULE + "where: op ==\n", r"rule\.yaml: where: USR001: syntax error"),
        (
            RULE + "where: inputs[0].shap[1] > 1\n",
            r"rule\.yaml: where\[0\]: USR001: unknown field of inputs 'shap' \(did you mean "
            r"'shape'\?\) in `inputs\[0\]\.shap\[1\] > 1`",
        ),
        (
            RULE.replace('"{op}"', '"{op} over {params.limit}"'),
            r"rule\.yaml: message: USR001: unknown parameter 'limit' in `params\.limit`",
        ),
        (
            RULE + "where: node.in_subgrph\n",
            r"rule\.yaml: where\[0\]: USR001: unknown field of node 'in_subgrph' \(did you "
            r"mean 'in_subgraph'\?\)",
        ),
        (
            RULE.replace("{op: Relu}", "{op: '@weights'}"),
            r"rule\.yaml: match\.op: USR001: unknown macro '@weights'; known: @norm, @saturating, "
            r"@weight-layers",
        ),
        (
            RULE.replace("kind: node", "kind: path"),
            r"rule\.yaml: USR001: a path rule needs a `path:` section",
        ),
        (RULE.replace("id: USR001", "id: usr1"), r"rule\.yaml: id: 'usr1' does not match"),
        (  # found at load, not once per model at run time
            RULE.replace("{op: Relu}", "{op: Relu, name: '(['}"),
            r"rule\.yaml: match\.name: USR001: not a regular expression: unterminated",
        ),
        (
            RULE.replace('"{op}"', '"{op:%Q}"'),
            r"rule\.yaml: message: USR001: format '%Q' fits no value",
        ),
        (  # filters an aggregate rule never reads
            RULE.replace("kind: node", "kind: aggregate")
            + "levels: [{severity: warning, when: model.params > 0}]\n",
            r"rule\.yaml: match: USR001: `match:` does not apply to aggregate rules",
        ),
        (  # the branch of the value's own type says what is wrong, not "not of type 'string'"
            RULE.replace("kind: node", "kind: path") + "path: {count: []}\n",
            r"rule\.yaml: path\.count: \[\] should be non-empty \(at least 1 item\)",
        ),
        (
            RULE.replace("{op: Relu}", "{op: Relu, dtype: flaot32}"),
            r"rule\.yaml: match\.dtype: 'flaot32' is not one of: .*\(did you mean 'float32'\?\)",
        ),
        (
            RULE.replace("kind: node", "kind: path") + "path: {count: [Conv], min: 5, max: 2}\n",
            r"rule\.yaml: path: USR001: min \(5\) is above max \(2\)",
        ),
        (
            RULE + "path: {count: [Conv]}\n",
            r"rule\.yaml: path: USR001: `path:` does not apply to node rules",
        ),
    ],
)
def test_invalid_rules_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message) as caught:
        load_lint_rules([_rules_dir(tmp_path, text)])
    assert "\n" not in str(caught.value)


def test_duplicate_rule_codes_name_both_files(tmp_path: Path) -> None:
    directory = _rules_dir(tmp_path, RULE)
    (directory / "again.yaml").write_text(RULE.replace("probe-rule", "other-name"))
    with pytest.raises(
        RuleError,
        match=r"\.yaml: id: duplicate rule code 'USR001' \(also "
        r"used by USR001 in .*\.yaml\)",
    ):
        load_lint_rules([directory])
    (directory / "again.yaml").write_text(
        RULE.replace("USR001", "USR002").replace("probe-rule", "uncosted-node")
    )
    with pytest.raises(
        RuleError,
        match=r"\.yaml: name: duplicate rule code 'uncosted-node' \(also used by MLC001",
    ):  # the key of the clashing code, not `id`
        load_lint_rules([directory])
    (directory / "again.yaml").write_text("macros:\n  '@norm': {ops: [Relu]}\n")
    with pytest.raises(RuleError, match=r"macros\.@norm: macro @norm is defined twice \(first in"):
        load_lint_rules([directory])


def test_cycle_in_extends(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: [strict, a.yaml]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "a.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'a.yaml'}: extends: cycle in extends: {tmp_path / 'a.yaml'} -> "
        f"{tmp_path / 'b.yaml'} -> {tmp_path / 'a.yaml'}"
    )


def test_builtin_presets_validate() -> None:
    """Presets skip validation at run time (a check without a config file never imports
    jsonschema): this is where they are checked."""
    for name in PRESETS:
        path = preset_path(name)
        validate_document(
            read_yaml(str(path), ConfigError), "config", path=str(path), error=ConfigError
        )


def test_extends_presets_and_files_with_origins(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("extends: strict\nignore: [MLC]\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nignore: [USR]\nfail-on: info\n")
    config = load_config(tmp_path / "child.yaml")
    assert config.ignore == ("MLC", "USR")  # appended along the chain
    assert config.rule_options["MLC001"] == {"severity": "error"}  # from the strict preset
    assert config.select == ("ALL",)
    assert config.origins["ignore"] == f"{tmp_path / 'base.yaml'}, {tmp_path / 'child.yaml'}"
    assert config.origins["select"] == "preset recommended"
    assert config.origins["fail-on"] == str(tmp_path / "child.yaml")
    with pytest.raises(
        ConfigError,
        match=r"bad\.yaml: extends: 'nope\.yaml': no such preset or file "
        r"\(presets: recommended, strict\)",
    ):
        (tmp_path / "bad.yaml").write_text("extends: nope.yaml\n")
        load_config(tmp_path / "bad.yaml")


def test_config_show_prints_values_and_where_they_came_from(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("extends: recommended\nignore: [MLC001]\n")
    code, out, _ = run("config", "show", "--config", str(config))
    assert code == 0
    assert out.splitlines() == [
        f"# effective configuration from {config}",
        "",
        "fail-on: error  # from preset recommended",
        f"ignore: [MLC001]  # from {config}",
        "select: [ALL]  # from preset recommended",
    ]


def test_selection_and_per_file_ignores(tmp_path: Path, write_model: Callable[..., Path]) -> None:
    model = write_model(UNCOSTED, name="models/custom.onnx")
    (tmp_path / ".git").mkdir()
    config = tmp_path / ".modelint.yaml"
    config.write_text("per-file-ignores:\n  'models/*.onnx': [MLC001]\n")
    assert "MLC001" not in run("check", str(model))[1]
    config.write_text("ignore: [uncosted-node]\n")
    assert "MLC001" not in run("check", str(model))[1]
    config.write_text("select: [MLX]\n")
    code, _, err = run("check", str(model))
    assert code == 2
    assert err == f"modelint: error: {config}: select: 'MLX' selects no rule\n"
    config.write_text("select: [MLC001]\nrules:\n  MLC001: {depth: 3}\n")
    code, _, err = run("check", str(model))
    assert err == (
        f"modelint: error: {config}: rules.MLC001.depth: MLC001 has no parameter "
        "'depth'; parameters: severity\n"
    )
    config.write_text("fail-on: info\n")
    assert run("check", str(model))[0] == 1  # the MLC001 info finding fails at fail-on info
    code, out, _ = run("check", "--select", "MLC", "--ignore", "MLC001", str(model))
    assert code == 0 and "MLC001" not in out


def _suppression_config(tmp_path: Path, expires: date, extra: str = "") -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    config = tmp_path / ".modelint.yaml"
    config.write_text(
        "rules:\n  MLC001: {severity: error}\n"
        "suppressions:\n"
        "  - rules: [MLC001]\n    files: ['*.onnx']\n    nodes: 'Foo:*'\n    op: Foo\n"
        f"    reason: vendor kernel, costed by hand\n    expires: {expires.isoformat()}\n" + extra
    )
    return config


def test_suppressed_findings_are_kept_marked_and_do_not_fail(
    tmp_path: Path, write_model: Callable[..., Path]
) -> None:
    model = write_model(UNCOSTED, name="custom.onnx")
    _suppression_config(
        tmp_path,
        date.today() + timedelta(days=30),
        "  - rules: [USR]\n    reason: nothing matches this one\n",
    )
    code, out, _ = run("check", "--format", "json", str(model))
    data = json.loads(out)
    [finding] = data["models"][0]["findings"]
    assert finding["suppression"] == "vendor kernel, costed by hand"
    assert code == 0 and data["summary"]["suppressed"] == 1
    [unused] = data["config_findings"]
    assert (unused["rule_id"], unused["severity"], unused["node"]) == (
        "MLS002",
        "info",
        "suppressions[1]",
    )
    assert (
        unused["message"] == "suppression matched no finding (nothing matches this one); remove it"
    )


def test_unused_suppressions_are_judged_only_where_their_rules_ran(
    tmp_path: Path, write_model: Callable[..., Path]
) -> None:
    """pre-commit passes only the changed files and --select narrows the rules: a suppression
    for another file, or for rules that did not run, cannot be called unused."""
    model = write_model(UNCOSTED, name="custom.onnx")
    _suppression_config(
        tmp_path,
        date.today() + timedelta(days=30),
        "  - rules: [MLG003]\n    files: [other.onnx]\n    reason: elsewhere\n"
        "  - rules: [MLA001]\n    reason: not selected below\n",
    )
    code, out, _ = run("check", "--format", "json", "--select", "MLC", str(model))
    assert code == 0 and json.loads(out)["config_findings"] == []
    code, out, _ = run("check", "--format", "json", str(model))
    assert [f["node"] for f in json.loads(out)["config_findings"]] == ["suppressions[2]"]
    code, out, _ = run("check", "--format", "json", "--ignore", "MLS002", str(model))
    assert code == 0 and json.loads(out)["config_findings"] == []


def test_expired_suppressions_stop_suppressing_and_are_reported(
    tmp_path: Path, write_model: Callable[..., Path]
) -> None:
    model = write_model(UNCOSTED, name="custom.onnx")
    expired = date.today() - timedelta(days=1)
    _suppression_config(tmp_path, expired)
    code, out, _ = run("check", str(model))
    assert code == 1  # the MLC001 error is no longer suppressed
    assert (
        f"{tmp_path / '.modelint.yaml'}: warning MLS001 expired-suppression "
        f"[suppressions[0]] suppression expired on {expired.isoformat()} (vendor kernel, "
        "costed by hand); it no longer suppresses anything"
    ) in out


def test_invalid_suppressions(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("suppressions:\n  - rules: [MLC001]\n")
    with pytest.raises(ConfigError, match=r"suppressions\[0\]: 'reason' is a required property"):
        load_config(config)
    config.write_text("suppressions:\n  - {rules: [X], reason: why not, node-regex: '('}\n")
    with pytest.raises(ConfigError, match=r"suppressions\[0\]: node-regex does not compile"):
        load_config(config)
    config.write_text("suppressions:\n  - {rules: [X], reason: why not, expires: soon}\n")
    with pytest.raises(ConfigError, match=r"expires 'soon' is not a date \(YYYY-MM-DD\)"):
        load_config(config)


def test_fail_on_never_and_strict_preset(tmp_path: Path, write_model: Callable[..., Path]) -> None:
    model = write_model(UNCOSTED, name="custom.onnx")
    assert run("check", "--strict", "--fail-on", "never", str(model))[0] == 0
    config = tmp_path / "c.yaml"
    config.write_text("extends: strict\n")
    code, out, _ = run("check", "--config", str(config), str(model))
    assert code == 1 and "error MLC001" in out


@pytest.mark.parametrize(
    ("value", "shown"),
    [("critical", "'critical'"), ("off", "False"), ("3", "3"), ("Warning", "'Warning'")],
)
def test_invalid_rule_severity_in_config_is_a_one_line_config_error(
    tmp_path: Path, write_model: Callable[..., Path], value: str, shown: str
) -> None:
    model = write_model(UNCOSTED, name="custom.onnx")
    config = tmp_path / ".modelint.yaml"
    config.write_text(f"rules: {{MLA001: {{severity: {value}}}}}\n")
    code, out, err = run("check", "--config", str(config), str(model))
    assert (code, out) == (2, "")
    assert err.startswith(
        f"modelint: error: {config}: rules.MLA001.severity: {shown} is not "
        "one of: error, warning, info"
    )
    assert err.count("\n") == 1 and "internal error" not in err


def test_rule_severity_of_a_config_built_in_code_is_checked_too(tmp_path: Path) -> None:
    config = Config(path="cfg.yaml", rule_options={"MLA001": {"severity": "critical"}})
    with pytest.raises(
        ConfigError,
        match=r"^cfg\.yaml: rules\.MLA001\.severity: 'critical' "
        r"is not one of: error, warning, info$",
    ):
        rule_settings(tmp_path / "m.onnx", config, load_lint_rules([]))


def test_a_message_that_cannot_format_its_value_leaves_the_rule_undecided(
    tmp_path: Path,
) -> None:
    """'.1f' fits numbers, not the node's name: the rule cannot decide on that node (shown),
    and the model is still checked (it was an internal error, the model not read)."""
    rules = _rules_dir(tmp_path, RULE.replace('"{op}"', '"{name:.1f}"'))
    model = tmp_path / "m.onnxtxt"
    model.write_text(HEADER + "g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }")
    code, out, err = run("check", "--rules", str(rules), str(model))
    assert (code, err) == (0, "")
    assert "undecided USR001 on 1 node: cannot format '' as '.1f'" in out


def test_the_rule_schema_knows_every_dtype_modelint_reports() -> None:
    import modelint
    from modelint.graph.tensors import DTYPE_BITS

    schema_file = Path(modelint.__file__).parent / "schemas" / "lint-rule.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    dtype = schema["definitions"]["match"]["properties"]["dtype"]
    assert sorted(dtype["enum"]) == sorted(DTYPE_BITS)
