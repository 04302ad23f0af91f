"""``rules``, ``rule``, ``costs`` and ``test`` use the rule directories in force where they
run, as ``check`` does: the config's ``rule-paths``, then ``--rules``."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run
from rule_samples import NO_SIGMOID_RULE

RULE = NO_SIGMOID_RULE
COSTS = """\
domain: acme
ops:
  Frobnicate:
    source: our kernel does 7 FLOPs per element
    inputs: [X]
    outputs: [Y]
    flops: 7 * numel(Y)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    rules = tmp_path / "tools" / "npu-rules"
    rules.mkdir(parents=True)
    (rules / "ACME001.yaml").write_text(RULE)
    (rules / "acme-costs.yaml").write_text(COSTS)
    (tmp_path / ".modelint.yaml").write_text("rule-paths: [tools/npu-rules]\n")
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")  # the config is found walking up
    return tmp_path


def test_rules_and_rule_list_the_configs_rules(project: Path) -> None:
    code, out, _ = run("rules")
    assert code == 0 and "ACME001" in out
    code, out, _ = run("rule", "ACME001")
    assert code == 0 and "Our NPU has no sigmoid unit" in out


def test_costs_list_the_configs_cost_entries(project: Path) -> None:
    code, out, _ = run("costs")
    assert code == 0 and "acme::Frobnicate" in out


def test_an_explicit_config_applies_from_anywhere(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert "ACME001" not in run("rules")[1]
    code, out, _ = run("rules", "--config", str(project / ".modelint.yaml"))
    assert code == 0 and "ACME001" in out


def test_test_without_a_directory_runs_the_configs_rule_directories(project: Path) -> None:
    """The modelint-test-rules hook without args: its output must not be 'rules: not a
    directory' when the config names the rule directory."""
    code, out, err = run("test")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "2 passed, 0 failed"  # ACME001's docs fail and pass cases


def test_test_with_nothing_to_run_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = run("test")
    assert code == 2
    assert err == (
        "modelint test: no rule directory given, none in the config's rule-paths, and no ./rules\n"
    )


COSTLY = """\
id: ACME002
name: costly-frobnicate
summary: A Frobnicate over our NPU's budget.
description: Our NPU runs Frobnicate in firmware; more than 10 FLOPs of it stalls the queue.
severity: warning
kind: node
match: {op: Frobnicate, domain: acme}
where: cost.flops > 10
message: "{op} costs {cost.flops} FLOPs"
docs:
  fail: |
    <ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
    g (float[1, 4] x) => (float[1, 4] y) {
        y = acme.Frobnicate (x)
    }
  pass: |
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 4] x) => (float[1, 4] y) {
        y = Relu (x)
    }
"""


def test_rule_tests_cost_the_directorys_own_ops(tmp_path: Path) -> None:
    """A lint rule over the team's own op reads its cost from the same directory's cost
    rules (7 FLOPs x 4 elements = 28): the test used built-in costs only, found the op
    uncosted, and failed a rule that check applies."""
    rules = tmp_path / "npu-rules"
    rules.mkdir()
    (rules / "ACME002.yaml").write_text(COSTLY)
    (rules / "acme-costs.yaml").write_text(COSTS)
    code, out, err = run("test", str(rules))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "2 passed, 0 failed"


def test_an_example_that_does_not_parse_says_where(tmp_path: Path) -> None:
    rules = tmp_path / "npu-rules"
    rules.mkdir()
    (rules / "ACME002.yaml").write_text(COSTLY.replace("y = acme.Frobnicate (x)", "y = ("))
    (rules / "acme-costs.yaml").write_text(COSTS)
    code, _, err = run("test", str(rules))
    assert code == 2 and err.count("\n") == 1
    assert "ACME002 docs.fail: example model does not parse: line 4, column 1: Expected" in err
    assert "\\n" not in err and "b'" not in err
